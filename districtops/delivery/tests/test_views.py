"""The failure page: a unit sees its own failed messages, oversight the district's, nobody else."""

import pytest

from districtops.delivery import services
from districtops.delivery.models import Channel, CorpApp, Source, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(org, fake_api):
    """A reminder robot of 南关街街道 that answered 310000, and a sent message of 北下街街道."""
    fake_api.script("/robot/send", {"errcode": 310000, "errmsg": "sign not match"})
    rows = []
    for name in ("南关街街道", "北下街街道"):
        unit = org["units"][name]
        rows += services.queue([
            services.message(
                source=Source.REMINDER, channel=Channel.DINGTALK_ROBOT, subject=f"{name}提醒", body="正文",
                unit=unit, district=unit.district_id,
                destination={"url": f"{fake_api.base}/robot/send?access_token=secret-token-1234567", "secret": "S"},
            )
        ])  # fmt: skip
    for row in rows:
        services.attempt(row)
    return rows


def test_the_unit_sees_its_failure_with_the_reason_in_chinese(refused, login):
    body = login("nanguan").get("/delivery/").content.decode()
    assert 'data-testid="failures"' in body
    assert "南关街街道提醒" in body and "签名不匹配（加签密钥错误）" in body and "重试中" in body
    assert "secret-token-1234567" not in body  # the robot's key is masked
    assert "北下街街道提醒" not in body  # the other unit's message was sent, not failed


def test_another_unit_and_another_district_do_not_see_it(refused, login):
    assert "南关街街道提醒" not in login("beixiajie").get("/delivery/").content.decode()
    assert "南关街街道提醒" not in login("jinshui").get("/delivery/").content.decode()


def test_district_oversight_sees_every_failure_of_the_district(refused, login):
    refused[1].refresh_from_db()
    assert refused[1].status == Status.SENT
    body = login("supervisor").get("/delivery/").content.decode()
    assert "南关街街道提醒" in body
    failed_only = login("supervisor").get("/delivery/?status=failed").content.decode()
    assert "南关街街道提醒" not in failed_only  # still retrying, not failed


def test_failure_page_query_count_does_not_grow_with_rows(refused, org, login, django_assert_max_num_queries):
    client = login("supervisor")
    client.get("/delivery/")
    with django_assert_max_num_queries(12):
        client.get("/delivery/")


def test_corp_app_page_is_the_system_admins_and_keeps_the_secret(org, login):
    data = {"district": org["districts"]["410104"].pk, "platform": "wecom", "corp_id": "ww1234567890ab",
            "agent_id": "1000002", "secret": "VERY-SECRET-VALUE", "is_active": "on"}  # fmt: skip
    assert login("nanguan").get("/delivery/corp-apps/").status_code == 403
    assert login("nanguan").post("/delivery/corp-apps/", data).status_code == 403
    assert not CorpApp.objects.exists()
    admin = login("sysadmin")
    assert admin.post("/delivery/corp-apps/", data).status_code == 302
    app = CorpApp.objects.get()
    assert "VERY-SECRET" not in app.credentials_encrypted
    page = admin.get("/delivery/corp-apps/").content.decode()
    assert "VERY-SECRET" not in page and "ww1234567890ab" not in page and "已设置" in page
    # A blank secret keeps the stored one; another district's administrator cannot pick this one.
    admin.post("/delivery/corp-apps/", {**data, "secret": "", "agent_id": "1000003"})
    creds = services.corp_app_credentials(CorpApp.objects.get())
    assert creds == {"corp_id": "ww1234567890ab", "agent_id": "1000003", "secret": "VERY-SECRET-VALUE"}
    other = login("jinshui_sysadmin").post("/delivery/corp-apps/", {**data, "secret": "x"})
    assert other.status_code == 200 and "district" in other.context["form"].errors


def test_failures_api_is_gated_and_masked(refused, api_client):
    body = api_client("nanguan").get("/api/v1/delivery/failures").json()
    assert body["count"] == 1 and body["items"][0]["last_reason"] == "签名不匹配（加签密钥错误）"
    item = body["items"][0]
    assert item["status_label"] == "重试中" and item["attempt_log"][0]["errcode"] == "310000"
    assert "secret-token-1234567" not in str(body)
    assert api_client("beixiajie").get("/api/v1/delivery/failures").json()["count"] == 0
    assert api_client("jinshui").get("/api/v1/delivery/failures").json()["count"] == 0
    assert api_client("supervisor").get("/api/v1/delivery/failures?status=failed").json()["count"] == 0
