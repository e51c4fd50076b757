"""A resident's journey in Debian's Chromium, on a desktop and on a phone: no login, a report with a
photo, the tracking number, the lookup page, the state in Chinese before and after the office acts."""

import re

import pytest

from districtops.core.tests.journey import VIEWPORT_IDS, VIEWPORTS, Journey
from districtops.supervision.tests.test_matter_page import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "井盖.png"
    path.write_bytes(png_bytes((90, 90, 90)))
    return path


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_resident_reports_and_follows_it(org, categories, browser_page, photo, viewport):
    from districtops.citizen import services
    from districtops.citizen.models import Report

    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    journey = Journey(page, f"resident-{viewport[0]}")

    # The public page, without signing in.
    page.goto_path("/public/reports/new/")
    page.wait_for_selector("[data-testid=public-report-form]")
    journey.check("form", "我要反映问题", "问题描述")
    page.select_option("select[name=service]", label="道路破损")
    page.fill("textarea[name=description]", "城东路 66 号门前井盖缺失，夜间行人容易踩空")
    page.fill("input[name=address]", "城东路 66 号")
    page.set_input_files("input[type=file]", str(photo))
    page.get_by_test_id("public-report-form").locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=tracking-number]", timeout=60_000)

    # The tracking number, to write down.
    number = page.get_by_test_id("tracking-number").inner_text().strip()
    assert re.fullmatch(r"R210331-[A-Z0-9]{6}", number), number
    journey.check("submitted", "办理情况", "已受理", "请保存查询编号")
    report = Report.objects.get(tracking_number=number)
    assert report.photo.name.endswith(".png")  # the photo came with it

    # Later: the lookup page, reached from the report page's link.
    page.goto_path("/public/reports/new/")
    page.get_by_role("link", name="已有查询编号？查看办理情况").click()
    page.wait_for_selector("input[name=number]")
    journey.check("lookup", "查询办理情况")
    page.fill("input[name=number]", "R210331-XXXXXX")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector(".alert-warning")
    journey.check("lookup-unknown", "未找到该查询编号")
    page.fill("input[name=number]", number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("[data-testid=public-status]")
    text = journey.check("status-received", "道路破损", "城东路 66 号")
    assert page.get_by_test_id("public-status").inner_text().strip() == "办理中"
    assert "预计办结" not in text

    # The supervision office hands it to the street: the resident sees the expected date.
    services.triage_to_matter(
        None, report, lead_unit=org["units"]["南关街街道"], working_days=5
    )  # fmt: skip
    page.reload()
    page.wait_for_selector("[data-testid=public-status]")
    journey.check("status-assigned", "预计办结")
    assert page.get_by_test_id("public-status").inner_text().strip() == "办理中"
    notes = page.get_by_test_id("public-notes").inner_text()
    assert notes == "已交由南关街街道办理，当前状态：已交办。", notes

    # The street deals with it and the office verifies: the resident reads that it is closed.
    from districtops.supervision import services as supervision

    matter = Report.objects.get(pk=report.pk).matter
    matter = supervision.acknowledge(None, matter)
    matter = supervision.request_closure(None, matter, note="已补装井盖")
    supervision.verify_close(None, matter)
    page.reload()
    page.wait_for_selector("[data-testid=public-status]")
    text = journey.check("status-closed", "已办结")
    assert page.get_by_test_id("public-status").inner_text().strip() == "已关闭"
    assert "预计办结" not in text
    journey.assert_traffic()
