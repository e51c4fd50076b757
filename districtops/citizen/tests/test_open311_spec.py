"""Open311 GeoReport v2 held to the spec: service discovery, tokens, keywords as a string, the
spec's error list for every error (unknown paths and formats, wrong methods), the request query's
parameters, api_key wherever a client puts it — and a real client (the ``georeport`` package from
PyPI, which only reads) plus plain form posts with ``requests`` against a live server."""

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.test import Client as DjangoClient

from districtops.citizen import services
from districtops.citizen.models import Report, ServiceCategory

ROOT = "/open311"
V2 = "/open311/v2"
J = {"jurisdiction_id": "410104"}


def Client(**defaults):  # noqa: N802 — stands in for django.test.Client
    """A client asking for English error descriptions (the wording these tests check); the
    Chinese default is held by test_error_descriptions_follow_accept_language."""
    return DjangoClient(HTTP_ACCEPT_LANGUAGE="en", **defaults)


def xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


@pytest.mark.parametrize("path", [f"{ROOT}/discovery.json", f"{V2}/discovery.json"])
def test_discovery_json_has_every_field_the_spec_requires(categories, path):
    r = Client().get(path)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["contact"] and body["key_service"]
    dt.datetime.fromisoformat(body["changeset"])  # a W3C date-time with its offset
    assert dt.datetime.fromisoformat(body["changeset"]).tzinfo is not None
    (endpoint,) = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": body["changeset"],
        "type": "test",
        "formats": ["text/xml", "application/json"],
    }


def test_discovery_xml_nests_endpoints_and_formats(categories, settings):
    settings.PRODUCTION = True
    root = xml(Client().get(f"{ROOT}/discovery.xml", secure=True))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.find("specification").text == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.find("url").text == "https://testserver/open311/v2"
    assert endpoint.find("type").text == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_discovery_changeset_moves_when_a_service_changes(categories):
    before = Client().get(f"{ROOT}/discovery.json").json()["changeset"]
    later = dt.datetime.fromisoformat(before) + dt.timedelta(hours=1)
    ServiceCategory.objects.filter(code="road").update(updated_at=later)
    assert Client().get(f"{ROOT}/discovery.json").json()["changeset"] == later.isoformat(timespec="seconds")


def test_keywords_are_one_comma_separated_string(org, categories):
    ServiceCategory.objects.filter(code="road").update(keywords="井盖，路面、坑洼")
    c = Client()
    road = next(s for s in c.get(f"{V2}/services.json", J).json() if s["service_code"] == "road")
    assert road["keywords"] == "井盖, 路面, 坑洼"
    services_xml = xml(c.get(f"{V2}/services.xml", J))
    node = next(s for s in services_xml.findall("service") if s.find("service_code").text == "road")
    assert node.find("keywords").text == "井盖, 路面, 坑洼" and len(node.find("keywords")) == 0
    assert node.find("metadata").text == "false" and node.find("type").text == "realtime"


def test_service_definition_in_both_formats(categories):
    c = Client()
    assert c.get(f"{V2}/services/road.json", J).json() == {"service_code": "road", "attributes": []}
    root = xml(c.get(f"{V2}/services/road.xml", J))
    assert root.tag == "service_definition" and [e.tag for e in root] == ["service_code", "attributes"]
    r = c.get(f"{V2}/services/nope.xml", J)
    assert r.status_code == 404 and xml(r).find("error/code").text == "404"


def test_tokens_resolve_to_the_request_id_and_unknown_ones_are_the_spec_404(categories):
    c = Client()
    rid = c.post(f"{V2}/requests.json", {**J, "service_code": "road", "address_string": "紫荆山路",
                                          "description": "井盖缺失"}).json()[0]["service_request_id"]  # fmt: skip
    assert c.get(f"{V2}/tokens/{rid}.json", J).json() == [{"service_request_id": rid, "token": rid}]
    root = xml(c.get(f"{V2}/tokens/{rid}.xml", J))
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == rid
    r = c.get(f"{V2}/tokens/T-NOPE.json", J)
    assert r.status_code == 404 and r.json() == [{"code": 404, "description": "token T-NOPE not found"}]
    r = c.get(f"{V2}/tokens/T-NOPE.xml", J)
    assert r.status_code == 404 and xml(r).find("error/description").text == "token T-NOPE not found"
    # another district's jurisdiction does not resolve this district's request
    assert c.get(f"{V2}/tokens/{rid}.json", {"jurisdiction_id": "410105"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "fmt", "needle"),
    [
        (f"{V2}/nothing-here", "xml", "no such resource"),
        (f"{V2}/nothing-here.json", "json", "no such resource"),
        (f"{V2}/services.csv", "xml", "format csv not supported"),
        (f"{V2}/requests/R1.html", "xml", "format html not supported"),
        (f"{V2}/tokens/abc", "xml", "no such resource"),
        (f"{ROOT}/v3/services.xml", "xml", "no such resource"),
        (f"{ROOT}/", "xml", "no such resource"),
    ],
)
def test_unknown_paths_and_formats_answer_the_spec_error_list(categories, path, fmt, needle):
    for method in ("get", "post"):
        r = getattr(Client(), method)(path)
        assert r.status_code == 404, (path, method)
        if fmt == "json":
            assert r["Content-Type"].startswith("application/json")
            (error,) = r.json()
            assert error["code"] == 404 and needle in error["description"]
        else:
            root = xml(r)
            assert root.tag == "errors" and root.find("error/code").text == "404"
            assert needle in root.find("error/description").text
    r = Client().get(f"{V2}/nothing-here", HTTP_ACCEPT="application/json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", f"{V2}/services.json", "GET, HEAD"),
        ("delete", f"{V2}/requests.json", "GET, HEAD, POST"),
        ("put", f"{V2}/requests/R1.json", "GET, HEAD"),
        ("post", f"{ROOT}/discovery.json", "GET, HEAD"),
        ("post", f"{V2}/tokens/abc.json", "GET, HEAD"),
    ],
)
def test_a_method_the_resource_does_not_take_is_405_in_the_spec_format(categories, method, path, allow):
    r = getattr(Client(), method)(path, J) if method == "post" else getattr(Client(), method)(path)
    assert r.status_code == 405 and r["Allow"] == allow
    assert r.json()[0]["code"] == 405 and method.upper() in r.json()[0]["description"]
    r = getattr(Client(), method)(path.replace(".json", ".xml"))
    assert r.status_code == 405 and xml(r).find("error/code").text == "405"
    assert Report.objects.count() == 0


