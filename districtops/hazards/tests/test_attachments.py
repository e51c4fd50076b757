"""Rectification photos and documents: checked, stored with the step, shown through the gate."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.hazards.models import HazardAttachment
from districtops.supervision.tests.test_matter_page import png_bytes

from .test_hazards import make


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_rectification_photo_shown_and_gated(org, users, login):
    h = make(org, users, state="rectifying")
    street = login("nanguan")
    r = street.post(
        f"/hazards/{h.pk}/submit/",
        {"version": h.version, "note": "已加锁",
         "photos": [SimpleUploadedFile("整改后.png", png_bytes())],
         "files": [SimpleUploadedFile("验收单.pdf", b"%PDF-1.4 x")]},
    )  # fmt: skip
    assert r.status_code == 302
    photo, doc = HazardAttachment.objects.filter(hazard=h).order_by("id")
    assert (photo.action, photo.kind, doc.kind) == ("submit", "png", "pdf")
    body = login("supervisor").get(h.get_absolute_url()).content.decode()
    assert f'src="{photo.url}"' in body and f'href="{doc.url}"' in body
    assert login("supervisor").get(photo.url)["Content-Type"] == "image/png"
    assert login("beixiajie").get(photo.url).status_code == 404
    h.refresh_from_db()
    assert "整改后.png" in h.log


def test_bad_file_refused_nothing_written(org, users, login):
    h = make(org, users, state="rectifying")
    fake = SimpleUploadedFile("整改后.png", b"MZ\x90\x00 program")
    r = login("nanguan").post(
        f"/hazards/{h.pk}/submit/", {"version": h.version, "photos": [fake]}, follow=True
    )
    assert "内容与扩展名不符" in r.content.decode()
    h.refresh_from_db()
    assert h.state == "rectifying" and not HazardAttachment.objects.exists()


def test_registration_photo_shown(org, users, login):
    from districtops.hazards import services

    h = services.register_hazard(
        users["nanguan"], unit=org["units"]["南关街街道"], title="护栏松动", location="南关街 5 号", grade="general",
        found_on=dt.date(2021, 3, 15), responsible_person="李四",
        deadline=dt.date(2021, 4, 20), responsibility="物业", standard="加固", measures="更换螺栓",
        photo=SimpleUploadedFile("发现.png", png_bytes()),
    )  # fmt: skip
    body = login("nanguan").get(h.get_absolute_url()).content.decode()
    assert 'data-testid="hazard-photo"' in body
    assert login("nanguan").get(f"/hazards/{h.pk}/photo/").status_code == 200
    assert login("beixiajie").get(f"/hazards/{h.pk}/photo/").status_code == 404
