"""Scorecards (督导考核): per-unit rates over a period, weighted by unit kind, ranked.

On-time closure rate (docs/domain.md §4) = closed on time ÷ (closed + open and overdue), over
the unit's matters (as lead) that fell due in the period or were closed in it, as of the
period's end (or today, if earlier). Hazards use the same formula on their deadlines;
suggestions count 满意 and 基本满意 among the deputy's evaluations in the period.

Project node on-time rate: nodes of construction projects the unit leads with a planned end in
the period: done by the planned end ÷ (done + open and past the planned end), as of the same
day. Indicator attainment (economy, read only): for a unit with annual targets of the as-of
year, the share of those indicators whose cumulative value keeps up with time progress
(``economy.indicators.target_status``: progress ≥ elapsed share, the green rule of
时间过半、任务过半); a target that cannot be evaluated yet (no figure this year, no last-year
total) is left out.

Further indicators plug in through ``EXTRA_INDICATORS``: name → dotted path of
``f(scheme, as_of) → {unit_id: (num, den)}`` (and a label in ``LABELS``).
An indicator without data for a unit is left out and the unit's remaining weights rescaled.
Every indicator has a drill-down (``drill_downs``) listing the records behind its numbers.
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


def node_population(scheme: ScoreScheme):
    from districtops.projects.models import ProjectNode

    return ProjectNode.objects.filter(
        project__district=scheme.district,
        planned_end__gte=scheme.period_start,
        planned_end__lte=scheme.period_end,
    )


def node_rates(scheme, day):
    """Project nodes of the projects a unit leads, with a planned end in the period."""
    done = Q(actual_end__isnull=False, actual_end__lte=day)
    open_q = Q(actual_end__isnull=True) | Q(actual_end__gt=day)
    return _closure_rates(
        node_population(scheme), "project__lead_unit_id", day,
        closed_q=done, deadline="planned_end", closed_on="actual_end", open_q=open_q,
    )  # fmt: skip


@dataclass
class TargetCheck:
    """One annual target of a unit, evaluated against time progress as of a day."""

    target: object
    progress: Decimal | None  # share of the annual goal reached
    elapsed: Decimal | None  # share of the year gone, on the indicator's own calendar
    period: object = None

    @property
    def evaluable(self) -> bool:
        return self.progress is not None and self.elapsed is not None

    @property
    def met(self) -> bool:
        return self.evaluable and self.progress >= self.elapsed


def target_checks(scheme, day) -> dict[int, list[TargetCheck]]:
    """Per unit: its annual targets of ``day``'s year, each checked against time progress with
    the economy module's own rule (read only)."""
    from districtops.economy import indicators as econ
    from districtops.economy.models import IndicatorValue, Target, TargetKind
    from districtops.economy.periods import Period

    targets = list(
        Target.objects.filter(district=scheme.district, year=day.year, kind=TargetKind.ANNUAL)
        .select_related("indicator", "unit")
        .order_by("unit_id", "indicator__sort_order", "indicator_id")
    )
    if not targets:
        return {}
    series: dict[tuple[int, int], dict] = defaultdict(dict)
    values = IndicatorValue.objects.filter(
        district=scheme.district,
        unit_id__in={t.unit_id for t in targets},
        indicator_id__in={t.indicator_id for t in targets},
        period__gte=dt.date(day.year - 1, 1, 1),
        period__lte=day,
    )
    for v in values:
        series[(v.indicator_id, v.unit_id)][Period.from_date(v.period)] = v
    checks: dict[int, list[TargetCheck]] = defaultdict(list)
    for target in targets:
        by_period = series.get((target.indicator_id, target.unit_id), {})
        last_december = by_period.get(Period(day.year - 1, 12))
        full_last = last_december.cumulative if last_december else None
        status = econ.target_status(target, by_period, full_last, Decimal(0))
        checks[target.unit_id].append(TargetCheck(target, status.progress, status.elapsed, status.period))
    return checks


def indicator_rates(scheme, day):
    rates = {}
    for unit_id, checks in target_checks(scheme, day).items():
        evaluable = [c for c in checks if c.evaluable]
        if evaluable:
            rates[unit_id] = (sum(1 for c in evaluable if c.met), len(evaluable))
    return rates


PROVIDERS = {
    "matters": matter_rates,
    "hazards": hazard_rates,
    "suggestions": suggestion_rates,
    "nodes": node_rates,
    "indicators": indicator_rates,
}


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


# --- drill-downs: the records behind every indicator -----------------------------------------

GROUP_LABELS = {
    "on_time": "按期完成",
    "late": "逾期完成",
    "open_overdue": "未完成且已逾期",
    "not_counted": "未到期（不计入）",
    "good": "满意或基本满意",
    "bad": "不满意",
    "met": "达到时间进度",
    "not_met": "未达到时间进度",
    "not_evaluable": "暂无法评价（不计入）",
}
# Groups that make the numerator; every group but the "not counted" ones makes the denominator.
NUMERATOR = {"on_time", "good", "met"}
NOT_COUNTED = {"not_counted", "not_evaluable"}


def _url(name, *args, query=""):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return ""


