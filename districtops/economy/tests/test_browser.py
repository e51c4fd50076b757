"""In Debian's Chromium: import a monthly file, explain a verification finding, watch the light change."""

from decimal import Decimal

import pytest

from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import INDUSTRY_HEADER, import_industry, industry_history, industry_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def quarter_light(page) -> str:
    cell = page.locator("tr[data-indicator=industrial_output] [data-testid=quarter-light] [data-light]")
    return cell.get_attribute("data-light")


def test_import_explain_and_light_turns_green(economy, browser_page, tmp_path):
    from districtops.economy import imports, services
    from districtops.economy.models import Indicator

    register = [["单位详细名称", "统一社会信用代码", "行业代码", "统计用区划代码", "营业收入（万元）"],
                ["示例电子有限公司", fictional_credit_code(4), "3990", "410104003000", 30000]]  # fmt: skip
    assert imports.import_enterprises(None, xlsx_bytes(register), "名录.xlsx").accepted
    history = industry_history(1, upto=(2020, 12)) + industry_history(4, upto=(2020, 12))
    assert import_industry(history).accepted
    services.set_target(
        None,
        Indicator.objects.get(code="industrial_output"),
        economy["districts"]["410104"],
        2021,
        growth=Decimal(20),
        quarter=1,
        label="一季度开门红",
    )
    monthly = tmp_path / "月报_202102.xlsx"
    monthly.write_bytes(
        xlsx_bytes(
            [
                INDUSTRY_HEADER,
                industry_row(1, "2021年1-2月", 22064, 22064, power=210000),
                industry_row(4, "2021-02", 40000, 40000, power=200000),
            ],
            title_rows=["四上工业企业月报（示例）"],
        )
    )

    page = browser_page
    page.login("tongji")
    page.goto_path("/economy/imports/")
    page.select_option("select[name=kind]", "reports")
    page.set_input_files("input[name=file]", str(monthly))
    page.get_by_test_id("import-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "已导入" in page.get_by_test_id("import-result").inner_text()
    assert page.get_by_test_id("import-warning").count() >= 2  # output up, electricity flat

    page.goto_path("/economy/")
    assert quarter_light(page) == "red"  # only the honest factory counts: +5 % against 20 %

    page.goto_path("/economy/findings/?status=open")
    page.get_by_test_id("finding-table").get_by_role("link", name="示例电子有限公司").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("explanation").first.fill("核实无误")
    page.get_by_test_id("explain-submit").first.click()
    page.wait_for_load_state("networkidle")
    assert "套话" in page.content()
    while page.get_by_test_id("explanation").count():
        page.get_by_test_id("explanation").first.fill(
            "1-2月新增两条自动化产线投产，出口订单翻番；用电由园区光伏自供"
        )
        page.get_by_test_id("explain-submit").first.click()
        page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("report-status").inner_text() == "已说明待审核"

    page.goto_path("/economy/")
    assert quarter_light(page) == "green"


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_review_queue_and_evidence_pages(economy, browser_page, viewport):
    """The ranked queue with its capacity line and the report's evidence, looked at on both sizes."""
    from districtops.economy import services
    from districtops.economy.models import MonthlyReport

    from .conftest import import_grid

    for n, factor in ((1, 1.6), (2, 3.0)):
        rows = industry_history(n, upto=(2021, 2))
        import_industry(rows[:-1])
        honest = rows[-1]
        import_grid([(honest[0], "2021-02", honest[6])])
        value = round(honest[2] * factor)
        import_industry(
            [industry_row(n, "2021-02", value, value, power=round(honest[6] * factor))], grid=False
        )
    services.update_settings(None, economy["districts"]["410104"], expected_version=None, review_capacity=1)
    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.login("tongji")
    page.goto_path("/economy/findings/")
    assert "本期核查" in page.get_by_test_id("finding-table").inner_text()
    assert "超出核查能力" in page.get_by_test_id("finding-table").inner_text()
    page.screenshot(path=f"test-results/economy-queue-{viewport[0]}.png", full_page=True)
    report = MonthlyReport.objects.order_by("-risk_score").first()
    page.goto_path(f"/economy/reports/{report.pk}/")
    assert page.get_by_test_id("evidence").count() >= 2
    page.screenshot(path=f"test-results/economy-evidence-{viewport[0]}.png", full_page=True)
