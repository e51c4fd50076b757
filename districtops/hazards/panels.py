"""What the hazards module shows outside its own pages (the cockpit's charts)."""

from __future__ import annotations

from django.db.models import Count

from .models import HazardGrade, HazardState


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