def _closure_groups(items, day, *, deadline, closed_on, is_closed):
    groups = {"on_time": [], "late": [], "open_overdue": [], "not_counted": []}
    for item in items:
        end, due = getattr(item, closed_on), getattr(item, deadline)
        if is_closed(item) and end is not None and end <= day:
            groups["on_time" if end <= due else "late"].append(item)
        elif due < day:
            groups["open_overdue"].append(item)
        else:
            groups["not_counted"].append(item)
    return groups


def _matter_records(scheme, unit, day):
    groups = drill_down(scheme, unit)
    return {
        key: [{"code": m.code, "title": m.title, "url": m.get_absolute_url(),
               "detail": f"时限 {m.deadline:%Y-%m-%d}" + (f" · 办结 {m.closed_on:%Y-%m-%d}" if m.closed_on else "")}
              for m in items]
        for key, items in groups.items()
    }  # fmt: skip


def _hazard_records(scheme, unit, day):
    from districtops.hazards.models import Hazard, HazardState

    hazards = (
        Hazard.objects.filter(district=scheme.district, unit=unit)
        .filter(
            Q(deadline__gte=scheme.period_start, deadline__lte=day)
            | Q(closed_on__gte=scheme.period_start, closed_on__lte=day)
        )
        .order_by("deadline", "id")
    )
    groups = _closure_groups(
        hazards,
        day,
        deadline="deadline",
        closed_on="closed_on",
        is_closed=lambda h: h.state == HazardState.CLOSED,
    )
    return {
        key: [{"code": h.code, "title": h.title, "url": h.get_absolute_url(),
               "detail": f"时限 {h.deadline:%Y-%m-%d}" + (f" · 销号 {h.closed_on:%Y-%m-%d}" if h.closed_on else "")}
              for h in items]
        for key, items in groups.items()
    }  # fmt: skip


def _suggestion_records(scheme, unit, day):
    from districtops.deputies.models import Satisfaction, Suggestion

    items = Suggestion.objects.filter(
        district=scheme.district,
        handling_unit=unit,
        evaluated_on__gte=scheme.period_start,
        evaluated_on__lte=day,
    ).order_by("evaluated_on", "id")
    groups = {"good": [], "bad": []}
    for s in items:
        good = s.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASIC)
        groups["good" if good else "bad"].append({
            "code": s.number, "title": s.title, "url": s.get_absolute_url(),
            "detail": f"{Satisfaction(s.satisfaction).label} · 评价 {s.evaluated_on:%Y-%m-%d}",
        })  # fmt: skip
    return groups


def _node_records(scheme, unit, day):
    nodes = (
        node_population(scheme)
        .filter(project__lead_unit=unit)
        .select_related("project")
        .order_by("planned_end", "project_id", "sequence")
    )
    groups = _closure_groups(
        nodes,
        day,
        deadline="planned_end",
        closed_on="actual_end",
        is_closed=lambda n: n.actual_end is not None,
    )
    return {
        key: [{"code": n.project.code, "title": f"{n.project.name} · {n.name}",
               "url": _url("projects:construction_detail", n.project_id),
               "detail": f"计划完成 {n.planned_end:%Y-%m-%d}"
                         + (f" · 实际完成 {n.actual_end:%Y-%m-%d}" if n.actual_end else "")}
              for n in items]
        for key, items in groups.items()
    }  # fmt: skip


def _indicator_records(scheme, unit, day):
    groups = {"met": [], "not_met": [], "not_evaluable": []}
    for check in target_checks(scheme, day).get(unit.pk, []):
        target = check.target
        if check.evaluable:
            key = "met" if check.met else "not_met"
            detail = (
                f"{check.period.label}：完成全年目标 {check.progress * 100:.1f}%，"
                f"时间进度 {check.elapsed * 100:.1f}%（目标增速 {target.growth}%）"
            )
        else:
            key, detail = "not_evaluable", f"目标增速 {target.growth}%：本年尚无数据或缺上年全年数"
        groups[key].append({
            "code": target.indicator.code, "title": target.indicator.name, "detail": detail,
            "url": _url("economy:dashboard", query=f"?unit={unit.pk}"),
        })  # fmt: skip
    return groups


DRILL_DOWNS = {
    "matters": _matter_records,
    "hazards": _hazard_records,
    "suggestions": _suggestion_records,
    "nodes": _node_records,
    "indicators": _indicator_records,
}


def drill_downs(scheme: ScoreScheme, unit: Unit) -> list[dict]:
    """For each indicator weighted for the unit's kind: its records, grouped by how they count.
    The numerator is the count of the first group(s) in ``NUMERATOR``; the denominator the count
    of every group not in ``NOT_COUNTED`` — the same figures ``compute`` scores."""
    day = as_of(scheme)
    sections = []
    for name, weight in scheme.weights.get(unit.kind, {}).items():
        if not weight or name not in DRILL_DOWNS:
            continue
        groups = DRILL_DOWNS[name](scheme, unit, day)
        numerator = sum(len(v) for k, v in groups.items() if k in NUMERATOR)
        denominator = sum(len(v) for k, v in groups.items() if k not in NOT_COUNTED)
        sections.append({
            "name": name, "label": LABELS[name], "weight": weight, "numerator": numerator,
            "denominator": denominator,
            "rate": (Decimal(numerator) / Decimal(denominator)) if denominator else None,
            "groups": [{"key": k, "label": GROUP_LABELS[k], "records": v, "counted": k not in NOT_COUNTED}
                       for k, v in groups.items()],
        })  # fmt: skip
    return sections
