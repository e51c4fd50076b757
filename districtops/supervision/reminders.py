"""The daily reminder job: due in 3 days, due today, overdue — in-app, e-mail, group robots.

Idempotent: a Reminder row is unique per (matter, unit, kind, key date); a reminder is
sent only when its row is inserted, so re-running the job on the same day sends nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.parse
from collections import defaultdict

from django.core.mail import send_mass_mail
from django.db.models import Q

from districtops.core import clock, crypto, services, webhooks
from districtops.org.models import Membership
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


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk robot 加签: sign = urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def webhook_request(cfg: ReminderSettings, text: str) -> tuple[str, bytes]:
    """URL and JSON body for a group robot. WeCom robots authenticate by the key in the URL
    (the service defines no signature); DingTalk robots with 加签 need the signed URL."""
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    url = cfg.webhook_url
    if cfg.webhook_kind == "dingtalk" and cfg.webhook_secret:
        url = dingtalk_signed_url(url, crypto.sm4_decrypt(cfg.webhook_secret, "webhook"))
    return url, body


def post_webhook(url: str, body: bytes) -> None:
    """Through the platform's one webhook sender: the host is re-checked (public, https) at
    send time, so a URL that now resolves inside the network is refused (OSError)."""
    webhooks.post_json(url, body)


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
    Reminder.objects.bulk_create(
        [Reminder(matter_id=m, unit_id=u, kind=k, key_date=d, channels="app") for m, u, k, d in new_keys],
        batch_size=5000,
        ignore_conflicts=True,
    )
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
    for key in new_keys:
        by_unit[key[1]].append((key[2], *titles[key[0]], wanted[key]))
    mails, hooks = _send(by_unit, log)
    counts = {"checked": len(wanted), "new": len(new_keys), "emails": mails, "webhooks": hooks}
    log(f"提醒：检查 {counts['checked']} 项，新增 {counts['new']} 条，邮件 {mails} 封，群机器人 {hooks} 次")
    if new_keys:
        services.record(None, "reminders_sent", None, object_type="supervision.reminder", after=counts)
    return counts


def _digest(items) -> str:
    lines = []
    for kind in ReminderKind.values:
        chosen = [i for i in items if i[0] == kind]
        if chosen:
            lines.append(KIND_TEXT[kind] + "：")
            lines += [f"  {code} {title}（时限 {deadline:%Y-%m-%d}）" for _k, code, title, deadline in chosen]
    return "\n".join(lines)


def _send(by_unit: dict, log) -> tuple[int, int]:
    if not by_unit:
        return 0, 0
    cfgs = {c.unit_id: c for c in ReminderSettings.objects.filter(unit_id__in=by_unit)}
    emails = defaultdict(list)
    for unit_id, email in (
        Membership.objects.filter(unit_id__in=by_unit, role__in=[Role.UNIT_HEAD, Role.UNIT_STAFF])
        .filter(~Q(user__email=""), user__is_active=True)
        .values_list("unit_id", "user__email")
    ):
        emails[unit_id].append(email)
    messages, hooks = [], 0
    for unit_id, items in by_unit.items():
        text = _digest(items)
        cfg = cfgs.get(unit_id)
        if emails[unit_id] and (cfg is None or cfg.email_enabled):
            messages.append(("【督查督办】到期提醒", text, None, sorted(set(emails[unit_id]))))
        if cfg is not None and cfg.webhook_url:
            try:
                post_webhook(*webhook_request(cfg, "【督查督办】\n" + text))
                hooks += 1
            except OSError as exc:  # a robot being down must not stop the other units' reminders
                log(f"群机器人发送失败（单位 {unit_id}）：{exc}")
    sent = send_mass_mail(messages, fail_silently=True) if messages else 0
    return sent, hooks
