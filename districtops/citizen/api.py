import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema, Status

from districtops.gate import permissions
from districtops.gate.api_utils import Limit, Offset, gated_get, page, page_schema
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import Role

from . import services
from .filters import ReportFilters
from .models import PartnerClient, Report

router = Router(tags=["citizen"])


class CitizenReportOut(Schema):
    id: int
    tracking_number: str
    district_id: int
    service_code: str = Field(..., alias="service.code")
    description: str
    address: str
    lat: float | None
    long: float | None
    channel: str
    partner_id: int | None
    contact_name: str
    contact_phone: str
    contact_email: str
    requested_at: dt.datetime
    status: str
    decline_reason: str
    matter_id: int | None
    public_open: bool
    version: int


class CitizenReportPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CitizenReportOut]


class TriageIn(Schema):
    lead_unit_id: int
    supporting_unit_ids: list[int] = []
    deadline: dt.date | None = None
    working_days: int | None = Field(None, ge=1, le=500)
    title: str = ""


class DeclineIn(Schema):
    reason: str


@router.get("/reports", response=CitizenReportPage)
def list_reports(request, filters: ReportFilters = Query(...), limit: Limit = 100, offset: Offset = 0):
    """The reports page's filters (``citizen.filters.ReportFilters``): ``status``."""
    return page(filters.rows(request.auth).select_related("service"), limit, offset)


@router.get("/reports/{report_id}", response=CitizenReportOut)
def get_report(request, report_id: int):
    return gated_get(Report, request.auth, report_id, queryset=Report.objects.select_related("service"))


@router.post("/reports/{report_id}/triage", response=CitizenReportOut)
def triage(request, report_id: int, payload: TriageIn):
    report = gated_get(Report, request.auth, report_id, "manage")
    lead = gated_get(Unit, request.auth, payload.lead_unit_id)
    support = list(Unit.objects.restrict(request.auth, "view").filter(pk__in=payload.supporting_unit_ids))
    if len(support) != len(set(payload.supporting_unit_ids)):
        raise ValidationError({"supporting_unit_ids": "包含不存在或无权查看的单位。"})
    return services.triage_to_matter(
        request.auth,
        report,
        lead_unit=lead,
        supporting_units=support,
        deadline=payload.deadline,
        working_days=payload.working_days,
        title=payload.title,
    )


@router.post("/reports/{report_id}/decline", response=CitizenReportOut)
def decline(request, report_id: int, payload: DeclineIn):
    report = gated_get(Report, request.auth, report_id, "manage")
    return services.decline_report(request.auth, report, reason=payload.reason)


class PartnerOut(Schema):
    id: int
    name: str
    district_id: int
    key_prefix: str
    is_active: bool
    created_at: dt.datetime
    created_by_id: int | None
    revoked_at: dt.datetime | None
    revoked_by_id: int | None


class PartnerCreated(PartnerOut):
    api_key: str


class PartnerIn(Schema):
    name: str
    district_id: int


def _partners(user):
    """Partner keys are the system administrators' (else 403)."""
    if not permissions.has_role(user, Role.SYS_ADMIN):
        raise PermissionDenied
    return PartnerClient.objects.restrict(user, "manage")


@router.get("/partners", response=page_schema(PartnerOut, "PartnerPage"))
def list_partners(request, limit: Limit = 500, offset: Offset = 0):
    return page(list(_partners(request.auth)), limit, offset)


@router.post("/partners", response={201: PartnerCreated})
def issue_partner(request, payload: PartnerIn):
    _partners(request.auth)
    district = gated_get(
        Unit,
        request.auth,
        payload.district_id,
        "manage",
        queryset=Unit.objects.filter(kind=UnitKind.DISTRICT),
    )
    client, key = services.issue_partner_key(request.auth, name=payload.name, district=district)
    return Status(201, {**PartnerOut.from_orm(client).dict(), "api_key": key})


@router.post("/partners/{partner_id}/revoke", response=PartnerOut)
def revoke_partner(request, partner_id: int):
    client = gated_get(PartnerClient, request.auth, partner_id, "manage", queryset=_partners(request.auth))
    return services.revoke_partner_key(request.auth, client)
