from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from districtops.citizen import services
from districtops.citizen.models import Report, ReportStatus

from .conftest import PNG


def _file(categories, text="小区门口垃圾堆积三天无人清运"):
    return services.file_report(service=categories["garbage"], description=text, address="南关街 1 号")


def test_public_report_then_status_page(categories):
    c = Client()
    url = reverse("citizen_public:report")
    assert c.get(url).status_code == 200
    r = c.post(url, {"service": categories["road"].pk, "description": "路面塌陷", "address": "城东路",
                     "photo": SimpleUploadedFile("a.png", PNG, content_type="image/png")})  # fmt: skip
    assert r.status_code == 302
    report = Report.objects.get()
    assert r["Location"] == reverse("citizen_public:status", args=[report.tracking_number])
    body = c.get(r["Location"]).content.decode()
    assert report.tracking_number in body and "已受理，等待分办" in body
    assert (
        c.get(reverse("citizen_public:lookup"), {"number": report.tracking_number.lower()}).status_code == 302
    )


def test_public_report_bad_input(categories):
    c = Client()
    r = c.post(
        reverse("citizen_public:report"), {"service": categories["road"].pk, "description": "", "address": ""}
    )
    assert r.status_code == 200 and Report.objects.count() == 0
    fake = SimpleUploadedFile("a.png", b"not an image at all", content_type="image/png")
    r = c.post(reverse("citizen_public:report"),
               {"service": categories["road"].pk, "description": "x", "address": "y", "photo": fake})  # fmt: skip
    assert "扩展名不符" in r.content.decode() and Report.objects.count() == 0


def test_public_status_escapes_script(categories):
    report = _file(categories, "<script>alert('x')</script>")
    body = Client().get(reverse("citizen_public:status", args=[report.tracking_number])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_public_status_unknown_is_404(categories):
    assert Client().get(reverse("citizen_public:status", args=["R000000-AAAAAA"])).status_code == 404


def test_public_flood_throttled(categories, settings):
    settings.CITIZEN_POSTS_PER_HOUR = 1
    c = Client()
    data = {"service": categories["road"].pk, "description": "x", "address": "y"}
    assert c.post(reverse("citizen_public:report"), data).status_code == 302
    assert c.post(reverse("citizen_public:report"), data).status_code == 429


def test_staff_list_and_detail_personas(categories, login):
    report = _file(categories)
    for username in ("supervisor", "leader"):
        assert login(username).get(reverse("citizen:report_detail", args=[report.pk])).status_code == 200
    for username in ("nanguan", "jinshui_leader", "jinshui"):
        assert login(username).get(reverse("citizen:report_detail", args=[report.pk])).status_code == 404
    assert report.tracking_number in login("supervisor").get(reverse("citizen:report_list")).content.decode()
    assert report.tracking_number not in login("nanguan").get(reverse("citizen:report_list")).content.decode()


def test_triage_into_matter_then_street_sees_it(org, categories, login):
    report = _file(categories)
    r = login("supervisor").post(
        reverse("citizen:report_triage", args=[report.pk]),
        {"lead_unit": org["units"]["南关街街道"].pk, "working_days": 3},
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ASSIGNED and report.matter.source == "report"
    assert login("nanguan").get(reverse("citizen:report_detail", args=[report.pk])).status_code == 200
    again = login("supervisor").post(
        reverse("citizen:report_triage", args=[report.pk]), {"lead_unit": org["units"]["南关街街道"].pk, "working_days": 3},
        follow=True,
    )  # fmt: skip
    assert "已分办" in again.content.decode()


def test_triage_refused_for_street_and_other_district(org, categories, login):
    report = _file(categories)
    data = {"lead_unit": org["units"]["南关街街道"].pk, "working_days": 3}
    assert login("nanguan").post(reverse("citizen:report_triage", args=[report.pk]), data).status_code == 404
    assert (
        login("jinshui_leader").post(reverse("citizen:report_triage", args=[report.pk]), data).status_code
        == 404
    )


def test_decline_with_reason_visible_to_resident(categories, login):
    report = _file(categories)
    r = login("supervisor").post(
        reverse("citizen:report_decline", args=[report.pk]), {"reason": ""}, follow=True
    )
    assert "请填写不予立案理由" in r.content.decode()
    login("supervisor").post(
        reverse("citizen:report_decline", args=[report.pk]), {"reason": "属物业管理范围，已告知物业"}
    )
    body = Client().get(reverse("citizen_public:status", args=[report.tracking_number])).content.decode()
    assert "属物业管理范围" in body and "已关闭" in body


def test_citizen_photo_shown_to_staff_only(categories, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = services.file_report(
        service=categories["garbage"], description="垃圾堆积", address="南关街 1 号",
        photo=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )  # fmt: skip
    body = login("supervisor").get(reverse("citizen:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-photo"' in body
    photo = reverse("citizen:report_photo", args=[report.pk])
    assert login("supervisor").get(photo)["Content-Type"] == "image/png"
    assert login("nanguan").get(photo).status_code == 404
    assert Client().get(photo).status_code == 302  # to the login page
