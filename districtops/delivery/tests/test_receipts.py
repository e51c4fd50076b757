"""Delivery confirmation: DingTalk 工作通知 asked about with getsendresult after a delay (read,
unread, undelivered, errcodes, token refresh), WeCom's invaliduser / unlicenseduser recorded as
not delivered, and the delivery page showing it in Chinese."""

import datetime as dt

import pytest
from django.utils import timezone

from districtops.audit.models import AuditRecord
from districtops.delivery import services
from districtops.delivery.models import Attempt, Channel, Message, Platform, Receipt, Status

from .test_services import corp_app, work

pytestmark = pytest.mark.django_db
RESULT = "/topapi/message/corpconversation/getsendresult"


@pytest.fixture
def sent_notice(fake_api, org):
    """A 工作通知 to manager4220, sent (task id kept) and waiting for its confirmation."""
    app = corp_app(org, Platform.DINGTALK)
    fake_api.users["13800000001"] = "manager4220"
    row = work(org, app, Channel.DINGTALK_WORK)
    assert services.attempt(row) == Status.SENT
    row.refresh_from_db()
    return row


def test_a_sent_work_notice_waits_then_is_confirmed_read(sent_notice, fake_api):
    row = sent_notice
    [task_id] = row.receipt_detail["task_ids"]
    assert row.receipt == Receipt.WAITING and row.receipt_detail["userid"] == "manager4220"
    assert row.receipt_due_at == row.sent_at + services.RECEIPT_DELAY
    # Not yet due: nothing asked.
    assert services.check_receipts(row.sent_at + dt.timedelta(minutes=5))["read"] == 0
    assert fake_api.calls_to(RESULT) == []
    counts = services.check_receipts(row.sent_at + dt.timedelta(minutes=11))
    assert counts["read"] == 1
    [call] = fake_api.calls_to(RESULT)
    assert call[3] == {"agent_id": 1001, "task_id": task_id} and call[2]["access_token"] == "tok-1"
    row.refresh_from_db()
    assert (row.receipt, row.receipt_due_at, row.receipt_reason) == (Receipt.READ, None, "")
    assert row.receipt_detail["read"] == ["manager4220"] and row.receipt_detail["unread"] == []
    assert services.check_receipts(row.sent_at + dt.timedelta(hours=5))["read"] == 0  # done: not asked again


def test_unread_is_asked_again_until_the_window_closes(sent_notice, fake_api):
    row = sent_notice
    fake_api.receipts["manager4220"] = "pending"  # DingTalk still delivering: in no list yet
    assert services.check_receipt(row, row.receipt_due_at) == Receipt.WAITING
    row.refresh_from_db()
    fake_api.receipts["manager4220"] = "unread"
    first = row.sent_at + dt.timedelta(minutes=11)
    assert services.check_receipt(row, first) == Receipt.UNREAD
    row.refresh_from_db()
    assert row.receipt_due_at == first + services.RECEIPT_RECHECK
    fake_api.receipts["manager4220"] = "read"
    assert services.check_receipts(first + services.RECEIPT_RECHECK)["read"] == 1
    # Unread at the end of the window stays unread, and is not asked about again.
    other = work_sent(fake_api, row)
    fake_api.receipts["manager4220"] = "unread"
    late = other.sent_at + services.RECEIPT_WINDOW
    Message.objects.filter(pk=other.pk).update(receipt_due_at=late)
    other.refresh_from_db()
    assert services.check_receipt(other, late) == Receipt.UNREAD
    other.refresh_from_db()
    assert other.receipt_due_at is None


def work_sent(fake_api, like):
    from districtops.delivery.models import CorpApp

    app = CorpApp.objects.get(platform=Platform.DINGTALK)
    row = services.queue([
        services.message(source=like.source, channel=Channel.DINGTALK_WORK, subject="第二条", body="正文",
                         unit=like.unit, district=like.district_id, destination={"app": app.pk, "mobile": "13800000001"})
    ])[0]  # fmt: skip
    services.attempt(row)
    row.refresh_from_db()
    return row


@pytest.mark.parametrize(
    ("state", "words"),
    [("invalid", "接收人账号无效"), ("forbidden", "流控"), ("failed", "钉钉发送失败")],
)
def test_undelivered_is_recorded_with_the_reason_and_audited(sent_notice, fake_api, state, words):
    fake_api.receipts["manager4220"] = state
    assert services.check_receipt(sent_notice, sent_notice.receipt_due_at) == Receipt.UNDELIVERED
    row = Message.objects.get(pk=sent_notice.pk)
    assert row.receipt_due_at is None and words in row.receipt_reason
    assert row.receipt_detail[state] == ["manager4220"]
    if state == "forbidden":
        assert row.receipt_detail["forbidden_codes"] == ["143106"]
    record = AuditRecord.objects.get(action="message_not_received")
    assert record.outcome == "failure" and record.object_id == str(row.pk)


