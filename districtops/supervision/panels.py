"""What the supervision module shows outside its own pages (the cockpit's charts)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Value, When

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
