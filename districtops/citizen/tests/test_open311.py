"""Open311 GeoReport v2: a client round-trip, errors in the spec's format, throttling."""

from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as DjangoClient

from districtops.citizen import services
from districtops.citizen.models import Report
from districtops.supervision import services as supervision

from .conftest import PNG

V2 = "/open311/v2"
J = {"jurisdiction_id": "410104"}


def Client(**defaults):  # noqa: N802 — stands in for django.test.Client
    """A client asking for English error descriptions (the wording these tests check); the
    Chinese default is held by test_error_descriptions_follow_accept_language."""
    return DjangoClient(HTTP_ACCEPT_LANGUAGE="en", **defaults)


def post(client, **data):
    return client.post(f"{V2}/requests.json", {**J, **data})


def test_services_json_and_xml(categories):
    c = Client()
    r = c.get(f"{V2}/services.json", J)
    assert r.status_code == 200
    assert {s["service_code"] for s in r.json()} == {"road", "garbage"}
    assert r.json()[0]["metadata"] is False and r.json()[0]["type"] == "realtime"
    r = c.get(f"{V2}/services.xml", J)
    root = ET.fromstring(r.content)
    assert root.tag == "services" and root.find("service/service_code").text in {"road", "garbage"}
    assert c.get(f"{V2}/services/road.json", J).json() == {"service_code": "road", "attributes": []}
    assert c.get(f"{V2}/services/nope.json", J).status_code == 404
    definition = ET.fromstring(c.get(f"{V2}/services/road.xml", J).content)
    assert definition.tag == "service_definition" and definition.find("service_code").text == "road"


def test_jurisdiction_errors(categories):
    c = Client()
    r = c.get(f"{V2}/services.json", {"jurisdiction_id": "999999"})
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = c.get(f"{V2}/services.xml", {"jurisdiction_id": "999999"})
    assert ET.fromstring(r.content).find("error/code").text == "404"


def test_round_trip_post_triage_close_get(org, categories, users):
    c = Client()
    r = post(c, service_code="road", description="管城街 18 号门前井盖缺失", lat="34.7466", long="113.6849",
             first_name="张", email="zhang@example.com")  # fmt: skip
    assert r.status_code == 201
    rid = r.json()[0]["service_request_id"]
    got = c.get(f"{V2}/requests/{rid}.json", J).json()
    assert len(got) == 1 and got[0]["status"] == "open" and got[0]["lat"] == 34.7466
    assert "zhang@example.com" not in str(got)  # contact details are never published
    report = Report.objects.get(tracking_number=rid)
    report = services.triage_to_matter(
        users["supervisor"], report, lead_unit=org["units"]["南关街街道"], working_days=5
    )
    got = c.get(f"{V2}/requests/{rid}.json", J).json()[0]
    assert got["agency_responsible"] == "南关街街道" and got["expected_datetime"].startswith("2021-04-08")
    m = report.matter
    for step, kw in [("acknowledge", {}), ("request_closure", {"note": "已补装井盖"})]:
        m = supervision.ACTION_FUNCTIONS[step](users["nanguan"], m, **kw)
    assert c.get(f"{V2}/requests/{rid}.json", J).json()[0]["status"] == "open"
    supervision.verify_close(users["supervisor"], m)
    got = c.get(f"{V2}/requests/{rid}.xml", J)
    assert ET.fromstring(got.content).find("request/status").text == "closed"
    listed = c.get(f"{V2}/requests.json", {**J, "status": "closed"}).json()
    assert [x["service_request_id"] for x in listed] == [rid]
    assert c.get(f"{V2}/requests.json", {**J, "status": "open"}).json() == []
    assert c.get(f"{V2}/requests.json", {**J, "service_request_id": rid}).json()[0]["status"] == "closed"


def test_post_missing_fields_and_unknown_code(categories):
    c = Client()
    r = post(c, description="x")
    assert r.status_code == 400
    descriptions = [e["description"] for e in r.json()]
    assert any("service_code" in d for d in descriptions) and any("location" in d for d in descriptions)
    r = post(c, service_code="nope", address_string="紫荆山路", description="x")
    assert r.status_code == 400 and r.json() == [{"code": 400, "description": "service_code nope not found"}]
    r = post(c, service_code="road", address_string="紫荆山路", description="")
    assert r.status_code == 400 and "description" in r.json()[0]["description"]
    r = c.post(
        f"{V2}/requests.xml", {**J, "service_code": "road", "lat": "999", "long": "1", "description": "x"}
    )
    assert r.status_code == 400 and ET.fromstring(r.content).tag == "errors"


def test_photo_checks(categories):
    c = Client()
    ok = SimpleUploadedFile("pothole.png", PNG, content_type="image/png")
    assert (
        post(c, service_code="road", address_string="航海路", description="坑", media=ok).status_code == 201
    )
    fake = SimpleUploadedFile("pothole.png", b"MZ\x90\x00" + b"\x00" * 100, content_type="image/png")
    r = post(c, service_code="road", address_string="航海路", description="坑", media=fake)
    assert r.status_code == 400 and "media" in r.json()[0]["description"]
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024 + 1), content_type="image/png")
    r = post(c, service_code="road", address_string="航海路", description="坑", media=big)
    assert r.status_code == 400 and "MB" in r.json()[0]["description"]
    # Past the public body limit the request is refused before the body is read at all.
    huge = SimpleUploadedFile("huge.png", PNG + b"\x00" * (6 * 1024 * 1024), content_type="image/png")
    r = post(c, service_code="road", address_string="航海路", description="坑", media=huge)
    assert r.status_code == 413 and r.json()[0]["code"] == 413 and Report.objects.count() == 1


def test_flood_throttled_others_served_partner_exempt(org, categories, settings):
    settings.CITIZEN_POSTS_PER_HOUR = 3
    flooder = Client(REMOTE_ADDR="10.0.0.9")
    codes = [
        post(flooder, service_code="road", address_string="x", description="刷").status_code for _ in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    assert post(flooder, service_code="road", address_string="x", description="刷").json()[0]["code"] == 429
    other = Client(REMOTE_ADDR="10.0.0.10")
    assert post(other, service_code="road", address_string="x", description="正常").status_code == 201
    partner, key = services.issue_partner_key(None, name="12345 热线", district=org["districts"]["410104"])
    for _ in range(5):
        r = post(flooder, service_code="road", address_string="x", description="热线转来", api_key=key)
        assert r.status_code == 201
    assert Report.objects.filter(partner=partner).count() == 5
    assert (
        post(flooder, service_code="road", address_string="x", description="x", api_key="bad").status_code
        == 403
    )


def test_get_requests_bad_status(categories):
    r = Client().get(f"{V2}/requests.json", {**J, "status": "bogus"})
    assert r.status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_404(categories, fmt):
    assert Client().get(f"{V2}/requests/R000000-XXXXXX.{fmt}", J).status_code == 404
