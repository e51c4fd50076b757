"""One set of filters per list, shared by the list page, its export, the battle map and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from . import rules
from .models import ProjectNode, SigningMode, Stage


def _int(params, key):
    value = params.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


INVESTMENT_FILTERS = ("q", "conference", "sector", "street", "stage", "signing_mode", "stalled")
CONSTRUCTION_FILTERS = ("q", "category", "street", "command_post", "leader", "showcase", "state")


def investment(queryset, params, today: dt.date):
    """Filter investment projects by conference, sector, street, stage, signing mode, text, stalled."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(investor_name__icontains=q))
    for key, field in (("conference", "conference_id"), ("sector", "sector_id"), ("street", "lead_unit_id")):
        value = _int(params, key)
        if value is not None:
            queryset = queryset.filter(**{field: value})
    if params.get("stage") in Stage.values:
        queryset = queryset.filter(stage=params["stage"])
    if params.get("signing_mode") in SigningMode.values:
        queryset = queryset.filter(signing_mode=params["signing_mode"])
    if params.get("stalled") in ("1", "true", True):
        cutoff = today - dt.timedelta(days=rules.stalled_days())
        queryset = queryset.filter(stage_changed_on__lt=cutoff).exclude(stage=Stage.PRODUCING)
    return queryset


def _open_nodes():
    return ProjectNode.objects.filter(project_id=OuterRef("pk"), actual_end=None)


def construction(queryset, params, today: dt.date):
    """Filter construction projects; ``state`` is the worst state among the project's nodes."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(location__icontains=q))
    for key, field in (
        ("category", "category_id"),
        ("street", "lead_unit_id"),
        ("command_post", "command_post_id"),
    ):
        value = _int(params, key)
        if value is not None:
            queryset = queryset.filter(**{field: value})
    leader = (params.get("leader") or "").strip()
    if leader:
        queryset = queryset.filter(responsible_leader=leader)
    showcase = (params.get("showcase") or "").strip()
    if showcase:
        queryset = queryset.filter(showcase_group=showcase)
    state = params.get("state")
    if state == rules.NodeState.OVERDUE:
        queryset = queryset.filter(Exists(_open_nodes().filter(planned_end__lt=today)))
    elif state == rules.NodeState.DONE:
        queryset = queryset.filter(~Exists(_open_nodes())).filter(
            Exists(ProjectNode.objects.filter(project_id=OuterRef("pk")))
        )
    elif state in (rules.NodeState.AT_RISK, rules.NodeState.ON_TRACK, rules.NodeState.PENDING):
        queryset = queryset.filter(pk__in=_worst_state_ids(queryset, state, today))
    return queryset


def _worst_state_ids(queryset, state: str, today: dt.date) -> list[int]:
    """At risk / on track / not started need the elapsed share, computed here rather than in SQL
    so SQLite and PostgreSQL agree on the date arithmetic."""
    from .measures import STATE_RANK

    worst: dict[int, str] = {}
    for pid, start, end, actual_end, progress in ProjectNode.objects.filter(
        project_id__in=queryset.values("pk")
    ).values_list("project_id", "planned_start", "planned_end", "actual_end", "progress"):
        s = rules.node_status(start, end, actual_end, progress, today).state
        if pid not in worst or STATE_RANK.index(s) > STATE_RANK.index(worst[pid]):
            worst[pid] = s
    return [pid for pid, s in worst.items() if s == state]


def querystring(params, keys) -> str:
    """The active filters as a query string, for export links and pagination."""
    from urllib.parse import urlencode

    return urlencode({k: params.get(k) for k in keys if params.get(k)})
