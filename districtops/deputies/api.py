import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from districtops.gate.api_utils import Limit, Offset, gated_get, page
from districtops.org.models import Unit

from . import services
from .filters import SuggestionFilters
from .models import Deputy, ReplyClass, Satisfaction, Suggestion

router = Router(tags=["deputies"])


class SuggestionOut(Schema):
    id: int
    number: str
    title: str
    content: str
    handling_unit_id: int
    assigned_on: dt.date
    complex_case: bool
    reply_due: dt.date
    state: str
    round: int
    reply_text: str
    reply_class: str
    replied_on: dt.date | None
    satisfaction: str
    version: int


class SuggestionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SuggestionOut]


class SuggestionIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., min_length=1)
    deputy_ids: list[int] = Field(..., min_length=1)
    handling_unit_id: int
    assigned_on: dt.date | None = None
    complex_case: bool = False


class ReplyIn(Schema):
    version: int | None = None
    text: str
    reply_class: ReplyClass


class EvaluateIn(Schema):
    satisfaction: Satisfaction
    note: str = ""


@router.get("/suggestions", response=SuggestionPage)
def list_suggestions(
    request, filters: SuggestionFilters = Query(...), limit: Limit = 100, offset: Offset = 0
):
    """The list page's filters (``deputies.filters.SuggestionFilters``), typed: ``state`` one of the
    states, ``due=soon``, ``overdue``/``open`` booleans, ``district``/``handling_unit`` unit ids,
    ``q``. A value outside them is 422 naming what is allowed."""
    return page(filters.rows(request.auth), limit, offset)


@router.get("/suggestions/{suggestion_id}", response=SuggestionOut)
def get_suggestion(request, suggestion_id: int):
    return gated_get(Suggestion, request.auth, suggestion_id)


@router.post("/suggestions", response={201: SuggestionOut})
def assign(request, payload: SuggestionIn):
    unit = gated_get(Unit, request.auth, payload.handling_unit_id)
    deputies = list(Deputy.objects.restrict(request.auth, "view").filter(pk__in=payload.deputy_ids))
    if len(deputies) != len(set(payload.deputy_ids)):
        raise ValidationError({"deputy_ids": "包含不存在或无权查看的代表。"})
    suggestion = services.assign_suggestion(
        request.auth,
        title=payload.title,
        content=payload.content,
        deputies=deputies,
        handling_unit=unit,
        assigned_on=payload.assigned_on,
        complex_case=payload.complex_case,
    )
    return Status(201, suggestion)


@router.post("/suggestions/{suggestion_id}/reply", response=SuggestionOut)
def reply(request, suggestion_id: int, payload: ReplyIn):
    s = gated_get(Suggestion, request.auth, suggestion_id)
    return services.reply(
        request.auth, s, text=payload.text, reply_class=payload.reply_class, expected_version=payload.version
    )


@router.post("/suggestions/{suggestion_id}/evaluate", response=SuggestionOut)
def evaluate(request, suggestion_id: int, payload: EvaluateIn):
    s = gated_get(Suggestion, request.auth, suggestion_id)
    return services.evaluate(request.auth, s, satisfaction=payload.satisfaction, note=payload.note)
