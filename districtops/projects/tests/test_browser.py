"""The battle map in Debian's Chromium: filter by street, see coloured nodes, open a project."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_battle_map_filter_colours_and_click_through(org, browser_page):
    from districtops.projects import demo

    demo.ensure_configuration()
    from .conftest import road_project

    road = road_project(org)
    page = browser_page
    page.login("leader")
    page.goto_path("/projects/battle-map/")
    page.wait_for_selector("[data-testid=battle-map][data-loaded='1']")
    street = str(road.lead_unit_id)
    page.get_by_test_id("filter-street").select_option(street)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=battle-map]').dataset.loaded === '1'"
        " && window.battleMap.data.rows.length === 1"
    )
    assert f"street={street}" in page.url
    assert page.get_by_test_id("battle-count").inner_text().startswith("项目 1")
    # Bars are SVG paths filled with the state colours (overdue red, pending grey …).
    fills = page.eval_on_selector_all(
        "[data-testid=battle-map] svg path", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert "#d63939" in fills  # overdue: 规划设计 was due in February
    assert "#adb5bd" in fills  # not started yet
    # Click the first bar: the project opens. The chart animates its bars in; a click that lands
    # before they settle hits nothing, so the position is read again and the click repeated.
    for _attempt in range(5):
        page.wait_for_timeout(400)
        box = page.evaluate(
            """() => {
            const chart = window.battleMap.chart;
            const bar = window.battleMap.bars[0];
            const [x1, y] = chart.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [Date.parse(bar.start), bar.row]);
            const [x2] = chart.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [Date.parse(bar.end), bar.row]);
            const rect = document.querySelector('[data-testid=battle-map]').getBoundingClientRect();
            return {x: rect.left + (x1 + x2) / 2, y: rect.top + y};
        }"""
        )
        page.mouse.click(box["x"], box["y"])
        try:
            page.wait_for_url(f"**/projects/construction/{road.pk}/", timeout=3000)
            break
        except Exception:  # noqa: BLE001 - not there yet: read the position again
            continue
    page.wait_for_url(f"**/projects/construction/{road.pk}/")
    assert page.get_by_test_id("project-title").inner_text() == road.name


def test_fund_ledger_entry_refusal_and_running_balances(org, browser_page):
    import datetime as dt
    from decimal import Decimal

    from districtops.projects import demo, services

    demo.ensure_configuration()
    from .conftest import road_project

    road = road_project(org)
    for kind, amount in (("applied", "1234567.89"), ("approved", "1000000"), ("allocated", "600000")):
        services.add_fund_entry(
            None, road, source="city", kind=kind, date=dt.date(2021, 3, 1), amount=Decimal(amount)
        )
    page = browser_page
    page.login("nanguan")
    page.goto_path(road.get_absolute_url())
    form = page.get_by_test_id("fund-entry-form")
    form.locator("select[name=source]").select_option("city")
    form.locator("select[name=kind]").select_option("disbursed")
    form.locator("input[name=date]").fill("2021-03-02")
    form.locator("input[name=amount]").fill("700000")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "700000.00" in page.content() and road.fund_entries.count() == 3  # refused: above allocated
    form = page.get_by_test_id("fund-entry-form")
    form.locator("select[name=source]").select_option("city")
    form.locator("select[name=kind]").select_option("disbursed")
    form.locator("input[name=date]").fill("2021-03-02")
    form.locator("input[name=amount]").fill("250000")
    form.locator("input[name=reference]").fill("记-0007")
    form.locator("button").click()
    page.wait_for_selector("text=记-0007")
    ledger = page.get_by_test_id("fund-ledger")
    assert ledger.locator("tr").count() == 5  # header + 4 rows
    page.get_by_test_id("fund-ledger").scroll_into_view_if_needed()
    page.screenshot(path="test-results/fund-ledger-1440.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("fund-ledger").scroll_into_view_if_needed()
    page.screenshot(path="test-results/fund-ledger-390.png")


def test_battle_map_against_a_dispatch_baseline(org, browser_page):
    """Ghost bars of the latest dispatch meeting's plan behind the current bars, the slip table
    with the node moved since the meeting first; screenshots at 1440×900 and 390×844."""
    import datetime as dt

    from districtops.org.models import Unit
    from districtops.projects import demo, services
    from districtops.projects.models import BaselineKind

    demo.ensure_configuration()
    from .conftest import road_project

    road = road_project(org)
    post = Unit.objects.get(name="城市道路改造指挥部", district=road.district)
    twice = road.nodes.get(sequence=5)
    services.update_node(
        None,
        twice,
        expected_version=None,
        reason="征迁未完成",
        planned_end=twice.planned_end + dt.timedelta(days=20),
    )
    services.record_baseline(None, unit=post, kind=BaselineKind.DISPATCH, name="3月第4周调度会")
    for sequence, days in ((5, 25), (4, 12)):
        node = road.nodes.get(sequence=sequence)
        services.update_node(
            None,
            node,
            expected_version=None,
            reason="管线迁改",
            planned_end=node.planned_end + dt.timedelta(days=days),
        )
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.login("leader")
    page.goto_path("/projects/battle-map/")
    page.wait_for_selector("[data-testid=battle-map][data-loaded='1']")
    assert "3月第4周调度会" in page.get_by_test_id("battle-baseline-name").inner_text()
    fills = page.eval_on_selector_all(
        "[data-testid=battle-map] svg path", "els => els.map(e => e.getAttribute('fill'))"
    )
    # ECharts writes the ghosts' translucent grey as rgb() with a fill-opacity.
    assert fills.count("rgb(108,122,145)") == road.nodes.count()  # one ghost per node
    strokes = page.eval_on_selector_all(
        "[data-testid=battle-map] svg path", "els => els.map(e => e.getAttribute('stroke'))"
    )
    assert "#d63939" in strokes  # node 5: postponed twice, outlined red
    rows = page.locator("[data-testid=slip-table] tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "+25" in first and "计划多次后延" in first  # moved since the meeting, the larger slip first
    assert "+12" in rows.nth(1).inner_text()
    page.screenshot(path="test-results/battle-map-baseline-1440.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-testid=battle-map][data-loaded='1']")
    page.screenshot(path="test-results/battle-map-baseline-390.png", full_page=True)
    # Without a baseline the ghosts and slips go; the nodes moved since the meeting stay listed.
    page.get_by_test_id("filter-baseline").select_option("0")
    page.wait_for_function(
        "() => window.battleMap.data.baseline === null && document.querySelector('[data-testid=battle-map]').dataset.loaded === '1'"
    )
    fills = page.eval_on_selector_all(
        "[data-testid=battle-map] svg path", "els => els.map(e => e.getAttribute('fill'))"
    )
    assert "rgb(108,122,145)" not in fills
    assert page.locator("[data-testid=slip-days]").all_inner_texts() == ["—", "—"]
