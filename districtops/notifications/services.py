"""Raising and reading notifications.

``notify`` is called by the services whose writes a person must hear about (supervision's
assignment, return, reminder …), inside their transaction: the notification exists exactly
when the write does. It writes no audit row of its own — the write that caused it is audited
and names it. Mail to the recipients who have an address is queued after the commit through
the platform's one delivery mechanism (districtops.delivery): tried at once, retried with
back-off, and a failure is recorded with its reason instead of vanishing in a log.

Reading (``mark_read``) changes only the reader's own inbox state; like a session, it is not
an audited business write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.http import url_has_allowed_host_and_scheme

from districtops.core import clock

from .models import Kind, Notification

log = logging.getLogger(__name__)
TITLE_MAX, BODY_MAX = 200, 2000


def safe_url(url: str) -> str:
    """Only a path on this site (no scheme, no host): a notification never links away."""
    url = (url or "").strip()
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url[:300]
    return ""


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    obj=None,
    dedupe_key: str = "",
    exclude=None,
) -> int:
    """Tell each recipient (users, duplicates ignored; ``exclude`` — the actor — left out)."""
    Kind(kind)  # an unknown kind is a programming error
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", True)}
    if exclude is not None:
        users.pop(getattr(exclude, "pk", None), None)
    if not users:
        return 0
    now = clock.now()
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title[:TITLE_MAX],
            body=body[:BODY_MAX],
            url=safe_url(url),
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            created_at=now,
            dedupe_key=dedupe_key[:120],
        )
        for pk in sorted(users)
    ]
    if dedupe_key:
        seen = set(
            Notification.objects.filter(recipient_id__in=users, dedupe_key=dedupe_key[:120]).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [r for r in rows if r.recipient_id not in seen]
    Notification.objects.bulk_create(rows)
    made = {r.recipient_id: r for r in rows}
    mails = [(u, made[pk]) for pk, u in users.items() if u.email and pk in made]
    if mails and getattr(settings, "NOTIFICATION_MAIL", True):
        text = f"{body}\n\n{url}" if url else body
        subject = f"{Kind(kind).label}：{title}"[:200]
        transaction.on_commit(lambda: _mail(subject, text, mails))
    return len(rows)


def _mail(subject: str, text: str, mails: list) -> None:
    """Queue one mail per recipient and try it once; the delivery job retries what failed."""
    from districtops.delivery import services as delivery
    from districtops.delivery.models import Channel, Source
    from districtops.org.models import Membership

    units = {}
    for user_id, unit_id, district_id in (
        Membership.objects.filter(user_id__in=[u.pk for u, _n in mails])
        .order_by("pk")
        .values_list("user_id", "unit_id", "unit__district_id")
    ):
        units.setdefault(user_id, (unit_id, district_id))  # the person's first unit owns the message
    queued = delivery.queue(
        delivery.message(
            source=Source.NOTIFICATION,
            channel=Channel.MAIL,
            destination={"address": user.email},
            subject=subject,
            body=text,
            unit=units.get(user.pk, (None, None))[0],
            district=units.get(user.pk, (None, None))[1],
            recipient=user,
            dedupe_key=f"notification:{note.pk}" if note.pk else "",
            source_ref=f"notifications.notification:{note.pk}" if note.pk else "",
        )
        for user, note in mails
    )
    counts = delivery.deliver(queued)
    if counts["retrying"] or counts["failed"]:
        log.warning("notification mail: %s", counts)


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user):
    """The person's own notifications: the one gate of this model is the recipient."""
    return Notification.objects.filter(recipient=user)


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the person's own notifications read (all unread when ``ids`` is None)."""
    qs = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=clock.now())


def people_of(unit_ids: Iterable[int], roles: Iterable[str]) -> list:
    """The active people holding one of ``roles`` in the units."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            memberships__unit_id__in=list(unit_ids), memberships__role__in=list(roles), is_active=True
        )
        .distinct()
    )


def supervisors_of(district_id: int) -> list:
    """The district's supervision office (督查人员): who verifies closures and decides extensions."""
    from django.contrib.auth import get_user_model

    from districtops.org.roles import Role

    return list(
        get_user_model()
        .objects.filter(
            memberships__unit__district_id=district_id, memberships__role=Role.SUPERVISOR, is_active=True
        )
        .distinct()
    )
