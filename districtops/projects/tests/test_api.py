"""The REST API under /api/v1/projects/: same gate, same services, 404/403/409/422 as agreed."""

import json

import pytest

from districtops.projects.models import FundRecord, InvestmentProject, Stage

from .conftest import pdf

pytestmark = pytest.mark.django_db
BASE = "/api/v1/projects"


def _json(client, method, url, payload):
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")


def test_lists_are_scoped(api_client, road, jinshui_road, signed):
    items = api_client("nanguan").get(f"{BASE}/construction").json()["items"]
    assert [p["name"] for p in items] == [road.name]
    assert api_client("beixiajie").get(f"{BASE}/construction").json()["count"] == 0
    assert [p["name"] for p in api_client("jinshui").get(f"{BASE}/construction").json()["items"]] == [
        jinshui_road.name
    ]
    assert api_client("leader").get(f"{BASE}/investment?stage=signed").json()["count"] == 1
    assert api_client("leader").get(f"{BASE}/investment?stage=producing").json()["count"] == 0


@pytest.mark.parametrize(
    "username, status", [("nanguan", 200), ("chengjian", 200), ("beixiajie", 404), ("jinshui", 404)]
)
def test_detail_by_persona(api_client, road, username, status):
    response = api_client(username).get(f"{BASE}/construction/{road.pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["worst_state"] == "overdue"


def test_create_investment_and_bad_credit_code(api_client, sector, units):
    payload = {
        "name": "接口项目", "investor_name": "接口公司", "sector_id": sector.pk, "contracted_amount": "1000000",
        "lead_unit_id": units["南关街街道"].pk, "investor_credit_code": "91350200776049653a",
    }  # fmt: skip
    client = api_client("nanguan")
    response = _json(client, "post", f"{BASE}/investment", payload)
    assert response.status_code == 201, response.content
    assert response.json()["investor_credit_code"] == "91350200776049653A"
    bad = _json(
        client, "post", f"{BASE}/investment", {**payload, "investor_credit_code": "91350200776049653B"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "investor_credit_code"]
    negative = _json(client, "post", f"{BASE}/investment", {**payload, "contracted_amount": "-5"})
    assert negative.status_code == 422 and negative.json()["detail"][0]["loc"][-1] == "contracted_amount"
    other_street = _json(
        client, "post", f"{BASE}/investment", {**payload, "lead_unit_id": units["北下街街道"].pk}
    )
    assert other_street.status_code == 403


def test_transition_multipart(api_client, signed):
    client = api_client("nanguan")
    response = client.post(
        f"{BASE}/investment/{signed.pk}/transitions",
        {"to_stage": "registered", "happened_on": "2021-03-20", "evidence": pdf(), "version": signed.version},
    )
    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "registered"
    jump = client.post(
        f"{BASE}/investment/{signed.pk}/transitions",
        {"to_stage": "producing", "happened_on": "2021-03-21", "evidence": pdf()},
    )
    assert jump.status_code == 422 and jump.json()["detail"][0]["loc"][-1] == "to_stage"
    stale = client.post(
        f"{BASE}/investment/{signed.pk}/transitions",
        {"to_stage": "started", "happened_on": "2021-03-21", "evidence": pdf(), "version": signed.version},
    )
    assert stale.status_code == 409
    assert InvestmentProject.objects.get(pk=signed.pk).stage == Stage.REGISTERED


@pytest.mark.parametrize("username", ["beixiajie", "tongji", "jinshui"])
def test_transition_refused_for_outsiders(api_client, signed, username):
    response = api_client(username).post(
        f"{BASE}/investment/{signed.pk}/transitions",
        {"to_stage": "registered", "happened_on": "2021-03-20", "evidence": pdf()},
    )
    assert response.status_code == 404
    assert InvestmentProject.objects.get(pk=signed.pk).stage == Stage.SIGNED


def test_patch_with_stale_version_is_409(api_client, road):
    client = api_client("nanguan")
    ok = _json(
        client, "patch", f"{BASE}/construction/{road.pk}", {"version": road.version, "location": "南关"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == road.version + 1
    stale = _json(
        client, "patch", f"{BASE}/construction/{road.pk}", {"version": road.version, "location": "x"}
    )
    assert stale.status_code == 409
    # 城建局 supports the project: it sees it (and reports on it) but may not edit it.
    supporter = _json(api_client("chengjian"), "patch", f"{BASE}/construction/{road.pk}", {"version": 2})
    assert supporter.status_code == 403
    stranger = _json(api_client("beixiajie"), "patch", f"{BASE}/construction/{road.pk}", {"version": 2})
    assert stranger.status_code == 404


def test_nodes_reports_funds_documents(api_client, road):
    client = api_client("chengjian")
    nodes = client.get(f"{BASE}/construction/{road.pk}/nodes").json()["items"]
    first = nodes[0]
    assert first["state"] == "overdue"
    future = _json(
        client,
        "patch",
        f"{BASE}/nodes/{first['id']}",
        {"version": first["version"], "actual_start": "2021-04-05"},
    )
    assert future.status_code == 422 and future.json()["detail"][0]["loc"][-1] == "actual_start"
    second = nodes[1]
    early = _json(
        api_client("nanguan"), "patch", f"{BASE}/nodes/{second['id']}",
        {"version": second["version"], "planned_start": "2020-12-01"},
    )  # fmt: skip
    assert early.status_code == 422 and early.json()["detail"][0]["loc"][-1] == "planned_start"
    report = client.post(
        f"{BASE}/nodes/{first['id']}/reports",
        {"reported_on": "2021-03-30", "percent": "80", "text": "设计完成八成"},
    )
    assert report.status_code == 201
    entries = f"{BASE}/construction/{road.pk}/fund-entries"
    for kind, amount in (("applied", "100"), ("approved", "100"), ("allocated", "50")):
        ok = _json(
            client, "post", entries, {"source": "city", "kind": kind, "date": "2021-03-01", "amount": amount}
        )
        assert ok.status_code == 201
    fund = _json(
        client, "post", entries, {"source": "city", "kind": "disbursed", "date": "2021-03-02", "amount": "60"}
    )
    assert fund.status_code == 422 and fund.json()["detail"][0]["loc"][-1] == "amount"
    fund = _json(
        client, "post", entries, {"source": "city", "kind": "disbursed", "date": "2021-03-02", "amount": "40"}
    )
    assert fund.status_code == 201 and FundRecord.objects.get().disbursed == 40
    back = _json(
        client,
        "post",
        f"{BASE}/fund-entries/{fund.json()['id']}/reverse",
        {"date": "2021-03-03", "reason": "凭证错误"},
    )
    assert (
        back.status_code == 201
        and back.json()["amount"] == "-40.00"
        and FundRecord.objects.get().disbursed == 0
    )
    assert len(client.get(entries).json()["items"]) == 5
    foreign = {"source": "city", "kind": "applied", "date": "2021-03-01", "amount": "1"}
    assert _json(api_client("jinshui"), "post", entries, foreign).status_code == 404
    upload = client.post(
        f"{BASE}/construction/{road.pk}/documents", {"title": "批复", "file": pdf("批复.pdf")}
    )
    assert upload.status_code == 201 and upload.json()["content_type"] == "pdf"
    from django.core.files.uploadedfile import SimpleUploadedFile

    empty = client.post(
        f"{BASE}/construction/{road.pk}/documents", {"file": SimpleUploadedFile("e.pdf", b"")}
    )
    assert empty.status_code == 422


def test_battle_map_and_warnings(api_client, road, units):
    client = api_client("leader")
    data = client.get(f"{BASE}/battle-map?street={units['南关街街道'].pk}").json()
    assert [r["name"] for r in data["rows"]] == [road.name]
    warnings = client.get(f"{BASE}/warnings?kind=node_overdue").json()["items"]
    assert warnings and {w["kind"] for w in warnings} == {"node_overdue"}
    assert api_client("beixiajie").get(f"{BASE}/warnings").json()["items"] == []


def test_unauthenticated_is_401(client, road):
    assert client.get(f"{BASE}/construction").status_code == 401