def test_requests_query_parameters_as_the_spec_defines_them(categories, org, users):
    c = Client()
    ids = [
        c.post(
            f"{V2}/requests.json", {**J, "service_code": code, "address_string": "x", "description": "d"}
        ).json()[0]["service_request_id"]
        for code in ("road", "garbage")
    ]
    services.decline_report(users["supervisor"], Report.objects.get(tracking_number=ids[1]), reason="重复")
    both = c.get(f"{V2}/requests.json", {**J, "status": "open,closed"}).json()
    assert {x["service_request_id"] for x in both} == set(ids)
    assert [
        x["service_request_id"] for x in c.get(f"{V2}/requests.json", {**J, "status": "closed"}).json()
    ] == [ids[1]]
    by_code = c.get(f"{V2}/requests.json", {**J, "service_code": "road,nope"}).json()
    assert [x["service_request_id"] for x in by_code] == [ids[0]]
    # service_request_id overrides every other parameter, even a contradicting status
    listed = c.get(f"{V2}/requests.json", {**J, "service_request_id": ",".join(ids), "status": "closed"})
    assert {x["service_request_id"] for x in listed.json()} == set(ids)
    window = {"start_date": "2021-03-01T00:00:00+08:00", "end_date": "2021-04-01T00:00:00Z"}
    assert len(c.get(f"{V2}/requests.json", {**J, **window}).json()) == 2
    empty = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"}
    assert c.get(f"{V2}/requests.json", {**J, **empty}).json() == []
    assert xml(c.get(f"{V2}/requests.xml", {**J, **empty})).tag == "service_requests"


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2021-03-01T00:00:00Z", "end_date": "2021-02-01T00:00:00Z"}, "after end_date"),
        ({"start_date": "yesterday"}, "start_date must be a W3C date-time"),
        ({"status": "open,pending"}, "status must be open or closed"),
        ({"jurisdiction_id": ""}, "jurisdiction_id is required"),
    ],
)
def test_requests_query_refusals(categories, org, params, needle):
    services.ensure_service(org["districts"]["410105"], "road", "道路破损")  # two districts served
    for fmt in ("json", "xml"):
        r = Client().get(f"{V2}/requests.{fmt}", {**J, **params})
        assert r.status_code == 400, (params, r.content)
        text = r.json()[0]["description"] if fmt == "json" else xml(r).find("error/description").text
        assert needle in text


def test_api_key_and_jurisdiction_in_the_query_string_of_a_post(org, categories, settings):
    settings.CITIZEN_POSTS_PER_HOUR = 1
    partner, key = services.issue_partner_key(None, name="12345 热线", district=org["districts"]["410104"])
    body = {"service_code": "road", "address_string": "紫荆山路", "description": "热线转来"}
    c = Client()
    for _ in range(3):  # a partner is not throttled: the key counted even from the query string
        r = c.post(f"{V2}/requests.json?jurisdiction_id=410104&api_key={key}", body)
        assert r.status_code == 201, r.content
    assert Report.objects.filter(partner=partner).count() == 3
    r = c.post(f"{V2}/requests.xml?jurisdiction_id=410104&api_key=wrong", body)
    assert r.status_code == 403 and xml(r).find("error/code").text == "403"
    r = c.post(f"{V2}/requests.json?jurisdiction_id=410105&api_key={key}", body)
    assert r.status_code == 403 and "jurisdiction_id" in r.json()[0]["description"]
    # the form body wins over the query string
    r = c.post(f"{V2}/requests.json?jurisdiction_id=999999", {**body, **J, "api_key": key})
    assert r.status_code == 201


