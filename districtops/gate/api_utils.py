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


def one_of(values):
    """A filter parameter's type that takes only ``values``: anything else is 422 naming them
    (a filter that silently ignored ``state=foo`` answered the whole list)."""
    from typing import Literal

    return Literal[tuple(str(v) for v in values)]


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
    """One page of a queryset — or of a list already built — in the envelope."""
    check_paging(limit, offset)
    limit = max(1, min(limit, max_limit))
    total = len(queryset) if isinstance(queryset, list | tuple) else queryset.count()
    return {
        "count": total,
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }


# --- Validation messages in the interface language -------------------------------------------
# pydantic's messages are English sentences for developers ("String should have at least 1
# character"): each error type gets a sentence of its own in the interface language (zh-Hans by
# default, English with Accept-Language: en), prefixed with the field's path ("body.title").


def _allowed(ctx: dict) -> str:
    import re

    from django.utils.translation import gettext as _

    values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return _("、").join(values) if values else str(ctx.get("expected", ""))


def _error_text(error: dict) -> str:
    from django.utils.translation import gettext as _

    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return _("不能为空")
    texts = {
        "missing": lambda: _("必须填写"),
        "string_too_short": lambda: _("至少 %(n)s 个字符") % {"n": ctx.get("min_length")},
        "string_too_long": lambda: _("最多 %(n)s 个字符") % {"n": ctx.get("max_length")},
        "too_short": lambda: _("至少 %(n)s 项") % {"n": ctx.get("min_length")},
        "too_long": lambda: _("最多 %(n)s 项") % {"n": ctx.get("max_length")},
        "string_type": lambda: _("须为文本"),
        "int_parsing": lambda: _("须为整数"),
        "int_type": lambda: _("须为整数"),
        "int_from_float": lambda: _("须为整数"),
        "float_parsing": lambda: _("须为数字"),
        "float_type": lambda: _("须为数字"),
        "decimal_parsing": lambda: _("须为数字"),
        "decimal_type": lambda: _("须为数字"),
        "finite_number": lambda: _("须为有限的数字"),
        "bool_parsing": lambda: _("须为布尔值（true 或 false）"),
        "bool_type": lambda: _("须为布尔值（true 或 false）"),
        "date_parsing": lambda: _("须为日期（YYYY-MM-DD）"),
        "date_from_datetime_parsing": lambda: _("须为日期（YYYY-MM-DD）"),
        "date_type": lambda: _("须为日期（YYYY-MM-DD）"),
        "datetime_parsing": lambda: _("须为日期时间（ISO 8601）"),
        "datetime_from_date_parsing": lambda: _("须为日期时间（ISO 8601）"),
        "datetime_type": lambda: _("须为日期时间（ISO 8601）"),
        "greater_than_equal": lambda: _("不能小于 %(n)s") % {"n": ctx.get("ge")},
        "greater_than": lambda: _("须大于 %(n)s") % {"n": ctx.get("gt")},
        "less_than_equal": lambda: _("不能大于 %(n)s") % {"n": ctx.get("le")},
        "less_than": lambda: _("须小于 %(n)s") % {"n": ctx.get("lt")},
        "enum": lambda: _("须为以下之一：%(values)s") % {"values": _allowed(ctx)},
        "literal_error": lambda: _("须为以下之一：%(values)s") % {"values": _allowed(ctx)},
        "list_type": lambda: _("须为列表"),
        "dict_type": lambda: _("须为对象"),
        "model_attributes_type": lambda: _("须为对象"),
        "model_type": lambda: _("须为对象"),
        "json_invalid": lambda: _("不是有效的 JSON"),
        "extra_forbidden": lambda: _("不接受该字段"),
        "uuid_parsing": lambda: _("须为 UUID"),
        "url_parsing": lambda: _("须为网址"),
    }
    make = texts.get(kind)
    if make is not None:
        return make()
    if kind in ("value_error", "assertion_error") and error.get("msg"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return _("取值无效")


def error_path(loc) -> str:
    """``body.title`` for ["body", "payload", "title"] (ninja's second item names the handler's
    parameter, not a field the client sent); ``query.state`` for ["query", "state"]."""
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] in ("body", "form", "file"):
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def translate_errors(errors: list[dict]) -> list[dict]:
    """ninja's validation errors as {loc, msg, type}, ``msg`` a sentence in the active language."""
    from django.utils.translation import gettext as _

    return [
        {
            "loc": list(e.get("loc", [])),
            "msg": _("字段 %(path)s：%(message)s")
            % {"path": error_path(e.get("loc", [])), "message": _error_text(e)},
            "type": e.get("type", "value_error"),
        }
        for e in errors
    ]


Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="月份 YYYY-MM")]
# A unit (or any row) id as a filter: a positive 64-bit integer, anything else 422.
Id = Annotated[int, Field(ge=1, le=2**63 - 1, description="对象 id")]
