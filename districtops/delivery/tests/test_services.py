"""The delivery mechanism against a fake DingTalk/WeCom server: refusals, back-off, tokens,
splitting, @-mentions, mail failures, the SSRF gate."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from districtops.audit.models import AuditRecord
from districtops.delivery import channels, errcodes, services
from districtops.delivery.models import Attempt, Channel, Message, Platform, Source, Status

pytestmark = pytest.mark.django_db


def robot(api, unit, channel=Channel.DINGTALK_ROBOT, *, secret="SECabc", mobiles=(), body="正文", key=""):
    path = (
        "/robot/send?access_token=tok"
        if channel == Channel.DINGTALK_ROBOT
        else "/cgi-bin/webhook/send?key=k1"
    )
    return services.queue([
        services.message(
            source=Source.REMINDER, channel=channel, subject="【督查督办】到期提醒", body=body, unit=unit,
            district=unit.district_id, destination={"url": api.base + path, "secret": secret, "mobiles": list(mobiles)},
            dedupe_key=key,
        )
    ])[0]  # fmt: skip


def test_sign_not_match_is_recorded_failed_with_reason_and_retried_with_backoff(fake_api, org):
    fake_api.script("/robot/send", {"errcode": 310000, "errmsg": "sign not match, more: [https://…]"})
    row = robot(fake_api, org["units"]["南关街街道"])
    now = timezone.now()
    assert services.attempt(row, now) == Status.RETRYING
    row.refresh_from_db()
    assert row.sent_at is None and row.last_errcode == "310000"
    assert row.last_reason == "签名不匹配（加签密钥错误）"
    assert row.next_attempt_at == now + dt.timedelta(minutes=5)
    first = Attempt.objects.get(message=row)
    assert not first.ok and "310000" in first.answer and first.reason == row.last_reason
    # Not due before its back-off; due after it, and the robot now takes it.
    assert services.send_due(now + dt.timedelta(minutes=4)) == {"sent": 0, "retrying": 0, "failed": 0}
    assert services.send_due(now + dt.timedelta(minutes=5, seconds=1))["sent"] == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2 and row.last_reason == ""
    assert [a.ok for a in row.attempt_log.all()] == [False, True]
    # The signature is in every call: timestamp and sign beside the robot's own token.
    query = fake_api.calls_to("/robot/send")[-1][2]
    assert query["access_token"] == "tok" and query["timestamp"] and query["sign"]


def test_backoff_grows_exponentially_then_gives_up_with_an_audit_row(fake_api, org):
    fake_api.script("/robot/send", *[{"errcode": 300001, "errmsg": "token is not exist"}] * 6)
    row = robot(fake_api, org["units"]["南关街街道"])
    moment = timezone.now()
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        services.send_due(moment)
        row.refresh_from_db()
        if row.next_attempt_at:
            waits.append(row.next_attempt_at - moment)
            moment = row.next_attempt_at + dt.timedelta(seconds=1)
    assert waits == [dt.timedelta(minutes=m) for m in (5, 20, 80, 320)]
    assert row.status == Status.FAILED and row.attempts == services.MAX_ATTEMPTS
    assert "access_token 不存在" in row.last_reason
    assert AuditRecord.objects.filter(action="message_delivery_failed", outcome="failure").count() == 1
    assert services.send_due(moment + dt.timedelta(days=1))["sent"] == 0  # failed stays failed
    assert len(fake_api.calls_to("/robot/send")) == services.MAX_ATTEMPTS


def test_mentions_in_both_robots_payloads(fake_api, org):
    unit = org["units"]["南关街街道"]
    services.attempt(robot(fake_api, unit, mobiles=["13800000001", "13900000002"]))
    payload = fake_api.calls_to("/robot/send")[0][3]
    assert payload["msgtype"] == "markdown"
    assert payload["at"] == {"atMobiles": ["13800000001", "13900000002"], "isAtAll": False}
    assert "@13800000001" in payload["markdown"]["text"]  # markdown shows the @ only if it is in the text
    services.attempt(robot(fake_api, unit, Channel.WECOM_ROBOT, secret="", mobiles=["13800000001"]))
    payload = fake_api.calls_to("/cgi-bin/webhook/send")[0][3]
    # WeCom's markdown cannot @ by mobile: a message that mentions someone goes as text.
    assert payload["msgtype"] == "text" and payload["text"]["mentioned_mobile_list"] == ["13800000001"]
    services.attempt(robot(fake_api, unit, Channel.WECOM_ROBOT, secret=""))
    assert fake_api.calls_to("/cgi-bin/webhook/send")[1][3]["msgtype"] == "markdown"


def test_long_message_is_split_at_lines_numbered_and_resumed_where_it_stopped(fake_api, org):
    lines = [f"- ZB-2021-{i:04d} 关于推进老旧小区改造项目的督办事项（时限 2021-04-02）" for i in range(200)]
    body = "\n".join(lines)
    assert len(body.encode()) > 3 * channels.WECOM_ROBOT_MARKDOWN_BYTES
    # Part 2 is refused once (rate limit); the retry sends parts 2… and never part 1 again.
    fake_api.script(
        "/cgi-bin/webhook/send", {"errcode": 0}, {"errcode": 45009, "errmsg": "api freq out of limit"}
    )
    row = robot(fake_api, org["units"]["南关街街道"], Channel.WECOM_ROBOT, secret="", body=body)
    now = timezone.now()
    assert services.attempt(row, now) == Status.RETRYING
    row.refresh_from_db()
    assert row.parts_sent == 1 and row.last_reason == "接口调用超过频率限制，稍后重试"
    services.send_due(now + dt.timedelta(minutes=6))
    row.refresh_from_db()
    sent = [c[3]["markdown"]["content"] for c in fake_api.calls_to("/cgi-bin/webhook/send")]
    total = len(sent) - 1  # one refused try of part 2
    assert row.status == Status.SENT and row.parts_sent == total >= 4
    assert all(len(part.encode()) <= channels.WECOM_ROBOT_MARKDOWN_BYTES for part in sent)
    assert (
        sent[0].startswith(f"（1/{total}）\n")
        and sent[1].startswith(f"（2/{total}）\n")
        and sent[1] == sent[2]
    )
    delivered = [sent[0], *sent[2:]]
    # Cut at line ends only: every original line arrives whole, in order.
    got = [ln for part in delivered for ln in part.split("\n")[1:] if ln.startswith("- ")]
    assert got == lines


def test_split_limits():
    text = "\n".join("甲" * 300 for _ in range(100))  # 900 bytes a line
    parts = channels.split(text, channels.WECOM_APP_BYTES)
    assert len(parts) > 1 and all(len(p.encode()) <= channels.WECOM_APP_BYTES for p in parts)
    assert channels.split("短消息", 2048) == ["短消息"]
    huge = channels.split("乙" * 10000, channels.WECOM_ROBOT_TEXT_BYTES)  # one line longer than the limit
    assert all(len(p.encode()) <= channels.WECOM_ROBOT_TEXT_BYTES for p in huge)
    assert "".join(p.split("\n", 1)[1] for p in huge) == "乙" * 10000


def corp_app(org, platform, **kw):
    defaults = {"corp_id": "ding-app-key-123" if platform == Platform.DINGTALK else "ww0123456789",
                "agent_id": "1001", "secret": "s3cr3t-value"}  # fmt: skip
    return services.save_corp_app(None, org["districts"]["410104"], platform=platform, **{**defaults, **kw})


def work(org, app, channel, mobile="13800000001"):
    unit = org["units"]["南关街街道"]
    return services.queue([
        services.message(source=Source.REMINDER, channel=channel, subject="到期提醒", body="**逾期**\n- 事项",
                         unit=unit, district=unit.district_id, destination={"app": app.pk, "mobile": mobile})
    ])[0]  # fmt: skip


def test_dingtalk_work_notice_reaches_the_one_person(fake_api, org):
    app = corp_app(org, Platform.DINGTALK)
    assert "s3cr3t" not in app.credentials_encrypted and "ding-app-key" not in app.credentials_encrypted
    fake_api.users["13800000001"] = "manager4220"
    assert services.attempt(work(org, app, Channel.DINGTALK_WORK)) == Status.SENT
    token_call = fake_api.calls_to("/gettoken")[0]
    assert token_call[2] == {"appkey": "ding-app-key-123", "appsecret": "s3cr3t-value"}
    send = fake_api.calls_to("/topapi/message/corpconversation/asyncsend_v2")[0]
    assert send[2]["access_token"] == "tok-1"
    assert send[3]["agent_id"] == 1001 and send[3]["userid_list"] == "manager4220"
    assert send[3]["msg"]["msgtype"] == "markdown"
    # The token is cached: a second message fetches none.
    assert services.attempt(work(org, app, Channel.DINGTALK_WORK)) == Status.SENT
    assert len(fake_api.calls_to("/gettoken")) == 1


def test_expired_token_is_refreshed_and_the_message_sent(fake_api, org):
    app = corp_app(org, Platform.WECOM)
    fake_api.users["13800000001"] = "ZhangSan"
    assert services.attempt(work(org, app, Channel.WECOM_APP)) == Status.SENT
    fake_api.expire_tokens()  # the cached token is now refused with 42001
    row = work(org, app, Channel.WECOM_APP, mobile="13800000001")
    assert services.attempt(row) == Status.SENT
    assert len(fake_api.calls_to("/cgi-bin/gettoken")) == 2
    sends = fake_api.calls_to("/cgi-bin/message/send")
    assert len(sends) == 3  # ok, refused 42001, ok with the fresh token
    assert sends[-1][2]["access_token"] == "tok-2" and sends[-1][3]["touser"] == "ZhangSan"
    assert sends[-1][3]["agentid"] == 1001 and sends[-1][3]["msgtype"] == "markdown"


def test_unknown_person_and_wrong_secret_are_reasons_in_chinese(fake_api, org):
    app = corp_app(org, Platform.WECOM)
    row = work(org, app, Channel.WECOM_APP, mobile="13700000000")
    assert services.attempt(row) == Status.RETRYING
    row.refresh_from_db()
    assert row.last_reason == "成员不存在" and row.last_errcode == "46004"
    fake_api.script("/cgi-bin/gettoken", {"errcode": 40001, "errmsg": "invalid credential"})
    from django.core.cache import cache

    cache.clear()
    row = work(org, app, Channel.WECOM_APP)
    services.attempt(row)
    row.refresh_from_db()
    assert row.last_reason == "应用 Secret 不正确"
    assert "s3cr3t" not in json.dumps(list(Attempt.objects.values_list("answer", flat=True)))


def test_mail_failure_is_recorded_not_silent(org, settings):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    unit = org["units"]["南关街街道"]
    row = services.queue([
        services.message(source=Source.NOTIFICATION, channel=Channel.MAIL, subject="s", body="b", unit=unit,
                         district=unit.district_id, destination={"address": "nanguan@example.gov.cn"})
    ])[0]  # fmt: skip
    assert services.attempt(row) == Status.RETRYING
    row.refresh_from_db()
    assert row.last_reason.startswith("邮件服务器拒绝或无法连接") and row.next_attempt_at
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_due(timezone.now() + dt.timedelta(minutes=6))["sent"] == 1
    assert mail.outbox[0].to == ["nanguan@example.gov.cn"]


def test_loopback_is_refused_without_the_test_setting_and_in_production(fake_api, org, settings):
    settings.PRODUCTION = True  # the test hosts are never honoured in production
    row = robot(fake_api, org["units"]["南关街街道"])
    assert services.attempt(row) == Status.RETRYING
    row.refresh_from_db()
    assert row.last_reason.startswith("地址不安全") and fake_api.calls == []
    settings.PRODUCTION = False
    settings.WEBHOOK_TEST_HOSTS = []
    row = robot(fake_api, org["units"]["南关街街道"])
    services.attempt(row)
    assert fake_api.calls == []


def test_dedupe_key_queues_once_and_a_claimed_message_is_not_sent_twice(fake_api, org):
    unit = org["units"]["南关街街道"]
    first = robot(fake_api, unit, key="k:1")
    assert services.queue([services.message(
        source=Source.REMINDER, channel=Channel.MAIL, subject="s", body="b", destination={"address": "a@b.cn"},
        dedupe_key="k:1")]) == [first]  # fmt: skip
    stale = Message.objects.get(pk=first.pk)
    assert services.attempt(first) == Status.SENT
    assert services.attempt(stale) == "skipped"  # another worker's copy: its claim finds the row changed
    assert len(fake_api.calls_to("/robot/send")) == 1


def test_a_message_being_sent_is_not_due_for_another_worker(fake_api, org, monkeypatch):
    row = robot(fake_api, org["units"]["南关街街道"])
    now = timezone.now()
    seen = []
    real = channels.send

    def slow(*args, **kwargs):  # while this worker sends, another looks for due messages
        seen.append(list(services.due(now + dt.timedelta(minutes=1))))
        return real(*args, **kwargs)

    monkeypatch.setattr(channels, "send", slow)
    assert services.attempt(row, now) == Status.SENT
    assert seen == [[]]
    # A worker that died holding it: after the claim runs out the message is due again.
    Message.objects.filter(pk=row.pk).update(status=Status.PENDING, next_attempt_at=now)
    assert list(services.due(now + services.CLAIM)) == [Message.objects.get(pk=row.pk)]


def test_errcode_reasons():
    assert errcodes.reason("dingtalk", 310000, "sign not match") == "签名不匹配（加签密钥错误）"
    assert errcodes.reason("dingtalk", 310000, "keywords not in content") == "消息未包含机器人设置的关键词"
    assert errcodes.reason("dingtalk", 310000, "") == "签名不匹配或未通过机器人安全设置"
    assert errcodes.reason("wecom", 93000, "invalid webhook url").startswith("群机器人 Webhook 地址无效")
    assert errcodes.reason("wecom", 12345, "odd") == "企业微信拒绝（错误码 12345）：odd"
