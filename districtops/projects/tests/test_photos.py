"""Node progress photos: stored before, now shown on the project and node pages, through the gate."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.projects import services
from districtops.supervision.tests.test_matter_page import png_bytes

from .conftest import road_project


def test_progress_photo_on_project_and_node_pages(org, users, login, config):
    road = road_project(org)
    node = road.nodes.order_by("sequence").first()
    report = services.report_progress(
        users["nanguan"], node, reported_on=dt.date(2021, 3, 30), percent=20, text="场地清表",
        photo=SimpleUploadedFile("清表.png", png_bytes()),
    )  # fmt: skip
    src = f'src="/projects/reports/{report.pk}/photo/"'
    assert src in login("nanguan").get(road.get_absolute_url()).content.decode()
    assert src in login("nanguan").get(f"/projects/nodes/{node.pk}/edit/").content.decode()
    shown = login("leader").get(f"/projects/reports/{report.pk}/photo/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert login("beixiajie").get(f"/projects/reports/{report.pk}/photo/").status_code == 404
