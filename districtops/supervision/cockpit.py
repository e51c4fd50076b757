"""What the supervision module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): the matters' figures, the on-time ranking of lead units, the age chart, the
published scorecard, and the overdue matters each street leads (for the streets comparison).

Each function takes the cockpit's context (``cockpit.figures.Context``: who asks, the district,
the month, today) and reads this module's models through the gate with a fixed number of
queries. Open and overdue are the ``MatterQuerySet``'s (``Matter.objects.open_q()`` …).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Q, Value, When

from districtops.cockpit.figures import chart, count_figure, figure, link, number_text, percent, table
from districtops.org.models import UnitKind

from . import scorecards
from .models import Escalation, Matter, ScoreScheme
from .states import MatterState

# Age of a matter since it was assigned (交办), in days: the buckets of the cockpit's chart.
AGE_BUCKETS = ((30, "30日内"), (90, "31–90日"), (180, "91–180日"), (None, "180日以上"))


def matters_by_age_and_state(matters, today: dt.date) -> dict:
    """Counts of ``matters`` (a gated queryset) per age bucket and state, in one grouped query.

    Returns ``{"buckets": [label…], "states": [(value, label)…], "counts": {state: [n per bucket]}}``;
    states with no matter are left out."""
    whens = [
        When(assigned_on__gt=today - dt.timedelta(days=days), then=Value(i))
        for i, (days, _label) in enumerate(AGE_BUCKETS)
        if days is not None
    ]
    age = Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField())
    rows = matters.annotate(age_bucket=age).values("age_bucket", "state").annotate(n=Count("pk")).order_by()
    counts: dict[str, list[int]] = {}
    for row in rows:
        counts.setdefault(row["state"], [0] * len(AGE_BUCKETS))[row["age_bucket"]] += row["n"]
    states = [(value, str(label)) for value, label in MatterState.choices if value in counts]
    return {"buckets": [label for _days, label in AGE_BUCKETS], "states": states, "counts": counts}


def on_time_rate(on_time: int, closed: int, overdue: int) -> float | None:
    """docs/domain.md §4: closed on time ÷ (closed + open and overdue)."""
    whole = closed + overdue
    return None if not whole else on_time / whole


def section(ctx) -> dict | None:
    """Assigned matters: in progress, overdue, closed in the month, listed; on-time ranking by
    unit; the scorecard; matters by age. ``streets`` is each lead unit's overdue matters
    (``street_columns``)."""
    matters = ctx.visible(Matter).filter(district=ctx.district)
    open_q = Matter.objects.open_q()
    overdue_q = Matter.objects.overdue_q(ctx.today)
    on_time_q = Q(state=MatterState.CLOSED, closed_on__lte=F("deadline"))
    counts = matters.aggregate(
        total=Count("pk"),
        in_progress=Count("pk", filter=Q(state=MatterState.IN_PROGRESS)),
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=overdue_q),
        closed_in_period=Count(
            "pk",
            filter=Q(
                state=MatterState.CLOSED,
                closed_on__gte=ctx.period.first_day,
                closed_on__lte=ctx.period.last_day,
            ),
        ),
        closed=Count("pk", filter=Q(state=MatterState.CLOSED)),
        on_time=Count("pk", filter=on_time_q),
        listed=Count("pk", filter=open_q & Q(escalation=Escalation.LISTED)),
    )
    if not counts["total"]:
        return None
    rate = on_time_rate(counts["on_time"], counts["closed"], counts["overdue"])
    ranking = (
        matters.values("lead_unit_id", "lead_unit__name")
        .annotate(
            closed=Count("pk", filter=Q(state=MatterState.CLOSED)),
            on_time=Count("pk", filter=on_time_q),
            overdue=Count("pk", filter=overdue_q),
            open=Count("pk", filter=open_q),
        )
        .order_by("lead_unit__name")
    )
    rows = []
    for r in ranking:
        r["rate"] = on_time_rate(r["on_time"], r["closed"], r["overdue"])
        rows.append(r)
    overdue_by_unit = {r["lead_unit_id"]: r["overdue"] for r in rows}
    # Best first; units with nothing closed or overdue yet have no rate and go last.
    rows.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["overdue"], r["lead_unit__name"]))

    def unit_cell(r, value, **query):
        return {
            "text": value,
            "url": ctx.list_url("supervision:matter_list", lead_unit=r["lead_unit_id"], **query),
        }

    ranking_rows = [
        [
            number_text(i),
            unit_cell(r, r["lead_unit__name"]),
            unit_cell(r, number_text(r["open"])),
            unit_cell(r, number_text(r["overdue"]), overdue=1),
            unit_cell(r, number_text(r["closed"]), state=MatterState.CLOSED),
            number_text(percent(r["rate"]), 1),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    worst = [r for r in rows if r["overdue"]]
    worst.sort(key=lambda r: -r["overdue"])
    notes = []
    if counts["overdue"]:
        names = "、".join(r["lead_unit__name"] for r in worst[:3])
        notes.append(f"督办事项逾期 {counts['overdue']} 件（{names}等），须说明原因并限期办结。")
    if counts["listed"]:
        notes.append(f"挂牌督办事项 {counts['listed']} 件尚未办结。")
    closed = ctx.list_url("supervision:matter_list", state=MatterState.CLOSED)
    return {
        "figures": [
            count_figure(
                "matters_in_progress",
                "办理中事项",
                counts["in_progress"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", state=MatterState.IN_PROGRESS),
            ),
            count_figure(
                "matters_overdue",
                "逾期事项",
                counts["overdue"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", overdue=1),
                alarm="red",
            ),
            count_figure(
                "matters_closed_in_period",
                f"{ctx.period.month}月办结",
                counts["closed_in_period"],
                unit="件",
                url=ctx.list_url(
                    "supervision:matter_list", state=MatterState.CLOSED, closed_in=str(ctx.period)
                ),
            ),
            count_figure(
                "matters_listed",
                "挂牌督办",
                counts["listed"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", escalation=Escalation.LISTED, open=1),
                alarm="yellow",
            ),
            figure(
                "on_time_rate",
                "按时办结率",
                percent(rate),
                unit="%",
                digits=1,
                url=closed,
                light="" if rate is None else "green" if rate >= 0.9 else "yellow" if rate >= 0.7 else "red",
            ),
        ],
        "tables": [
            table(
                "unit_ranking",
                "责任单位按时办结排名",
                ["名次", "责任单位", "在办", "逾期", "已办结", "按时办结率（%）"],
                ranking_rows,
            ),
            *scorecard_tables(ctx),
        ],
        "charts": [matter_age_chart(ctx, matters)],
        "warnings": notes,
        "streets": {"overdue": overdue_by_unit},
    }


def street_columns(ctx) -> list[tuple]:
    """The streets comparison's column of this module: ``(key, label, pk -> list URL)``; the
    counts are ``section(ctx)["streets"][key]`` (the overdue matters each unit leads)."""
    return [
        ("overdue", "逾期事项", lambda pk: ctx.list_url("supervision:matter_list", lead_unit=pk, overdue=1))
    ]


def matter_age_chart(ctx, matters) -> dict:
    """Matters by age since assignment and state (stacked bars); each part links to the list of
    matters in that state."""
    data = matters_by_age_and_state(matters, ctx.today)
    return chart(
        "matters_by_age",
        "督办事项：按交办时长和状态",
        "stacked",
        {
            "categories": data["buckets"],
            "series": [
                {
                    "name": label,
                    "state": state,
                    "values": data["counts"][state],
                    "urls": [ctx.list_url("supervision:matter_list", state=state)] * len(data["buckets"]),
                }
                for state, label in data["states"]
            ],
        },
    )


def scorecard_tables(ctx) -> list[dict]:
    """The supervision office's scorecard (督导考核) covering the month, ranked per unit kind."""
    scheme = (
        ctx.visible(ScoreScheme)
        .filter(district=ctx.district, period_start__lte=ctx.period.last_day)
        .exclude(published_at=None)
        .order_by("-period_end", "-pk")
        .first()
    )
    if scheme is None:
        return []
    tables = []
    for kind, cards in scorecards.compute(scheme).items():
        kind_label = UnitKind(kind).label
        tables.append(
            table(
                f"scorecard_{kind}",
                f"{scheme.name}：{kind_label}排名",
                ["名次", "单位", "得分"],
                [
                    [
                        number_text(card.rank) if card.rank else "—",
                        {
                            "text": card.unit.name,
                            "url": link("supervision:scheme_unit", scheme.pk, card.unit.pk),
                        },
                        number_text(card.score, 2),
                    ]
                    for card in cards
                ],
            )
        )
    return tables
