"""The daily notice of approaching and passed deadlines, in the responsible people's inboxes.

One notification per person, matter, kind and deadline (an approved extension earns a fresh
one): the dedupe key carries the deadline, and the database's unique constraint makes a
second run of the day, or a second host, add nothing. Mail and group robots for the same
deadlines are the reminder job's (``supervision.send_reminders``); this one only fills inboxes.
"""

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse

from districtops.core import clock
from districtops.org.roles import Role

from .models import Kind, Notification

SOON_DAYS = 3
BATCH = 5000


def deadlines(log, day: str | None = None) -> dict:
    from districtops.supervision.models import Matter
    from districtops.supervision.states import OPEN_STATES

    today = dt.date.fromisoformat(day) if day else clock.today()
    matters = list(
        Matter.objects.filter(state__in=OPEN_STATES, deadline__lte=today + dt.timedelta(days=SOON_DAYS))
        .order_by("pk")
        .values_list("pk", "code", "title", "deadline", "lead_unit_id")
    )
    people = defaultdict(set)
    rows = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__unit_id__in={m[4] for m in matters},
            memberships__role__in=(Role.UNIT_HEAD, Role.UNIT_STAFF),
        )
        .values_list("memberships__unit_id", "pk")
    )
    for unit_id, user_id in rows:
        people[unit_id].add(user_id)
    now, made = clock.now(), []
    for pk, code, title, deadline, unit_id in matters:
        overdue = deadline < today
        kind = Kind.OVERDUE if overdue else Kind.DUE_SOON
        text = (
            f"已于 {deadline:%Y-%m-%d} 到期，请尽快办理并说明逾期原因"
            if overdue
            else f"将于 {deadline:%Y-%m-%d} 到期"
        )
        for user_id in sorted(people[unit_id]):
            made.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    title=title[:200],
                    body=f"{code} · {text}",
                    url=reverse("supervision:matter_detail", args=[pk]),
                    object_type="supervision.matter",
                    object_id=str(pk),
                    created_at=now,
                    dedupe_key=f"{kind}:{pk}:{deadline:%Y%m%d}",
                )  # fmt: skip
            )
    before = Notification.objects.filter(kind__in=(Kind.DUE_SOON, Kind.OVERDUE)).count()
    for i in range(0, len(made), BATCH):
        Notification.objects.bulk_create(made[i : i + BATCH], ignore_conflicts=True)
    added = Notification.objects.filter(kind__in=(Kind.DUE_SOON, Kind.OVERDUE)).count() - before
    log(
        f"{len(matters)} matters due by {today + dt.timedelta(days=SOON_DAYS):%Y-%m-%d}; {added} notifications added"
    )
    return {"matters": len(matters), "added": added}
