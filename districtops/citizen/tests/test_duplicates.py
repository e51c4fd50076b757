"""Duplicates: 我也遇到 on a nearby open report, staff merges, GCJ-02 → WGS-84, the Open311 answers."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from districtops.audit.models import AuditRecord
from districtops.citizen import geo, services
from districtops.citizen.models import Report, ReportStatus, ReportSupporter

V2 = "/open311/v2"
J = {"jurisdiction_id": "410104"}
LAT, LONG = "34.750000", "113.680000"  # WGS-84, 管城回族区


def _file(categories, code="road", lat=LAT, long=LONG, **kw):
    return services.file_report(
        service=categories[code],
        description=kw.pop("text", "路灯不亮"),
        address="城东路",
        lat=lat,
        long=long,
        **kw,
    )


# --- Coordinates ---------------------------------------------------------------------------------

KNOWN = [  # wgsLat, wgsLng, gcjLat, gcjLng (the published eviltransform test points)
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize("w_lat,w_lng,g_lat,g_lng", KNOWN)
def test_gcj02_transform_against_known_points(w_lat, w_lng, g_lat, g_lng):
    lat, lng = geo.wgs84_to_gcj02(w_lat, w_lng)
    assert abs(lat - g_lat) < 1e-9 and abs(lng - g_lng) < 1e-9
    back = geo.gcj02_to_wgs84(g_lat, g_lng)
    assert geo.haversine_m(*back, w_lat, w_lng) < 0.01  # under a centimetre
    assert geo.haversine_m(g_lat, g_lng, w_lat, w_lng) > 100  # the offset is real (hundreds of metres)


def test_outside_china_is_unchanged_and_gcj02_refused_there(categories):
    assert geo.wgs84_to_gcj02(48.85, 2.35) == (48.85, 2.35)
    assert services.to_wgs84("48.85", "2.35", "wgs84") == (
        services.Decimal("48.850000"),
        services.Decimal("2.350000"),
    )
    with pytest.raises(ValidationError, match="GCJ-02"):
        services.to_wgs84("48.85", "2.35", "gcj02")
    with pytest.raises(ValidationError, match="坐标系"):
        services.to_wgs84(LAT, LONG, "bd09")


def test_gcj02_report_stored_in_wgs84(categories):
    g_lat, g_lng = geo.wgs84_to_gcj02(34.75, 113.68)
    report = _file(categories, lat=f"{g_lat:.6f}", long=f"{g_lng:.6f}", coordinate_system="gcj02")
    assert geo.haversine_m(float(report.lat), float(report.long), 34.75, 113.68) < 0.2


def test_haversine_and_bounding_box():
    assert abs(geo.haversine_m(34.75, 113.68, 34.75 + 1 / 111195.08, 113.68) - 1.0) < 0.01
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(34.75, 113.68, 50)
    assert geo.haversine_m(34.75, 113.68, max_lat, 113.68) > 50
    assert geo.haversine_m(34.75, 113.68, 34.75, max_lng) > 50


# --- Nearby lookup -------------------------------------------------------------------------------


def test_nearby_same_service_open_within_radius(categories, settings):
    settings.CITIZEN_DUPLICATE_RADIUS_M = 50
    near = _file(categories, lat="34.750300", long=LONG)  # ≈ 33 m north
    _file(categories, lat="34.750600", long=LONG)  # ≈ 67 m: too far
    _file(categories, code="garbage")  # another service
    declined = _file(categories)
    services.decline_report(None, declined, reason="重复")
    found = services.nearby_open_reports(categories["road"], LAT, LONG)
    assert [r.pk for r, _d in found] == [near.pk]
    assert 30 < found[0][1] < 36
    settings.CITIZEN_DUPLICATE_RADIUS_M = 100
    assert len(services.nearby_open_reports(categories["road"], LAT, LONG)) == 2


# --- 我也遇到 --------------------------------------------------------------------------------------


def test_public_page_offers_nearby_then_join(categories):
    original = _file(categories)
    c = Client()
    url = reverse("citizen_public:report")
    g_lat, g_lng = geo.wgs84_to_gcj02(34.7501, 113.68)  # the page's default system: GCJ-02
    data = {"service": categories["road"].pk, "description": "路灯坏了", "address": "城东路口",
            "lat": f"{g_lat:.6f}", "long": f"{g_lng:.6f}", "contact_phone": "13800000000"}  # fmt: skip
    r = c.post(url, data)
    body = r.content.decode()
    assert r.status_code == 200 and "我也遇到" in body and original.tracking_number in body
    assert Report.objects.count() == 1  # nothing filed yet
    r = c.post(
        reverse("citizen_public:join", args=[original.tracking_number]), {"contact_phone": "13800000000"}
    )
    assert r.status_code == 302
    original.refresh_from_db()
    assert original.also_count == 1 and original.residents_count == 2
    supporter = ReportSupporter.objects.get()
    assert supporter.contact_phone == "13800000000" and supporter.report == original
    assert AuditRecord.objects.filter(action="report.also").count() == 1
    status = c.get(r["Location"]).content.decode()
    assert "2 位群众反映" in status and "13800000000" not in status  # the contact stays private
    # "not the same problem": filing anyway creates a new report
    r = c.post(url, {**data, "confirm_new": "on"})
    assert r.status_code == 302 and Report.objects.count() == 2


def test_public_page_wgs84_declared_is_not_converted(categories):
    original = _file(categories)
    data = {"service": categories["road"].pk, "description": "路灯坏了", "address": "城东路口",
            "lat": LAT, "long": LONG, "coordinate_system": "wgs84"}  # fmt: skip
    assert original.tracking_number in Client().post(reverse("citizen_public:report"), data).content.decode()
    # the same numbers read as GCJ-02 are ~ 600 m away: nothing offered, filed at once
    r = Client().post(reverse("citizen_public:report"), {**data, "coordinate_system": "gcj02"})
    assert r.status_code == 302


def test_join_refused_on_declined_and_merged(categories):
    declined = _file(categories)
    services.decline_report(None, declined, reason="不属实")
    with pytest.raises(ValidationError, match="不予立案"):
        services.join_report(declined, contact_phone="1")
    original, dup = _file(categories), _file(categories)
    services.merge_report(None, dup, into=original)
    with pytest.raises(ValidationError, match=original.tracking_number):
        services.join_report(dup)
    r = Client().post(reverse("citizen_public:join", args=[declined.tracking_number]))
    assert r.status_code == 400 and ReportSupporter.objects.count() == 0


# --- Merging -------------------------------------------------------------------------------------


def test_merge_points_to_original_adds_count_and_tells_reporter(categories, login):
    original, dup = _file(categories), _file(categories, text="路灯又坏了")
    services.join_report(dup, contact_phone="139")
    r = login("supervisor").post(
        reverse("citizen:report_merge", args=[dup.pk]), {"into": original.tracking_number.lower()}
    )
    assert r.status_code == 302
    dup.refresh_from_db()
    original.refresh_from_db()
    assert dup.status == ReportStatus.MERGED and dup.merged_into == original and dup.merged_at
    assert original.also_count == 2  # dup's reporter and its 我也遇到
    assert f"已并入 #{original.tracking_number}" in dup.public_notes
    page = Client().get(reverse("citizen_public:status", args=[dup.tracking_number])).content.decode()
    assert f"已并入 #{original.tracking_number}" in page
    assert AuditRecord.objects.filter(action="report.merge").count() == 1
    assert AuditRecord.objects.filter(action="report.merge_into").count() == 1
    detail = login("supervisor").get(reverse("citizen:report_detail", args=[original.pk])).content.decode()
    assert dup.tracking_number in detail and "139" not in detail  # 139 is on the dup's supporters


def test_merge_carries_earlier_merges_to_the_original(categories):
    a, b, c = _file(categories), _file(categories), _file(categories)
    services.merge_report(None, c, into=b)
    services.merge_report(None, b, into=a)
    c.refresh_from_db()
    a.refresh_from_db()
    assert c.merged_into == a and a.residents_count == 3


def test_merge_refusals(org, categories):
    original = _file(categories)
    other_service = _file(categories, code="garbage")
    with pytest.raises(ValidationError, match="自身"):
        services.merge_report(None, original, into=original)
    with pytest.raises(ValidationError, match="同一类别"):
        services.merge_report(None, other_service, into=original)
    elsewhere = services.ensure_service(org["districts"]["410105"], "road", "道路破损")
    foreign = services.file_report(service=elsewhere, description="x", address="y")
    with pytest.raises(ValidationError, match="跨区"):
        services.merge_report(None, foreign, into=original)
    a, b = _file(categories), _file(categories)
    services.merge_report(None, a, into=original)
    with pytest.raises(ValidationError, match="不能再次并入"):
        services.merge_report(None, a, into=b)
    with pytest.raises(ValidationError, match="目标反映已并入"):
        services.merge_report(None, b, into=a)
    declined = _file(categories)
    services.decline_report(None, declined, reason="不属实")
    with pytest.raises(ValidationError, match="不予立案"):
        services.merge_report(None, b, into=declined)
    b.refresh_from_db()
    original.refresh_from_db()
    assert b.status == ReportStatus.RECEIVED and original.also_count == 1


def test_merge_is_all_or_nothing(categories):
    original, dup = _file(categories), _file(categories)
    real = services.services.update_object
    calls = []

    def failing(actor, obj, changes, **kw):
        calls.append(kw.get("audit_action"))
        if kw.get("audit_action") == "report.merge_into":
            raise RuntimeError("disk full")
        return real(actor, obj, changes, **kw)

    with mock.patch.object(services.services, "update_object", failing), pytest.raises(RuntimeError):
        services.merge_report(None, dup, into=original)
    assert calls == ["report.merge", "report.merge_into"]
    dup.refresh_from_db()
    assert dup.status == ReportStatus.RECEIVED and dup.merged_into is None
    assert not AuditRecord.objects.filter(action="report.merge").exists()


def test_merge_view_refusals_in_chinese(org, categories, login):
    original = _file(categories)
    other = _file(categories, code="garbage")
    c = login("supervisor")
    r = c.post(
        reverse("citizen:report_merge", args=[other.pk]), {"into": original.tracking_number}, follow=True
    )
    assert "只能并入同一类别" in r.content.decode()
    r = c.post(reverse("citizen:report_merge", args=[other.pk]), {"into": "R000000-XXXXXX"}, follow=True)
    assert "未找到" in r.content.decode()
    assert (
        login("nanguan")
        .post(reverse("citizen:report_merge", args=[other.pk]), {"into": original.tracking_number})
        .status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == ReportStatus.RECEIVED


# --- Open311 -------------------------------------------------------------------------------------


def test_open311_merged_answer(categories):
    original, dup = _file(categories), _file(categories)
    services.merge_report(None, dup, into=original)
    item = Client().get(f"{V2}/requests/{dup.tracking_number}.json", J).json()[0]
    assert item["status_notes"].startswith(f"已并入 #{original.tracking_number}")
    assert item["merged_into_service_request_id"] == original.tracking_number
    assert item["status"] == "open"
    head = Client().get(f"{V2}/requests/{original.tracking_number}.json", J).json()[0]
    assert head["merged_into_service_request_id"] is None and head["residents_count"] == 2
    xml = Client().get(f"{V2}/requests/{dup.tracking_number}.xml", J).content.decode()
    assert (
        f"<merged_into_service_request_id>{original.tracking_number}</merged_into_service_request_id>" in xml
    )


def test_open311_nearby_lookup_post_hint_and_join(categories):
    original = _file(categories)
    c = Client()
    r = c.get(f"{V2}/requests.json", {**J, "service_code": "road", "lat": "34.7502", "long": LONG})
    assert r.status_code == 200
    assert [i["service_request_id"] for i in r.json()] == [original.tracking_number]
    assert 20 < r.json()[0]["distance_m"] < 25
    r = c.get(f"{V2}/requests.json", {**J, "lat": "34.7502", "long": LONG})
    assert r.status_code == 400  # needs one service_code
    r = c.post(
        f"{V2}/requests.json",
        {**J, "service_code": "road", "lat": "34.7501", "long": LONG, "description": "灯不亮"},
    )
    assert r.status_code == 201 and r.json()[0]["nearby_service_request_ids"] == original.tracking_number
    r = c.post(f"{V2}/requests.json", {**J, "join_request_id": original.tracking_number, "phone": "137"})
    assert r.status_code == 201 and r.json()[0]["residents_count"] == 2
    assert ReportSupporter.objects.get().channel == "open311"
    r = c.post(f"{V2}/requests.json", {**J, "join_request_id": "R000000-XXXXXX"})
    assert r.status_code == 404


def test_open311_coordinate_system_param_and_partner_default(categories, org):
    g_lat, g_lng = geo.wgs84_to_gcj02(34.76, 113.69)
    c = Client()
    body = {**J, "service_code": "road", "lat": f"{g_lat:.6f}", "long": f"{g_lng:.6f}", "description": "x"}
    r = c.post(f"{V2}/requests.json", {**body, "coordinate_system": "gcj02"})
    report = Report.objects.get(tracking_number=r.json()[0]["service_request_id"])
    assert geo.haversine_m(float(report.lat), float(report.long), 34.76, 113.69) < 0.2
    r = c.post(f"{V2}/requests.json", body)  # default WGS-84: stored as sent
    report = Report.objects.get(tracking_number=r.json()[0]["service_request_id"])
    assert str(report.lat) == f"{g_lat:.6f}"
    client, key = services.issue_partner_key(None, name="12345", district=org["districts"]["410104"])
    client.coordinate_system = "gcj02"
    client.save()
    r = c.post(f"{V2}/requests.json", {**body, "api_key": key})
    report = Report.objects.get(tracking_number=r.json()[0]["service_request_id"])
    assert geo.haversine_m(float(report.lat), float(report.long), 34.76, 113.69) < 0.2
    r = c.post(f"{V2}/requests.json", {**body, "lat": "48.85", "long": "2.35", "coordinate_system": "gcj02"})
    assert r.status_code == 400 and "GCJ-02" in r.json()[0]["description"]
