"""Shared pieces for the app routers: pagination envelope, bounded paging parameters, gated lookups."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Schema
from pydantic import Field

from . import permissions

# Past this an offset cannot address a row (a database id is 64-bit signed) and SQLite's
# integer binding overflows: one bound for every list, declared in the schema.
MAX_OFFSET = 2**31 - 1
MAX_LIMIT_PARAM = 10_000

Limit = Annotated[int, Field(ge=0, le=MAX_LIMIT_PARAM, description="每页条数（超过该列表上限时按上限返回）")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="跳过的条数")]


def page_schema(item, name: str):
    """The one pagination envelope {count, limit, offset, items: [item]} as a named schema."""
    from pydantic import create_model

    return create_model(
        name, __base__=Schema, count=(int, ...), limit=(int, ...), offset=(int, ...), items=(list[item], ...)
    )


class VersionIn(Schema):
    version: int


def gated_get(model, user, pk, action="view", queryset=None):
    """Fetch by id through the gate: someone else's object is a plain 404."""
    qs = queryset if queryset is not None else model._default_manager.all()
    return get_object_or_404(permissions.restrict(qs, user, action), pk=pk)


def check_paging(limit: int, offset: int) -> None:
    """Refuse a limit or offset outside the declared bounds (422 naming the field), whatever
    type the handler declared them with."""
    errors = {}
    if not 0 <= offset <= MAX_OFFSET:
        errors["offset"] = f"offset 须在 0 到 {MAX_OFFSET} 之间。"
    if not 0 <= limit <= MAX_LIMIT_PARAM:
        errors["limit"] = f"limit 须在 0 到 {MAX_LIMIT_PARAM} 之间。"
    if errors:
        raise ValidationError(errors)


def page(queryset, limit: int, offset: int, max_limit: int = 500):
    check_paging(limit, offset)
    limit = max(1, min(limit, max_limit))
    total = queryset.count()
    return {
        "count": total,
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }
