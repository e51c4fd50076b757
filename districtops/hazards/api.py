import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from districtops.gate.api_utils import Limit, Offset, gated_get, page, page_schema
from districtops.org.models import Unit

from . import services
from .filters import HazardFilters
from .models import Hazard, HazardGrade, RiskGrade, RiskPoint

router = Router(tags=["hazards"])


class RiskPointOut(Schema):
    id: int
    unit_id: int
    name: str
    grade: str
    location: str


class RiskPointIn(Schema):
    unit_id: int
    name: str = Field(..., min_length=1, max_length=120)
    grade: RiskGrade
    location: str = ""
    controls: str = ""
    responsible_person: str = ""


class HazardOut(Schema):
    id: int
    code: str
    unit_id: int
    risk_point_id: int | None
    title: str
    location: str
    grade: str
    found_on: dt.date
    responsible_person: str
    deadline: dt.date
    responsibility: str
    standard: str
    measures: str
    state: str
    rectified_by_id: int | None
    verified_by_id: int | None
    closed_on: dt.date | None
    version: int


class HazardPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HazardOut]


class HazardIn(Schema):
    unit_id: int
    risk_point_id: int | None = None
    title: str = Field(..., min_length=1, max_length=200)
    location: str = Field(..., min_length=1)
    grade: HazardGrade
    found_on: dt.date
    responsible_person: str = Field(..., min_length=1)
    deadline: dt.date
    responsibility: str = Field(..., min_length=1)
    standard: str = Field(..., min_length=1)
    measures: str = Field(..., min_length=1)
    description: str = ""


class PlanIn(Schema):
    goal: str = Field(..., min_length=1)
    measures: str = Field(..., min_length=1)
    funds: Decimal = Field(..., ge=0)
    people: str = Field(..., min_length=1)
    deadline: dt.date
    safeguards: str = Field(..., min_length=1)


class HazardActionIn(Schema):
    version: int | None = None
    note: str = ""


@router.get("/risk-points", response=page_schema(RiskPointOut, "RiskPointPage"))
def list_risk_points(request, limit: Limit = 200, offset: Offset = 0):
    return page(RiskPoint.objects.restrict(request.auth, "view"), limit, offset)


@router.post("/risk-points", response={201: RiskPointOut})
def create_risk_point(request, payload: RiskPointIn):
    unit = gated_get(Unit, request.auth, payload.unit_id)
    return Status(
        201, services.create_risk_point(request.auth, unit=unit, **payload.dict(exclude={"unit_id"}))
    )


@router.get("/", response=HazardPage)
def list_hazards(request, filters: HazardFilters = Query(...), limit: Limit = 100, offset: Offset = 0):
    """The list page's filters (``hazards.filters.HazardFilters``), typed: ``state``/``grade`` one
    of their values, ``open``/``overdue`` booleans, ``district``/``unit`` unit ids, ``q``. A value
    outside them is 422 naming what is allowed."""
    return page(filters.rows(request.auth), limit, offset)


@router.get("/{int:hazard_id}", response=HazardOut)
def get_hazard(request, hazard_id: int):
    return gated_get(Hazard, request.auth, hazard_id)


@router.post("/", response={201: HazardOut})
def register_hazard(request, payload: HazardIn):
    unit = gated_get(Unit, request.auth, payload.unit_id)
    point = gated_get(RiskPoint, request.auth, payload.risk_point_id) if payload.risk_point_id else None
    data = payload.dict(exclude={"unit_id", "risk_point_id"})
    return Status(201, services.register_hazard(request.auth, unit=unit, risk_point=point, **data))


@router.put("/{int:hazard_id}/plan", response={200: PlanIn})
def save_plan(request, hazard_id: int, payload: PlanIn):
    hazard = gated_get(Hazard, request.auth, hazard_id)
    return services.save_plan(request.auth, hazard, **payload.dict())


@router.post("/{int:hazard_id}/actions/{action}", response=HazardOut)
def hazard_action(request, hazard_id: int, action: str, payload: HazardActionIn):
    """start, submit, verify or reject."""
    hazard = gated_get(Hazard, request.auth, hazard_id)
    return services.transition(
        request.auth, hazard, action, note=payload.note, expected_version=payload.version
    )
