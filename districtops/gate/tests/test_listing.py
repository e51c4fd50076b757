"""Lists: one filter definition (core/listing.py) — the page, its export and the API hold the
same rows for the same query; a value that does not read is named on the page (not a 500, not
silently ignored), refused by the export, 422 on the API; the API schema shows typed filters."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from districtops.supervision.filters import MatterFilters
from districtops.supervision.states import MatterState as S
from districtops.supervision.tests.factories import matter

LIST, EXPORT, API = "/supervision/matters/", "/supervision/matters/export/", "/api/v1/supervision/matters"


@pytest.fixture
def matters(org):
    u = org["units"]
    return [
        matter(u, state=S.IN_PROGRESS, title="逾期一", lead="北下街街道", deadline=dt.date(2021, 3, 30)),
        matter(u, state=S.IN_PROGRESS, title="办理中", lead="北下街街道"),
        matter(u, title="新交办"),
        matter(u, state=S.CLOSED, title="已办结"),
    ]


def _page_codes(client, params):
    r = client.get(LIST, params)
    assert r.status_code == 200
    return {(row["matter"] if isinstance(row, dict) else row).code for row in r.context["page"].object_list}


def _export_codes(client, params):
    r = client.get(EXPORT, params)
    assert r.status_code == 200
    return {row[0].value for row in load_workbook(io.BytesIO(r.content))["督办事项"].iter_rows(min_row=2)}


@pytest.mark.parametrize(
    "params",
    [{}, {"overdue": "1"}, {"state": "in_progress"}, {"open": "true", "q": "办"}, {"q": "已办结"},
     {"lead_unit": "LEAD"}, {"overdue": "0", "open": "1"}],
)  # fmt: skip
def test_page_export_and_api_hold_the_same_rows(org, users, login, api_client, matters, params):
    if params.get("lead_unit") == "LEAD":
        params = {"lead_unit": str(org["units"]["北下街街道"].pk)}
    web = login("supervisor")
    page = _page_codes(web, params)
    body = api_client("supervisor").get(API, {**params, "limit": 500}).json()
    api = {item["code"] for item in body["items"]}
    assert page == _export_codes(web, params) == api
    assert body["count"] == len(page)
    # and the one definition read directly gives them too
    assert (
        set(MatterFilters.from_params(params).rows(users["supervisor"]).values_list("code", flat=True))
        == page
    )


def test_the_filters_narrow_at_all(org, login, matters):
    """The agreement above is not three empty lists."""
    web = login("supervisor")
    assert len(_page_codes(web, {})) == 4
    assert _page_codes(web, {"overdue": "1"}) == {matters[0].code}
    assert _page_codes(web, {"open": "1"}) == {m.code for m in matters[:3]}


@pytest.mark.parametrize(
    ("params", "label"),
    [({"state": "bogus"}, "状态"), ({"overdue": "maybe"}, "仅逾期"), ({"lead_unit": "abc"}, "牵头单位"),
     ({"closed_in": "2021-13"}, "办结月份"), ({"escalation": "9"}, "督办级别")],
)  # fmt: skip
def test_bad_value_is_named_on_the_page_refused_elsewhere(org, login, api_client, matters, params, label):
    web = login("supervisor")
    r = web.get(LIST, params)
    assert r.status_code == 400
    body = r.content.decode()
    assert 'data-testid="filter-errors"' in body and f"筛选条件“{label}”" in body
    assert r.context["page"].paginator.count == 4  # the other filters (none here) still apply
    assert web.get(EXPORT, params).status_code == 400
    refused = api_client("supervisor").get(API, params)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", *params]
    assert refused.json()["detail"][0]["msg"].startswith(f"字段 query.{next(iter(params))}：")


def test_a_choice_is_named_by_its_labels_on_the_page_and_its_values_on_the_api(
    org, login, api_client, matters
):
    (message,) = login("supervisor").get(LIST, {"escalation": "9"}).context["filters"].errors
    assert "挂牌督办" in message
    msg = api_client("supervisor").get(API, {"state": "bogus"}).json()["detail"][0]["msg"]
    assert "须为以下之一" in msg and "in_progress" in msg


def test_htmx_swap_of_the_rows_is_not_refused(org, login, matters):
    r = login("supervisor").get(LIST, {"state": "bogus"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200


def test_chips_come_from_the_definition(org, users, matters):
    district = org["districts"]["410104"].pk
    filters = MatterFilters.from_params(
        {"district": str(district), "closed_in": "2021-03", "open": "1", "state": ""}
    )
    assert filters.state is None and not filters.errors
    chips = {c["name"]: c for c in filters.active(users["supervisor"])}
    assert set(chips) == {"district", "closed_in", "open"}
    assert chips["district"]["label"] == "区：管城回族区" and chips["district"]["value"] == str(district)
    assert chips["open"]["value"] == "1" and chips["closed_in"]["label"] == "2021-03 办结"
    assert filters.query() == {"district": str(district), "closed_in": "2021-03", "open": "1"}


def _params(schema, path):
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}


def test_api_schema_lists_typed_filters(client):
    schema = client.get("/api/v1/openapi.json").json()
    matters = _params(schema, "/api/v1/supervision/matters")
    assert matters["overdue"]["schema"]["type"] == "boolean"
    assert matters["open"]["schema"]["type"] == "boolean"
    assert {"type": "integer", "minimum": 1}.items() <= matters["lead_unit"]["schema"]["anyOf"][0].items()
    assert matters["state"]["schema"]["anyOf"][0]["$ref"].endswith("/MatterState")
    assert matters["closed_in"]["schema"]["anyOf"][0]["pattern"]
    hazards = _params(schema, "/api/v1/hazards/")
    assert hazards["overdue"]["schema"]["type"] == "boolean" and "unit" in hazards
    investment = _params(schema, "/api/v1/projects/investment")
    assert investment["stalled"]["schema"]["type"] == "boolean"  # a boolean, like overdue
    suggestions = _params(schema, "/api/v1/deputies/suggestions")
    assert suggestions["overdue"]["schema"]["type"] == "boolean"
    assert suggestions["due"]["schema"]["anyOf"][0]["const"] == "soon"
    findings = _params(schema, "/api/v1/economy/findings")
    assert "unresolved" in findings["status"]["schema"]["anyOf"][0]["enum"]
    records = _params(schema, "/api/v1/audit/records")
    assert records["since"]["schema"]["anyOf"][0]["format"] == "date"
