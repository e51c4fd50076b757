import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.deputies import demo, services
from districtops.deputies.models import Suggestion, SuggestionState

BASE = "/api/v1/deputies"


@pytest.fixture
def station(org):
    st = services.create_station(None, host_unit=org["units"]["南关街街道"], name="南关街联络站")
    services.add_deputy(None, st, name="刘代表")
    return st


def make(org, station, **kw):
    return services.assign_suggestion(None, title="停车难", content="建议", deputies=station.deputies.all(),
                                      handling_unit=org["units"]["南关街街道"], assigned_on=dt.date(2020, 11, 30), **kw)  # fmt: skip


def test_add_months_clamps():
    assert services.add_months(dt.date(2020, 11, 30), 3) == dt.date(2021, 2, 28)
    assert services.add_months(dt.date(2021, 1, 31), 1) == dt.date(2021, 2, 28)
    assert services.add_months(dt.date(2020, 8, 31), 6) == dt.date(2021, 2, 28)


def test_deadlines_3_6_and_reopen_1_month(org, users, station):
    assert make(org, station).reply_due == dt.date(2021, 2, 28)
    s = make(org, station, complex_case=True)
    assert s.reply_due == dt.date(2021, 5, 30)
    s = services.reply(users["nanguan"], s, text="已列入计划", reply_class="B")
    with pytest.raises(PermissionDenied):
        services.evaluate(users["nanguan"], s, satisfaction="dissatisfied")
    s = services.evaluate(users["supervisor"], s, satisfaction="dissatisfied", note="不具体")
    assert s.state == SuggestionState.REOPENED and s.reply_due == dt.date(2021, 4, 30) and s.round == 2
    assert "第 1 轮" in s.history and "不满意" in s.history
    s = services.reply(users["nanguan"], s, text="已解决", reply_class="A")
    s = services.evaluate(users["supervisor"], s, satisfaction="basic")
    assert s.state == SuggestionState.CLOSED and s.first_replied_on == dt.date(2021, 3, 31)


def test_transitions_refused(org, users, station):
    s = make(org, station)
    with pytest.raises(ValidationError):
        services.evaluate(users["supervisor"], s, satisfaction="satisfied")
    s = services.reply(users["nanguan"], s, text="x", reply_class="A")
    with pytest.raises(ValidationError):
        services.reply(users["nanguan"], s, text="again", reply_class="A")
    with pytest.raises(ValidationError):
        services.reply(users["nanguan"], make(org, station), text="x", reply_class="E")
    with pytest.raises(PermissionDenied):
        services.reply(users["beixiajie"], make(org, station), text="x", reply_class="A")


def test_only_oversight_assigns(org, users, station):
    with pytest.raises(PermissionDenied):
        services.assign_suggestion(users["nanguan"], title="x", content="y", deputies=station.deputies.all(),
                                   handling_unit=org["units"]["南关街街道"])  # fmt: skip


def test_views_and_api(org, users, station, login, api_client):
    s = make(org, station)
    assert login("nanguan").get(s.get_absolute_url()).status_code == 200
    assert login("beixiajie").get(s.get_absolute_url()).status_code == 404
    assert login("jinshui_leader").get(s.get_absolute_url()).status_code == 404
    r = login("nanguan").post(
        f"/deputies/suggestions/{s.pk}/reply/",
        {"reply_class": "A", "text": "<script>x</script>", "version": s.version},
    )
    assert r.status_code == 302
    body = login("nanguan").get(s.get_absolute_url()).content.decode()
    assert "&lt;script&gt;" in body and "<script>x" not in body
    assert (
        login("nanguan")
        .post(f"/deputies/suggestions/{s.pk}/evaluate/", {"satisfaction": "satisfied"})
        .status_code
        == 404
    )
    login("supervisor").post(f"/deputies/suggestions/{s.pk}/evaluate/", {"satisfaction": "satisfied"})
    assert Suggestion.objects.get(pk=s.pk).state == "closed"
    assert login("nanguan").get(f"/deputies/stations/{station.pk}/").status_code == 200
    assert login("jinshui").get(f"/deputies/stations/{station.pk}/").status_code == 404
    r = login("nanguan").post(
        f"/deputies/stations/{station.pk}/",
        {"held_on": "2021-03-20", "kind": "reception", "summary": "接待", "constituents": 5},
    )
    assert r.status_code == 302 and station.activities.count() == 1
    c = api_client("supervisor")
    dep = station.deputies.get()
    r = c.post(f"{BASE}/suggestions", {"title": "t", "content": "c", "deputy_ids": [dep.pk], "handling_unit_id": org["units"]["城建局"].pk,
               "assigned_on": "2021-03-31"}, content_type="application/json")  # fmt: skip
    assert r.status_code == 201 and r.json()["reply_due"] == "2021-06-30"
    sid = r.json()["id"]
    assert (
        api_client("chengjian")
        .post(
            f"{BASE}/suggestions/{sid}/reply",
            {"text": "x", "reply_class": "Z"},
            content_type="application/json",
        )
        .status_code
        == 422
    )
    assert api_client("nanguan").get(f"{BASE}/suggestions/{sid}").status_code == 404
    r = api_client("chengjian").post(
        f"{BASE}/suggestions/{sid}/reply",
        {"text": "已办", "reply_class": "A"},
        content_type="application/json",
    )
    assert r.json()["state"] == "replied"
    r = c.post(
        f"{BASE}/suggestions/{sid}/evaluate",
        {"satisfaction": "dissatisfied"},
        content_type="application/json",
    )
    assert r.json()["state"] == "reopened"
    assert api_client("chengjian").post(f"{BASE}/suggestions", {"title": "t", "content": "c", "deputy_ids": [dep.pk],
        "handling_unit_id": org["units"]["城建局"].pk}, content_type="application/json").status_code == 403  # fmt: skip


def test_demo_idempotent(org):
    demo.load()
    n = Suggestion.objects.count()
    demo.load()
    assert Suggestion.objects.count() == n == 4
    assert set(Suggestion.objects.values_list("state", flat=True)) == {
        "closed",
        "replied",
        "reopened",
        "assigned",
    }
