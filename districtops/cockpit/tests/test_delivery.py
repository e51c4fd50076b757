import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from districtops.audit.models import AuditRecord
from districtops.cockpit import delivery, services
from districtops.cockpit.models import Delivery, DeliveryStatus

DEAD = "https://oapi.dingtalk.com/robot/send?access_token=dead"
ALIVE = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=alive"
MONDAY = dt.date(2021, 3, 29)


@pytest.fixture
def subscriptions(district_data, users):
    district = district_data["districts"]["410104"]
    leader = users["leader"]
    return {
        "dead": services.create_subscription(
            leader, district=district, channel="dingtalk", target=DEAD, secret="SEC"
        ),
        "alive": services.create_subscription(leader, district=district, channel="wecom", target=ALIVE),
        "mail": services.create_subscription(
            leader, district=district, channel="email", target="leader@example.gov.cn"
        ),
    }


class FakeTransport:
    """Records what was sent; the dead robot refuses the connection."""

    def __init__(self):
        self.sent = []

    def __call__(self, channel, target, secret, subject, text):
        if target == DEAD:
            raise ConnectionRefusedError("connection refused")
        self.sent.append((channel, target, secret, subject, text))


def test_dead_webhook_retries_with_backoff_without_blocking_others(subscriptions):
    send = FakeTransport()
    now = timezone.now()
    counts = delivery.send_due(send, today=MONDAY, now=now)
    assert counts == {"scheduled": 3, "sent": 2, "retrying": 1, "failed": 0}
    assert sorted(s[1] for s in send.sent) == sorted([ALIVE, "leader@example.gov.cn"])
    dead = Delivery.objects.get(subscription=subscriptions["dead"])
    assert dead.status == DeliveryStatus.RETRYING and dead.attempts == 1
    assert dead.next_attempt_at == now + delivery.BACKOFF[0]
    assert "connection refused" in dead.last_error
    # Too early for the retry: nothing is tried again.
    assert delivery.send_due(send, today=MONDAY, now=now + dt.timedelta(minutes=1))["retrying"] == 0
    assert Delivery.objects.get(pk=dead.pk).attempts == 1
    # Each later run past the back-off tries once more, then gives up and records the failure.
    moment = now
    for wait in delivery.BACKOFF:
        moment = moment + wait + dt.timedelta(seconds=1)
        delivery.send_due(send, today=MONDAY, now=moment)
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.FAILED and dead.attempts == delivery.MAX_ATTEMPTS
    assert AuditRecord.objects.filter(action="summary_delivery_failed", outcome="failure").count() == 1
    assert len(send.sent) == 2  # the live robot and the mailbox got their summary once


def test_email_goes_through_django_mail(subscriptions, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def send(channel, target, secret, subject, text):
        if channel == "email":
            delivery.send_message(channel, target, secret, subject, text)

    delivery.send_due(send, today=MONDAY)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader@example.gov.cn"] and "管城回族区" in message.subject
    assert "逾期事项：2件" in message.body


def test_one_delivery_per_week(subscriptions):
    send = FakeTransport()
    delivery.send_due(send, today=MONDAY)
    assert delivery.send_due(send, today=MONDAY + dt.timedelta(days=2))["scheduled"] == 0
    assert len(send.sent) == 2  # alive robot and mail, once each
    assert delivery.send_due(send, today=MONDAY + dt.timedelta(days=7))["scheduled"] == 3


def test_weekday_not_yet_reached(district_data, users):
    district = district_data["districts"]["410104"]
    services.create_subscription(users["leader"], district=district, channel="wecom", target=ALIVE, weekday=4)
    assert delivery.send_due(FakeTransport(), today=MONDAY)["scheduled"] == 0
    assert delivery.send_due(FakeTransport(), today=MONDAY + dt.timedelta(days=4))["scheduled"] == 1


def test_subscriber_who_lost_the_district_gets_nothing(subscriptions, users):
    from districtops.org.models import Membership

    Membership.objects.filter(user=users["leader"]).delete()
    send = FakeTransport()
    counts = delivery.send_due(send, today=MONDAY)
    assert send.sent == [] and counts["failed"] == 3


def test_dingtalk_signed_url_and_secret_stored_encrypted(subscriptions):
    stored = subscriptions["dead"].secret_encrypted
    assert stored and "SEC" not in stored
    url, body = delivery.robot_request("dingtalk", DEAD, "SEC", "正文")
    assert "&timestamp=" in url and "&sign=" in url
    assert '"content": "正文"' in body.decode()
    assert delivery.robot_request("wecom", ALIVE, "", "x")[0] == ALIVE


def test_robot_error_code_is_a_failure(monkeypatch):
    from districtops.core import webhooks

    class Reply:
        status = 200

        def read(self, amount=None):
            return b'{"errcode": 310000, "errmsg": "sign not match"}'

    class Connection:
        def __init__(self, host, address, port, timeout):
            self.address = address

        def request(self, *args, **kwargs):
            pass

        def getresponse(self):
            return Reply()

        def close(self):
            pass

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["203.0.113.7"])
    monkeypatch.setattr(webhooks, "is_public_address", lambda a: a == "203.0.113.7")
    monkeypatch.setattr(webhooks, "_PinnedHTTPSConnection", Connection)
    with pytest.raises(OSError, match="310000"):
        delivery.send_message("dingtalk", DEAD, "SEC", "s", "t")


def test_summary_text_lists_figures_and_warnings(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    text = delivery.summary_text(services.district_summary(users["leader"], district))
    assert "■ 督查督办" in text and "【红】逾期事项：2件" in text and "■ 需关注" in text


def test_weekly_job_is_registered_daily():
    from districtops.jobs.registry import DAILY, JOBS

    assert "cockpit.weekly_summaries" in DAILY and "cockpit.briefing" in JOBS
