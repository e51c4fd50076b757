"""In Chromium: a resident reports, the office triages, the street closes, the office verifies,
and the resident's status page shows the report closed."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, username):
    page.context.clear_cookies()
    page.login(username)


def test_resident_to_closed(org, categories, browser_page):
    page = browser_page
    page.goto_path("/public/reports/new/")
    page.select_option("select[name=service]", label="道路破损")
    page.fill("textarea[name=description]", "城东路 66 号门前井盖缺失")
    page.fill("input[name=address]", "城东路 66 号")
    page.get_by_test_id("public-report-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    number = page.get_by_test_id("tracking-number").inner_text().strip()
    assert re.fullmatch(r"R210331-[A-Z0-9]{6}", number)
    status_path = f"/public/reports/{number}/"
    assert "已受理" in page.get_by_test_id("public-notes").inner_text()

    _as(page, "supervisor")
    page.goto_path("/citizen/reports/")
    page.get_by_text(number).click()
    form = page.get_by_test_id("triage-form")
    form.locator("select[name=lead_unit]").select_option(label="南关街街道")
    form.locator("input[name=working_days]").fill("5")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("report-matter").click()
    matter_path = page.url.replace(page.live_server_url, "")

    _as(page, "nanguan")
    page.goto_path(matter_path)
    page.get_by_test_id("action-acknowledge").locator("button").click()
    page.wait_for_load_state("networkidle")
    closure = page.get_by_test_id("action-request_closure")
    if closure.get_attribute("open") is None:  # each action is a <details> of the panel
        closure.locator("summary").click()
    closure.locator("textarea[name=note]").fill("已补装井盖")
    closure.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").first.inner_text() == "申请办结"

    _as(page, "supervisor")
    page.goto_path(matter_path)
    verify = page.get_by_test_id("action-verify_close")
    if verify.get_attribute("open") is None:
        verify.locator("summary").click()
    verify.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=confirm-card]")  # 审核办结 asks once more
    page.click("[data-testid=confirm-submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").first.inner_text() == "已办结"

    page.context.clear_cookies()
    page.goto_path(status_path)
    assert page.get_by_test_id("public-status").inner_text().strip() == "已关闭"
    assert "已办结" in page.get_by_test_id("public-notes").inner_text()
