from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from districtops.gate.api_utils import Limit, Offset, page

from . import services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class ReadOut(Schema):
    read: int


class NotificationPage(Schema):
    count: int
    limit: int
    offset: int
    unread: int
    items: list[NotificationOut]


@router.get("/", response=NotificationPage)
def list_notifications(request, unread: bool = False, limit: Limit = 50, offset: Offset = 0):
    """The caller's own notifications, newest first; ``unread=true`` keeps the unread ones."""
    qs = services.inbox(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return {**page(qs, limit, offset), "unread": services.unread_count(request.auth)}


@router.post("/{notification_id}/read", response=ReadOut)
def read_one(request, notification_id: int):
    """Mark one of the caller's notifications read (someone else's answers 404)."""
    note = get_object_or_404(services.inbox(request.auth), pk=notification_id)
    return {"read": services.mark_read(request.auth, [note.pk])}


@router.post("/read-all", response=ReadOut)
def read_all(request):
    return {"read": services.mark_read(request.auth)}
