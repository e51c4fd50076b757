import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from districtops.gate.api_utils import (
    Limit,
    Offset,
    gated_get,
    page,
    page_schema,
)
from districtops.org.models import Unit

from . import scorecards, services, states
from .filters import MatterFilters
from .models import (
    Decision,
    ExtensionRequest,
    Frequency,
    Matter,
    MatterEvent,
    Meeting,
    Priority,
    ScoreScheme,
    Source,
)

router = Router(tags=["supervision"])


class MatterOut(Schema):
    id: int
    code: str
    title: str
    source: str
    basis: str
    district_id: int
    lead_unit_id: int
    supporting_unit_ids: list[int]
    responsible_leader_id: int | None
    assigned_on: dt.date
    working_days: int | None
    deadline: dt.date
    deadline_fallback: bool
    priority: str
    frequency: str
    state: str
    progress: int
    escalation: int
    overdue: bool = Field(..., alias="is_overdue")
    overdue_reason: str
    first_acknowledged_at: dt.datetime | None
    first_completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_supporting_unit_ids(obj):
        return sorted(u.pk for u in obj.supporting_units.all())


class MatterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MatterOut]


class MatterIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    source: Source = Source.INSTRUCTION
    basis: str = ""
    lead_unit_id: int
    supporting_unit_ids: list[int] = []
    assigned_on: dt.date | None = None
    deadline: dt.date | None = None
    working_days: int | None = Field(None, ge=1, le=500)
    priority: Priority = Priority.NORMAL
    frequency: Frequency = Frequency.MONTHLY


class MatterActionIn(Schema):
    version: int | None = None
    note: str = ""
    progress: int | None = Field(None, ge=0, le=100)
    new_deadline: dt.date | None = None


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor_id: int | None
    at: dt.datetime
    note: str


class ExtensionOut(Schema):
    id: int
    matter_id: int
    old_deadline: dt.date
    new_deadline: dt.date
    reason: str
    status: str
    decision_note: str


class DecideIn(Schema):
    approve: bool
    note: str = ""


class TodoOut(Schema):
    lead: int
    support: int
    review: int
    done: int


class MeetingOut(Schema):
    id: int
    title: str
    held_on: dt.date
    organiser_id: int
    district_id: int
    chaired_by: str
    summary: str
    version: int


class MeetingIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    organiser_id: int
    held_on: dt.date
    chaired_by: str = ""
    summary: str = ""


class DecisionOut(Schema):
    id: int
    seq: int
    text: str
    lead_unit_id: int | None
    deadline: dt.date | None
    matter_id: int | None


class DecisionIn(Schema):
    text: str = Field(..., min_length=1)
    lead_unit_id: int | None = None
    supporting_unit_ids: list[int] = []
    deadline: dt.date | None = None


def _units(user, ids):
    units = list(Unit.objects.restrict(user, "view").filter(pk__in=ids))
    if len(units) != len(set(ids)):
        raise ValidationError({"supporting_unit_ids": "包含不存在或无权查看的单位。"})
    return units


def _matters(qs):
    return qs.select_related("lead_unit").prefetch_related("supporting_units").order_by("deadline", "id")


@router.get("/matters", response=MatterPage)
def list_matters(request, filters: MatterFilters = Query(...), limit: Limit = 100, offset: Offset = 0):
    """The list page's filters (``supervision.filters.MatterFilters``), typed: ``state`` one of the
    states, ``overdue``/``open`` booleans, ``escalation`` a level, ``lead_unit``/``district`` unit
    ids, ``closed_in`` YYYY-MM, ``q``. A value outside them is 422 naming what is allowed."""
    return page(_matters(filters.rows(request.auth)), limit, offset)


@router.get("/matters/{matter_id}", response=MatterOut)
def get_matter(request, matter_id: int):
    return gated_get(Matter, request.auth, matter_id)


