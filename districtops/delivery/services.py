"""The one delivery mechanism: queue a message, try it, record the answer, retry with back-off.

``queue`` writes ``Message`` rows (once per ``dedupe_key``); ``attempt`` tries one message once:
it claims the row with a conditional update (a second worker finds the count changed and skips),
sends through ``channels.send`` and writes an ``Attempt`` with the answer and the reason in
Chinese. A failure schedules the next try after ``backoff(n)`` — 5 min × 4ⁿ⁻¹ (5, 20, 80, 320
minutes) — and after ``MAX_ATTEMPTS`` marks the message failed and writes an audit row. Nothing
sleeps: the ``delivery.send_due`` job (every few minutes) tries whatever is due.

Who sees a message (``Message.objects.restrict``): the unit it is for, and the oversight of its
district — the failure page (views.failure_list) reads through that gate only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from districtops.core import crypto, webhooks
from districtops.gate import services

from . import channels
from .models import Attempt, Channel, CorpApp, Message, Platform, Source, Status

BACKOFF_BASE = dt.timedelta(minutes=5)
BACKOFF_FACTOR = 4
MAX_ATTEMPTS = 5
# Real time, not core.clock: a pinned demo date must not make a back-off wrap around midnight.
# How long a claimed message is left to its worker before another may take it (a crashed one).
CLAIM = dt.timedelta(minutes=10)
PURPOSE = "delivery"


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 5 min, 20 min, 80 min, 320 min."""
    return BACKOFF_BASE * BACKOFF_FACTOR ** (attempts - 1)


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else ("••••" if mobile else "")


def display_for(channel: str, destination: dict) -> str:
    """The destination as a page may show it: a robot's URL masked, a mobile masked."""
    if channel == Channel.MAIL:
        return destination.get("address", "")
    if channel in (Channel.DINGTALK_ROBOT, Channel.WECOM_ROBOT):
        return webhooks.mask_url(destination.get("url", ""))
    return mask_mobile(destination.get("mobile", ""))


def message(
    *,
    source: str,
    channel: str,
    destination: dict,
    subject: str,
    body: str,
    unit=None,
    district=None,
    recipient=None,
    dedupe_key: str = "",
    source_ref: str = "",
) -> Message:
    """An unsaved message (for ``queue``); the destination is encrypted here and only here."""
    Source(source), Channel(channel)  # an unknown code is a programming error
    unit_id = getattr(unit, "pk", unit)
    district_id = getattr(district, "pk", district)
    return Message(
        source=source,
        channel=channel,
        unit_id=unit_id,
        district_id=district_id,
        recipient_id=getattr(recipient, "pk", recipient),
        subject=subject[:200],
        body=body,
        destination_encrypted=crypto.sm4_encrypt(json.dumps(destination, ensure_ascii=False), PURPOSE),
        destination_display=display_for(channel, destination)[:300],
        dedupe_key=dedupe_key[:160],
        source_ref=source_ref[:60],
        created_at=timezone.now(),
    )


def queue(rows: Iterable[Message]) -> list[Message]:
    """Save the messages not queued before (by ``dedupe_key``) and return every one of them that
    still waits to be sent — on a second run of the same day, the ones the first left pending."""
    rows = list(rows)
    if not rows:
        return []
    keyed = [r for r in rows if r.dedupe_key]
    plain = [r for r in rows if not r.dedupe_key]
    Message.objects.bulk_create(keyed, batch_size=1000, ignore_conflicts=True)
    saved = list(Message.objects.bulk_create(plain, batch_size=1000))
    if keyed:
        keys = [r.dedupe_key for r in keyed]
        for start in range(0, len(keys), 1000):
            saved += list(
                Message.objects.filter(dedupe_key__in=keys[start : start + 1000], status=Status.PENDING)
            )
    return saved


def record_refusal(row: Message, reason: str) -> None:
    """A message that cannot even be tried (its recipient lost the right to read it): recorded
    as failed at once, so the failure page shows it with its reason."""
    row.status, row.last_reason = Status.FAILED, reason[:300]
    queue([row])


