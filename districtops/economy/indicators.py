"""Headline indicators computed from enterprise reports, the target lights and the peer ranking.

Growth follows the statistical conventions of DOMAIN.md §6:
- cumulative year on year: (Σ Jan..N this year ÷ Σ Jan..N last year − 1) × 100 %;
- the same set of enterprises on both sides: only enterprises with a counted report in both
  periods enter the growth rate (the level counts every enterprise reporting this year);
- 1-2月 is one period.
Only report versions without an open or refused verification finding are counted.

``recompute`` runs inside the import transaction, so indicators are fresh the moment a file is
accepted — there is no nightly rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from .models import (
    COUNTED_STATUSES,
    Enterprise,
    Indicator,
    IndicatorSource,
    IndicatorValue,
    ReportValue,
    Target,
    TargetKind,
)
from .periods import Period

HUNDRED = Decimal(100)


def growth_rate(this: Decimal | None, last: Decimal | None) -> Decimal | None:
    """Percentage growth rounded to 0.01; None without a positive base."""
    if this is None or not last or last <= 0:
        return None
    return ((Decimal(this) / Decimal(last) - 1) * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def enterprise_cumulatives(indicator: Indicator, district_id: int, period: Period) -> dict[int, tuple]:
    """enterprise id → (street id, cumulative in yuan) over the indicator's fields, counted reports only."""
    rows = (
        ReportValue.objects.filter(
            report__district_id=district_id,
            report__period=period.date,
            report__is_current=True,
            report__status__in=COUNTED_STATUSES,
            report__enterprise__sector__in=indicator.sector_list(),
            field_code__in=indicator.field_list(),
            cumulative__isnull=False,
        )
        .values("report__enterprise_id", "report__street_id")
        .annotate(total=Sum("cumulative"))
    )
    return {r["report__enterprise_id"]: (r["report__street_id"], r["total"]) for r in rows}


@dataclass
class Aggregate:
    cumulative: Decimal = Decimal(0)
    this_same_set: Decimal = Decimal(0)
    last_same_set: Decimal = Decimal(0)
    count: int = 0

    @property
    def growth(self):
        return growth_rate(self.this_same_set, self.last_same_set)


def aggregate(this: dict[int, tuple], last: dict[int, tuple]) -> dict[int | None, Aggregate]:
    """Per street (key: street id) and for the district (key: None)."""
    result: dict[int | None, Aggregate] = defaultdict(Aggregate)
    for enterprise_id, (street_id, value) in this.items():
        for key in (None, street_id) if street_id else (None,):
            agg = result[key]
            agg.cumulative += value
            agg.count += 1
            if enterprise_id in last:
                agg.this_same_set += value
                agg.last_same_set += last[enterprise_id][1]
    return result


def recompute(district_id: int, periods) -> int:
    """Rewrite the computed values of every aggregate indicator for ``district_id`` at ``periods``
    and at the same periods next year (whose growth uses them as the base). Returns rows written."""
    imported = set(periods)
    touched = imported | {Period(p.year + 1, p.month) for p in imported}
    written = 0
    for indicator in Indicator.objects.filter(source=IndicatorSource.AGGREGATE):
        for period in sorted(touched):
            this = enterprise_cumulatives(indicator, district_id, period)
            last = enterprise_cumulatives(indicator, district_id, period.same_last_year())
            if not this and (period not in imported or not last):
                if not IndicatorValue.objects.filter(
                    indicator=indicator, district_id=district_id, period=period.date, is_entered=False
                ).exists():
                    continue
            results = aggregate(this, last)
            results.setdefault(None, Aggregate())
            stale = IndicatorValue.objects.filter(
                indicator=indicator, district_id=district_id, period=period.date, is_entered=False
            ).exclude(unit_id__in=[district_id if k is None else k for k in results])
            stale.delete()
            for key, agg in results.items():
                IndicatorValue.objects.update_or_create(
                    indicator=indicator,
                    unit_id=district_id if key is None else key,
                    period=period.date,
                    defaults={
                        "district_id": district_id,
                        "cumulative": agg.cumulative,
                        "cumulative_last_year": agg.last_same_set,
                        "growth": agg.growth,
                        "enterprise_count": agg.count,
                        "is_entered": False,
                    },
                )
                written += 1
    return written


# --------------------------------------------------------------------------- lights


LIGHT_ORDER = {"green": 0, "yellow": 1, "red": 2, "grey": -1}


def gap_light(growth: Decimal | None, target: Decimal, yellow_gap: Decimal) -> str:
    """Green at or above target growth, yellow within ``yellow_gap`` points below, red beyond."""
    if growth is None:
        return "grey"
    if growth >= target:
        return "green"
    if growth >= target - yellow_gap:
        return "yellow"
    return "red"