@router.post("/matters", response={201: MatterOut})
def assign_matter(request, payload: MatterIn):
    lead = gated_get(Unit, request.auth, payload.lead_unit_id)
    matter = services.assign_matter(
        request.auth,
        title=payload.title,
        source=payload.source,
        basis=payload.basis,
        lead_unit=lead,
        supporting_units=_units(request.auth, payload.supporting_unit_ids),
        assigned_on=payload.assigned_on,
        deadline=payload.deadline,
        working_days=payload.working_days,
        priority=payload.priority,
        frequency=payload.frequency,
    )
    return Status(201, matter)


@router.post("/matters/{matter_id}/actions/{action}", response=MatterOut)
def matter_action(request, matter_id: int, action: str, payload: MatterActionIn):
    """Take one action of the state machine (acknowledge, report_progress, request_closure,
    verify_close, return_for_rework, request_extension, remind, list_for_supervision,
    record_overdue_reason, add_opinion, support_feedback)."""
    matter = gated_get(Matter, request.auth, matter_id)
    user, note, version = request.auth, payload.note, payload.version
    if action == "report_progress":
        if payload.progress is None:
            raise ValidationError({"progress": "请填写进度（0–100）。"})
        services.report_progress(user, matter, progress=payload.progress, note=note, expected_version=version)
    elif action == "request_extension":
        if payload.new_deadline is None:
            raise ValidationError({"new_deadline": "请填写申请延至的日期。"})
        services.request_extension(user, matter, new_deadline=payload.new_deadline, reason=note)
    elif action in {"acknowledge", "request_closure", "verify_close", "return_for_rework"}:
        services.ACTION_FUNCTIONS[action](user, matter, note=note, expected_version=version)
    elif action == "record_overdue_reason":
        services.record_overdue_reason(user, matter, reason=note)
    elif action in {"remind", "list_for_supervision", "add_opinion", "support_feedback"}:
        services.ACTION_FUNCTIONS[action](user, matter, note=note, expected_version=version)
    else:
        raise ValidationError({"action": f"未知的操作：{action}；可用：{', '.join(states.ACTIONS)}"})
    return Matter.objects.get(pk=matter.pk)


@router.get("/matters/{matter_id}/events", response=page_schema(EventOut, "EventPage"))
def matter_events(request, matter_id: int, limit: Limit = 500, offset: Offset = 0):
    matter = gated_get(Matter, request.auth, matter_id)
    return page(list(MatterEvent.objects.filter(matter=matter)), limit, offset)


@router.get("/matters/{matter_id}/extensions", response=page_schema(ExtensionOut, "ExtensionPage"))
def matter_extensions(request, matter_id: int, limit: Limit = 500, offset: Offset = 0):
    matter = gated_get(Matter, request.auth, matter_id)
    return page(list(ExtensionRequest.objects.filter(matter=matter)), limit, offset)


@router.post("/extensions/{extension_id}/decide", response=ExtensionOut)
def decide_extension(request, extension_id: int, payload: DecideIn):
    ext = gated_get(ExtensionRequest, request.auth, extension_id)
    return services.decide_extension(request.auth, ext, approve=payload.approve, note=payload.note)


@router.get("/todo", response=TodoOut)
def todo_counts(request):
    return {name: qs.count() for name, qs in services.todo_querysets(request.auth).items()}


@router.get("/todo/{tab}", response=MatterPage)
def todo_list(request, tab: str, limit: Limit = 50, offset: Offset = 0):
    lists = services.todo_querysets(request.auth)
    if tab not in lists:
        raise ValidationError({"tab": "可用：lead、support、review、done。"})
    return page(_matters(lists[tab]), limit, offset)


@router.get("/meetings", response=page_schema(MeetingOut, "MeetingPage"))
def list_meetings(request, limit: Limit = 100, offset: Offset = 0):
    return page(Meeting.objects.restrict(request.auth, "view"), limit, offset)


@router.post("/meetings", response={201: MeetingOut})
def create_meeting(request, payload: MeetingIn):
    organiser = gated_get(Unit, request.auth, payload.organiser_id)
    data = payload.dict(exclude={"organiser_id"})
    return Status(201, services.create_meeting(request.auth, organiser=organiser, **data))