def test_post_answers_the_spec_fields_in_xml(categories):
    r = Client().post(
        f"{V2}/requests.xml",
        {**J, "service_code": "road", "lat": "34.75", "long": "113.68", "description": "井盖缺失",
         "device_id": "abc", "account_id": "42"},
    )  # fmt: skip
    assert r.status_code == 201
    root = xml(r)
    assert root.tag == "service_requests"
    assert [e.tag for e in root.find("request")] == ["service_request_id", "service_notice", "account_id"]
    assert Report.objects.filter(tracking_number=root.find("request/service_request_id").text).exists()


# --- A real client and plain form posts against a live server ---------------------------------


@pytest.fixture
def live(transactional_db, live_server, settings, categories):
    settings.CITIZEN_POSTS_PER_HOUR = 1000
    return live_server.url


def test_georeport_client_reads_discovery_services_and_requests(live):
    georeport = pytest.importorskip("georeport")
    requests = pytest.importorskip("requests")
    discovery = requests.get(f"{live}/open311/discovery.json", timeout=10).json()
    base = discovery["endpoints"][0]["url"]
    assert base == f"{live}/open311/v2"
    rid = requests.post(
        f"{base}/requests.json",
        data={**J, "service_code": "road", "address_string": "管城街 18 号", "description": "井盖缺失",
              "lat": "34.7466", "long": "113.6849"},
        timeout=10,
    ).json()[0]["service_request_id"]  # fmt: skip
    for fmt in ("json", "xml"):
        client = georeport.GeoReport(base, jurisdiction="410104", output_format=fmt)
        listed = client.get_service_list()
        assert {s["service_code"] for s in listed} == {"road", "garbage"}
        road = next(s for s in listed if s["service_code"] == "road")
        assert isinstance(road["keywords"], str | type(None))
        assert client.get_service_definition("road")["service_code"] == "road"
        got = client.get_service_request(rid)
        assert got["service_request_id"] == rid and got["status"] == "open"
        assert got["description"] == "井盖缺失"
        queried = client.get_service_requests(status="open", service_code="road")
        queried = queried if isinstance(queried, list) else [queried]  # xmltodict: one item is a dict
        assert [x["service_request_id"] for x in queried] == [rid]
        with pytest.raises(requests.HTTPError) as exc:
            client.get_service_request("R000000-NOPE00")
        assert exc.value.response.status_code == 404


def test_plain_form_posts_work_against_a_live_server(live):
    requests = pytest.importorskip("requests")
    body = "jurisdiction_id=410104&service_code=road&address_string=%E7%B4%AB%E8%8D%86%E5%B1%B1%E8%B7%AF"
    body += "&description=%E4%BA%95%E7%9B%96%E7%BC%BA%E5%A4%B1&first_name=%E5%BC%A0&email=z%40example.com"
    r = requests.post(
        f"{live}/open311/v2/requests.json",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    report = Report.objects.get(tracking_number=rid)
    assert report.address == "紫荆山路" and report.description == "井盖缺失" and report.channel == "open311"
    r = requests.post(f"{live}/open311/v2/requests.xml", data={**J, "description": "x"}, timeout=10)
    assert r.status_code == 400 and ET.fromstring(r.content).tag == "errors"
    r = requests.get(f"{live}/open311/v2/services.csv", timeout=10)
    assert r.status_code == 404 and ET.fromstring(r.content).find("error/code").text == "404"


def test_error_descriptions_follow_accept_language(categories):
    """Chinese by default (the interface language), English when the client asks for it; the
    codes and the list's shape are the spec's either way."""
    chinese = DjangoClient().get(f"{V2}/tokens/T-NOPE.json", J)
    assert chinese.status_code == 404 and chinese["Content-Language"] == "zh-hans"
    assert chinese.json() == [{"code": 404, "description": "找不到 token T-NOPE"}]
    asked = DjangoClient(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").get(
        f"{V2}/requests.xml", {"status": "x", **J}
    )
    assert xml(asked).find("error/code").text == "400"
    assert xml(asked).find("error/description").text == "status 须为 open 或 closed（或两者，用逗号分隔）"
    english = DjangoClient(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    r = english.get(f"{V2}/tokens/T-NOPE.json", J)
    assert r["Content-Language"] == "en" and r.json() == [
        {"code": 404, "description": "token T-NOPE not found"}
    ]
    r = english.post(f"{V2}/requests.json", {**J, "description": "x"})
    assert r.status_code == 400
    assert [e["description"] for e in r.json()] == [
        "service_code is required",
        "a location is required: lat and long, or address_string",
    ]
    r = DjangoClient().post(f"{V2}/requests.xml", {**J, "description": "x"})
    assert [e.find("description").text for e in xml(r).findall("error")] == [
        "须提供 service_code",
        "须提供位置：lat 和 long，或 address_string",
    ]
    r = DjangoClient().delete(f"{V2}/requests.json")
    assert r.json() == [{"code": 405, "description": "不支持 DELETE 方法，请使用 GET, POST"}]
    # A language the platform does not speak falls back to Chinese.
    r = DjangoClient(HTTP_ACCEPT_LANGUAGE="fr").get(f"{V2}/nothing-here.json")
    assert r.json() == [{"code": 404, "description": "没有该资源：/open311/v2/nothing-here.json"}]
