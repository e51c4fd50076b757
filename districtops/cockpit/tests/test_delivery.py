import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from districtops.audit.models import AuditRecord
from districtops.cockpit import delivery, services
from districtops.delivery import services as delivery_services
from districtops.delivery.models import Message, Status

MONDAY = dt.date(2021, 3, 29)


@pytest.fixture
def subscriptions(district_data, users, fake_api):
    district = district_data["districts"]["410104"]
    leader = users["leader"]
    return {
        "dead": services.create_subscription(
            leader, district=district, channel="dingtalk", target=f"{fake_api.base}/robot/send?access_token=dead",
            secret="SEC",
        ),
        "alive": services.create_subscription(
            leader, district=district, channel="wecom", target=f"{fake_api.base}/cgi-bin/webhook/send?key=alive"
        ),
        "mail": services.create_subscription(
            leader, district=district, channel="email", target="leader@example.gov.cn"
        ),
    }  # fmt: skip


def summary_message(subscription):
    return Message.objects.get(source_ref=delivery.source_ref(subscription))


def test_refusing_robot_retries_with_backoff_without_blocking_others(subscriptions, fake_api):
    fake_api.script("/robot/send", *[{"errcode": 310000, "errmsg": "sign not match"}] * 5)
    now = timezone.now()
    counts = delivery.send_due(today=MONDAY, now=now)
    assert counts == {"scheduled": 3, "sent": 2, "retrying": 1, "failed": 0}
    assert len(mail.outbox) == 1 and len(fake_api.calls_to("/cgi-bin/webhook/send")) == 1
    dead = summary_message(subscriptions["dead"])
    assert dead.status == Status.RETRYING and dead.attempts == 1
    assert dead.next_attempt_at == now + delivery_services.backoff(1)
    assert dead.last_reason == "签名不匹配（加签密钥错误）"
    # The retries are the delivery job's: each run past the back-off tries once more, then gives up.
    moment = now
    for attempt in range(1, delivery_services.MAX_ATTEMPTS):
        moment += delivery_services.backoff(attempt) + dt.timedelta(seconds=1)
        delivery_services.send_due(moment)
    dead.refresh_from_db()
    assert dead.status == Status.FAILED and dead.attempts == delivery_services.MAX_ATTEMPTS
    assert AuditRecord.objects.filter(action="message_delivery_failed", outcome="failure").count() == 1
    assert len(mail.outbox) == 1 and len(fake_api.calls_to("/cgi-bin/webhook/send")) == 1  # once each


def test_email_goes_through_django_mail(subscriptions):
    delivery.send_due(today=MONDAY)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader@example.gov.cn"] and "管城回族区" in message.subject
    assert "逾期事项：2件" in message.body


def test_one_delivery_per_week(subscriptions, fake_api):
    delivery.send_due(today=MONDAY)
    assert delivery.send_due(today=MONDAY + dt.timedelta(days=2))["scheduled"] == 0
    assert len(fake_api.calls) == 2 and len(mail.outbox) == 1  # two robots and the mailbox, once each
    assert delivery.send_due(today=MONDAY + dt.timedelta(days=7))["scheduled"] == 3


def test_weekday_not_yet_reached(district_data, users, fake_api):
    district = district_data["districts"]["410104"]
    services.create_subscription(
        users["leader"], district=district, channel="wecom", target=f"{fake_api.base}/cgi-bin/webhook/send?key=a",
        weekday=4,
    )  # fmt: skip
    assert delivery.send_due(today=MONDAY)["scheduled"] == 0
    assert delivery.send_due(today=MONDAY + dt.timedelta(days=4))["scheduled"] == 1


def test_subscriber_who_lost_the_district_gets_nothing(subscriptions, users, fake_api):
    from districtops.org.models import Membership

    Membership.objects.filter(user=users["leader"]).delete()
    counts = delivery.send_due(today=MONDAY)
    assert fake_api.calls == [] and mail.outbox == [] and counts["failed"] == 3
    assert set(Message.objects.values_list("last_reason", flat=True)) == {"订阅人已无权查看该区"}


def test_dingtalk_signed_and_secret_stored_encrypted(subscriptions, fake_api):
    stored = subscriptions["dead"].secret_encrypted
    assert stored and "SEC" not in stored
    delivery.send_due(today=MONDAY)
    (_m, _p, query, payload) = fake_api.calls_to("/robot/send")[0]
    assert query["access_token"] == "dead" and query["timestamp"] and query["sign"]
    assert payload["msgtype"] == "markdown" and "管城回族区" in payload["markdown"]["text"]
    assert "dead" not in summary_message(subscriptions["dead"]).destination_encrypted


def test_subscription_list_shows_the_last_message_and_its_reason(subscriptions, fake_api, login):
    fake_api.script("/robot/send", {"errcode": 310000, "errmsg": "sign not match"})
    delivery.send_due(today=MONDAY)
    body = login("leader").get("/cockpit/subscriptions/").content.decode()
    assert "签名不匹配" in body and "access_token=dead" not in body


def test_summary_text_lists_figures_and_warnings(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    text = delivery.summary_text(services.district_summary(users["leader"], district))
    assert "■ 督查督办" in text and "【红】逾期事项：2件" in text and "■ 需关注" in text


def test_weekly_job_is_registered_daily():
    from districtops.jobs.registry import DAILY, JOBS

    assert "cockpit.weekly_summaries" in DAILY and "cockpit.briefing" in JOBS


def test_an_issued_briefing_is_pushed_once_to_each_subscription(subscriptions, users, fake_api):
    district = subscriptions["mail"].district
    summary = services.district_summary(users["leader"], district)
    heading = {
        "doc_number": "管政办通〔2021〕7号",
        "issued_on": MONDAY,
        "title": "管城回族区2月经济运行和重点工作通报",
    }
    fake_api.script("/robot/send", {"errcode": 0, "errmsg": "ok"})
    counts = delivery.push_briefing(district, summary, heading, job_id=42)
    assert counts["scheduled"] == 3 and counts["sent"] == 3, counts
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert (
        "管政办通〔2021〕7号" in body and "第 42 号任务" in body and "【月度通报】" in mail.outbox[0].subject
    )
    assert Message.objects.filter(source="briefing").count() == 3
    # The same 文号 again: nothing new is sent.
    again = delivery.push_briefing(district, summary, heading, job_id=42)
    assert again["sent"] == 0 and len(mail.outbox) == 1
    # A draft (no 文号) is never pushed.
    assert delivery.push_briefing(district, summary, {"title": "草稿"}, job_id=43)["scheduled"] == 0


def test_a_briefing_is_not_pushed_to_who_lost_the_district(subscriptions, users, fake_api):
    from districtops.org.models import Membership

    district = subscriptions["mail"].district
    summary = services.district_summary(users["leader"], district)
    Membership.objects.filter(user=users["leader"]).delete()
    counts = delivery.push_briefing(district, summary, {"doc_number": "管政办通〔2021〕8号"}, job_id=1)
    assert counts["sent"] == 0 and counts["failed"] == 3 and mail.outbox == []
    assert set(Message.objects.filter(source="briefing").values_list("status", flat=True)) == {Status.FAILED}
