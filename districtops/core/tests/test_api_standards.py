"""The REST API's conventions, held everywhere: JSON errors (unknown routes, 405), validation
messages in the interface language with the field's path, one envelope on every list, typed
filters that refuse unknown values, readable operationIds, ``/hazards`` named once."""

import re

import pytest

from districtops.api import api, operation_id


def test_validation_messages_are_chinese_with_the_field_path(api_client):
    c = api_client("supervisor")
    r = c.post("/api/v1/hazards/", {"title": "", "unit_id": "x"}, content_type="application/json")
    assert r.status_code == 422
    by_field = {e["loc"][-1]: e for e in r.json()["detail"]}
    assert by_field["title"]["msg"] == "字段 body.title：不能为空"
    assert (
        by_field["title"]["loc"] == ["body", "payload", "title"]
        and by_field["title"]["type"] == "string_too_short"
    )
    assert by_field["unit_id"]["msg"] == "字段 body.unit_id：须为整数"
    assert by_field["location"]["msg"] == "字段 body.location：必须填写"
    r = c.get("/api/v1/citizen/reports", {"status": "foo"})
    assert (
        r.json()["detail"][0]["msg"]
        == "字段 query.status：须为以下之一：received、assigned、declined、merged"
    )
    r = c.get("/api/v1/org/units", {"limit": -1})
    assert r.json()["detail"][0]["msg"] == "字段 query.limit：不能小于 0"


