"""The cockpit in Debian's Chromium: a click-through to the filtered list, the big screen at 1920×1080."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_click_overdue_count_lands_on_filtered_list(district_data, browser_page):
    page = browser_page
    page.login("leader")
    page.goto_path("/cockpit/410104/")
    overdue = page.get_by_test_id("figure-matters_overdue")
    assert overdue.locator(".figure-value").inner_text() == "2"
    overdue.click()
    page.wait_for_load_state("networkidle")
    district = district_data["districts"]["410104"].pk
    assert page.url.endswith(f"/supervision/matters/?overdue=1&district={district}")
    body = page.locator("body").inner_text()
    assert "逾期一" in body and "逾期二" in body
    assert "在办" not in page.locator("table").inner_text()  # the matter not yet due is filtered out


def test_big_screen_fits_1920x1080_without_scrollbars(district_data, browser_page, tmp_path):
    page = browser_page
    page.login("leader")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto_path("/cockpit/410104/screen/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(tmp_path / "bigscreen.png"))
    fits = page.evaluate(
        "() => [document.documentElement.scrollHeight, window.innerHeight,"
        " document.documentElement.scrollWidth, window.innerWidth]"
    )
    scroll_height, inner_height, scroll_width, inner_width = fits
    assert scroll_height <= inner_height and scroll_width <= inner_width, fits
    assert page.get_by_test_id("screen-supervision").is_visible()
    # Large type: the figures are readable from across the room (at least 40 px).
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.fig .value')).fontSize)")
    assert size >= 40
