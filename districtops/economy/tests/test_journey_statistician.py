"""The statistician's monthly import in Debian's Chromium, on a desktop and on a phone (issue #10):
the monthly form's template downloaded from the import page, filled in with one wrong row, checked
(the row errors in Chinese, naming the row and the column), fixed, imported, and the summary read
in Chinese. Every step is screenshotted under test-results/ and checked as a person sees it
(districtops/core/tests/journey.py)."""

import io

import openpyxl
import pytest

from districtops.core.tests.journey_steps import Journey, open_menu
from districtops.economy.samples import fictional_credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [(1440, 900), (390, 844)]
FORM = "B204-1"  # 工业产销总值及主要产品产量, the factories' monthly form
CUMULATIVE = "工业总产值本年累计（千元）"


def _header(value) -> str:
    return str(value or "").rstrip("*")


def _period_choice(wb, ws) -> str:
    """The 1-2月 period the template's drop-down under 报告期 offers."""
    headers = [_header(c.value) for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(headers.index("报告期") + 1)
    for validation in ws.data_validations.dataValidation:
        if any(str(r).startswith(f"{letter}2:") for r in validation.sqref.ranges):
            sheet, cells = validation.formula1.lstrip("=").split("!")
            values = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
            return next(v for v in values if v and "2021年1-2月" in str(v))
    raise AssertionError("no drop-down under 报告期")


def _fill(template: bytes, rows: list[dict]) -> tuple[bytes, dict]:
    """The template with ``rows`` from row 2 on: named cells, every other figure the row's
    ``figure`` (1-2月: the year's cumulative equals the month). Returns the file and the headers."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    period = _period_choice(wb, ws)
    headers = {_header(c.value): c.column for c in ws[1]}
    for i, values in enumerate(rows, start=2):
        for header, column in headers.items():
            if header == "报告期":
                ws.cell(row=i, column=column, value=period)
            elif header in values:
                ws.cell(row=i, column=column, value=values[header])
            elif "千元" in header or "千瓦时" in header or "（人）" in header:
                ws.cell(row=i, column=column, value=values["figure"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), headers


def _upload(page, path, *, check_only: bool):
    form = page.get_by_test_id("import-form")
    form.locator("select[name=kind]").select_option(label="月度报表")
    form.locator("input[name=file]").set_input_files(str(path))
    box = form.locator("input[name=check_only]")
    box.set_checked(check_only)
    with page.expect_navigation(timeout=60_000):
        form.locator("button[type=submit]").click()
    return page.get_by_test_id("import-result")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_statistician_monthly_import(economy, browser_page, viewport, tmp_path):
    from districtops.economy.models import MonthlyReport

    page = browser_page
    journey = Journey(page, "statistician", viewport)

    # Sign in; 经济运行 from the top menu, then the 数据导入 tab.
    page.login("tongji")
    open_menu(page, "经济运行")
    with page.expect_navigation():
        page.get_by_role("link", name="数据导入", exact=True).click()
    assert page.url.endswith("/economy/imports/"), page.url
    journey.step("import-page", expect="下载导入模板")

    # The monthly form's template, downloaded from the page like any file.
    link = page.get_by_test_id("import-template-link").filter(has_text=FORM)
    link.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith("导入模板.xlsx"), download.suggested_filename
    template = open(download.path(), "rb").read()

    # Filled in: the factory's row right, the food factory's 本年累计 wrong (1-2月: must equal 本月).
    good = {"统一社会信用代码": fictional_credit_code(1), "figure": 23857}
    wrong = {"统一社会信用代码": fictional_credit_code(2), "figure": 8164, CUMULATIVE: 8146}
    content, headers = _fill(template, [good, wrong])
    assert CUMULATIVE in headers, list(headers)
    path = tmp_path / "工业月报_202102.xlsx"
    path.write_bytes(content)

    # Checked only: refused, the row and the column named, in Chinese; nothing written.
    result = _upload(page, path, check_only=True)
    assert "已拒绝，未导入任何数据" in result.inner_text()
    errors = page.get_by_test_id("import-error")
    assert errors.count() == 1
    cells = [c.inner_text().strip() for c in errors.first.locator("td").all()]
    assert cells[0] == "3" and cells[1] == "工业总产值本年累计", cells  # the header, without its unit
    assert "1-2月的本年累计应等于本期数（8,164 千元），文件中为 8,146 千元" in cells[3], cells
    result.scroll_into_view_if_needed()
    journey.step("row-errors", expect="已拒绝")
    assert MonthlyReport.objects.count() == 0

    # Fixed: checked again (passes), then imported for real.
    content, _ = _fill(template, [good, {**wrong, CUMULATIVE: 8164}])
    path.write_bytes(content)
    result = _upload(page, path, check_only=True)
    assert "检查通过（未导入）" in result.inner_text()
    assert page.get_by_test_id("import-error").count() == 0
    journey.step("check-passed", expect="检查通过")
    result = _upload(page, path, check_only=False)
    summary = result.inner_text()
    assert "已导入" in summary and "2 行" in summary, summary
    assert MonthlyReport.objects.count() == 2
    text = journey.step("imported", expect="最近导入")
    assert "工业月报_202102.xlsx" in page.locator("body").inner_text()
    assert "月度报表" in text
    journey.finish()
