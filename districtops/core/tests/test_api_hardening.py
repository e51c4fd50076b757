"""Issue 11 defects 8, 9, 10 (API parts): bounded paging, enum parse, NaN coordinates, text limits,
public body limit, 401 for a bad bearer token, the OpenAPI document's names and error responses."""

import pytest
from django.test import Client

from districtops.citizen import services as citizen
from districtops.citizen.models import Report

V2 = "/open311/v2"

PAGED_LISTS = [
    "/api/v1/org/units",
    "/api/v1/org/people",
    "/api/v1/audit/records",
    "/api/v1/jobs/",
    "/api/v1/projects/investment",
    "/api/v1/projects/construction",
    "/api/v1/supervision/matters",
    "/api/v1/supervision/meetings",
    "/api/v1/citizen/reports",
    "/api/v1/hazards/",
    "/api/v1/hazards/risk-points",
    "/api/v1/deputies/suggestions",
    "/api/v1/economy/enterprises",
    "/api/v1/economy/reports",
]


@pytest.fixture
def categories(org):
    district = org["districts"]["410104"]
    return {"road": citizen.ensure_service(district, "road", "道路破损", "", "市政")}


@pytest.mark.parametrize("path", PAGED_LISTS)
def test_offset_past_64_bits_is_422_naming_the_field(api_client, path):
    c = api_client("auditadmin" if "/audit/" in path else "supervisor")
    for offset in (2**63, 2**64 + 5, -1):
        r = c.get(path, {"offset": offset})
        assert r.status_code == 422, (path, offset, r.status_code)
        assert any(item["loc"][-1] == "offset" for item in r.json()["detail"]), r.json()
    r = c.get(path, {"limit": 2**63})
    assert r.status_code == 422 and any(i["loc"][-1] == "limit" for i in r.json()["detail"])
    assert c.get(path, {"offset": 0, "limit": 5}).status_code == 200


def test_page_refuses_out_of_range_paging_whatever_the_signature():
    from django.core.exceptions import ValidationError

    from districtops.gate.api_utils import page

    with pytest.raises(ValidationError) as exc:
        page(Report.objects.none(), 10, 2**63)
    assert "offset" in exc.value.message_dict


def test_unknown_battle_map_state_is_refused_not_a_500(org, api_client, login):
    api = api_client("supervisor")
    r = api.get("/api/v1/projects/battle-map", {"state": "bogus"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "state"]
    assert api.get("/api/v1/projects/battle-map", {"state": "overdue"}).status_code == 200
    web = login("supervisor")
    for path in ("/projects/battle-map/data/", "/projects/battle-map/export/"):
        r = web.get(path, {"state": "bogus"})
        assert r.status_code == 400, (path, r.status_code)
    r = web.get("/projects/battle-map/", {"print": "1", "state": "bogus"})
    assert r.status_code == 400 and "state" in r.content.decode()


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "sNaN", "1e999999999"])
def test_non_finite_coordinates_are_400_naming_the_field(categories, value):
    r = Client().post(
        f"{V2}/requests.json",
        {
            "jurisdiction_id": "410104",
            "service_code": "road",
            "lat": value,
            "long": "113.6",
            "description": "坑",
        },
    )
    assert r.status_code == 400, r.content
    assert r.json()[0]["description"].startswith("lat")
    assert not Report.objects.exists()


def test_public_description_is_bounded_in_the_service(categories):
    r = Client().post(
        f"{V2}/requests.json",
        {
            "jurisdiction_id": "410104",
            "service_code": "road",
            "address_string": "航海路",
            "description": "坑" * 4001,
        },
    )
    assert r.status_code == 400 and r.json()[0]["description"].startswith("description")
    assert not Report.objects.exists()
    with pytest.raises(citizen.ValidationError):
        citizen.file_report(service=categories["road"], description="x" * 4001, address="航海路")


def test_public_body_limit(categories, settings):
    settings.PUBLIC_BODY_MAX_BYTES = 64 * 1024
    r = Client().post(
        f"{V2}/requests.json",
        {
            "jurisdiction_id": "410104",
            "service_code": "road",
            "address_string": "x",
            "description": "坑" * 40000,
        },
    )
    assert r.status_code == 413 and r.json()[0]["code"] == 413
    r = Client().post("/public/reports/new/", {"description": "坑" * 40000})
    assert r.status_code == 413
    assert not Report.objects.exists()


def test_every_editable_text_field_is_bounded_by_the_write_path(settings):
    """No TextField a person fills is unbounded: its max_length or TEXT_MAX_LENGTH, enforced by
    gate.services.validate (Django itself does not enforce a TextField's max_length)."""
    from django.apps import apps
    from django.core.exceptions import ValidationError
    from django.db import models

    from districtops.gate import services

    settings.TEXT_MAX_LENGTH = 50
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("districtops."):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.TextField) or not field.editable:
                continue
            limit = services.text_limit(field)
            obj = model()
            setattr(obj, field.attname, "长" * (limit + 1))
            with pytest.raises(ValidationError) as exc:
                services.check_text_lengths(obj)
            assert field.name in exc.value.message_dict, (model, field)
            setattr(obj, field.attname, "长" * limit)
            services.check_text_lengths(obj)
            checked += 1
    assert checked >= 20


