"""The cockpit in Debian's Chromium: click-through from figures and charts, the phone layout, and
the big screen at 1920×1080, 3840×2160, 1366×768, 1440×900 (16:10) and 390×844 (a phone: the
panels in one column that scrolls) — nothing clipped, every panel drawn, no console error, no
request to another host. Screenshots go to test-results/."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def screen_data(economy_data):
    """economy_data plus three peer districts' published figures (the ranking and the map)."""
    from districtops.economy.models import Indicator, IndicatorValue

    for code, growth in (("410102", "5.5"), ("410103", "12.0"), ("410105", "-1.5")):
        district = economy_data["districts"][code]
        for indicator in Indicator.objects.filter(code__in=["industrial_output", "retail_sales"]):
            IndicatorValue.objects.create(
                indicator=indicator,
                district=district,
                unit=district,
                period=dt.date(2021, 2, 1),
                cumulative=Decimal("1000000000"),
                growth=Decimal(growth),
                is_published=True,
            )
    return economy_data


def _watch(page):
    """Console errors and requests to any host but the live server's."""
    seen = {"errors": [], "foreign": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    def request(req):
        host = urlsplit(req.url).hostname
        if req.url.startswith(("http://", "https://", "ws")) and host not in ("localhost", "127.0.0.1"):
            seen["foreign"].append(req.url)

    page.on("request", request)
    return seen


def _shot(page, name):
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / name), full_page=True)


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


