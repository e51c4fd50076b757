"""The projects module's daily job: keep every open node's stored pace dates right.

The write paths (``ProjectNode.save`` and the bulk inserts of the template, the import and the
scale generator) set ``on_pace_until`` / ``amber_until`` themselves; this job repairs rows
written any other way and re-derives them all after ``PROJECTS_RED_SHARE`` changes.
"""

from __future__ import annotations

from . import pace

BATCH = 5000


def refresh_pace(model, only_open: bool = True) -> int:
    """Recompute the pace dates of (open) nodes; write only the rows that differ. Returns that count."""
    rows = model.objects.all()
    if only_open:
        rows = rows.filter(actual_end__isnull=True)
    changed = []
    updated = 0
    for pk, start, end, progress, on_pace, amber in rows.values_list(
        "pk", "planned_start", "planned_end", "progress", "on_pace_until", "amber_until"
    ).iterator(chunk_size=BATCH):
        wanted = pace.pace_dates(start, end, progress or 0)
        if wanted != (on_pace, amber):
            changed.append(model(pk=pk, on_pace_until=wanted[0], amber_until=wanted[1]))
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, ["on_pace_until", "amber_until"])
            updated += len(changed)
            changed = []
    if changed:
        model.objects.bulk_update(changed, ["on_pace_until", "amber_until"])
        updated += len(changed)
    return updated


def run_daily(log, **params) -> dict:
    from .models import ProjectNode

    return {"nodes_repaired": refresh_pace(ProjectNode)}