def test_create_object_bounds_text_even_without_full_clean(org, settings):
    from django.core.exceptions import ValidationError

    from districtops.gate import services
    from districtops.supervision.models import Meeting

    settings.TEXT_MAX_LENGTH = 10
    meeting = Meeting(title="会", district=org["districts"]["410104"], summary="纪要" * 10)
    with pytest.raises(ValidationError) as exc:
        services.create_object(None, meeting, clean=False)
    assert "summary" in exc.value.message_dict and meeting.pk is None


def test_public_throttle_survives_a_new_process(tmp_path, settings):
    """The counter lives in the "throttle" cache (a shared file cache here, Redis in production),
    not in one process's memory: a second process sees the first one's posts."""
    import subprocess
    import sys

    code = (
        "import django, os, sys;"
        "os.environ['DJANGO_SETTINGS_MODULE']='districtops.settings';"
        f"os.environ['DISTRICTOPS_VAR']={str(tmp_path)!r};"
        "django.setup();"
        "from django.conf import settings; settings.CITIZEN_POSTS_PER_HOUR=3;"
        "from districtops.citizen.services import allow_post;"
        "print(','.join(str(allow_post('10.9.9.9')) for _ in range(2)))"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True,True"
    assert second.stdout.strip() == "True,False"


def test_bad_bearer_token_on_a_write_is_401_not_csrf_403(org):
    c = Client(HTTP_AUTHORIZATION="Bearer not-a-token")
    r = c.post("/api/v1/supervision/meetings", {}, content_type="application/json")
    assert r.status_code == 401, r.content
    assert (
        Client().post("/api/v1/supervision/meetings", {}, content_type="application/json").status_code == 401
    )


def test_session_writes_still_need_csrf(org, users):
    c = Client(enforce_csrf_checks=True)
    c.force_login(users["supervisor"])
    r = c.post("/api/v1/supervision/meetings", {}, content_type="application/json")
    assert r.status_code == 403


def test_openapi_schema_names_are_unique_and_errors_declared(org):
    from districtops.api import api

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    assert {"CitizenReportOut", "MonthlyReportOut", "ProgressReportOut"} <= set(components)
    assert "ReportOut" not in components
    citizen_get = schema["paths"]["/api/v1/citizen/reports/{report_id}"]["get"]
    ok = citizen_get["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CitizenReportOut"}
    assert "tracking_number" in components["CitizenReportOut"]["properties"]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            codes = {"400", "401", "403", "404", "422"} | ({"409"} if method != "get" else set())
            assert codes <= set(operation["responses"]), (path, method)
    imp = schema["paths"]["/api/v1/economy/imports/{kind}"]["post"]["responses"]["422"]
    refs = {s["$ref"] for s in imp["content"]["application/json"]["schema"]["anyOf"]}
    assert refs == {"#/components/schemas/ImportOut", "#/components/schemas/ErrorOut"}


def test_every_schema_class_name_is_used_once(db):
    """Two Schema classes with one name overwrite each other in the OpenAPI document."""
    from ninja import Schema

    from districtops.api import api

    api.get_openapi_schema()
    seen = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("districtops."):
                other = seen.setdefault(sub.__name__, sub)
                assert other is sub, f"{sub.__name__}: {other.__module__} and {sub.__module__}"
            walk(sub)

    walk(Schema)


def test_api_docs_load_swagger_from_local_static(login, org):
    r = login("supervisor").get("/api/v1/docs")
    html = r.content.decode()
    assert r.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert Client().get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_ids_past_64_bits_are_422_naming_the_parameter(api_client):
    c = api_client("supervisor")
    r = c.get("/api/v1/org/units", {"parent_id": -(2**70)})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "parent_id"]
    # An exact lookup past the range is simply empty in Django 5: a 404 like any missing id.
    assert c.get(f"/api/v1/citizen/reports/{2**64}").status_code == 404


def test_every_api_error_is_json(api_client):
    c = api_client("supervisor")
    for path in ("/api/v1/no-such-route", "/api/v1/economy/enterprises/-5"):
        r = c.get(path)
        assert r.status_code == 404 and r.json() == {"detail": "未找到。"}, path
    r = c.delete("/api/v1/org/units")
    assert r.status_code == 405 and "detail" in r.json() and "GET" in r["Allow"]


def test_every_paged_list_answers_the_one_envelope(db):
    """An operation taking limit/offset documents {count, limit, offset, items} (meetings and
    risk points returned bare arrays)."""
    from districtops.api import api

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    paged = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            if not {"limit", "offset"} <= names:
                continue
            paged += 1
            ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert "$ref" in ok, (path, method, ok)
            body = components[ok["$ref"].rsplit("/", 1)[-1]]
            assert {"count", "limit", "offset", "items"} <= set(body["properties"]), (path, method)
    assert paged >= 14


def test_meetings_and_risk_points_are_paged(api_client):
    c = api_client("supervisor")
    for path in ("/api/v1/supervision/meetings", "/api/v1/hazards/risk-points"):
        body = c.get(path, {"limit": 3}).json()
        assert set(body) == {"count", "limit", "offset", "items"} and body["limit"] == 3, path
