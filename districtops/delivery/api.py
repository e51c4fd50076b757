from datetime import datetime

from ninja import Router, Schema

from districtops.gate.api_utils import page, page_schema

from . import services
from .models import Status

router = Router(tags=["delivery"])


class AttemptOut(Schema):
    number: int
    at: datetime
    ok: bool
    errcode: str
    reason: str
    next_attempt_at: datetime | None


class MessageOut(Schema):
    id: int
    source: str
    source_label: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    unit_id: int | None
    subject: str
    destination: str
    attempts: int
    last_errcode: str
    last_reason: str
    next_attempt_at: datetime | None
    created_at: datetime
    receipt: str
    receipt_label: str
    receipt_reason: str
    receipt_checked_at: datetime | None
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_receipt_label(obj) -> str:
        return str(obj.get_receipt_display()) if obj.receipt else ""

    @staticmethod
    def resolve_source_label(obj) -> str:
        return str(obj.get_source_display())

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_destination(obj) -> str:
        return obj.destination_display

    @staticmethod
    def resolve_attempt_log(obj) -> list:
        return list(obj.attempt_log.all())


MessagePage = page_schema(MessageOut, "DeliveryFailurePage")


@router.get("/failures", response=MessagePage)
def list_failures(request, status: Status | None = None, limit: int = 50, offset: int = 0):
    """Messages that did not go out (failed or retrying), or went out but did not reach the
    person (receipt 未送达) or are unread (未读), that the caller may see: their unit's, or their
    district's for leaders and supervisors. The destination comes masked."""
    qs = services.failures(request.auth)
    if status in (Status.FAILED, Status.RETRYING):
        qs = qs.filter(status=status)
    return page(qs, limit, offset)
