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
from .models import Attempt, Channel, CorpApp, Message, Platform, Receipt, Source, Status

BACKOFF_BASE = dt.timedelta(minutes=5)
BACKOFF_FACTOR = 4
MAX_ATTEMPTS = 5
# Real time, not core.clock: a pinned demo date must not make a back-off wrap around midnight.
# How long a claimed message is left to its worker before another may take it (a crashed one).
CLAIM = dt.timedelta(minutes=10)
PURPOSE = "delivery"
# Delivery confirmation of DingTalk 工作通知: asked RECEIPT_DELAY after the send (the send is
# asynchronous), again every RECEIPT_RECHECK while unread or not yet known, for RECEIPT_WINDOW
# (DingTalk answers getsendresult for about a day after the send).
RECEIPT_DELAY = dt.timedelta(minutes=10)
RECEIPT_RECHECK = dt.timedelta(hours=2)
RECEIPT_WINDOW = dt.timedelta(hours=23)


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
    fields = ["status", "sent_at", "next_attempt_at", "parts_sent", "last_errcode", "last_reason"]
    reason = ""
    if sent.undelivered:  # WeCom accepted the message but names the person as not reached
        reason = undelivered_reason(sent.undelivered)
        row.receipt, row.receipt_reason, row.receipt_checked_at = Receipt.UNDELIVERED, reason[:300], now
        row.receipt_detail = {"userid": sent.userid, **sent.undelivered}
        fields += ["receipt", "receipt_reason", "receipt_detail", "receipt_checked_at"]
    elif row.channel == Channel.DINGTALK_WORK and sent.task_ids:
        row.receipt, row.receipt_due_at = Receipt.WAITING, now + RECEIPT_DELAY
        row.receipt_detail = {"userid": sent.userid, "task_ids": list(sent.task_ids)}
        fields += ["receipt", "receipt_due_at", "receipt_detail"]
    Attempt.objects.create(
        message=row, number=row.attempts, at=now, ok=True, answer=sent.answer[:2000], reason=reason[:300]
    )
    row.save(update_fields=fields)
    if sent.undelivered:
        _record_not_received(row)
    return row.status


def undelivered_reason(lists: dict) -> str:
    """Why the person did not get a corp-app message, in words (from the platform's lists)."""
    reasons = []
    if lists.get("invalid"):
        reasons.append(_("接收人账号无效（不在企业通讯录、已离职或不在应用可见范围内）"))
    if lists.get("unlicensed"):
        reasons.append(_("接收人没有企业微信接口许可（账号未激活），消息未送达"))
    if lists.get("forbidden"):
        reasons.append(_("被钉钉流控拦截（同一内容一天只发一次，或当天发给此人的消息已达上限）"))
    if lists.get("failed"):
        reasons.append(_("钉钉发送失败"))
    return "；".join(str(r) for r in reasons)


def _record_not_received(row: Message) -> None:
    services.record(
        None,
        "message_not_received",
        row,
        after={"channel": row.channel, "receipt": row.receipt, "reason": row.receipt_reason},
        outcome="failure",
    )


def receipts_due(now: dt.datetime):
    """Sent DingTalk 工作通知 whose delivery confirmation is due (waiting, or unread and still
    within the window)."""
    return Message.objects.filter(
        channel=Channel.DINGTALK_WORK,
        status=Status.SENT,
        receipt__in=(Receipt.WAITING, Receipt.UNREAD),
        receipt_due_at__lte=now,
    ).order_by("pk")


def check_receipt(row: Message, now: dt.datetime | None = None) -> str:
    """Ask DingTalk what became of one sent 工作通知 and record it on the message: 已读, 未读
    (asked again until the window closes), 未送达 (invalid, throttled or failed — with the reason,
    audited), or, when DingTalk cannot say within the window, 无法确认. Returns the receipt."""
    now = now or timezone.now()
    claimed = Message.objects.filter(
        pk=row.pk, receipt=row.receipt, receipt_due_at=row.receipt_due_at
    ).update(receipt_due_at=now + CLAIM)
    if not claimed:
        return "skipped"
    detail = dict(row.receipt_detail or {})
    userid = detail.get("userid", "")
    window_closed = row.sent_at is None or now - row.sent_at >= RECEIPT_WINDOW
    destination = json.loads(crypto.sm4_decrypt(row.destination_encrypted, PURPOSE))
    receipt, reason, due_at = row.receipt, "", None
    try:
        lists = channels.send_result(destination, detail.get("task_ids") or [])
    except channels.Refused as refusal:
        detail["error"] = {"errcode": refusal.errcode, "answer": refusal.answer[:500]}
        if window_closed:
            receipt = Receipt.UNKNOWN
            reason = _("无法确认是否送达：%(reason)s") % {"reason": refusal.reason}
        else:
            reason = _("暂未取得送达结果：%(reason)s") % {"reason": refusal.reason}
            due_at = now + RECEIPT_RECHECK
    else:
        detail.pop("error", None)
        detail.update({k: v for k, v in lists.items() if k != "forbidden_codes"})
        if lists.get("forbidden_codes"):
            detail["forbidden_codes"] = lists["forbidden_codes"]
        mine = {key: userid in users for key, users in lists.items() if key != "forbidden_codes"}
        if mine.get("invalid") or mine.get("forbidden") or mine.get("failed"):
            receipt = Receipt.UNDELIVERED
            reason = undelivered_reason({k: [userid] for k, hit in mine.items() if hit})
        elif mine.get("read"):
            receipt = Receipt.READ
        elif mine.get("unread"):
            receipt = Receipt.UNREAD
            due_at = None if window_closed else now + RECEIPT_RECHECK
        elif window_closed:
            receipt, reason = Receipt.UNKNOWN, _("钉钉未给出该接收人的发送结果")
        else:
            due_at = now + RECEIPT_RECHECK  # still being delivered: ask again
    row.receipt, row.receipt_reason, row.receipt_due_at = receipt, str(reason)[:300], due_at
    row.receipt_detail, row.receipt_checked_at = detail, now
    row.save(
        update_fields=["receipt", "receipt_reason", "receipt_due_at", "receipt_detail", "receipt_checked_at"]
    )
    if receipt == Receipt.UNDELIVERED:
        _record_not_received(row)
    return receipt


def check_receipts(now: dt.datetime | None = None, limit: int = 2000) -> dict:
    """Confirm every sent 工作通知 that is due (the job): counts by receipt."""
    now = now or timezone.now()
    counts = {key: 0 for key in Receipt.values}
    for row in list(receipts_due(now)[:limit]):
        receipt = check_receipt(row, now)
        if receipt in counts:
            counts[receipt] += 1
    return counts


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


def failures(user, receipt: str = ""):
    """What did not go out (or has not yet): failed and retrying messages the person may see,
    and sent ones the person did not get (未送达) or has not read (未读). With ``receipt``: the
    sent messages of that delivery confirmation (已读 too)."""
    problems = Q(status__in=(Status.FAILED, Status.RETRYING)) | Q(
        receipt__in=(Receipt.UNDELIVERED, Receipt.UNREAD)
    )
    return (
        visible_messages(user)
        .filter(Q(receipt=receipt) if receipt else problems)
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
