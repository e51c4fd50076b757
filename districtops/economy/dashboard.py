"""What the economy dashboard, its API and its Excel export show — computed once, read through the gate.

The dashboard is drawn for one unit: a district (leaders, supervisors, the district's
statisticians) or a street (the street's own staff see their street's figures).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from districtops.gate import permissions
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_ROLES, Role

from . import forecast, indicators, pool, quality, releases
from .models import (
    Enterprise,
    Finding,
    FindingStatus,
    Indicator,
    IndicatorValue,
    Target,
    TargetKind,
)
from .periods import Period
from .services import settings_for

DISTRICT_ROLES = OVERSIGHT_ROLES | {Role.STATISTICIAN}


def district_wide(user, district_id: int) -> bool:
    districts = permissions.scope_of(user).districts_with(DISTRICT_ROLES)
    return districts == permissions.ALL or district_id in districts


def units_for(user) -> list[Unit]:
    """Districts and streets whose dashboard the person may open, district first."""
    scope = permissions.scope_of(user)
    districts = scope.districts_with(DISTRICT_ROLES)
    qs = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True)
    result = list(qs if districts == permissions.ALL else qs.filter(pk__in=districts))
    result += list(
        Unit.objects.filter(kind=UnitKind.SUBDISTRICT, pk__in=scope.units_with(UNIT_ROLES)).order_by("path")
    )
    return result


def resolve_unit(user, unit_id=None) -> Unit:
    units = units_for(user)
    if not units:
        raise PermissionDenied("无权查看经济运行指标")
    if unit_id in (None, ""):
        return units[0]
    for unit in units:
        if str(unit.pk) == str(unit_id):
            return unit
    raise PermissionDenied("无权查看该单位的经济运行指标")


def latest_period(user, unit: Unit) -> Period | None:
    """The period the dashboard opens on: the latest published one (``releases.latest_for``);
    the district's statisticians open on the latest with data, the month being collected."""
    return releases.latest_for(user, unit.district_id)


@dataclass
class Row:
    indicator: Indicator
    value: IndicatorValue | None
    annual: indicators.TargetStatus | None
    quarter: indicators.TargetStatus | None
    rank: int | None
    peers: int
    projection: forecast.Forecast | None
    trend: list = field(default_factory=list)

    @property
    def light(self) -> str:
        lights = [s.light for s in (self.annual, self.quarter) if s is not None]
        return indicators.worst(*lights) if lights else "grey"


def build(user, unit: Unit, period: Period | None = None, *, with_forecast: bool = True) -> dict:
    """Every figure of the dashboard for ``unit`` at ``period`` (default: ``latest_period``).
    A period not published yet is shown to the district's statisticians only; anyone else asking
    for it gets the latest published one (``unpublished`` names the month asked for), and nobody
    sees trend points after the period shown.
    Forecasts fit models (seconds when not cached): the page loads them in a fragment instead."""
    district_id = unit.district_id
    unpublished = None
    if period is not None and not releases.is_visible(user, district_id, period):
        unpublished, period = period, None
    period = period or latest_period(user, unit)
    wide = district_wide(user, district_id)
    settings = settings_for(district_id)
    visible = IndicatorValue.objects.restrict(user, "view")
    own = list(
        visible.filter(unit=unit, period__lte=period.date if period else dt.date.min)
        .select_related("indicator")
        .order_by("period")
    )
    by_indicator: dict[int, dict[Period, IndicatorValue]] = {}
    for v in own:
        by_indicator.setdefault(v.indicator_id, {})[Period.from_date(v.period)] = v
    targets = Target.objects.restrict(user, "view").filter(unit=unit, year=period.year if period else 0)
    annual = {t.indicator_id: t for t in targets if t.kind == TargetKind.ANNUAL}
    quarterly = {
        t.indicator_id: t
        for t in targets
        if t.kind == TargetKind.QUARTER and period and t.quarter == period.quarter
    }
    # Every district's value this period that the person may see, all indicators in one read.
    peers_by_indicator: dict[int, list[IndicatorValue]] = {}
    if period:
        for v in visible.filter(period=period.date, unit__kind=UnitKind.DISTRICT).select_related("unit"):
            peers_by_indicator.setdefault(v.indicator_id, []).append(v)
    rows = []
    for ind in Indicator.objects.all():
        series = by_indicator.get(ind.pk, {})
        value = series.get(period) if period else None
        if value is None and ind.quarterly and period:
            # Quarterly figures (GDP) show the latest published quarter.
            earlier = [p for p in series if p <= period]
            value = series[max(earlier)] if earlier else None
        last_dec = series.get(Period(period.year - 1, 12)) if period else None
        full_last = last_dec.cumulative if last_dec else None
        a = annual.get(ind.pk)
        q = quarterly.get(ind.pk)
        a_status = indicators.target_status(a, series, full_last, settings.yellow_gap_pp) if a else None
        q_status = indicators.target_status(q, series, full_last, settings.yellow_gap_pp) if q else None
        rank = peers = None
        if unit.kind == UnitKind.DISTRICT and value is not None and period:
            ranking = indicators.rank_peers(peers_by_indicator.get(ind.pk, []))
            peers = len(ranking)
            rank = next((r["rank"] for r in ranking if r["unit"].pk == unit.pk), None)
        projection = None
        if with_forecast and period and not ind.quarterly:
            cumulatives = {
                p: float(v.cumulative) for p, v in series.items() if v.cumulative is not None and p <= period
            }
            goal = float(full_last * (1 + a.growth / 100)) if (a and full_last) else None
            projection = forecast.cached_project(cumulatives, period.year, goal) if cumulatives else None
        trend = [
            {
                "key": p.year * 100 + p.month,
                "period": p.label,
                "growth": float(v.growth) if v.growth is not None else None,
            }
            for p, v in sorted(series.items())
            if period is None or p <= period
        ]
        rows.append(Row(ind, value, a_status, q_status, rank, peers or 0, projection, trend))
    findings = Finding.objects.restrict(user, "view").filter(district_id=district_id)
    if unit.kind == UnitKind.SUBDISTRICT:
        findings = findings.filter(street=unit)
    enterprises = Enterprise.objects.restrict(user, "view").filter(district_id=district_id)
    if unit.kind == UnitKind.SUBDISTRICT:
        enterprises = enterprises.filter(street=unit)
    headline = next((r for r in rows if r.indicator.code == "industrial_output"), None)
    return {
        "unit": unit,
        "period": period,
        "unpublished": unpublished,
        "release_state": (state := releases.state_of(district_id, period) if period else ""),
        "release_state_label": releases.ReleaseState(state).label if state else "",
        "district_wide": wide,
        "rows": rows,
        "headline": headline,
        "peer_ranking": (
            indicators.rank_peers(peers_by_indicator.get(headline.indicator.pk, []))
            if headline and period and unit.kind == UnitKind.DISTRICT
            else []
        ),
        "drivers": (
            indicators.growth_drivers(headline.indicator, district_id, period)
            if wide and headline and period and unit.kind == UnitKind.DISTRICT
            else None
        ),
        "finding_counts": quality.finding_counts(findings),
        "riskiest": quality.riskiest_enterprises(findings.exclude(status=FindingStatus.ACCEPTED), limit=5),
        "pool": pool.candidate_pool(enterprises, settings, period) if period else None,
        "settings": settings,
        "at_risk": [r for r in rows if r.quarter and r.quarter.light in ("red", "yellow")],
    }
