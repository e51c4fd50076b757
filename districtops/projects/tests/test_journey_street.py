"""A street worker's morning in Debian's Chromium, on a phone and on a desktop: from the to-do
list (我的督办) they explain a verification finding of an enterprise in the street (待说明) and
report a construction node's progress with a photo."""

import pytest

from districtops.core.tests.journey import VIEWPORT_IDS, VIEWPORTS, Journey, sign_in
from districtops.economy.tests.conftest import (
    economy,  # noqa: F401 — the fixture
    import_industry,
    industry_history,
    industry_row,
)
from districtops.supervision.tests.test_matter_page import png_bytes

from .conftest import road_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPLANATION = "1-2月新增两条自动化产线投产，出口订单翻番；用电由园区光伏自供"


def _enterprise_with_a_finding():
    """示例电子有限公司 in 南关街街道: steady history, then 1-2月 output doubled on flat power."""
    from districtops.economy import imports
    from districtops.economy.models import Finding
    from districtops.economy.samples import fictional_credit_code, xlsx_bytes

    register = [["单位详细名称", "统一社会信用代码", "行业代码", "统计用区划代码", "营业收入（万元）"],
                ["示例电子有限公司", fictional_credit_code(4), "3990", "410104003000", 30000]]  # fmt: skip
    assert imports.import_enterprises(None, xlsx_bytes(register), "名录.xlsx").accepted
    assert import_industry(industry_history(4, upto=(2020, 12))).accepted
    assert import_industry([industry_row(4, "2021-02", 40000, 40000, power=200000)]).accepted
    findings = Finding.objects.filter(report__enterprise__name="示例电子有限公司", status="open")
    assert findings.exists()
    return findings.first().report


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_street_worker_explains_a_finding_and_reports_progress_from_the_todo(
    economy,  # noqa: F811
    config,
    browser_page,
    tmp_path,
    viewport,
):
    from districtops.projects.models import ProgressReport, ProjectNode

    report = _enterprise_with_a_finding()
    road = road_project(economy)
    overdue = ProjectNode.objects.get(project=road, name="规划设计")
    photo = tmp_path / "清表现场.png"
    photo.write_bytes(png_bytes((40, 160, 90)))

    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    journey = Journey(page, f"street-{viewport[0]}")
    sign_in(page, "nanguan")

    # 督查督办 → 我的督办: the finding and the project's warning are both waiting there.
    page.goto_path("/supervision/")
    findings = page.get_by_test_id("todo-section-economy")
    findings.wait_for()
    journey.check("todo", "我的督办", "审核发现待说明", "示例电子有限公司", "项目预警", "测试道路工程")

    # The finding: the report page, the explanation (boilerplate refused in Chinese), submitted.
    findings.get_by_role("link", name="示例电子有限公司").first.click()
    page.wait_for_url(f"**{report.get_absolute_url()}")
    page.get_by_test_id("explanation").first.wait_for()
    journey.check("report", "示例电子有限公司", "待说明")
    page.get_by_test_id("explanation").first.fill("核实无误")
    page.get_by_test_id("explain-submit").first.click()
    page.wait_for_load_state("networkidle")
    journey.check("explanation-refused", "套话")
    while page.get_by_test_id("explanation").count():
        page.get_by_test_id("explanation").first.fill(EXPLANATION)
        page.get_by_test_id("explain-submit").first.click()
        page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("report-status").inner_text() == "已说明待审核"
    journey.check("explained", "已说明待审核", EXPLANATION)

    # Back to the to-do: nothing waits for an explanation any more; the project's warning does.
    page.goto_path("/supervision/")
    page.get_by_test_id("todo-section-projects").wait_for()
    assert page.get_by_test_id("todo-section-economy").count() == 0
    warning = page.get_by_test_id("todo-section-projects").get_by_role("link", name="规划设计").first
    warning.click()
    page.wait_for_url(f"**{road.get_absolute_url()}")
    journey.check("project", "测试道路工程", "节点逾期")

    # 报进度 on the overdue node, with a photo taken on the spot.
    page.locator(f"[data-bs-target='#report-{overdue.pk}']").click()
    form = page.locator(f"#report-{overdue.pk} form")
    form.wait_for(state="visible")
    journey.check("progress-form", "报送")
    form.locator("input[name=percent]").fill("80")
    form.locator("textarea[name=text], input[name=text]").first.fill("施工图设计已完成，送审中")
    form.locator("input[type=file]").set_input_files(str(photo))
    form.get_by_role("button", name="报送").click()
    page.wait_for_load_state("networkidle")
    saved = ProgressReport.objects.get(node=overdue)
    assert saved.percent == 80 and saved.photo
    overdue.refresh_from_db()
    assert overdue.progress == 80
    journey.check("progress-saved", "80%")
    journey.assert_traffic()
