"""Headline indicators computed from enterprise reports, the target lights and the peer ranking.

Growth follows the statistical conventions of docs/domain.md §6:
- cumulative year on year: (Σ Jan..N this year ÷ Σ Jan..N last year − 1) × 100 %;
- the same set of enterprises on both sides: only enterprises with a counted report in both
  periods enter the growth rate (the level counts every enterprise reporting this year);
- 1-2月 is one period.
Only report versions without an open or refused verification finding are counted.

``recompute`` runs inside the import transaction, so indicators are fresh the moment a file is
accepted — there is no nightly rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

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

    note = ""


# --------------------------------------------------------------------------- comparable prices

MISSING_INDEX = "缺少价格指数"


def price_indices(district_ids, periods) -> dict[tuple, dict[str, Decimal]]:
    """(district id, period) → {division ("" = all industry): PPI, same period last year = 100}."""
    from .models import PriceIndex

    result: dict[tuple, dict[str, Decimal]] = defaultdict(dict)
    for district_id, division, day, index in PriceIndex.objects.filter(
        district_id__in=district_ids, period__in=[p.date for p in periods]
    ).values_list("district_id", "division", "period", "index"):
        result[(district_id, Period.from_date(day))][division] = index
    return result


@dataclass
class DeflatedAggregate:
    """规上工业增加值 growth at comparable prices, over the same set of enterprises.

    Each enterprise's cumulative gross output this year is divided by its division's PPI
    (same period last year = 100; the all-industry index when its division has none), which puts it
    at last year's prices; the growth of that against last year's output of the same enterprises is
    the growth of value added on the assumption that each enterprise's value-added rate is unchanged
    between the two years (the usual approximation when enterprises do not report value added).
    The level of value added is not known, so no level is stored; without an index for an enterprise
    in the same set there is no growth either, and ``note`` says which division lacks one."""

    this_same_set: Decimal = Decimal(0)  # at last year's prices
    last_same_set: Decimal = Decimal(0)
    count: int = 0
    missing: set = field(default_factory=set)

    cumulative = None  # no level: value added itself is not reported

    @property
    def growth(self):
        return None if self.missing else growth_rate(self.this_same_set, self.last_same_set)

    @property
    def note(self) -> str:
        if not self.missing:
            return ""
        from districtops.core.codes import DIVISIONS

        names = [f"{d} {DIVISIONS[d][1]}" if d in DIVISIONS else d for d in sorted(self.missing)]
        return f"{MISSING_INDEX}（{'、'.join(names)}）"[:200]


def deflated_aggregate(
    this: dict[int, tuple], last: dict[int, tuple], divisions: dict[int, str], indices: dict[str, Decimal]
) -> dict[int | None, DeflatedAggregate]:
    """Per street (key: street id) and for the district (key: None), at comparable prices."""
    result: dict[int | None, DeflatedAggregate] = defaultdict(DeflatedAggregate)
    fallback = indices.get("")
    for enterprise_id, (street_id, value) in this.items():
        same_set = enterprise_id in last
        division = divisions.get(enterprise_id, "")
        index = indices.get(division, fallback) if same_set else None
        for key in (None, street_id) if street_id else (None,):
            agg = result[key]
            agg.count += 1
            if not same_set:
                continue
            if index is None or index <= 0:
                agg.missing.add(division)
                continue
            agg.this_same_set += value * HUNDRED / index
            agg.last_same_set += last[enterprise_id][1]
    return result


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


def _cumulatives_by_period(aggregates, district_ids, periods, divisions: dict | None = None) -> dict:
    """(indicator id, district id, period) → {enterprise id: (street id, cumulative)}, in one query.
    ``divisions`` (when given) is filled with enterprise id → GB/T 4754 division (2 digits)."""
    fields = sorted({f for ind in aggregates for f in ind.field_list()})
    rows = ReportValue.objects.filter(
        report__district_id__in=district_ids,
        report__period__in=[p.date for p in periods],
        report__is_current=True,
        report__status__in=COUNTED_STATUSES,
        field_code__in=fields,
        cumulative__isnull=False,
    ).values_list(
        "report__district_id",
        "report__period",
        "report__enterprise_id",
        "report__street_id",
        "report__enterprise__sector",
        "report__enterprise__industry_code",
        "field_code",
        "cumulative",
    )
    by_field_sector = defaultdict(list)
    for ind in aggregates:
        for f in ind.field_list():
            for sector in ind.sector_list():
                by_field_sector[(f, sector)].append(ind.pk)
    result: dict[tuple, dict[int, tuple]] = defaultdict(dict)
    periods_by_date = {p.date: p for p in periods}
    periods_by_date.update({p.date.isoformat(): p for p in periods})  # SQLite hands dates back as text
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    for district_id, day, enterprise_id, street_id, sector, industry_code, field_code, cumulative in raw:
        if divisions is not None:
            divisions[enterprise_id] = (industry_code or "")[:2]
        day = day if isinstance(day, dt.date) else str(day)[:10]
        cumulative = cumulative if isinstance(cumulative, Decimal) else Decimal(str(cumulative))
        for indicator_id in by_field_sector.get((field_code, sector), ()):
            bucket = result[(indicator_id, district_id, periods_by_date[day])]
            previous = bucket.get(enterprise_id)
            bucket[enterprise_id] = (street_id, cumulative + (previous[1] if previous else 0))
    return result


def recompute(district_ids, periods) -> int:
    """Rewrite the computed values of every aggregate indicator for the districts at ``periods`` and
    at the same periods next year (whose growth uses them as the base). A handful of queries and
    bulk writes whatever the number of districts. Returns the number of rows written."""
    if isinstance(district_ids, int):
        district_ids = [district_ids]
    imported = set(periods)
    touched = imported | {Period(p.year + 1, p.month) for p in imported}
    needed = touched | {p.same_last_year() for p in touched}
    aggregates = list(Indicator.objects.filter(source=IndicatorSource.AGGREGATE))
    if not aggregates:
        return 0
    divisions: dict[int, str] = {}
    data = _cumulatives_by_period(aggregates, district_ids, needed, divisions)
    deflated = any(ind.deflated for ind in aggregates)
    prices = price_indices(district_ids, touched) if deflated else {}
    existing, present = {}, set()
    for v in IndicatorValue.objects.filter(
        indicator__in=aggregates,
        district_id__in=district_ids,
        period__in=[p.date for p in touched],
        is_entered=False,
    ):
        period = Period.from_date(v.period)
        existing[(v.indicator_id, v.unit_id, period)] = v
        present.add((v.indicator_id, v.district_id, period))
    fresh: dict[tuple, tuple[int, Aggregate]] = {}
    for indicator in aggregates:
        for district_id in district_ids:
            for period in touched:
                this = data.get((indicator.pk, district_id, period), {})
                last = data.get((indicator.pk, district_id, period.same_last_year()), {})
                has_rows = (indicator.pk, district_id, period) in present
                if not this and (period not in imported or not last) and not has_rows:
                    continue
                if indicator.deflated:
                    results = deflated_aggregate(this, last, divisions, prices.get((district_id, period), {}))
                    results.setdefault(None, DeflatedAggregate())
                else:
                    results = aggregate(this, last)
                    results.setdefault(None, Aggregate())
                for key, agg in results.items():
                    fresh[(indicator.pk, district_id if key is None else key, period)] = (district_id, agg)
    # A value a department entered by hand (e.g. a peer district's published figure) wins
    # over the aggregate: never write a computed row beside it.
    entered = set(
        IndicatorValue.objects.filter(
            indicator__in=aggregates,
            district_id__in=district_ids,
            period__in=[p.date for p in touched],
            is_entered=True,
        ).values_list("indicator_id", "unit_id", "period")
    )
    to_create, to_update = [], []
    now = timezone.now()
    for key, (district_id, agg) in fresh.items():
        indicator_id, unit_id, period = key
        if (indicator_id, unit_id, period.date) in entered:
            continue
        fields = {
            "cumulative": agg.cumulative,
            "cumulative_last_year": None if isinstance(agg, DeflatedAggregate) else agg.last_same_set,
            "growth": agg.growth,
            "enterprise_count": agg.count,
            "note": agg.note,
        }
        row = existing.get(key)
        if row is None:
            to_create.append(
                IndicatorValue(
                    indicator_id=indicator_id,
                    unit_id=unit_id,
                    district_id=district_id,
                    period=period.date,
                    **fields,
                )
            )
        elif any(getattr(row, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(row, k, v)
            row.version += 1
            row.updated_at = now
            to_update.append(row)
    stale = [row.pk for key, row in existing.items() if key not in fresh and key[2] in touched]
    if stale:
        IndicatorValue.objects.filter(pk__in=stale).delete()
    IndicatorValue.objects.bulk_create(to_create, batch_size=2000)
    IndicatorValue.objects.bulk_update(
        to_update,
        ["cumulative", "cumulative_last_year", "growth", "enterprise_count", "note", "version", "updated_at"],
        batch_size=2000,
    )
    return len(to_create) + len(to_update)


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


def target_status(
    target: Target, values_by_period: dict, full_year_last: Decimal | None, yellow_gap
) -> TargetStatus:
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
        # Time progress on the indicator's own calendar: the share of last year's total reached by
        # the same period (1-2月 is a low season; month ÷ 12 would paint every January red).
        same_last = values_by_period.get(period.same_last_year())
        if same_last is not None and same_last.cumulative is not None:
            elapsed = (same_last.cumulative / full_year_last).quantize(Decimal("0.0001"))
        else:
            elapsed = (Decimal(period.month) / 12).quantize(Decimal("0.0001"))
        plight = progress_light(progress, elapsed)
    return TargetStatus(target, value, period, gap, light, progress, elapsed, plight)


def peer_ranking(indicator: Indicator, period: Period, visible_values) -> list[dict]:
    """District-level values of every district the person can see (own + published), best growth first."""
    return rank_peers(
        visible_values.filter(indicator=indicator, period=period.date, unit__kind="district").select_related(
            "unit"
        )
    )


def rank_peers(values) -> list[dict]:
    """Rank district-level values of one indicator and period by growth (those without growth left out)."""
    rows = sorted((v for v in values if v.growth is not None), key=lambda v: v.growth, reverse=True)
    return [
        {"rank": i, "unit": v.unit, "growth": v.growth, "cumulative": v.cumulative}
        for i, v in enumerate(rows, 1)
    ]


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
    # Names and industries of the district's enterprises in one read (a district has a few thousand;
    # an IN list of all of them would cost more to compile than to scan).
    register = {
        pk: (name, code)
        for pk, name, code in Enterprise.objects.filter(district_id=district_id).values_list(
            "pk", "name", "industry_code"
        )
    }
    moved = [e for e in common if e not in register]  # reported here, registered elsewhere since
    if moved:
        register.update(
            {
                pk: (name, code)
                for pk, name, code in Enterprise.objects.filter(pk__in=moved).values_list(
                    "pk", "name", "industry_code"
                )
            }
        )
    names = {e: register[e][0] for e in common}
    divisions = {e: register[e][1] for e in common}
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