def progress_light(progress: Decimal | None, elapsed: Decimal) -> str:
    """时间过半、任务过半: progress ≥ elapsed share green; ≥ 70 % of it yellow; else red."""
    if progress is None:
        return "grey"
    if progress >= elapsed:
        return "green"
    if progress >= elapsed * Decimal("0.7"):
        return "yellow"
    return "red"


def worst(*lights: str) -> str:
    known = [light for light in lights if light != "grey"]
    return max(known, key=LIGHT_ORDER.__getitem__) if known else "grey"


@dataclass
class TargetStatus:
    target: Target
    value: IndicatorValue | None
    period: Period | None
    gap: Decimal | None
    gap_light: str
    progress: Decimal | None  # share of the annual target level reached
    elapsed: Decimal | None
    progress_light: str

    @property
    def light(self) -> str:
        return worst(self.gap_light, self.progress_light)


def target_status(target: Target, values_by_period: dict, full_year_last: Decimal | None, yellow_gap) -> TargetStatus:
    """Evaluate a target against the latest value inside its span (the quarter for Q targets)."""
    last_month = 12 if target.kind == TargetKind.ANNUAL else target.quarter * 3
    candidates = [p for p in values_by_period if p.year == target.year and p.month <= last_month]
    if not candidates:
        return TargetStatus(target, None, None, None, "grey", None, None, "grey")
    period = max(candidates)
    value = values_by_period[period]
    gap = (value.growth - target.growth) if value.growth is not None else None
    light = gap_light(value.growth, target.growth, Decimal(yellow_gap))
    progress = elapsed = None
    plight = "grey"
    if target.kind == TargetKind.ANNUAL and full_year_last and value.cumulative is not None:
        goal = full_year_last * (1 + target.growth / HUNDRED)
        progress = (value.cumulative / goal).quantize(Decimal("0.0001"))
        elapsed = Decimal(period.month) / 12
        plight = progress_light(progress, elapsed)
    return TargetStatus(target, value, period, gap, light, progress, elapsed, plight)


def peer_ranking(indicator: Indicator, period: Period, visible_values) -> list[dict]:
    """District-level values of every district the person can see (own + published), best growth first."""
    rows = [
        v
        for v in visible_values.filter(indicator=indicator, period=period.date, unit__kind="district").select_related(
            "unit"
        )
        if v.growth is not None
    ]
    rows.sort(key=lambda v: v.growth, reverse=True)
    return [{"rank": i, "unit": v.unit, "growth": v.growth, "cumulative": v.cumulative} for i, v in enumerate(rows, 1)]


# --------------------------------------------------------------------------- growth drivers


def growth_drivers(indicator: Indicator, district_id: int, period: Period, top: int = 5) -> dict:
    """拉动: each enterprise's and each industry division's contribution to district growth, in
    percentage points: (this − last) ÷ Σ last × 100, over the same-enterprise set."""
    this = enterprise_cumulatives(indicator, district_id, period)
    last = enterprise_cumulatives(indicator, district_id, period.same_last_year())
    common = [e for e in this if e in last]
    base = sum((last[e][1] for e in common), Decimal(0))
    if not base:
        return {"enterprises_up": [], "enterprises_down": [], "industries": [], "total_pp": None}
    names = dict(Enterprise.objects.filter(pk__in=common).values_list("pk", "name"))
    divisions = dict(Enterprise.objects.filter(pk__in=common).values_list("pk", "industry_code"))
    contributions = {e: (this[e][1] - last[e][1]) / base * HUNDRED for e in common}
    ranked = sorted(contributions.items(), key=lambda kv: kv[1], reverse=True)
    by_division: dict[str, Decimal] = defaultdict(Decimal)
    for e, pp in contributions.items():
        by_division[divisions[e][:2]] += pp
    from districtops.core.codes import industry_name

    def row(e, pp):
        return {"enterprise_id": e, "name": names[e], "pp": pp.quantize(Decimal("0.01"))}

    return {
        "enterprises_up": [row(e, pp) for e, pp in ranked[:top] if pp > 0],
        "enterprises_down": [row(e, pp) for e, pp in reversed(ranked[-top:]) if pp < 0],
        "industries": [
            {"division": d, "name": industry_name(d), "pp": pp.quantize(Decimal("0.01"))}
            for d, pp in sorted(by_division.items(), key=lambda kv: kv[1], reverse=True)
        ],
        "total_pp": sum(contributions.values(), Decimal(0)).quantize(Decimal("0.01")),
    }
