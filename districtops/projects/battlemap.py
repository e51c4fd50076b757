"""The battle map's data: every project's nodes on one time axis, coloured by state.

Two queries whatever the number of projects. The database gives each node's state on today
(``pace.node_state_sql`` over the stored pace dates, the same rule as ``pace.node_status``)
and its dates as ISO text, so Python only arranges rows: no model instances, no date parsing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, CharField, F, IntegerField, Value, When
from django.db.models.functions import Cast
from django.urls import reverse

from . import pace
from .models import BaselineNode, ProjectNode

BAR_FIELDS = [
    "row", "node", "name", "start", "end", "actual_end", "progress", "state", "far_behind", "slip_red",
    # Against the chosen baseline (None when no baseline is chosen or the node is not in it):
    "base_start", "base_end", "slip", "moved",
]  # fmt: skip


def _plan_of(baseline_id: int, db: str) -> dict[int, tuple[str, str]]:
    """node id → (planned start, planned end) as ISO text in one baseline, straight from the cursor.
    Not gated here: only the nodes of the (gated) bars are ever looked up."""
    text = CharField()
    query = BaselineNode.objects.filter(baseline_id=baseline_id).values_list(
        "node_id", Cast("planned_start", text), Cast("planned_end", text)
    )
    sql, params = query.query.get_compiler(using=db).as_sql()
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return {nid: (start, end) for nid, start, end in cursor.fetchall()}


def _days(later: str, earlier: str) -> int:
    return (dt.date.fromisoformat(later) - dt.date.fromisoformat(earlier)).days


def compare(bars: list, baseline_id: int | None, last_meeting_id: int | None, db: str) -> None:
    """Fill each bar's baseline dates, its slip in days (current planned end − baseline planned
    end; > 0 is later) and whether its plan moved since the last dispatch meeting's baseline."""
    if baseline_id is None and last_meeting_id is None:
        return
    base = _plan_of(baseline_id, db) if baseline_id else {}
    if last_meeting_id is None or last_meeting_id == baseline_id:
        meeting = base
    else:
        meeting = _plan_of(last_meeting_id, db)
    for bar in bars:
        node_id, start, end = bar[1], bar[3], bar[4]
        planned = base.get(node_id)
        if planned is not None:
            bar[10], bar[11] = planned
            bar[12] = 0 if planned[1] == end else _days(end, planned[1])
        before = meeting.get(node_id)
        bar[13] = before is not None and before != (start, end)


def build(
    projects,
    state: str | None,
    today: dt.date,
    limit: int = 5000,
    baseline_id: int | None = None,
    last_meeting_id: int | None = None,
) -> dict:
    """Rows (projects) and bars (nodes). ``state`` keeps only nodes in that state and the
    projects that have one. With ``baseline_id`` each bar carries that baseline's dates and its
    slip; ``last_meeting_id`` (the latest dispatch meeting's baseline) marks the nodes moved since."""
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
        nodes = nodes.filter(pace.node_state_q(state, today))
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
        pace.node_state_sql(today),
        pace.far_behind_sql(today),
        pace.slip_red_sql(),
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
                [
                    index[pid], node_id, name, start, end, actual_end, progress, node_state, bool(far),
                    bool(red), None, None, None, False,
                ]
                for node_id, pid, name, start, end, actual_end, progress, node_state, far, red in cursor.fetchall()
            ]  # fmt: skip
        compare(bars, baseline_id, last_meeting_id, query.db)
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
    starts = [b[3] for b in bars] + [b[10] for b in bars if b[10]] or [today.isoformat()]
    ends = [b[4] for b in bars] + [b[11] for b in bars if b[11]] or [today.isoformat()]
    return {
        "today": today.isoformat(),
        "min": min(min(starts), today.isoformat()),
        "max": max(max(ends), today.isoformat()),
        "fields": BAR_FIELDS,
        "rows": rows,
        "bars": bars,
        "states": {
            s: {"label": str(pace.NODE_STATE_LABELS[s]), "colour": pace.NODE_STATE_COLOURS[s]}
            for s in pace.NODE_STATE_LABELS
        },
        "truncated": truncated,
    }


def bar_dicts(data: dict) -> list[dict]:
    """The bars as dicts keyed by BAR_FIELDS (for the print view and the Excel export)."""
    return [dict(zip(BAR_FIELDS, bar, strict=True)) for bar in data["bars"]]
