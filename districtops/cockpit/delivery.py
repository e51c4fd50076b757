"""Weekly summaries to subscribers: e-mail or a DingTalk/WeCom group robot.

``send_due()`` is what the daily job (cockpit.weekly_summaries) runs: each active
subscription whose weekday has come this ISO week gets one message for the week, queued and
tried at once through the platform's one delivery mechanism (districtops.delivery). Its
``dedupe_key`` (subscription and week) makes re-running never send a week twice; a refusal
(a robot answering 310000, a mail server down) is retried by the ``delivery.send_due`` job
with back-off, and shown with its reason on the failure page. A subscriber who has lost the
district gets nothing: the message is recorded failed with that reason.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from districtops.core import clock, crypto
from districtops.delivery import services as delivery_services
from districtops.delivery.models import Channel as DeliveryChannel
from districtops.delivery.models import Message, Source
from districtops.gate import services

from .models import Channel, Subscription

CHANNELS = {
    Channel.EMAIL: DeliveryChannel.MAIL,
    Channel.DINGTALK: DeliveryChannel.DINGTALK_ROBOT,
    Channel.WECOM: DeliveryChannel.WECOM_ROBOT,
}


def week_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def source_ref(subscription) -> str:
    return f"cockpit.subscription:{subscription.pk}"


def destination(subscription: Subscription) -> dict:
    if subscription.channel == Channel.EMAIL:
        return {"address": subscription.target}
    secret = crypto.sm4_decrypt(subscription.secret_encrypted) if subscription.secret_encrypted else ""
    return {"url": subscription.target, "secret": secret, "mobiles": []}


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


def schedule_week(today: dt.date) -> tuple[list[Message], int]:
    """Queue this week's summary for each subscription whose weekday has come; returns the
    messages now waiting (a second run finds the week queued and adds nothing) and how many
    were refused (the subscriber lost the district)."""
    from .services import district_summary, districts_for

    week = week_key(today)
    due = (
        Subscription.objects.filter(is_active=True, weekday__lte=today.weekday())
        .select_related("user", "district")
        .order_by("pk")
    )
    queued_keys = set(
        Message.objects.filter(source=Source.SUMMARY, dedupe_key__endswith=f":{week}").values_list(
            "dedupe_key", flat=True
        )
    )
    rows, summaries, refused = [], {}, 0
    for subscription in due:
        key = f"summary:{subscription.pk}:{week}"
        if key in queued_keys:
            continue
        common = {
            "source": Source.SUMMARY,
            "channel": CHANNELS[subscription.channel],
            "destination": destination(subscription),
            "district": subscription.district_id,
            "recipient": subscription.user_id,
            "dedupe_key": key,
            "source_ref": source_ref(subscription),
        }
        cache_key = (subscription.user_id, subscription.district_id)
        if cache_key not in summaries:
            # The subscriber's scope today decides: someone who lost the district gets nothing.
            allowed = districts_for(subscription.user).filter(pk=subscription.district_id).exists()
            summaries[cache_key] = (
                district_summary(subscription.user, subscription.district) if allowed else None
            )
        summary = summaries[cache_key]
        if summary is None:
            delivery_services.record_refusal(
                delivery_services.message(**common, subject=_("周报"), body=""), _("订阅人已无权查看该区")
            )
            refused += 1
            continue
        subject = f"【周报】{summary['district']['name']} {week}"
        rows.append(delivery_services.message(**common, subject=subject, body=summary_text(summary)))
    return delivery_services.queue(rows), refused


def send_due(*, today: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Queue this week's summaries and try each new one once. Safe to re-run."""
    today = today or clock.today()
    queued, refused = schedule_week(today)
    counts = {"scheduled": len(queued) + refused, **delivery_services.deliver(queued, now)}
    counts["failed"] += refused
    if counts["sent"] or counts["failed"]:
        services.record(None, "summaries_sent", None, object_type="cockpit.delivery", after=counts)
    return counts


def briefing_text(summary: dict, heading: dict, job_id: int | None) -> str:
    """The push of an issued briefing: its title and 文号, the month's warnings, where the files
    are (a robot cannot carry a file; the Word, Excel and PDF files wait on the job's page)."""
    lines = [
        f"【月度通报】{heading.get('title') or summary['district']['name']}",
        f"{heading.get('doc_number', '')}（{summary['period_label']}，成文日期 {heading.get('issued_on', '')}）",
    ]
    if summary["warnings"]:
        lines.append(_("需要关注："))
        lines += [f"  · {w}" for w in summary["warnings"][:8]]
    if job_id:
        lines.append(_("正文、附件和 PDF：登录平台，在“后台任务”第 %(n)d 号任务页下载。") % {"n": job_id})
    return "\n".join(lines)


def push_briefing(district, summary: dict, heading: dict, job_id: int | None = None) -> dict:
    """Send an issued briefing to every active subscription of the district (the weekly
    summaries' subscribers: mail and the groups' robots) through the one delivery mechanism —
    once per subscription and 文号; a subscriber who lost the district gets nothing."""
    from .services import districts_for

    doc_number = heading.get("doc_number", "")
    if not doc_number:
        return {"scheduled": 0, "sent": 0, "retrying": 0, "failed": 0}
    rows, refused = [], 0
    for subscription in Subscription.objects.filter(district=district, is_active=True).select_related("user"):
        common = {
            "source": Source.BRIEFING,
            "channel": CHANNELS[subscription.channel],
            "destination": destination(subscription),
            "district": subscription.district_id,
            "recipient": subscription.user_id,
            "dedupe_key": f"briefing:{subscription.pk}:{doc_number}",
            "source_ref": source_ref(subscription),
        }
        if not districts_for(subscription.user).filter(pk=district.pk).exists():
            delivery_services.record_refusal(
                delivery_services.message(**common, subject=_("月度通报"), body=""), _("订阅人已无权查看该区")
            )
            refused += 1
            continue
        subject = f"【月度通报】{doc_number}"
        rows.append(
            delivery_services.message(**common, subject=subject, body=briefing_text(summary, heading, job_id))
        )
    queued = delivery_services.queue(rows)
    counts = {"scheduled": len(queued) + refused, **delivery_services.deliver(queued)}
    counts["failed"] += refused
    return counts


def last_messages(subscriptions) -> dict:
    """The newest message of each subscription (the subscription list shows it), in one query."""
    refs = {source_ref(s): s.pk for s in subscriptions}
    latest = {}
    for message in Message.objects.filter(source=Source.SUMMARY, source_ref__in=list(refs)).order_by(
        "created_at", "pk"
    ):
        latest[refs[message.source_ref]] = message
    return latest