def test_validation_messages_in_english_with_accept_language_en(api_client):
    c = api_client("supervisor")
    r = c.post(
        "/api/v1/hazards/",
        {"title": ""},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8",
    )
    by_field = {e["loc"][-1]: e["msg"] for e in r.json()["detail"]}
    assert by_field["title"] == "Field body.title: must not be empty"
    assert by_field["unit_id"] == "Field body.unit_id: required"
    r = c.get("/api/v1/citizen/reports", {"status": "foo"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        r.json()["detail"][0]["msg"]
        == "Field query.status: must be one of: received, assigned, declined, merged"
    )
    assert c.get("/api/v1/no-such-route", HTTP_ACCEPT_LANGUAGE="en").json() == {"detail": "Not found."}
    # Chinese first in the header, or none at all: Chinese
    r = c.get("/api/v1/citizen/reports", {"status": "foo"}, HTTP_ACCEPT_LANGUAGE="zh-CN,en;q=0.5")
    assert r.json()["detail"][0]["msg"].startswith("字段 query.status")
    # the web pages keep ignoring the browser's language
    assert c.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"


def test_unparseable_body_and_405_and_unknown_route_are_json(api_client):
    c = api_client("supervisor")
    r = c.post("/api/v1/hazards/", "{bad", content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"].startswith("请求体无法解析")
    for method, path, allow in (
        ("delete", "/api/v1/org/units", "GET"),
        ("put", "/api/v1/hazards/", "GET"),
        ("patch", "/api/v1/supervision/meetings", "GET"),
    ):
        r = getattr(c, method)(path)
        assert r.status_code == 405, (method, path)
        assert (
            r["Content-Type"].startswith("application/json")
            and r.json()["detail"] == "该地址不支持此请求方法。"
        )
        assert allow in r["Allow"]
    r = c.post("/api/v1/no/such/thing", {}, content_type="application/json")
    assert r.status_code == 404 and r.json() == {"detail": "未找到。"}
    r = c.get("/api/v1/hazards/not-a-number")
    assert r.status_code == 404 and r.json() == {"detail": "未找到。"}


LISTS_ONCE_BARE = [
    "/api/v1/tokens",
    "/api/v1/citizen/partners",
    "/api/v1/cockpit/",
    "/api/v1/economy/targets",
    "/api/v1/economy/rules",
    "/api/v1/projects/sectors",
    "/api/v1/projects/categories",
    "/api/v1/projects/conferences",
    "/api/v1/projects/warnings",
    "/api/v1/supervision/schemes",
]


@pytest.mark.parametrize("path", LISTS_ONCE_BARE)
def test_lists_that_were_bare_arrays_answer_the_envelope(api_client, path):
    c = api_client("sysadmin" if "partners" in path else "supervisor")
    body = c.get(path).json()
    assert set(body) == {"count", "limit", "offset", "items"}, (path, body)
    assert isinstance(body["items"], list) and body["count"] >= len(body["items"])
    if body["count"] > 1:
        one = c.get(path, {"limit": 1, "offset": 1}).json()
        assert one["count"] == body["count"] and one["items"] == body["items"][1:2]


def test_no_operation_answers_a_bare_array(db):
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
            assert ok.get("schema", {}).get("type") != "array", (method, path)


@pytest.mark.parametrize(
    ("path", "params", "field", "allowed"),
    [
        ("/api/v1/hazards/", {"state": "foo"}, "state", "closed"),
        ("/api/v1/hazards/", {"open": "maybe"}, "open", None),
        ("/api/v1/supervision/matters", {"state": "foo"}, "state", "assigned"),
        ("/api/v1/supervision/matters", {"overdue": "yes please"}, "overdue", None),
        ("/api/v1/supervision/matters", {"escalation": "7"}, "escalation", "0"),
        ("/api/v1/supervision/matters", {"closed_in": "2021-13"}, "closed_in", None),
        ("/api/v1/supervision/matters", {"lead_unit": "x"}, "lead_unit", None),
        ("/api/v1/deputies/suggestions", {"state": "foo"}, "state", None),
        ("/api/v1/deputies/suggestions", {"due": "later"}, "due", "soon"),
        ("/api/v1/deputies/suggestions", {"open": "2"}, "open", None),
        ("/api/v1/projects/construction", {"state": "foo"}, "state", "overdue"),
        ("/api/v1/projects/warnings", {"kind": "foo"}, "kind", "node_overdue"),
        ("/api/v1/projects/investment", {"stalled": "sometimes"}, "stalled", None),
    ],
)
def test_unknown_filter_values_are_422_naming_the_allowed_values(api_client, path, params, field, allowed):
    r = api_client("supervisor").get(path, params)
    assert r.status_code == 422, (path, params, r.status_code)
    (error,) = r.json()["detail"]
    assert error["loc"] == ["query", field] and error["msg"].startswith(f"字段 query.{field}：")
    if allowed:
        assert "须为以下之一" in error["msg"] and allowed in error["msg"]


def test_boolean_filters_are_booleans_everywhere(db):
    schema = api.get_openapi_schema()
    flags = {"open", "overdue", "stalled", "mine", "unread", "above", "current"}
    seen = 0
    for methods in schema["paths"].values():
        for operation in methods.values():
            for p in operation.get("parameters", []):
                if p["in"] == "query" and p["name"] in flags:
                    kinds = {s.get("type") for s in p["schema"].get("anyOf", [p["schema"]])} - {"null"}
                    assert kinds == {"boolean"}, (operation["operationId"], p)
                    seen += 1
                if p["in"] == "query" and p["name"] in {"unit", "district", "lead_unit", "handling_unit"}:
                    kinds = {s.get("type") for s in p["schema"].get("anyOf", [p["schema"]])}
                    assert "integer" in kinds and "string" not in kinds, (operation["operationId"], p)
    assert seen >= 8


def test_typed_filters_still_filter(org, users, api_client):
    from districtops.supervision import services as supervision

    unit = org["units"]["南关街街道"]
    matter = supervision.assign_matter(
        users["supervisor"], title="修复路灯", basis="管城街路灯不亮", lead_unit=unit, working_days=5
    )
    c = api_client("supervisor")
    everything = c.get("/api/v1/supervision/matters").json()["count"]
    assert everything >= 1
    assert c.get("/api/v1/supervision/matters", {"open": "false"}).json()["count"] == everything
    assert c.get("/api/v1/supervision/matters", {"open": "true"}).json()["count"] == everything
    listed = c.get("/api/v1/supervision/matters", {"lead_unit": unit.pk, "state": matter.state}).json()
    assert [m["id"] for m in listed["items"]] == [matter.pk]
    assert c.get("/api/v1/supervision/matters", {"state": "closed"}).json()["count"] == 0


def test_operation_ids_are_readable_and_unique(db):
    schema = api.get_openapi_schema()
    ids = [op["operationId"] for methods in schema["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids)) and len(ids) > 100
    assert all(re.fullmatch(r"[a-z]+_[a-z_]+", i) for i in ids), [i for i in ids if "districtops" in i]
    paths = schema["paths"]
    assert paths["/api/v1/hazards/"]["get"]["operationId"] == "hazards_list"
    assert paths["/api/v1/hazards/{hazard_id}"]["get"]["operationId"] == "hazards_get"
    assert paths["/api/v1/supervision/matters"]["get"]["operationId"] == "supervision_list_matters"
    assert operation_id("districtops.deputies.api", "list_deputies") == "deputies_list"
    assert operation_id("districtops.economy.api", "list_reports") == "economy_list_reports"


def test_hazards_is_named_once_in_the_path(db):
    paths = set(api.get_openapi_schema()["paths"])
    assert not [p for p in paths if "/hazards/hazards" in p]
    assert {"/api/v1/hazards/", "/api/v1/hazards/{hazard_id}", "/api/v1/hazards/risk-points"} <= paths


def test_every_error_status_is_declared_with_the_error_schema(db):
    schema = api.get_openapi_schema()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) >= {"detail"}
    for methods in schema["paths"].values():
        for operation in methods.values():
            for code in ("400", "401", "403", "404", "422"):
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert "ErrorOut" in str(content), (operation["operationId"], code)