def _canvas_sizes(page, selector):
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].map(el => {
             const c = el.querySelector('canvas'); return c ? [c.clientWidth, c.clientHeight] : [0, 0]; })""",
        selector,
    )


def test_cockpit_draws_every_chart_and_a_bar_opens_its_rows(screen_data, browser_page):
    page = browser_page
    seen = _watch(page)
    page.login("leader")
    page.goto_path("/cockpit/410104/")
    page.wait_for_load_state("networkidle")
    charts = page.locator("[data-chart]")
    keys = set(charts.evaluate_all("els => els.map(e => e.dataset.chart)"))
    assert {"growth_industrial_output", "peers", "peer_map", "streets", "matters_by_age"} <= keys
    assert {"hazards_by_grade", "nodes_by_post"} <= keys
    assert all(w > 0 and h > 0 for w, h in _canvas_sizes(page, "[data-chart]"))
    assert "经济统计数据期：2021年1-2月" in page.get_by_test_id("statistics-period").inner_text()
    assert "—%" not in page.locator("body").inner_text()
    _shot(page, "cockpit-1440x900.png")
    # A real click on the bar of general hazards still registered opens exactly those rows.
    chart = page.get_by_test_id("chart-hazards_by_grade")
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """() => { const el = document.querySelector('[data-chart=hazards_by_grade]');
             const c = echarts.getInstanceByDom(el); const r = el.getBoundingClientRect();
             const p = c.convertToPixel({seriesIndex: 0}, [0.5, 0]); return [r.left + p[0], r.top + p[1]]; }"""
    )
    with page.expect_navigation():
        page.mouse.click(x, y)
    page.wait_for_load_state("networkidle")
    district = screen_data["districts"]["410104"].pk
    assert page.url.endswith(f"/hazards/?grade=general&state=registered&district={district}"), page.url
    assert "隐患H-2" in page.locator("body").inner_text()
    assert seen == {"errors": [], "foreign": []}


def test_phone_shows_a_column_that_fits_the_width(screen_data, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.login("leader")
    page.goto_path("/cockpit/410104/")
    page.wait_for_load_state("networkidle")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(el => {
             const r = el.getBoundingClientRect();
             return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
           }).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""
    )
    assert wide == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert all(w > 0 and w <= 390 for w, _ in _canvas_sizes(page, "[data-chart]"))
    _shot(page, "cockpit-390x844.png")


# Every element inside the screen that hides or scrolls what does not fit it (overflow hidden,
# auto, scroll or clip) and whose content is larger than its box: a clipped label, value, title
# or list. The stage itself (the phone's column scrolls in it) is not counted.
CLIPPED = """() => [...document.querySelectorAll('.canvas, .canvas *')].filter(el => {
     const s = getComputedStyle(el);
     if (![s.overflowX, s.overflowY].some(v => ['hidden', 'auto', 'scroll', 'clip'].includes(v))) return false;
     return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
   }).map(el => ((el.closest('.panel') || {dataset: {}}).dataset.testid || '') + ' ' + el.tagName + '.'
     + el.className + ' ' + el.scrollWidth + 'x' + el.scrollHeight + ' in ' + el.clientWidth + 'x'
     + el.clientHeight + ' ' + (el.textContent || '').slice(0, 30))"""


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160), (1366, 768), (1440, 900), (390, 844)])
def test_big_screen_fits_every_size_with_every_panel_drawn(screen_data, browser_page, size):
    from districtops.cockpit import services

    width, height = size
    phone = width < 700  # the panels in one column (bigscreen.css), the stage scrolls vertically
    page = browser_page
    seen = _watch(page)
    page.login("leader")
    page.set_viewport_size({"width": width, "height": height})
    page.goto_path("/cockpit/410104/screen/")
    page.wait_for_load_state("networkidle")
    _shot(page, f"bigscreen-{width}x{height}.png")
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
        " window.innerWidth, window.innerHeight]"
    )
    assert scroll[0] <= scroll[2] and scroll[1] <= scroll[3], scroll
    stage = page.evaluate(
        "() => { const s = document.querySelector('.stage'); return [s.scrollWidth, s.clientWidth, s.scrollHeight, s.clientHeight]; }"
    )
    assert stage[0] <= stage[1] + 1, stage  # never sideways
    if phone:
        assert stage[2] > stage[3] * 3, stage  # a column of the eight panels, several screens tall
    assert page.evaluate(CLIPPED) == []
    panels = page.evaluate(
        """(phone) => [...document.querySelectorAll('.panel')].map(p => {
             const r = p.getBoundingClientRect();
             const canvases = [...p.querySelectorAll('canvas')].filter(c => c.width > 0 && c.height > 0);
             return {id: p.dataset.testid, overflow: p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight,
                     inside: r.left >= 0 && r.right <= innerWidth + 0.5
                             && (phone || (r.top >= 0 && r.bottom <= innerHeight + 0.5)),
                     drawn: canvases.length + p.querySelectorAll('.fig').length};
           })""",
        phone,
    )
    assert len(panels) == 8
    for panel in panels:
        assert not panel["overflow"] and panel["inside"] and panel["drawn"] > 0, panel
    if phone:  # one column: each panel below the one before, the width of the screen
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('.panel')].map(p => { const r = p.getBoundingClientRect(); return [r.top, r.bottom, r.width]; })"
        )
        assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
        assert all(w >= width - 40 for _, _, w in boxes), boxes
    # The indicator rotates (titles change) and the next alerts page shows: still nothing clipped.
    page.evaluate("() => window.cockpitScreen.nextAlerts()")
    assert page.evaluate(CLIPPED) == []
    # Every alert is shown, page after page.
    pages = page.evaluate("() => window.cockpitScreen.pages()")
    shown = [text for p in pages for text in p]
    from districtops.accounts.models import User

    leader = User.objects.get(username="leader")
    district = services.resolve_district(leader, "410104")
    warnings = services.district_summary(leader, district)["warnings"]
    assert warnings and shown == warnings
    assert seen == {"errors": [], "foreign": []}


def test_big_screen_data_endpoint_refreshes(screen_data, browser_page):
    page = browser_page
    seen = _watch(page)
    page.login("leader")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto_path("/cockpit/410104/screen/")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/screen/data/" in r.url and r.status == 200):
        page.evaluate("() => window.cockpitScreen.refresh()")
    page.wait_for_timeout(300)
    assert page.locator(".panel canvas").count() >= 7
    assert seen == {"errors": [], "foreign": []}