def test_errcode_and_expired_token_when_asking(sent_notice, fake_api):
    row = sent_notice
    fake_api.expire_tokens()  # 42001 first: a fresh token, then the answer
    assert services.check_receipt(row, row.receipt_due_at) == Receipt.READ
    assert len(fake_api.calls_to(RESULT)) == 2 and len(fake_api.calls_to("/gettoken")) == 2
    # A refusal inside the window: the reason in Chinese, asked again later.
    other = work_sent(fake_api, row)
    fake_api.script(RESULT, {"errcode": -1, "errmsg": "系统繁忙"})
    asked = other.receipt_due_at
    assert services.check_receipt(other, asked) == Receipt.WAITING
    other.refresh_from_db()
    assert other.receipt_reason == "暂未取得送达结果：钉钉系统繁忙，稍后重试"
    assert (
        other.receipt_due_at == asked + services.RECEIPT_RECHECK
        and other.receipt_detail["error"]["errcode"] == "-1"
    )
    # A refusal after the window: 无法确认, never asked again.
    fake_api.script(RESULT, {"errcode": 88, "errmsg": "no permission"})
    late = other.sent_at + services.RECEIPT_WINDOW
    Message.objects.filter(pk=other.pk).update(receipt_due_at=late)
    other.refresh_from_db()
    assert services.check_receipt(other, late) == Receipt.UNKNOWN
    other.refresh_from_db()
    assert other.receipt_due_at is None and "无法确认是否送达" in other.receipt_reason
    assert "钉钉鉴权异常" in other.receipt_reason


def test_a_claimed_confirmation_is_not_asked_twice(sent_notice, fake_api):
    stale = Message.objects.get(pk=sent_notice.pk)
    assert services.check_receipt(sent_notice, sent_notice.receipt_due_at) == Receipt.READ
    assert services.check_receipt(stale, stale.receipt_due_at) == "skipped"
    assert len(fake_api.calls_to(RESULT)) == 1


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"invaliduser": "ZhangSan"}, "接收人账号无效"),
        ({"unlicenseduser": "ZhangSan"}, "没有企业微信接口许可"),
    ],
)
def test_wecom_invalid_or_unlicensed_user_is_a_partial_failure(fake_api, org, answer, words):
    app = corp_app(org, Platform.WECOM)
    fake_api.users["13800000001"] = "ZhangSan"
    fake_api.script("/cgi-bin/message/send", {"errcode": 0, "errmsg": "ok", "invaliduser": "", **answer})
    row = work(org, app, Channel.WECOM_APP)
    assert services.attempt(row) == Status.SENT  # accepted: sending again would not reach the person
    row.refresh_from_db()
    assert row.receipt == Receipt.UNDELIVERED and words in row.receipt_reason
    key = "invalid" if "invaliduser" in answer else "unlicensed"
    assert row.receipt_detail[key] == ["ZhangSan"] and row.receipt_due_at is None
    attempt = Attempt.objects.get(message=row)
    assert attempt.ok and words in attempt.reason and "ZhangSan" in attempt.answer
    assert AuditRecord.objects.filter(action="message_not_received", object_id=str(row.pk)).exists()
    assert (
        services.check_receipts(timezone.now() + dt.timedelta(days=1))["undelivered"] == 0
    )  # WeCom: never asked
    assert fake_api.calls_to(RESULT) == []


def test_delivery_page_shows_the_confirmation_in_chinese(sent_notice, fake_api, login):
    fake_api.receipts["manager4220"] = "invalid"
    services.check_receipt(sent_notice, sent_notice.receipt_due_at)
    page = login("nanguan").get("/delivery/").content.decode()
    assert f'data-message="{sent_notice.pk}"' in page
    assert "未送达" in page and "接收人账号无效" in page and "manager4220" not in page
    read = work_sent(fake_api, sent_notice)
    fake_api.receipts["manager4220"] = "read"
    services.check_receipt(read, read.receipt_due_at)
    assert f'data-message="{read.pk}"' not in login("nanguan").get("/delivery/").content.decode()
    filtered = login("nanguan").get("/delivery/?receipt=read").content.decode()
    assert f'data-message="{read.pk}"' in filtered and "已读" in filtered
    assert f'data-message="{sent_notice.pk}"' not in filtered
    # Another district does not see it.
    assert (
        f'data-message="{sent_notice.pk}"'
        not in login("jinshui").get("/delivery/?receipt=undelivered").content.decode()
    )


def test_the_job_is_registered_and_runs():
    from districtops.jobs.registry import FREQUENT, JOBS

    assert JOBS["delivery.check_receipts"] == "districtops.delivery.jobs.check_receipts"
    assert "delivery.check_receipts" in FREQUENT
