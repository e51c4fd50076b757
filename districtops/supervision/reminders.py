"""The daily reminder job: due in 3 days, due today, overdue — in-app, e-mail, group robots and
the corp apps' person-to-person messages (钉钉工作通知, 企业微信应用消息).

Idempotent: a Reminder row is unique per (matter, unit, kind, key date), and the outbound
messages of one unit's digest are unique by a key made of those reminders (delivery.Message).
Order matters: the messages are queued and tried first, and the Reminder rows are written
after, naming the channels that actually delivered. A channel that refused (a robot answering
310000, a mail server down) is retried by the delivery job with back-off and shown, with its
reason, on the unit's failure page (/delivery/); it is never counted as sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from districtops.core import clock, crypto
from districtops.delivery import services as delivery
from districtops.delivery.channels import dingtalk_signed_url  # noqa: F401 — the platform's one signer
from districtops.delivery.models import Channel, CorpApp, Platform, Source, Status
from districtops.gate import services
from districtops.org.models import Membership, Unit
from districtops.org.roles import Role

from .models import Matter, Reminder, ReminderKind, ReminderSettings
from .states import OPEN_STATES

SOON_DAYS = 3
KIND_TEXT = {
    ReminderKind.DUE_SOON: "以下督办事项将在 3 日内到期",
    ReminderKind.DUE_TODAY: "以下督办事项今日到期",
    ReminderKind.OVERDUE: "以下督办事项已逾期，请尽快办理并说明逾期原因",
}


def classify(deadline: dt.date, today: dt.date) -> tuple[str, dt.date] | None:
    """(kind, key date) of the reminder a matter due on ``deadline`` gets today, if any.

    The key date makes a due-soon or due-today reminder once per deadline (an approved
    extension earns a fresh one), and an overdue reminder once per day.
    """
    if deadline < today:
        return ReminderKind.OVERDUE, today
    if deadline == today:
        return ReminderKind.DUE_TODAY, deadline
    if deadline <= today + dt.timedelta(days=SOON_DAYS):
        return ReminderKind.DUE_SOON, deadline
    return None


def run_daily(log, day: str | None = None) -> dict:
    """Create today's reminders and send each new one once. Safe to run again."""
    today = dt.date.fromisoformat(day) if day else clock.today()
    horizon = today + dt.timedelta(days=SOON_DAYS)
    # Only the three columns that decide; titles are fetched for the new reminders alone.
    rows = Matter.objects.filter(state__in=OPEN_STATES, deadline__lte=horizon).values_list(
        "pk", "lead_unit_id", "deadline"
    )
    wanted = {}
    for pk, unit_id, deadline in rows.iterator(chunk_size=10000):
        kind, key = classify(deadline, today)
        wanted[(pk, unit_id, str(kind), key)] = deadline
    existing = set(
        Reminder.objects.filter(key_date__in={k[3] for k in wanted}).values_list(
            "matter_id", "unit_id", "kind", "key_date"
        )
    )
    new_keys = [k for k in wanted if k not in existing]
    titles = {}
    new_pks = [k[0] for k in new_keys]
    for start in range(0, len(new_pks), 5000):
        titles.update(
            (pk, (code, title))
            for pk, code, title in Matter.objects.filter(pk__in=new_pks[start : start + 5000]).values_list(
                "pk", "code", "title"
            )
        )
    by_unit = defaultdict(list)
    keys_by_unit = defaultdict(list)
    for key in new_keys:
        by_unit[key[1]].append((key[2], *titles[key[0]], wanted[key]))
        keys_by_unit[key[1]].append(key)
    delivered, counts = _send(by_unit, keys_by_unit, log)
    # Recorded after the sending, with the channels that delivered; the in-app reminder is the row.
    Reminder.objects.bulk_create(
        [
            Reminder(
                matter_id=m, unit_id=u, kind=k, key_date=d, channels=",".join(["app", *sorted(delivered[u])])
            )
            for m, u, k, d in new_keys
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    counts = {"checked": len(wanted), "new": len(new_keys), **counts}
    log(
        f"提醒：检查 {counts['checked']} 项，新增 {counts['new']} 条，邮件 {counts['emails']} 封，"
        f"群机器人 {counts['webhooks']} 次，工作通知 {counts['work']} 条，待重试 {counts['retrying']}，"
        f"失败 {counts['failed']}"
    )
    if new_keys:
        services.record(None, "reminders_sent", None, object_type="supervision.reminder", after=counts)
    return counts


def _digest(items, markdown: bool = False) -> str:
    lines = []
    for kind in ReminderKind.values:
        chosen = [i for i in items if i[0] == kind]
        if chosen:
            lines.append(f"**{KIND_TEXT[kind]}：**" if markdown else KIND_TEXT[kind] + "：")
            bullet = "- " if markdown else "  "
            lines += [
                f"{bullet}{code} {title}（时限 {deadline:%Y-%m-%d}）" for _k, code, title, deadline in chosen
            ]
    return "\n".join(lines)


SUBJECT = "【督查督办】到期提醒"


def _messages(by_unit: dict, keys_by_unit: dict) -> list:
    """The outbound messages of each unit's digest: mail to each person, the unit's group robot
    (@-mentioning its people by mobile), and each person through the district's corp apps."""
    cfgs = {c.unit_id: c for c in ReminderSettings.objects.filter(unit_id__in=by_unit)}
    districts = dict(Unit.objects.filter(pk__in=by_unit).values_list("pk", "district_id"))
    apps = defaultdict(list)
    for app in CorpApp.objects.filter(district_id__in=set(districts.values()), is_active=True):
        apps[app.district_id].append(app)
    people = defaultdict(dict)
    for unit_id, user_id, email, mobile in (
        Membership.objects.filter(
            unit_id__in=by_unit, role__in=[Role.UNIT_HEAD, Role.UNIT_STAFF], user__is_active=True
        )
        .order_by("user_id")
        .values_list("unit_id", "user_id", "user__email", "user__mobile_encrypted")
    ):
        people[unit_id][user_id] = (email, crypto.sm4_decrypt(mobile, "mobile") if mobile else "")
    rows = []
    for unit_id, items in by_unit.items():
        # The digest's identity: the reminders it carries (a later batch the same day is new).
        ident = crypto.digest(repr(sorted(keys_by_unit[unit_id])).encode())[:20]
        common = {"source": Source.REMINDER, "unit": unit_id, "district": districts.get(unit_id)}
        text, markdown = _digest(items), _digest(items, markdown=True)
        cfg = cfgs.get(unit_id)
        if cfg is None or cfg.email_enabled:
            for user_id, (email, _mobile) in people[unit_id].items():
                if email:
                    rows.append(delivery.message(
                        **common, channel=Channel.MAIL, destination={"address": email}, subject=SUBJECT,
                        body=text, recipient=user_id, dedupe_key=f"reminder:{unit_id}:{ident}:mail:{user_id}",
                    ))  # fmt: skip
        if cfg is not None and cfg.webhook_url:
            channel = Channel.DINGTALK_ROBOT if cfg.webhook_kind == "dingtalk" else Channel.WECOM_ROBOT
            secret = crypto.sm4_decrypt(cfg.webhook_secret, "webhook") if cfg.webhook_secret else ""
            mobiles = [m for _e, m in people[unit_id].values() if m]
            rows.append(delivery.message(
                **common, channel=channel, destination={"url": cfg.webhook_url, "secret": secret, "mobiles": mobiles},
                subject=SUBJECT, body=markdown, dedupe_key=f"reminder:{unit_id}:{ident}:robot",
            ))  # fmt: skip
        for app in apps.get(districts.get(unit_id), []):
            channel = Channel.DINGTALK_WORK if app.platform == Platform.DINGTALK else Channel.WECOM_APP
            for user_id, (_email, mobile) in people[unit_id].items():
                if mobile:
                    rows.append(delivery.message(
                        **common, channel=channel, destination={"app": app.pk, "mobile": mobile},
                        subject=SUBJECT, body=markdown, recipient=user_id,
                        dedupe_key=f"reminder:{unit_id}:{ident}:{channel}:{user_id}",
                    ))  # fmt: skip
    return rows


def _send(by_unit: dict, keys_by_unit: dict, log) -> tuple[dict, dict]:
    """Queue and try each message once. Returns the channels that delivered, per unit, and counts."""
    delivered = defaultdict(set)
    counts = {"emails": 0, "webhooks": 0, "work": 0, "retrying": 0, "failed": 0}
    if not by_unit:
        return delivered, counts
    robots = (Channel.DINGTALK_ROBOT, Channel.WECOM_ROBOT)
    # A re-run the same day finds the digest queued before: only what is still pending is tried.
    for row in delivery.queue(_messages(by_unit, keys_by_unit)):
        status = delivery.attempt(row)
        if status == Status.SENT:
            delivered[row.unit_id].add(row.channel)
            key = "emails" if row.channel == Channel.MAIL else "webhooks" if row.channel in robots else "work"
            counts[key] += 1
        elif status in (Status.RETRYING, Status.FAILED):
            counts[status] += 1
            if row.channel in robots:  # a robot being down must not stop the other units' reminders
                log(f"群机器人发送失败（单位 {row.unit_id}）：{row.last_reason}")
    return delivered, counts
