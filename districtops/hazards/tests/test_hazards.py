import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.hazards import services
from districtops.hazards.models import TRANSITIONS, HazardState

PATH = {
    "registered": [],
    "rectifying": ["start"],
    "rectified": ["start", "submit"],
    "closed": ["start", "submit", "verify"],
}
BASE = "/api/v1/hazards"


def make(org, users, grade="general", state="registered", deadline=dt.date(2021, 4, 20)):
    h = services.register_hazard(
        users["nanguan"], unit=org["units"]["南关街街道"], title="配电箱未上锁", location="南关街 3 号院", grade=grade,
        found_on=dt.date(2021, 3, 15), responsible_person="张三", deadline=deadline, responsibility="物业负责",
        standard="加锁并张贴警示", measures="购置锁具",
    )  # fmt: skip
    for step in PATH[state]:
        h = services.transition(None, h, step)
    return h


@pytest.mark.parametrize("state", HazardState.values)
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_state_every_action(org, users, state, action):
    h = make(org, users, state=state)
    expected = TRANSITIONS[action][1].get(state)
    actor = users["supervisor"]  # not the rectifier (the system did it above)
    if expected is None:
        with pytest.raises(ValidationError) as err:
            services.transition(actor, h, action, note="x")
        assert "不能执行" in str(err.value)
    else:
        assert services.transition(actor, h, action, note="x").state == expected


def test_major_hazard_needs_plan(org, users):
    h = make(org, users, grade="major")
    with pytest.raises(ValidationError) as err:
        services.transition(users["nanguan"], h, "start")
    assert "整改方案" in str(err.value)
    services.save_plan(users["nanguan"], h, goal="消除触电风险", measures="更换配电箱", funds=Decimal("12000"),
                       people="电工 2 名", deadline=dt.date(2021, 4, 15), safeguards="断电作业、设警戒")  # fmt: skip
    h = services.transition(users["nanguan"], h, "start")
    assert h.state == "rectifying" and h.reported_to_regulator


def test_verifier_must_not_be_rectifier(org, users):
    h = make(org, users, state="rectifying")
    h = services.transition(users["nanguan"], h, "submit", note="已加锁")
    with pytest.raises(ValidationError) as err:
        services.transition(users["nanguan"], h, "verify")
    assert "不能是整改人本人" in str(err.value)
    h = services.transition(users["supervisor"], h, "verify", note="复查合格")
    assert (
        h.state == "closed" and h.verified_by == users["supervisor"] and h.closed_on == dt.date(2021, 3, 31)
    )


def test_reject_needs_reason(org, users):
    h = make(org, users, state="rectified")
    with pytest.raises(ValidationError):
        services.transition(users["supervisor"], h, "reject", note=" ")


def test_other_units_refused(org, users):
    h = make(org, users)
    for username in ("beixiajie", "jinshui_leader"):
        with pytest.raises(PermissionDenied):
            services.transition(users[username], h, "start")


def test_deadline_before_finding_refused(org, users):
    with pytest.raises(ValidationError) as err:
        make(org, users, deadline=dt.date(2021, 3, 1))
    assert "deadline" in err.value.message_dict


def test_quarterly_statistics(org, users):
    make(org, users, state="closed")
    make(org, users, state="rectifying", deadline=dt.date(2021, 3, 20))
    make(org, users, grade="major")
    rows = services.quarterly_statistics(users["supervisor"], 2021, 1)
    assert rows == [{"unit_id": org["units"]["南关街街道"].pk, "unit__name": "南关街街道", "found": 3, "major": 1,
                     "closed": 1, "on_time": 1, "overdue": 1}]  # fmt: skip
    assert services.quarterly_statistics(users["beixiajie"], 2021, 1) == []
    assert services.quarterly_statistics(users["supervisor"], 2021, 2) == []


def test_views_personas(org, users, login):
    h = make(org, users)
    for username in ("nanguan", "supervisor", "leader"):
        assert login(username).get(h.get_absolute_url()).status_code == 200
    for username in ("beixiajie", "jinshui_leader"):
        assert login(username).get(h.get_absolute_url()).status_code == 404
    assert login("beixiajie").post(f"/hazards/{h.pk}/start/").status_code == 404
    r = login("nanguan").post(f"/hazards/{h.pk}/start/", {"version": h.version}, follow=True)
    assert "已开始整改" in r.content.decode()
    assert (
        "南关街街道" in login("supervisor").get("/hazards/statistics/?year=2021&quarter=1").content.decode()
    )
    assert login("nanguan").get("/hazards/").status_code == 200
    assert login("nanguan").get("/hazards/risk-points/").status_code == 200


def test_create_view_bad_input(org, login):
    r = login("nanguan").post("/hazards/new/", {"unit": org["units"]["南关街街道"].pk, "title": "<b>x</b>", "location": "y",
        "grade": "general", "found_on": "2021-03-20", "responsible_person": "a", "deadline": "2021-03-01",
        "responsibility": "b", "standard": "c", "measures": "d"})  # fmt: skip
    assert r.status_code == 200 and "整改时限不能早于发现日期" in r.content.decode()


def test_api(org, users, api_client):
    body = {"unit_id": org["units"]["南关街街道"].pk, "title": "消防通道堵塞", "location": "x", "grade": "major",
            "found_on": "2021-03-20", "responsible_person": "a", "deadline": "2021-04-20", "responsibility": "b",
            "standard": "c", "measures": "d"}  # fmt: skip
    street = api_client("nanguan")
    r = street.post(f"{BASE}/", body, content_type="application/json")
    assert r.status_code == 201
    hid = r.json()["id"]
    assert street.post(f"{BASE}/{hid}/actions/start", {}, content_type="application/json").status_code == 422
    plan = {
        "goal": "g",
        "measures": "m",
        "funds": "5000",
        "people": "p",
        "deadline": "2021-04-15",
        "safeguards": "s",
    }
    assert street.put(f"{BASE}/{hid}/plan", plan, content_type="application/json").status_code == 200
    assert (
        street.post(f"{BASE}/{hid}/actions/start", {}, content_type="application/json").json()["state"]
        == "rectifying"
    )
    assert api_client("beixiajie").get(f"{BASE}/{hid}").status_code == 404
    assert api_client("beixiajie").get(f"{BASE}/").json()["count"] == 0
    rp = street.post(f"{BASE}/risk-points", {"unit_id": org["units"]["南关街街道"].pk, "name": "燃气管道", "grade": "red"},
                     content_type="application/json")  # fmt: skip
    assert rp.status_code == 201
    bad = street.post(f"{BASE}/risk-points", {"unit_id": org["units"]["南关街街道"].pk, "name": "x", "grade": "purple"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422


def test_demo_idempotent(org):
    from districtops.hazards import demo
    from districtops.hazards.models import Hazard

    demo.load()
    n = Hazard.objects.count()
    demo.load()
    assert Hazard.objects.count() == n == 5
    assert set(Hazard.objects.values_list("state", flat=True)) == set(HazardState.values)
