"""Scorecards (督导考核): per-unit rates over a period, weighted by unit kind, ranked.

On-time closure rate (DOMAIN.md §4) = closed on time ÷ (closed + open and overdue), over
the unit's matters (as lead) that fell due in the period or were closed in it, as of the
period's end (or today, if earlier). Hazards use the same formula on their deadlines;
suggestions count 满意 and 基本满意 among the deputy's evaluations in the period.

Indicators owned by other modules (project node on-time rate, indicator attainment) plug
in through ``EXTRA_INDICATORS``: name → dotted path of ``f(scheme, as_of) → {unit_id: (num, den)}``.
An indicator without data for a unit is left out and the unit's remaining weights rescaled.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils.module_loading import import_string

from districtops.core import clock
from districtops.org.models import Unit, UnitKind

from .models import Matter, ScoreScheme
from .states import OPEN_STATES, MatterState

LABELS = {
    "matters": "督办事项按期办结率",
    "hazards": "隐患按期整改率",
    "suggestions": "代表建议满意率",
    "nodes": "项目节点按期率",
    "indicators": "指标完成率",
}
EXTRA_INDICATORS: dict[str, str] = {}
RANKED_KINDS = (UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT)


@dataclass
class UnitScore:
    unit: Unit
    rates: dict = field(default_factory=dict)  # indicator → (numerator, denominator)
    score: Decimal | None = None
    rank: int | None = None

    def rate(self, name) -> Decimal | None:
        num, den = self.rates.get(name, (0, 0))
        return None if not den else Decimal(num) / Decimal(den)


def as_of(scheme: ScoreScheme) -> dt.date:
    return min(scheme.period_end, clock.today())


def matter_population(scheme: ScoreScheme, day: dt.date):
    """The matters a scheme counts: due in the period (up to ``day``) or closed in it."""
    return Matter.objects.filter(district=scheme.district).filter(
        Q(deadline__gte=scheme.period_start, deadline__lte=day)
        | Q(closed_on__gte=scheme.period_start, closed_on__lte=day)
    )


def _closure_rates(
    queryset, unit_field, day, *, closed_q, deadline="deadline", closed_on="closed_on", open_q
):
    rows = queryset.values(unit_field).annotate(
        on_time=Count("pk", filter=closed_q & Q(**{f"{closed_on}__lte": F(deadline)})),
        closed=Count("pk", filter=closed_q),
        open_overdue=Count("pk", filter=open_q & Q(**{f"{deadline}__lt": day})),
    )
    return {r[unit_field]: (r["on_time"], r["closed"] + r["open_overdue"]) for r in rows}


def matter_rates(scheme, day):
    closed = Q(state=MatterState.CLOSED, closed_on__lte=day)
    open_q = Q(state__in=OPEN_STATES) | Q(state=MatterState.CLOSED, closed_on__gt=day)
    return _closure_rates(matter_population(scheme, day), "lead_unit_id", day, closed_q=closed, open_q=open_q)


def hazard_rates(scheme, day):
    from districtops.hazards.models import Hazard, HazardState

    hazards = Hazard.objects.filter(district=scheme.district).filter(
        Q(deadline__gte=scheme.period_start, deadline__lte=day)
        | Q(closed_on__gte=scheme.period_start, closed_on__lte=day)
    )
    closed = Q(state=HazardState.CLOSED, closed_on__lte=day)
    open_q = ~Q(state=HazardState.CLOSED) | Q(closed_on__gt=day)
    return _closure_rates(hazards, "unit_id", day, closed_q=closed, open_q=open_q)


def suggestion_rates(scheme, day):
    from districtops.deputies.models import Satisfaction, Suggestion

    rows = (
        Suggestion.objects.filter(
            district=scheme.district, evaluated_on__gte=scheme.period_start, evaluated_on__lte=day
        )
        .values("handling_unit_id")
        .annotate(
            good=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
            total=Count("pk"),
        )
    )
    return {r["handling_unit_id"]: (r["good"], r["total"]) for r in rows}


PROVIDERS = {"matters": matter_rates, "hazards": hazard_rates, "suggestions": suggestion_rates}


def compute(scheme: ScoreScheme) -> dict[str, list[UnitScore]]:
    """Scores for every street and department of the district, ranked within each kind."""
    day = as_of(scheme)
    units = list(
        Unit.objects.filter(district=scheme.district, kind__in=RANKED_KINDS, is_active=True).order_by(
            "sort_order", "name"
        )
    )
    wanted = {name for kind_weights in scheme.weights.values() for name, w in kind_weights.items() if w}
    data = {}
    for name in wanted:
        provider = PROVIDERS.get(name) or (
            import_string(EXTRA_INDICATORS[name]) if name in EXTRA_INDICATORS else None
        )
        if provider is not None:
            data[name] = provider(scheme, day)
    tables = defaultdict(list)
    for unit in units:
        card = UnitScore(unit)
        weights = scheme.weights.get(unit.kind, {})
        total_weight, total = Decimal(0), Decimal(0)
        for name, weight in weights.items():
            if not weight or name not in data or unit.pk not in data[name]:
                continue
            card.rates[name] = data[name][unit.pk]
            rate = card.rate(name)
            if rate is None:
                continue
            total_weight += Decimal(weight)
            total += Decimal(weight) * rate
        if total_weight:
            card.score = (total / total_weight * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        tables[unit.kind].append(card)
    for kind, cards in tables.items():
        scored = sorted((c for c in cards if c.score is not None), key=lambda c: (-c.score, c.unit.name))
        for i, card in enumerate(scored, start=1):
            # equal scores share a rank
            card.rank = scored[i - 2].rank if i > 1 and card.score == scored[i - 2].score else i
        tables[kind] = scored + [c for c in cards if c.score is None]
    return dict(tables)


def red_black(scheme: ScoreScheme, cards: list[UnitScore]) -> tuple[list[UnitScore], list[UnitScore]]:
    scored = [c for c in cards if c.score is not None]
    red = scored[: scheme.red_size]
    black = [c for c in reversed(scored) if c not in red][: scheme.black_size]
    return red, black


def drill_down(scheme: ScoreScheme, unit: Unit) -> dict[str, list[Matter]]:
    """The matters behind a unit's on-time rate, by how they count."""
    day = as_of(scheme)
    matters = matter_population(scheme, day).filter(lead_unit=unit).order_by("deadline", "id")
    groups = {"on_time": [], "late": [], "open_overdue": [], "not_counted": []}
    for m in matters:
        closed = m.state == MatterState.CLOSED and m.closed_on <= day
        if closed:
            groups["on_time" if m.closed_on <= m.deadline else "late"].append(m)
        elif m.deadline < day:
            groups["open_overdue"].append(m)
        else:
            groups["not_counted"].append(m)
    return groups
