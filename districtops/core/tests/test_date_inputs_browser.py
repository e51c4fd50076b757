"""In Chromium: a new matter submitted with the default 交办日期 goes through (zh-Hans)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_matter_with_the_default_assignment_date_submits(org, browser_page):
    from districtops.supervision.models import Matter

    page = browser_page
    page.login("supervisor")
    page.goto_path("/supervision/matters/new/")
    assigned = page.locator("input[name=assigned_on]")
    # The browser's own reading of the value: empty if the server wrote 2021/03/31.
    assert assigned.evaluate("el => el.value") == "2021-03-31"
    page.fill("input[name=title]", "浏览器默认日期交办测试")
    page.select_option("select[name=lead_unit]", label="南关街街道")
    page.fill("input[name=working_days]", "10")
    page.get_by_role("button", name="交办", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "/supervision/matters/new/" not in page.url
    matter = Matter.objects.get(title="浏览器默认日期交办测试")
    assert matter.assigned_on.isoformat() == "2021-03-31"
    page.screenshot(path="test-results/date-default-matter.png")
