"""Weekly summaries to subscribers: e-mail or a DingTalk/WeCom group robot, with back-off.

``send_due(send=...)`` is what the periodic job and ``districtops send-summaries`` run:

1. each active subscription whose weekday has come this ISO week gets one Delivery row
   for the week (unique, so re-running never sends a week twice);
2. every Delivery that is pending, or retrying and past its ``next_attempt_at``, is tried
   once. A failure schedules the next try after ``BACKOFF`` (5 min, 30 min, 2 h, 8 h)
   and after ``MAX_ATTEMPTS`` marks it failed and writes an audit row. Nothing sleeps:
   one dead robot costs one time-out, and the other deliveries go on.

The ``send(channel, target, secret, subject, text)`` function is a parameter so the
transport can be swapped (tests pass a fake). DingTalk 加签 is the supervision module's
``dingtalk_signed_url``, the one signing function of the platform.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from districtops.core import clock, crypto, services, webhooks
from districtops.supervision.reminders import dingtalk_signed_url

from .models import Channel, Delivery, DeliveryStatus, Subscription

BACKOFF = [dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=8)]
MAX_ATTEMPTS = len(BACKOFF) + 1
WEBHOOK_TIMEOUT_SECONDS = 5


def week_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def robot_request(channel: str, target: str, secret: str, text: str) -> tuple[str, bytes]:
    """URL and body for a group robot. WeCom authenticates by the key in its URL; DingTalk
    robots with 加签 need the timestamp and signature in the URL."""
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    if channel == Channel.DINGTALK and secret:
        return dingtalk_signed_url(target, secret), body
    return target, body


def send_message(channel: str, target: str, secret: str, subject: str, text: str) -> None:
    """The real transport; raises on any failure (HTTP error, refused connection, time-out)."""
    if channel == Channel.EMAIL:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [target], fail_silently=False)
        return
    url, body = robot_request(channel, target, secret, f"{subject}\n{text}")
    # The platform's one webhook sender: re-checks the host at send time and raises OSError on
    # a refused host, an HTTP error or a robot's non-zero errcode.
    webhooks.post_json(url, body, timeout=WEBHOOK_TIMEOUT_SECONDS)


def summary_text(summary: dict) -> str:
    """The weekly summary as plain text: every figure of the cockpit with its light."""
    marks = {"red": "【红】", "yellow": "【黄】", "green": "", "grey": "", "": ""}
    lines = [
        f"{summary['district']['name']} 周报（截至 {summary['today']}，报告期 {summary['period_label']}）",
    ]
    for section in summary["sections"]:
        lines.append(f"■ {section['title']}")
        for f in section["figures"]:
            lines.append(f"  {marks.get(f['light'], '')}{f['label']}：{f['text']}{f['unit']}")
    if summary["warnings"]:
        lines.append("■ 需关注")
        lines += [f"  · {w}" for w in summary["warnings"]]
    return "\n".join(lines)


def schedule_week(today: dt.date) -> int:
    """Create this week's Delivery rows for subscriptions whose weekday has come."""
    week = week_key(today)
    due = Subscription.objects.filter(is_active=True, weekday__lte=today.weekday()).exclude(
        deliveries__week=week
    )
    created = 0
    for subscription_id in due.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                Delivery.objects.create(subscription_id=subscription_id, week=week)
            created += 1
        except IntegrityError:  # another worker scheduled it first
            continue
    return created


def _summary_for(subscription: Subscription, cache: dict) -> dict:
    from .services import district_summary, districts_for

    key = (subscription.user_id, subscription.district_id)
    if key not in cache:
        # The subscriber's scope today decides: someone who lost the district gets nothing.
        if not districts_for(subscription.user).filter(pk=subscription.district_id).exists():
            cache[key] = None
        else:
            cache[key] = district_summary(subscription.user, subscription.district)
    return cache[key]


def attempt(delivery: Delivery, send, summaries: dict, now: dt.datetime) -> bool:
    """Try one delivery once and record the outcome. Returns True when it went out."""
    subscription = delivery.subscription
    # Claim it: a second worker finds the attempt count changed and skips.
    claimed = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
        attempts=delivery.attempts + 1, next_attempt_at=now + dt.timedelta(minutes=1)
    )
    if not claimed:
        return False
    delivery.attempts += 1
    summary = _summary_for(subscription, summaries)
    try:
        if summary is None:
            raise PermissionError("订阅人已无权查看该区")
        subject = f"【周报】{summary['district']['name']} {delivery.week}"
        secret = crypto.sm4_decrypt(subscription.secret_encrypted) if subscription.secret_encrypted else ""
        send(subscription.channel, subscription.target, secret, subject, summary_text(summary))
    except Exception as exc:  # any transport failure is recorded and retried, never raised
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS or isinstance(exc, PermissionError):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            services.record(
                None,
                "summary_delivery_failed",
                subscription,
                after={"week": delivery.week, "attempts": delivery.attempts, "error": delivery.last_error},
                outcome="failure",
            )
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return False
    delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.SENT, now, None
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at"])
    return True


def send_due(send=send_message, *, today: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Schedule this week's summaries and try every delivery that is due. Safe to re-run."""
    today = today or clock.today()
    now = now or timezone.now()
    scheduled = schedule_week(today)
    due = (
        Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        )
        .select_related("subscription", "subscription__user", "subscription__district")
        .order_by("pk")
    )
    summaries: dict = {}
    counts = {"scheduled": scheduled, "sent": 0, "retrying": 0, "failed": 0}
    for delivery in list(due):
        if attempt(delivery, send, summaries, now):
            counts["sent"] += 1
        elif delivery.status == DeliveryStatus.FAILED:
            counts["failed"] += 1
        else:
            counts["retrying"] += 1
    if counts["sent"] or counts["failed"]:
        services.record(None, "summaries_sent", None, object_type="cockpit.delivery", after=counts)
    return counts
