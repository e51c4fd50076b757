"""One set of filters per list, shared by the list page, its export, the battle map and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from districtops.core.params import id_param

from . import pace
from .models import ProjectNode, SigningMode, Stage

# ``district`` (a district unit's pk) is how the cockpit links to a district's projects; like
# every filter it only narrows what the gate already lets the person see.
INVESTMENT_FILTERS = ("q", "district", "conference", "sector", "street", "stage", "signing_mode", "stalled")
CONSTRUCTION_FILTERS = ("q", "district", "category", "street", "command_post", "leader", "showcase", "state")


def investment(queryset, params, today: dt.date):
    """Filter investment projects by conference, sector, street, stage, signing mode, text, stalled."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(investor_name__icontains=q))
    for key, field in (
        ("district", "district_id"),
        ("conference", "conference_id"),
        ("sector", "sector_id"),
        ("street", "lead_unit_id"),
    ):
        value = id_param(params, key)
        if value is not None:
            queryset = queryset.filter(**{field: value})
    if params.get("stage") in Stage.values:
        queryset = queryset.filter(stage=params["stage"])
    if params.get("signing_mode") in SigningMode.values:
        queryset = queryset.filter(signing_mode=params["signing_mode"])
    if params.get("stalled") in ("1", "true", True):
        cutoff = today - dt.timedelta(days=pace.stalled_days())
        queryset = queryset.filter(stage_changed_on__lt=cutoff).exclude(stage=Stage.PRODUCING)
    return queryset


def construction(queryset, params, today: dt.date):
    """Filter construction projects; ``state`` is the worst state among the project's nodes."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(location__icontains=q))
    for key, field in (
        ("district", "district_id"),
        ("category", "category_id"),
        ("street", "lead_unit_id"),
        ("command_post", "command_post_id"),
    ):
        value = id_param(params, key)
        if value is not None:
            queryset = queryset.filter(**{field: value})
    leader = (params.get("leader") or "").strip()
    if leader:
        queryset = queryset.filter(responsible_leader=leader)
    showcase = (params.get("showcase") or "").strip()
    if showcase:
        queryset = queryset.filter(showcase_group=showcase)
    return _worst_state(queryset, params.get("state"), today)


def _nodes_in(state: str, today: dt.date):
    return Exists(
        ProjectNode.objects.filter(project_id=OuterRef("pk")).filter(pace.node_state_q(state, today))
    )


def _worst_state(queryset, state, today: dt.date):
    """Projects whose worst node (overdue > at risk > on track > not started > done) is ``state``,
    in SQL over the nodes' stored pace dates."""
    from .measures import STATE_RANK

    if state not in STATE_RANK:
        return queryset
    worse = STATE_RANK[STATE_RANK.index(state) + 1 :]
    queryset = queryset.filter(_nodes_in(state, today))
    for other in worse:
        queryset = queryset.filter(~_nodes_in(other, today))
    return queryset


def querystring(params, keys) -> str:
    """The active filters as a query string, for export links and pagination."""
    from urllib.parse import urlencode

    return urlencode({k: params.get(k) for k in keys if params.get(k)})
