"""Daily lists on a phone: at 390×844 each row of a ``table-cards`` list is a card, nothing scrolls
sideways and each row's first link is finger-sized; at 1440×900 the same lists are ordinary tables."""

import datetime as dt
from pathlib import Path

import pytest

from districtops.cockpit.tests.conftest import add_hazard, add_matter, district_data, units  # noqa: F401
from districtops.economy.tests.conftest import economy, import_industry, industry_history, industry_row  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTS = {
    # page → the list's table
    "/supervision/?tab=lead": "matter-table",
    "/supervision/matters/": "matter-table",
    "/hazards/": "hazard-table",
    "/projects/warnings/?mine=1": "warning-table",
    "/economy/findings/": "finding-table",
    "/deputies/suggestions/": "suggestion-table",
}
# The lists where each persona must see rows (the others may be empty for them, and must still fit).
WITH_ROWS = {"nanguan": set(LISTS), "tongji": {"/economy/findings/"}}

MEASURE = """(testid) => {
    const view = window.innerWidth;
    const table = document.querySelector(`[data-testid=${testid}]`);
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.right > view + 0.5 || box.left < -0.5 || box.width > view + 0.5)
            && getComputedStyle(el).position !== 'fixed' && !el.closest('.dropdown-menu, .collapse:not(.show)');
    }).map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().width));
    const rows = [...table.tBodies[0].rows].filter((row) => row.querySelector('a, button'));
    const targets = rows.map((row) => {
        const box = row.querySelector('a, button').getBoundingClientRect();
        return {text: row.cells[0].textContent.trim(), height: box.height, width: box.width};
    });
    const labels = [...table.tBodies[0].querySelectorAll('td[data-label]')].map((td) => td.dataset.label);
    const head = table.tHead.getBoundingClientRect();
    return {scroll: document.documentElement.scrollWidth, view, wide, targets, labels,
            rowDisplay: getComputedStyle(table.tBodies[0].rows[0]).display, headHeight: head.height,
            headerTexts: [...table.tHead.rows[0].cells].map((th) => th.textContent.trim())};
}"""


def _slug(path):
    return path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")


@pytest.mark.parametrize(("username", "language"), [("nanguan", "zh"), ("tongji", "zh"), ("nanguan", "en")])
def test_daily_lists_are_cards_on_a_phone_and_tables_on_a_desk(daily_lists, browser_page, username, language):
    page = browser_page
    page.login(username)
    if language == "en":  # English labels are longer: they must wrap in their column, not overlap
        page.get_by_test_id("lang-en").click()
        page.wait_for_load_state("networkidle")
    Path("test-results").mkdir(exist_ok=True)
    for path, testid in LISTS.items():
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto_path(path)
        page.wait_for_load_state("networkidle")
        phone = page.evaluate(MEASURE, testid)
        page.screenshot(
            path=f"test-results/cards-{username}-{language}-{_slug(path)}-390.png", full_page=True
        )
        assert phone["scroll"] <= 390, (path, phone)
        assert phone["wide"] == [], (path, phone["wide"])
        assert phone["headHeight"] <= 1, (path, phone)  # the header row is read by screen readers only
        if path in WITH_ROWS[username]:
            assert phone["targets"], (path, "no rows")
            assert phone["rowDisplay"] == "block", (path, phone)
            small = [t for t in phone["targets"] if t["height"] < 44 or t["width"] < 44]
            assert small == [], (path, small)
            # Every cell of a data row carries its column's name from the header, not a hand-typed copy.
            assert set(phone["labels"]) <= set(phone["headerTexts"]) and phone["labels"], (path, phone)

        page.set_viewport_size({"width": 1440, "height": 900})
        page.wait_for_timeout(50)
        desk = page.evaluate(MEASURE, testid)
        assert desk["headHeight"] > 20, (path, desk)
        assert desk["rowDisplay"] == "table-row", (path, desk)
        assert desk["scroll"] <= 1440, (path, desk)
        if path in WITH_ROWS[username]:
            page.screenshot(path=f"test-results/cards-{username}-{language}-{_slug(path)}-1440.png")


@pytest.fixture
def daily_lists(district_data, units, economy):  # noqa: F811
    """Rows in every list for 南关街: matters it leads, its hazards, a project of its with warnings,
    an enterprise's report with a finding, suggestions it handles (long titles, to wrap)."""
    from districtops.deputies.models import Suggestion

    add_matter(
        units, "背街小巷整治提升工程——南关街辖区内十二条背街小巷的路面、管线与立面综合改造", "南关街街道",
        state="in_progress", deadline=dt.date(2021, 3, 10), escalation=2,
    )  # fmt: skip
    add_matter(units, "老旧小区加装电梯", "南关街街道", state="assigned", deadline=dt.date(2021, 5, 31))
    add_hazard(units, "H-9", "major", deadline=dt.date(2021, 3, 20))
    titles = ["关于在南关街增设夜间便民停车位并完善交通标志标线的建议", "关于改善菜市场环境的建议"]
    for n, title in enumerate(titles):
        Suggestion.objects.create(
            number=f"JY-{n + 1:03d}", district=units["南关街街道"].district, title=title, content="内容",
            handling_unit=units["南关街街道"], assigned_on=dt.date(2021, 1, 5), reply_due=dt.date(2021, 3, 5 + n),
        )  # fmt: skip
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    return district_data


def test_rows_swapped_in_by_the_filter_are_cards_too(daily_lists, browser_page):
    """The matter list's search replaces its rows through htmx: the new rows get their labels."""
    page = browser_page
    page.login("nanguan")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto_path("/supervision/matters/")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/supervision/matters/?" in r.url):
        page.locator("input[name=q]").press_sequentially("T-0007")  # keys: the search waits for keyup
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=matter-table] tbody tr').length === 1"
    )
    phone = page.evaluate(MEASURE, "matter-table")
    assert [t["text"] for t in phone["targets"]] == ["T-0007"], phone
    assert phone["labels"] == phone["headerTexts"], phone
    assert phone["targets"][0]["height"] >= 44 and phone["scroll"] <= 390, phone
    page.screenshot(path="test-results/cards-nanguan-matters-filtered-390.png", full_page=True)
