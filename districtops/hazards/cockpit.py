"""What the hazards module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): hazards not closed, major ones, overdue rectifications, the grade-and-state chart,
and the open hazards each unit answers for (for the streets comparison).

Each function takes the cockpit's context (``cockpit.figures.Context``: who asks, the district,
today) and reads this module's models through the gate with a fixed number of queries. Open and
overdue are the ``HazardQuerySet``'s (``Hazard.objects.open_q()``, ``.open()`` …).
"""

from __future__ import annotations

from django.db.models import Count, Q

from districtops.cockpit.figures import chart, count_figure

from .models import Hazard, HazardGrade, HazardState


def hazards_by_grade_and_state(hazards) -> dict:
    """Counts of ``hazards`` (a gated queryset) per grade and state, in one grouped query:
    ``{grade: {state: n}}`` for every grade and state (zeros included)."""
    counts = {g: dict.fromkeys(HazardState.values, 0) for g in HazardGrade.values}
    for row in hazards.values("grade", "state").annotate(n=Count("pk")).order_by():
        counts[row["grade"]][row["state"]] = row["n"]
    return counts


def open_hazards_by_unit(hazards) -> dict[int, int]:
    """Hazards not closed (未销号) per responsible unit, in one grouped query."""
    rows = hazards.open().values("unit_id").annotate(n=Count("pk")).order_by()
    return {row["unit_id"]: row["n"] for row in rows}


def section(ctx) -> dict | None:
    """Hidden hazards: major ones not yet closed, overdue rectifications. ``streets`` is each
    responsible unit's hazards not closed (``street_columns``)."""
    hazards = ctx.visible(Hazard).filter(district=ctx.district)
    not_closed = Hazard.objects.open_q()
    counts = hazards.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=not_closed),
        major_open=Count("pk", filter=not_closed & Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=Hazard.objects.overdue_q(ctx.today)),
    )
    if not counts["total"]:
        return None
    by_unit = open_hazards_by_unit(hazards)
    by_grade = hazards_by_grade_and_state(hazards)
    notes = []
    if counts["major_open"]:
        notes.append(f"重大事故隐患 {counts['major_open']} 项尚未销号，须按“五定”要求盯紧整改。")
    if counts["overdue"]:
        notes.append(f"隐患整改逾期 {counts['overdue']} 项。")
    return {
        "figures": [
            count_figure(
                "hazards_open",
                "未销号隐患",
                counts["open"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", open=1),
            ),
            count_figure(
                "hazards_major_open",
                "重大隐患未销号",
                counts["major_open"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", grade=HazardGrade.MAJOR, open=1),
                alarm="red",
            ),
            count_figure(
                "hazards_overdue",
                "整改逾期",
                counts["overdue"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", overdue=1),
                alarm="red",
            ),
        ],
        "tables": [],
        "charts": [
            chart(
                "hazards_by_grade",
                "隐患：按等级和状态",
                "stacked",
                {
                    "categories": [str(label) for _, label in HazardGrade.choices],
                    "series": [
                        {
                            "name": str(state_label),
                            "state": state,
                            "values": [by_grade[grade][state] for grade, _ in HazardGrade.choices],
                            "urls": [
                                ctx.list_url("hazards:hazard_list", grade=grade, state=state)
                                for grade, _ in HazardGrade.choices
                            ],
                        }
                        for state, state_label in HazardState.choices
                    ],
                },
            )
        ],
        "warnings": notes,
        "streets": {"hazards": by_unit},
    }


def street_columns(ctx) -> list[tuple]:
    """The streets comparison's column of this module: ``(key, label, pk -> list URL)``; the
    counts are ``section(ctx)["streets"][key]`` (the hazards not closed each unit answers for)."""
    return [("hazards", "未销号隐患", lambda pk: ctx.list_url("hazards:hazard_list", unit=pk, open=1))]