def attempt(row: Message, now: dt.datetime | None = None) -> str:
    """Try ``row`` once; record the attempt. Returns the message's new status."""
    now = now or timezone.now()
    claimed = Message.objects.filter(pk=row.pk, attempts=row.attempts, status=row.status).update(
        attempts=row.attempts + 1, next_attempt_at=now + CLAIM
    )
    if not claimed:
        return "skipped"
    row.attempts += 1
    destination = json.loads(crypto.sm4_decrypt(row.destination_encrypted, PURPOSE))
    try:
        sent = channels.send(row.channel, destination, row.subject, row.body, start=row.parts_sent)
    except channels.Refused as refusal:
        row.parts_sent = max(row.parts_sent, refusal.parts_sent)
        row.last_errcode, row.last_reason = refusal.errcode[:20], refusal.reason[:300]
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = Status.FAILED, None
        else:
            row.status, row.next_attempt_at = Status.RETRYING, now + backoff(row.attempts)
        Attempt.objects.create(
            message=row,
            number=row.attempts,
            at=now,
            ok=False,
            errcode=row.last_errcode,
            answer=refusal.answer[:2000],
            reason=row.last_reason,
            next_attempt_at=row.next_attempt_at,
        )
        row.save(update_fields=["status", "next_attempt_at", "parts_sent", "last_errcode", "last_reason"])
        if row.status == Status.FAILED:
            services.record(
                None,
                "message_delivery_failed",
                row,
                after={"channel": row.channel, "attempts": row.attempts, "reason": row.last_reason},
                outcome="failure",
            )
        return row.status
    row.status, row.sent_at, row.next_attempt_at = Status.SENT, now, None
    row.parts_sent, row.last_errcode, row.last_reason = sent.parts_sent, "", ""
    Attempt.objects.create(message=row, number=row.attempts, at=now, ok=True, answer=sent.answer[:2000])
    row.save(
        update_fields=["status", "sent_at", "next_attempt_at", "parts_sent", "last_errcode", "last_reason"]
    )
    return row.status


def deliver(rows: Iterable[Message], now: dt.datetime | None = None) -> dict:
    """Try each message once; counts by outcome."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for row in rows:
        status = attempt(row, now)
        if status in counts:
            counts[status] += 1
    return counts


def due(now: dt.datetime):
    """Messages waiting for a try: never tried, or past their next try. A message a worker has
    claimed carries ``next_attempt_at = claim time + CLAIM``, so no other worker takes it."""
    return Message.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__isnull=True)
        | Q(status__in=(Status.PENDING, Status.RETRYING), next_attempt_at__lte=now)
    ).order_by("pk")


def send_due(now: dt.datetime | None = None, limit: int = 2000) -> dict:
    """Try every message that is due (the job). Safe to run from several workers at once."""
    now = now or timezone.now()
    counts = deliver(list(due(now)[:limit]), now)
    if counts["sent"] or counts["failed"]:
        services.record(None, "messages_sent", None, object_type="delivery.message", after=counts)
    return counts


def visible_messages(user):
    """Messages the person may see: the one gate of the model."""
    return Message.objects.restrict(user, "view")


def failures(user):
    """What did not go out (or has not yet): failed and retrying messages the person may see."""
    return (
        visible_messages(user)
        .filter(status__in=(Status.FAILED, Status.RETRYING))
        .select_related("unit", "district", "recipient")
        .prefetch_related("attempt_log")
    )


# ------------------------------------------------------------------------------ corp apps


def corp_app_credentials(app: CorpApp) -> dict:
    return json.loads(crypto.sm4_decrypt(app.credentials_encrypted, PURPOSE))


def save_corp_app(
    actor, district, *, platform: str, corp_id: str = "", agent_id: str = "", secret: str = "", is_active=True
) -> CorpApp:
    """Create or change a district's corp app. A blank corp id, agent id or secret keeps the
    stored one (the secret is write-only). The district's system admin decides."""
    Platform(platform)
    existing = CorpApp.objects.filter(district=district, platform=platform).first()
    old = corp_app_credentials(existing) if existing else {"corp_id": "", "agent_id": "", "secret": ""}
    creds = {
        "corp_id": (corp_id or "").strip() or old["corp_id"],
        "agent_id": (agent_id or "").strip() or old["agent_id"],
        "secret": (secret or "").strip() or old["secret"],
    }
    errors = {}
    for field, label in (
        ("corp_id", _("企业标识")),
        ("agent_id", _("应用 AgentId")),
        ("secret", _("应用密钥")),
    ):
        if not creds[field]:
            errors[field] = _("请填写%(label)s。") % {"label": label}
    if creds["agent_id"] and not creds["agent_id"].isdigit():
        errors["agent_id"] = _("AgentId 应为数字。")
    if errors:
        raise ValidationError(errors)
    values = {
        "credentials_encrypted": crypto.sm4_encrypt(json.dumps(creds), PURPOSE),
        "corp_id_display": channels_mask(creds["corp_id"]),
        "is_active": bool(is_active),
    }
    if existing is None:
        return services.create_object(
            actor, CorpApp(district=district, platform=platform, **values), scope_action="manage"
        )
    return services.update_object(actor, existing, values, expected_version=None, action="manage")


def channels_mask(value: str) -> str:
    return f"{value[:4]}••••{value[-2:]}" if len(value) > 8 else "••••"
