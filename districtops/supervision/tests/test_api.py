import datetime as dt

import pytest

from districtops.supervision.states import MatterState as S

from .factories import matter

BASE = "/api/v1/supervision"


@pytest.fixture
def m(org):
    return matter(org["units"], state=S.ASSIGNED)


def test_list_and_get_scoped(org, api_client, m):
    r = api_client("nanguan").get(f"{BASE}/matters")
    assert r.status_code == 200 and r.json()["count"] == 1
    item = r.json()["items"][0]
    assert item["code"] == m.code and item["supporting_unit_ids"] == [org["units"]["城建局"].pk]
    assert api_client("beixiajie").get(f"{BASE}/matters").json()["count"] == 0
    assert api_client("beixiajie").get(f"{BASE}/matters/{m.pk}").status_code == 404
    assert api_client("jinshui_leader").get(f"{BASE}/matters/{m.pk}").status_code == 404
    assert api_client("leader").get(f"{BASE}/matters/{m.pk}").status_code == 200


def test_assign_via_api(org, api_client):
    units = org["units"]
    payload = {"title": "拆违", "lead_unit_id": units["南关街街道"].pk, "working_days": 10,
               "supporting_unit_ids": [units["城管局"].pk], "assigned_on": "2021-02-05"}  # fmt: skip
    r = api_client("supervisor").post(f"{BASE}/matters", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["deadline"] == "2021-02-24"  # across Spring Festival, with the two 调休 days
    assert (
        api_client("nanguan").post(f"{BASE}/matters", payload, content_type="application/json").status_code
        == 403
    )


def test_assign_bad_input(org, api_client):
    units = org["units"]
    c = api_client("supervisor")
    r = c.post(f"{BASE}/matters", {"title": "x", "lead_unit_id": units["南关街街道"].pk, "assigned_on": "2021-03-10",
               "deadline": "2021-03-01"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "deadline"]
    r = c.post(
        f"{BASE}/matters",
        {"title": "x", "lead_unit_id": units["南关街街道"].pk},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = c.post(f"{BASE}/matters", {"lead_unit_id": units["南关街街道"].pk}, content_type="application/json")
    assert r.status_code == 422


def test_actions_through_api(org, api_client, m):
    street, office = api_client("nanguan"), api_client("supervisor")

    def act(c, action, **body):
        return c.post(f"{BASE}/matters/{m.pk}/actions/{action}", body, content_type="application/json")

    r = act(street, "acknowledge", version=m.version)
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    assert act(street, "acknowledge", version=r.json()["version"]).status_code == 422
    assert (
        act(street, "report_progress", version=r.json()["version"], note="x", progress=300).status_code == 422
    )
    r = act(street, "report_progress", version=r.json()["version"], note="一半", progress=50)
    assert r.json()["progress"] == 50
    assert act(street, "request_closure", version=1, note="完成").status_code == 409
    r = act(street, "request_closure", version=r.json()["version"], note="完成")
    assert act(street, "verify_close").status_code == 403
    assert act(api_client("beixiajie"), "verify_close").status_code == 404
    r = act(office, "verify_close", note="同意")
    assert r.json()["state"] == "closed" and r.json()["closed_at"]
    r = act(street, "request_extension", new_deadline="2021-06-30", note="x")
    assert r.status_code == 422 and "已办结" in r.json()["detail"][0]["msg"]
    events = street.get(f"{BASE}/matters/{m.pk}/events").json()["items"]
    assert [e["action"] for e in events][-1] == "verify_close"
    assert act(office, "bogus").status_code == 422


def test_extension_and_todo(org, api_client):
    m = matter(org["units"], state=S.IN_PROGRESS)
    street, office = api_client("nanguan"), api_client("supervisor")
    r = street.post(f"{BASE}/matters/{m.pk}/actions/request_extension",
                    {"new_deadline": "2021-05-31", "note": "资金"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 200
    ext = street.get(f"{BASE}/matters/{m.pk}/extensions").json()["items"][0]
    assert office.get(f"{BASE}/todo").json()["review"] == 1
    assert street.get(f"{BASE}/todo").json() == {"lead": 1, "support": 0, "review": 0, "done": 0}
    url = f"{BASE}/extensions/{ext['id']}/decide"
    assert street.post(url, {"approve": True}, content_type="application/json").status_code == 403
    r = office.post(url, {"approve": True}, content_type="application/json")
    assert r.json()["status"] == "approved"
    assert street.get(f"{BASE}/matters/{m.pk}").json()["deadline"] == "2021-05-31"
    assert office.get(f"{BASE}/todo/review").json()["count"] == 0


def test_meeting_api(org, api_client):
    units = org["units"]
    office = api_client("supervisor")
    r = office.post(f"{BASE}/meetings", {"title": "人大工作会议", "organiser_id": units["区人大常委会"].pk,
                    "held_on": "2021-03-10"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    mid = r.json()["id"]
    r = office.post(f"{BASE}/meetings/{mid}/decisions", {"text": "建议办理", "lead_unit_id": units["城建局"].pk,
                    "deadline": "2021-06-10"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    assert api_client("jinshui_leader").post(f"{BASE}/meetings/{mid}/assign").status_code == 404
    r = office.post(f"{BASE}/meetings/{mid}/assign")
    assert r.status_code == 201 and r.json()[0]["deadline"] == "2021-06-10"
    assert office.get(f"{BASE}/meetings/{mid}/decisions").json()["items"][0]["matter_id"] == r.json()[0]["id"]
    assert dt.date.fromisoformat(r.json()[0]["assigned_on"]) == dt.date(2021, 3, 31)
