import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

import pytest
from django.core import mail

from districtops.supervision import reminders, services
from districtops.supervision.models import Reminder, ReminderKind, ReminderSettings
from districtops.supervision.states import MatterState as S

from .factories import matter


@pytest.fixture
def three(org, users):
    users["nanguan"].email = "nanguan@example.gov.cn"
    users["nanguan"].save()
    u = org["units"]
    return [
        matter(u, title="三日内", deadline=dt.date(2021, 4, 2)),
        matter(u, title="今日", deadline=dt.date(2021, 3, 31)),
        matter(u, title="逾期", deadline=dt.date(2021, 3, 20)),
        matter(u, title="远期", deadline=dt.date(2021, 5, 20)),
        matter(u, title="已办结逾期", deadline=dt.date(2021, 3, 25), state=S.CLOSED),
    ]


def test_classify():
    today = dt.date(2021, 3, 31)
    assert reminders.classify(dt.date(2021, 4, 3), today) == (ReminderKind.DUE_SOON, dt.date(2021, 4, 3))
    assert reminders.classify(dt.date(2021, 4, 4), today) is None
    assert reminders.classify(today, today) == (ReminderKind.DUE_TODAY, today)
    assert reminders.classify(dt.date(2021, 3, 1), today) == (ReminderKind.OVERDUE, today)


def test_daily_job_is_idempotent(three):
    log = []
    first = reminders.run_daily(log.append)
    assert first["new"] == 3 and first["emails"] == 1
    kinds = dict(Reminder.objects.values_list("matter__title", "kind"))
    assert kinds == {"三日内": "due_soon", "今日": "due_today", "逾期": "overdue"}
    assert "逾期" in mail.outbox[0].body and mail.outbox[0].to == ["nanguan@example.gov.cn"]
    second = reminders.run_daily(log.append)
    assert second["new"] == 0 and len(mail.outbox) == 1 and Reminder.objects.count() == 3


def test_overdue_reminded_again_next_day_and_extension_earns_fresh_reminder(three):
    reminders.run_daily(lambda s: None)
    assert reminders.run_daily(lambda s: None, day="2021-04-01")["new"] >= 1
    assert Reminder.objects.filter(matter__title="逾期", kind="overdue").count() == 2


def _dingtalk_robot(org, api, secret="SECabc"):
    services.save_reminder_settings(
        None, org["units"]["南关街街道"], email_enabled=True, webhook_kind="dingtalk",
        webhook_url=f"{api.base}/robot/send?access_token=abc", webhook_secret=secret,
    )  # fmt: skip


def test_webhook_signed_for_dingtalk(three, org, users, fake_api):
    from districtops.accounts.models import User

    nanguan = User.objects.get(username="nanguan")
    nanguan.mobile = "13800000001"
    nanguan.save()
    _dingtalk_robot(org, fake_api)
    assert "SECabc" not in ReminderSettings.objects.get().webhook_secret  # stored encrypted
    assert reminders.run_daily(lambda s: None)["webhooks"] == 1
    (_method, _path, query, payload) = fake_api.calls_to("/robot/send")[0]
    ts = query["timestamp"]
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == expected and query["access_token"] == "abc"
    assert payload["msgtype"] == "markdown" and "逾期" in payload["markdown"]["text"]
    # The unit's people are @-mentioned by mobile (kept encrypted on the person).
    assert payload["at"]["atMobiles"] == ["13800000001"] and "@13800000001" in payload["markdown"]["text"]
    assert (
        "13800000001" not in User.objects.filter(pk=nanguan.pk).values_list("mobile_encrypted", flat=True)[0]
    )
    assert set(Reminder.objects.values_list("channels", flat=True)) == {"app,dingtalk_robot,mail"}


def test_refused_robot_is_not_counted_sent_and_reminder_recorded_after_sending(
    three, org, fake_api, monkeypatch
):
    from districtops.delivery import channels
    from districtops.delivery.models import Message, Status

    _dingtalk_robot(org, fake_api)
    fake_api.script("/robot/send", {"errcode": 310000, "errmsg": "sign not match"})
    seen = []
    real_send = channels.send

    def watching(*args, **kwargs):
        seen.append(Reminder.objects.count())  # what exists while the message goes out
        return real_send(*args, **kwargs)

    monkeypatch.setattr(channels, "send", watching)
    log = []
    counts = reminders.run_daily(log.append)
    assert seen and set(seen) == {0}  # nothing was recorded before it was sent
    assert counts["webhooks"] == 0 and counts["emails"] == 1 and counts["retrying"] == 1
    assert any("签名不匹配" in line for line in log)
    assert set(Reminder.objects.values_list("channels", flat=True)) == {"app,mail"}
    robot = Message.objects.get(channel="dingtalk_robot")
    assert robot.status == Status.RETRYING and robot.last_reason == "签名不匹配（加签密钥错误）"
    # Re-running the day sends nothing again (the robot's retry is the delivery job's).
    assert reminders.run_daily(log.append)["new"] == 0 and len(fake_api.calls_to("/robot/send")) == 1


