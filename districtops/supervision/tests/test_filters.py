"""The matter list's narrow filters the cockpit links with: district, closed_in, overdue,
state, escalation, lead_unit — the same on the list page, the export and the API."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from districtops.core.params import month_param
from districtops.supervision.filters import MatterFilters
from districtops.supervision.models import Matter
from districtops.supervision.states import MatterState as S

from .factories import matter

LIST = "/supervision/matters/"


@pytest.fixture
def spread(org):
    u = org["units"]
    closed_mar_end = matter(u, state=S.CLOSED, title="三月底办结")  # closes on 2021-03-31
    closed_mar_first = matter(u, state=S.CLOSED, title="三月一日办结")
    closed_feb = matter(u, state=S.CLOSED, title="二月底办结")
    closed_apr = matter(u, state=S.CLOSED, title="四月一日办结")
    Matter.objects.filter(pk=closed_mar_first.pk).update(closed_on=dt.date(2021, 3, 1))
    Matter.objects.filter(pk=closed_feb.pk).update(closed_on=dt.date(2021, 2, 28))
    Matter.objects.filter(pk=closed_apr.pk).update(closed_on=dt.date(2021, 4, 1))
    overdue = matter(u, state=S.IN_PROGRESS, title="逾期", lead="北下街街道", deadline=dt.date(2021, 3, 30))
    open_ = matter(u, title="未到期")
    other = matter({"x": org["jinshui_street"]}, lead="x", support=(), title="金水事项")
    return {"mar_end": closed_mar_end, "mar_first": closed_mar_first, "feb": closed_feb, "apr": closed_apr,
            "overdue": overdue, "open": open_, "other": other}  # fmt: skip


def _ids(response):
    return {
        row["matter"].pk if isinstance(row, dict) else row.pk for row in response.context["page"].object_list
    }


def test_month_param():
    assert month_param({"m": "2021-03"}, "m") == (dt.date(2021, 3, 1), dt.date(2021, 3, 31))
    assert month_param({"m": "2020-2"}, "m") == (dt.date(2020, 2, 1), dt.date(2020, 2, 29))
    for bad in ("2021-13", "2021-00", "21-03", "2021-03-01", "abc", "", None):
        assert month_param({"m": bad}, "m") is None


def test_closed_in_month_boundaries(org, login, spread):
    got = _ids(login("supervisor").get(LIST, {"closed_in": "2021-03"}))
    assert got == {spread["mar_end"].pk, spread["mar_first"].pk}
    assert _ids(login("supervisor").get(LIST, {"closed_in": "2021-02"})) == {spread["feb"].pk}


def test_district(org, login, spread):
    guancheng = org["districts"]["410104"].pk
    mine = {spread[k].pk for k in spread if k != "other"}
    assert _ids(login("supervisor").get(LIST, {"district": guancheng})) == mine
    assert _ids(login("supervisor").get(LIST, {"district": org["districts"]["410105"].pk})) == set()
    assert _ids(login("jinshui_leader").get(LIST, {"district": org["districts"]["410105"].pk})) == {
        spread["other"].pk
    }


def test_district_with_closed_in_and_overdue(org, login, spread):
    c = login("supervisor")
    guancheng = org["districts"]["410104"].pk
    assert _ids(c.get(LIST, {"district": guancheng, "overdue": "1"})) == {spread["overdue"].pk}
    assert _ids(c.get(LIST, {"district": guancheng, "closed_in": "2021-04"})) == {spread["apr"].pk}


def test_open_is_every_matter_not_yet_closed(org, login, api_client, spread):
    params = {"open": "1", "district": org["districts"]["410104"].pk}
    got = _ids(login("supervisor").get(LIST, params))
    assert got == {spread["overdue"].pk, spread["open"].pk}
    body = api_client("supervisor").get("/api/v1/supervision/matters", params).json()
    assert {row["id"] for row in body["items"]} == got
    assert _ids(login("supervisor").get(LIST, {"open": "yes"})) == got  # a boolean, as on the API


def test_state_escalation_lead_unit(org, login, spread):
    c = login("supervisor")
    assert _ids(c.get(LIST, {"state": "in_progress"})) == {spread["overdue"].pk}
    assert _ids(c.get(LIST, {"lead_unit": org["units"]["北下街街道"].pk})) == {spread["overdue"].pk}
    assert _ids(c.get(LIST, {"escalation": "0", "state": "assigned"})) == {spread["open"].pk}


@pytest.mark.parametrize(
    "params",
    [{"district": "abc"}, {"district": "0"}, {"closed_in": "2021-13"}, {"closed_in": "march"},
     {"lead_unit": "1e3"}, {"escalation": "x"}, {"state": "nope"}, {"overdue": "maybe"},
     {"district": "9" * 40}],
)  # fmt: skip
def test_invalid_value_named_on_the_page_refused_by_export_and_api(org, login, api_client, spread, params):
    c = login("supervisor")
    r = c.get(LIST, params)
    # the page says which filter it could not read (400, not a 500, not a silent ignore) and
    # lists what the other filters let through
    assert r.status_code == 400 and len(_ids(r)) == 6
    (message,) = r.context["filters"].errors
    assert message.startswith("筛选条件“") and "未按它筛选" in message
    assert 'data-testid="filter-errors"' in r.content.decode()
    # the export writes no workbook that would not hold the rows asked for
    refused = c.get("/supervision/matters/export/", params)
    assert refused.status_code == 400 and "筛选条件" in refused.content.decode()
    r = api_client("supervisor").get("/api/v1/supervision/matters", params)
    assert r.status_code == 422 and [e["loc"] for e in r.json()["detail"]] == [["query", *params]]


def test_bad_state_names_the_states_by_label(org, login, spread):
    r = login("supervisor").get(LIST, {"state": "nope", "overdue": "1"})
    assert r.status_code == 400 and _ids(r) == {spread["overdue"].pk}  # overdue still applies
    (message,) = r.context["filters"].errors
    assert "状态" in message and "办理中" in message and "in_progress" not in message


def test_export_and_api_share_the_filters(org, login, api_client, spread):
    params = {"district": org["districts"]["410104"].pk, "closed_in": "2021-03"}
    ws = load_workbook(io.BytesIO(login("supervisor").get("/supervision/matters/export/", params).content))
    assert {r[1].value for r in ws["督办事项"].iter_rows(min_row=2)} == {"三月底办结", "三月一日办结"}
    body = api_client("supervisor").get("/api/v1/supervision/matters", params).json()
    assert {m["id"] for m in body["items"]} == {spread["mar_end"].pk, spread["mar_first"].pk}


def test_active_filters_named_kept_and_gated(org, login, users, spread):
    r = login("supervisor").get(LIST, {"district": org["districts"]["410104"].pk, "closed_in": "2021-03"})
    body = r.content.decode()
    assert 'name="closed_in" value="2021-03"' in body and "2021-03 办结" in body and "管城回族区" in body
    # a unit the person cannot see is named by its id only
    found = MatterFilters.from_params({"lead_unit": str(org["jinshui_street"].pk)}).active(users["nanguan"])
    assert found[0]["label"].endswith(str(org["jinshui_street"].pk))


def test_api_refuses_every_invalid_value(org, api_client, spread):
    api = api_client("supervisor")
    for params in ({"state": "nope"}, {"escalation": "x"}, {"lead_unit": "abc"}, {"overdue": "maybe"}):
        r = api.get("/api/v1/supervision/matters", params)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", *params], params
    assert (
        "in_progress" in api.get("/api/v1/supervision/matters", {"state": "nope"}).json()["detail"][0]["msg"]
    )
    assert api.get("/api/v1/supervision/matters").json()["count"] == 6
    assert api.get("/api/v1/supervision/matters", {"overdue": "true"}).json()["count"] == 1
    assert (
        api.get("/api/v1/supervision/matters", {"overdue": "1", "state": "in_progress"}).json()["count"] == 1
    )
