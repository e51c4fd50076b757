import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema

from districtops.gate import permissions
from districtops.gate.api_utils import Limit, Offset, page
from districtops.org.roles import Role

from . import chain
from .filters import AuditFilters

router = Router(tags=["audit"])


class RecordOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_username: str
    actor_unit: str
    request_id: str
    client_ip: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    message: str
    hash: str


class RecordPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecordOut]


class VerifyOut(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str


def _audit_admin(request):
    if not permissions.has_role(request.auth, Role.AUDIT_ADMIN):
        raise PermissionDenied


@router.get("/records", response=RecordPage)
def list_records(request, filters: AuditFilters = Query(...), limit: Limit = 100, offset: Offset = 0):
    """The records page's filters (``audit.filters.AuditFilters``): ``since``/``until`` dates."""
    _audit_admin(request)
    return page(filters.rows(request.auth).order_by("-seq"), limit, offset)


@router.get("/verify", response=VerifyOut)
def verify(request):
    _audit_admin(request)
    return chain.verify().__dict__