def test_webhook_failure_does_not_stop_the_job(three, org, fake_api):
    fake_api.script("/cgi-bin/webhook/send", {"errcode": 93000, "errmsg": "invalid webhook url"})
    ReminderSettings.objects.create(
        unit=org["units"]["南关街街道"],
        webhook_kind="wecom",
        webhook_url=f"{fake_api.base}/cgi-bin/webhook/send?key=k",
    )
    log = []
    assert reminders.run_daily(log.append)["new"] == 3
    assert any("失败" in line for line in log)


def test_reminder_reaches_each_person_through_the_corp_app(three, org, users, fake_api):
    from districtops.accounts.models import User
    from districtops.delivery import services as delivery
    from districtops.delivery.models import Message

    nanguan = User.objects.get(username="nanguan")
    nanguan.mobile = "13800000001"
    nanguan.save()
    fake_api.users["13800000001"] = "nanguan-ding"
    delivery.save_corp_app(
        None,
        org["districts"]["410104"],
        platform="dingtalk",
        corp_id="dingkey123",
        agent_id="77",
        secret="sek",
    )
    counts = reminders.run_daily(lambda s: None)
    assert counts["work"] == 1
    send = fake_api.calls_to("/topapi/message/corpconversation/asyncsend_v2")[0][3]
    assert send["userid_list"] == "nanguan-ding" and send["agent_id"] == 77
    assert "逾期" in send["msg"]["markdown"]["text"]
    assert Message.objects.get(channel="dingtalk_work").recipient_id == nanguan.pk


def test_known_dingtalk_signature_vector():
    url = reminders.dingtalk_signed_url("https://x/send?access_token=t", "SEC1", timestamp_ms=1600000000000)
    digest = hmac.new(b"SEC1", b"1600000000000\nSEC1", hashlib.sha256).digest()
    assert url.endswith("&timestamp=1600000000000&sign=" + urllib.parse.quote_plus(base64.b64encode(digest)))


def test_job_registered_daily():
    from districtops.jobs.registry import DAILY, JOBS

    assert JOBS["supervision.send_reminders"].endswith("reminders.run_daily")
    assert "supervision.send_reminders" in DAILY


def test_reminder_state_excludes_closed(three):
    reminders.run_daily(lambda s: None)
    assert not Reminder.objects.filter(matter__title="已办结逾期").exists()


def test_in_app_reminders_on_todo_page(three, login):
    reminders.run_daily(lambda s: None)
    body = login("nanguan").get("/supervision/").content.decode()
    assert 'data-testid="reminders"' in body and "已逾期" in body
    assert 'data-testid="reminders"' not in login("beixiajie").get("/supervision/").content.decode()


def test_settings_screen(org, login):
    unit = org["units"]["城建局"]
    url = f"/supervision/units/{unit.pk}/reminders/"
    data = {
        "email_enabled": "",
        "webhook_kind": "dingtalk",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x",
        "webhook_secret": "SEC1",
    }
    assert login("chengjian").post(url, data).status_code == 302
    cfg = ReminderSettings.objects.get(unit=unit)
    secret = cfg.webhook_secret
    assert not cfg.email_enabled and secret
    login("chengjian").post(url, {**data, "webhook_secret": "", "webhook_url": ""})
    kept = ReminderSettings.objects.get(unit=unit)
    assert kept.webhook_secret == secret  # empty fields keep the secret and the URL
    assert kept.webhook_url == data["webhook_url"]
    r = login("tongji").post(url, data)  # staff of another unit, not its head
    assert r.status_code == 403
    assert login("jinshui").get(url).status_code == 404
    bad = login("chengjian").post(url, {**data, "webhook_kind": ""})
    assert "请选择群机器人类型" in bad.content.decode()
