"""Shared pieces for the app routers: pagination envelope and gated lookups."""

from django.shortcuts import get_object_or_404
from ninja import Schema

from . import permissions


class VersionIn(Schema):
    version: int


def gated_get(model, user, pk, action="view", queryset=None):
    """Fetch by id through the gate: someone else's object is a plain 404."""
    qs = queryset if queryset is not None else model._default_manager.all()
    return get_object_or_404(permissions.restrict(qs, user, action), pk=pk)


def page(queryset, limit: int, offset: int, max_limit: int = 500):
    limit = max(1, min(limit, max_limit))
    offset = max(0, offset)
    total = queryset.count()
    return {
        "count": total,
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }
