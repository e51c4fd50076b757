"""Partner systems' Open311 keys: the system administrator's screen and API, audit, and what
Open311 does with an issued or revoked key."""

import pytest
from django.test import Client

from districtops.audit.models import AuditRecord
from districtops.citizen import services
from districtops.citizen.models import PartnerClient, Report

V2 = "/open311/v2"
URL = "/citizen/partners/"


def post311(client, **data):
    return client.post(
        f"{V2}/requests.json",
        {"jurisdiction_id": "410104", "service_code": "road", "address_string": "城东路", **data},
    )


def _issue_in_page(org, login, name="12345 热线"):
    c = login("sysadmin")
    r = c.post(URL, {"name": name, "district": org["districts"]["410104"].pk})
    assert r.status_code == 200
    key = r.context["new_key"]
    assert key and key in r.content.decode()
    return c, key


def test_sysadmin_issues_key_shown_once_stored_hashed_and_audited(org, login, categories):
    c, key = _issue_in_page(org, login)
    client = PartnerClient.objects.get()
    assert client.key_digest == PartnerClient.digest(key) and key not in client.key_digest
    assert client.key_prefix == key[:8] and client.created_by.username == "sysadmin"
    audit = AuditRecord.objects.filter(action="create", object_type="citizen.partnerclient").get()
    assert audit.actor_username == "sysadmin" and key not in str(audit.after)
    # shown once: the list afterwards names the prefix, never the key
    page = c.get(URL).content.decode()
    assert "12345 热线" in page and key[:8] in page and key not in page


def test_issue_refuses_blank_name_and_duplicate_active_name(org, login):
    c = login("sysadmin")
    district = org["districts"]["410104"]
    r = c.post(URL, {"name": "  ", "district": district.pk})
    assert r.status_code == 200 and r.context["new_key"] is None
    assert r.context["form"].errors["name"]
    services.issue_partner_key(None, name="12345 热线", district=district)
    r = c.post(URL, {"name": "12345 热线", "district": district.pk})
    assert "同名" in r.context["form"].errors["name"][0]
    assert PartnerClient.objects.count() == 1


@pytest.mark.parametrize("username", ["supervisor", "leader", "nanguan", "secadmin", "auditadmin"])
def test_page_is_the_system_administrators(org, login, username):
    assert login(username).get(URL).status_code == 403
    assert (
        login(username).post(URL, {"name": "x", "district": org["districts"]["410104"].pk}).status_code == 403
    )
    assert not PartnerClient.objects.exists()


def test_other_districts_sysadmin_cannot_see_or_revoke(org, login):
    partner, _key = services.issue_partner_key(None, name="12345 热线", district=org["districts"]["410104"])
    c = login("jinshui_sysadmin")
    assert list(c.get(URL).context["partners"]) == []
    assert c.post(f"{URL}{partner.pk}/revoke/").status_code == 404
    # nor issue one for 管城: the district is not among the form's choices
    r = c.post(URL, {"name": "冒名", "district": org["districts"]["410104"].pk})
    assert r.context["form"].errors["district"] and PartnerClient.objects.count() == 1


def test_revoked_key_refused_by_open311_and_audited(org, login, categories):
    c, key = _issue_in_page(org, login)
    assert post311(Client(), description="热线转来", api_key=key).status_code == 201
    partner = PartnerClient.objects.get()
    r = c.post(f"{URL}{partner.pk}/revoke/")
    assert r.status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active and partner.revoked_at and partner.revoked_by.username == "sysadmin"
    assert AuditRecord.objects.filter(action="partner.revoke", object_id=str(partner.pk)).count() == 1
    r = post311(Client(), description="吊销后再提交", api_key=key)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    assert Report.objects.filter(partner=partner).count() == 1
    # revoking twice is refused with a message, not a second audit row
    c.post(f"{URL}{partner.pk}/revoke/")
    assert AuditRecord.objects.filter(action="partner.revoke").count() == 1


def test_key_lifts_the_rate_limit_only_for_its_jurisdiction(org, categories, settings):
    settings.CITIZEN_POSTS_PER_HOUR = 2
    _partner, key = services.issue_partner_key(None, name="12345 热线", district=org["districts"]["410104"])
    hotline = Client(REMOTE_ADDR="10.1.1.1")
    assert [post311(hotline, description="热线", api_key=key).status_code for _ in range(4)] == [201] * 4
    assert [post311(hotline, description="无密钥").status_code for _ in range(3)] == [201, 201, 429]
    # a 管城 key does not speak for 金水
    r = hotline.post(
        f"{V2}/requests.json",
        {"jurisdiction_id": "410105", "service_code": "road", "address_string": "x", "description": "x",
         "api_key": key},
    )  # fmt: skip
    assert r.status_code in (403, 404)


def test_api_issue_list_revoke(org, api_client, categories):
    c = api_client("sysadmin")
    district = org["districts"]["410104"]
    r = c.post(
        "/api/v1/citizen/partners",
        {"name": "12345 热线", "district_id": district.pk},
        content_type="application/json",
    )
    assert r.status_code == 201
    body = r.json()
    key = body["api_key"]
    assert PartnerClient.objects.get(pk=body["id"]).key_digest == PartnerClient.digest(key)
    listed = c.get("/api/v1/citizen/partners").json()["items"]
    assert [p["name"] for p in listed] == ["12345 热线"] and "api_key" not in listed[0]
    assert "key_digest" not in listed[0]
    r = c.post(f"/api/v1/citizen/partners/{body['id']}/revoke")
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert c.post(f"/api/v1/citizen/partners/{body['id']}/revoke").status_code == 422
    assert post311(Client(), description="x", api_key=key).status_code == 403


def test_api_refusals(org, api_client):
    district = org["districts"]["410104"]
    partner, _key = services.issue_partner_key(None, name="12345 热线", district=district)
    payload = {"name": "x", "district_id": district.pk}
    sup = api_client("supervisor")
    assert sup.get("/api/v1/citizen/partners").status_code == 403
    assert sup.post("/api/v1/citizen/partners", payload, content_type="application/json").status_code == 403
    assert sup.post(f"/api/v1/citizen/partners/{partner.pk}/revoke").status_code == 403
    other = api_client("jinshui_sysadmin")
    assert other.get("/api/v1/citizen/partners").json()["items"] == []
    assert other.post(f"/api/v1/citizen/partners/{partner.pk}/revoke").status_code == 404
    assert other.post("/api/v1/citizen/partners", payload, content_type="application/json").status_code == 404
    street = org["units"]["南关街街道"]
    r = api_client("sysadmin").post(
        "/api/v1/citizen/partners", {"name": "x", "district_id": street.pk}, content_type="application/json"
    )
    assert r.status_code == 404  # only a district is a jurisdiction
    assert PartnerClient.objects.count() == 1
