"""The REST API: bearer tokens, schema, the gate, 404/422/409."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs_are_served(org, login):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/org/units" in paths and "/api/v1/me" in paths
    assert login("nanguan").get("/api/v1/docs").status_code == 200


def test_requests_without_a_token_get_401(org):
    assert Client().get("/api/v1/org/units").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer dop_nonsense").get("/api/v1/org/units").status_code == 401


def test_create_token_command_prints_a_working_token(org):
    out = io.StringIO()
    call_command("create-token", "nanguan", stdout=out)
    token = out.getvalue().strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == "nanguan"


def test_revoked_token_stops_working(org, api_client):
    client = api_client("nanguan")
    token_id = client.get("/api/v1/tokens").json()["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_unit_list_is_gated(org, api_client):
    names = {u["name"] for u in api_client("nanguan").get("/api/v1/org/units?limit=500").json()["items"]}
    assert "南关街街道" in names and "经八路街道" not in names


def test_forged_id_is_404(org, api_client):
    street = org["jinshui_street"]
    assert api_client("nanguan").get(f"/api/v1/org/units/{street.pk}").status_code == 404
    assert api_client("jinshui").get(f"/api/v1/org/units/{street.pk}").status_code == 200


def test_invalid_input_is_422_with_field_path(org, api_client):
    parent = org["districts"]["410104"]
    response = api_client("sysadmin").post(
        "/api/v1/org/units",
        {"name": "x", "kind": "bogus", "parent_id": parent.pk, "division_code": "12"},
        content_type="application/json",
    )
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert ("body", "payload", "kind") in locs and ("body", "payload", "division_code") in locs


def test_create_and_conflicting_update(org, api_client):
    client = api_client("sysadmin")
    parent = org["districts"]["410104"]
    created = client.post(
        "/api/v1/org/units",
        {"name": "大数据中心", "kind": "department", "parent_id": parent.pk},
        content_type="application/json",
    )
    assert created.status_code == 201
    unit = created.json()
    ok = client.patch(
        f"/api/v1/org/units/{unit['id']}",
        {"version": unit["version"], "name": "区大数据中心"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["version"] == unit["version"] + 1
    stale = client.patch(
        f"/api/v1/org/units/{unit['id']}",
        {"version": unit["version"], "name": "旧"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == unit["version"] + 1


def test_staff_cannot_create_units(org, api_client):
    parent = org["districts"]["410104"]
    response = api_client("nanguan").post(
        "/api/v1/org/units",
        {"name": "x", "kind": "department", "parent_id": parent.pk},
        content_type="application/json",
    )
    assert response.status_code == 404  # the parent is not a unit nanguan manages


def test_people_api_hides_other_districts(org, api_client):
    names = {p["username"] for p in api_client("leader").get("/api/v1/org/people?limit=500").json()["items"]}
    assert "nanguan" in names and "jinshui" not in names


def test_session_with_pending_password_change_cannot_use_the_api(org, users):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="nanguan").update(must_change_password=True)
    client = Client()
    client.force_login(get_user_model().objects.get(username="nanguan"))
    assert client.get("/api/v1/me").status_code == 401