@router.get("/meetings/{meeting_id}/decisions", response=page_schema(DecisionOut, "DecisionPage"))
def list_decisions(request, meeting_id: int, limit: Limit = 500, offset: Offset = 0):
    meeting = gated_get(Meeting, request.auth, meeting_id)
    return page(list(Decision.objects.filter(meeting=meeting)), limit, offset)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def add_decision(request, meeting_id: int, payload: DecisionIn):
    meeting = gated_get(Meeting, request.auth, meeting_id)
    lead = gated_get(Unit, request.auth, payload.lead_unit_id) if payload.lead_unit_id else None
    return Status(
        201,
        services.add_decision(
            request.auth,
            meeting,
            text=payload.text,
            lead_unit=lead,
            supporting_units=_units(request.auth, payload.supporting_unit_ids),
            deadline=payload.deadline,
        ),
    )


@router.post("/meetings/{meeting_id}/assign", response={201: list[MatterOut]})
def assign_decisions(request, meeting_id: int):
    meeting = gated_get(Meeting, request.auth, meeting_id)
    if not Meeting.objects.restrict(request.auth, "manage").filter(pk=meeting.pk).exists():
        raise PermissionDenied
    created = services.decisions_to_matters(request.auth, meeting)
    return Status(201, _matters(Matter.objects.filter(pk__in=[m.pk for m in created])))


class SchemeOut(Schema):
    id: int
    name: str
    period_start: dt.date
    period_end: dt.date
    weights: dict
    published_at: dt.datetime | None


class ScoreOut(Schema):
    unit_id: int
    unit_name: str
    kind: str
    rank: int | None
    score: float | None
    rates: dict[str, list[int]]
    red: bool
    black: bool


def _scheme(user, pk):
    scheme = gated_get(ScoreScheme, user, pk)
    if (
        scheme.published_at is None
        and not ScoreScheme.objects.restrict(user, "manage").filter(pk=pk).exists()
    ):
        raise Http404
    return scheme


@router.get("/schemes", response=page_schema(SchemeOut, "SchemePage"))
def list_schemes(request, limit: Limit = 500, offset: Offset = 0):
    managed = ScoreScheme.objects.restrict(request.auth, "manage").values("pk")
    visible = ScoreScheme.objects.restrict(request.auth, "view")
    return page(
        list(visible.filter(published_at__isnull=False) | visible.filter(pk__in=managed)), limit, offset
    )


@router.get("/schemes/{scheme_id}/scores", response=page_schema(ScoreOut, "ScorePage"))
def scheme_scores(request, scheme_id: int, limit: Limit = 500, offset: Offset = 0):
    """Every ranked unit's score, rank, (numerator, denominator) per indicator and red/black list."""
    scheme = _scheme(request.auth, scheme_id)
    out = []
    for kind, cards in scorecards.compute(scheme).items():
        red, black = scorecards.red_black(scheme, cards)
        for c in cards:
            out.append({
                "unit_id": c.unit.pk, "unit_name": c.unit.name, "kind": kind, "rank": c.rank,
                "score": float(c.score) if c.score is not None else None,
                "rates": {k: list(v) for k, v in c.rates.items()}, "red": c in red, "black": c in black,
            })  # fmt: skip
    return page(out, limit, offset)


class DrillRecordOut(Schema):
    code: str
    title: str
    url: str
    detail: str


class DrillGroupOut(Schema):
    key: str
    label: str
    counted: bool
    records: list[DrillRecordOut]


class DrillSectionOut(Schema):
    name: str
    label: str
    weight: int
    numerator: int
    denominator: int
    groups: list[DrillGroupOut]


@router.get(
    "/schemes/{scheme_id}/units/{unit_id}/drill-down",
    response=page_schema(DrillSectionOut, "DrillSectionPage"),
)
def scheme_unit_drill_down(request, scheme_id: int, unit_id: int, limit: Limit = 500, offset: Offset = 0):
    """The records behind each of a unit's scores, grouped by how they count."""
    scheme = _scheme(request.auth, scheme_id)
    unit = gated_get(Unit, request.auth, unit_id, queryset=Unit.objects.filter(district=scheme.district))
    return page(scorecards.drill_downs(scheme, unit), limit, offset)
