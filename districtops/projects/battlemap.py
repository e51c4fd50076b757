"""The battle map's data: every project's nodes on one time axis, coloured by state.

Two queries whatever the number of projects. The database gives each node's state on today
(``rules.node_state_sql`` over the stored pace dates, the same rule as ``rules.node_status``)
and its dates as ISO text, so Python only arranges rows: no model instances, no date parsing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, CharField, F, IntegerField, Value, When
from django.db.models.functions import Cast
from django.urls import reverse

from . import rules
from .models import ProjectNode

BAR_FIELDS = ["row", "node", "name", "start", "end", "actual_end", "progress", "state", "far_behind"]


def build(projects, state: str | None, today: dt.date, limit: int = 5000) -> dict:
    """Rows (projects) and bars (nodes). ``state`` keeps only nodes in that state and the
    projects that have one."""
    heads = list(
        projects.order_by("lead_unit__sort_order", "planned_start", "pk").values(
            "id", "name", "lead_unit__name", "category__name", "command_post__name", "responsible_leader"
        )[:limit]
    )
    index = {h["id"]: i for i, h in enumerate(heads)}
    # Bars are positional lists (see BAR_FIELDS): a district's map holds ~12,000 of them.
    truncated = len(heads) >= limit
    # A subquery, not 1,500 bound parameters, unless the map was cut at ``limit``.
    wanted = list(index) if truncated else projects.values("pk")
    nodes = ProjectNode.objects.filter(project_id__in=wanted)
    if state:
        nodes = nodes.filter(rules.node_state_q(state, today))
    text = CharField()
    query = nodes.order_by("project_id", "sequence").values_list(
        "id",
        "project_id",
        "name",
        Cast("planned_start", text),
        Cast("planned_end", text),
        Cast("actual_end", text),
        Case(
            When(actual_end__isnull=False, then=Value(100)),
            default=F("progress"),
            output_field=IntegerField(),
        ),
        rules.node_state_sql(today),
        rules.far_behind_sql(today),
    )
    # The rows go straight from the cursor: every column is already what the JSON wants (ISO
    # text, integers, state names), so the ORM's per-value converters would only cost time.
    try:
        sql, params = query.query.get_compiler(using=query.db).as_sql()
    except EmptyResultSet:  # the gate left nothing (e.g. a person with no business role)
        sql = None
    bars = []
    if sql is not None:
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            bars = [
                [index[pid], node_id, name, start, end, actual_end, progress, node_state, bool(far)]
                for node_id, pid, name, start, end, actual_end, progress, node_state, far in cursor.fetchall()
            ]
    if state:
        keep = sorted({b[0] for b in bars})
        renumber = {old: new for new, old in enumerate(keep)}
        heads = [heads[i] for i in keep]
        for b in bars:
            b[0] = renumber[b[0]]
    # One reverse() for all rows: at 1,500 projects the URL resolver is a visible cost.
    url = reverse("projects:construction_detail", args=[0])
    rows = [
        {
            "id": h["id"],
            "name": h["name"],
            "street": h["lead_unit__name"],
            "category": h["category__name"],
            "command_post": h["command_post__name"] or "",
            "leader": h["responsible_leader"],
            "url": url.replace("/0/", f"/{h['id']}/"),
        }
        for h in heads
    ]
    starts = [b[3] for b in bars] or [today.isoformat()]
    ends = [b[4] for b in bars] or [today.isoformat()]
    return {
        "today": today.isoformat(),
        "min": min(min(starts), today.isoformat()),
        "max": max(max(ends), today.isoformat()),
        "fields": BAR_FIELDS,
        "rows": rows,
        "bars": bars,
        "states": {
            s: {"label": str(rules.NODE_STATE_LABELS[s]), "colour": rules.NODE_STATE_COLOURS[s]}
            for s in rules.NODE_STATE_LABELS
        },
        "truncated": truncated,
    }


def bar_dicts(data: dict) -> list[dict]:
    """The bars as dicts keyed by BAR_FIELDS (for the print view and the Excel export)."""
    return [dict(zip(BAR_FIELDS, bar, strict=True)) for bar in data["bars"]]
