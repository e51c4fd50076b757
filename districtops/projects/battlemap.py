"""The battle map's data: every project's nodes on one time axis, coloured by state.

Two queries whatever the number of projects; states are computed here with
``rules.node_status`` so the map, the lists and the warnings agree.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from . import rules
from .models import ProjectNode


def build(projects, state: str | None, today: dt.date, limit: int = 5000) -> dict:
    """Rows (projects) and bars (nodes). ``state`` keeps only nodes in that state and the
    projects that have one."""
    heads = list(
        projects.order_by("lead_unit__sort_order", "planned_start", "pk").values(
            "id", "name", "lead_unit__name", "category__name", "command_post__name", "responsible_leader"
        )[:limit]
    )
    index = {h["id"]: i for i, h in enumerate(heads)}
    bars = []
    for node_id, pid, name, start, end, actual_start, actual_end, progress in (
        ProjectNode.objects.filter(project_id__in=list(index))
        .order_by("project_id", "sequence")
        .values_list(
            "id",
            "project_id",
            "name",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "progress",
        )
    ):
        status = rules.node_status(start, end, actual_end, progress, today)
        if state and status.state != state:
            continue
        bars.append(
            {
                "row": index[pid],
                "node": node_id,
                "name": name,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "actual_start": actual_start.isoformat() if actual_start else None,
                "actual_end": actual_end.isoformat() if actual_end else None,
                "progress": 100 if actual_end else progress,
                "state": status.state,
                "far_behind": status.far_behind,
            }
        )
    if state:
        keep = sorted({b["row"] for b in bars})
        renumber = {old: new for new, old in enumerate(keep)}
        heads = [heads[i] for i in keep]
        for b in bars:
            b["row"] = renumber[b["row"]]
    rows = [
        {
            "id": h["id"],
            "name": h["name"],
            "street": h["lead_unit__name"],
            "category": h["category__name"],
            "command_post": h["command_post__name"] or "",
            "leader": h["responsible_leader"],
            "url": reverse("projects:construction_detail", args=[h["id"]]),
        }
        for h in heads
    ]
    starts = [b["start"] for b in bars] or [today.isoformat()]
    ends = [b["end"] for b in bars] or [today.isoformat()]
    return {
        "today": today.isoformat(),
        "min": min(min(starts), today.isoformat()),
        "max": max(max(ends), today.isoformat()),
        "rows": rows,
        "bars": bars,
        "states": {
            s: {"label": str(rules.NODE_STATE_LABELS[s]), "colour": rules.NODE_STATE_COLOURS[s]}
            for s in rules.NODE_STATE_LABELS
        },
        "truncated": len(heads) >= limit,
    }
