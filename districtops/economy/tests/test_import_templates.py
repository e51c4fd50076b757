"""The import page's download templates, and what its errors say: the column at fault, amounts in
the file's unit, rule names and the summary in Chinese."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.economy import imports
from districtops.economy.models import Enterprise, MonthlyReport, PeriodRelease, ReleaseState
from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import import_industry, industry_row

pytestmark = pytest.mark.django_db

# One enterprise per monthly form beyond the fixture's factory and retailer: (n, industry code, flags).
PER_FORM = [
    (11, "6110", {}),  # 住宿 (S204-1)
    (12, "7211", {}),  # 服务业 (F203)
    (13, "4710", {"建筑业资质": "是"}),  # 建筑业 (C204)
    (14, "7010", {"开发经营活动": "是"}),  # 房地产 (X204)
]


def _header(cell_value) -> str:
    return str(cell_value or "").rstrip("*")


def _dropdown(wb, ws, header: str) -> list[str]:
    """The values the template's drop-down offers under ``header`` (from the hidden list sheet)."""
    headers = [_header(c.value) for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    for validation in ws.data_validations.dataValidation:
        if any(str(r).startswith(f"{letter}2:") for r in validation.sqref.ranges):
            sheet, cells = validation.formula1.lstrip("=").split("!")
            return [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
    raise AssertionError(f"no drop-down under {header}")


def _download(client, kind):
    response = client.get(f"/economy/imports/template/{kind}/")
    assert response.status_code == 200, kind
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _upload(client, kind, wb, check_only=True):
    buffer = io.BytesIO()
    wb.save(buffer)
    data = {"kind": kind, "file": SimpleUploadedFile("模板.xlsx", buffer.getvalue())}
    if check_only:
        data["check_only"] = "on"
    return client.post("/economy/imports/", data)


def _fill(wb, ws, values: dict):
    """Row 2 of the data sheet: ``values`` by header, figures 100 elsewhere (1-2月: 累计 = 本月)."""
    for j, cell in enumerate(ws[1], start=1):
        header = _header(cell.value)
        if header in values:
            ws.cell(row=2, column=j, value=values[header])
        elif "千元" in header or "千瓦时" in header or "（人）" in header:
            ws.cell(row=2, column=j, value=100)


def _register(client, enterprises):
    """Fill the register template with ``enterprises`` and import it for real."""
    wb = _download(client, "enterprises")
    ws = wb.worksheets[0]
    streets = _dropdown(wb, ws, "统计用区划代码")
    headers = [_header(c.value) for c in ws[1]]
    for i, (n, industry, flags) in enumerate(enterprises, start=2):
        row = {
            "单位详细名称": f"示例企业{n}",
            "统一社会信用代码": fictional_credit_code(n),
            "行业代码": industry,
            "统计用区划代码": next(s for s in streets if s.endswith("南关街街道")),
            "营业收入（千元）": 50000,
            **flags,
        }
        for j, header in enumerate(headers, start=1):
            if header in row:
                ws.cell(row=i, column=j, value=row[header])
    response = _upload(client, "enterprises", wb, check_only=False)
    assert "已导入" in response.content.decode(), response.content.decode()[:3000]


def test_page_offers_a_template_per_kind_and_form(economy, login):
    client = login("tongji")
    body = client.get("/economy/imports/").content.decode()
    for kind, title in imports.template_kinds():
        assert f"/economy/imports/template/{kind}/" in body and title in body
    kinds = [k for k, _ in imports.template_kinds()]
    assert kinds[0] == "enterprises" and {"B204-1", "E204-1", "S204-1", "F203", "C204", "X204"} <= set(kinds)
    assert {"electricity", "tax"} <= set(kinds)


def test_template_layout_lists_instructions_and_example(economy, login, org):
    client = login("tongji")
    wb = _download(client, "B204-1")
    data, notes = wb.worksheets[0], wb["说明"]
    assert wb["_lists"].sheet_state == "hidden"
    assert data.max_row == 1  # no example among the data: it would be imported
    headers = [_header(c.value) for c in data[1]]
    assert {"工业总产值本月（千元）", "工业总产值本年累计（千元）", "用电量（千瓦时）"} <= set(headers)
    periods = _dropdown(wb, data, "报告期")
    assert any("1-2月" in p for p in periods) and not any(p.endswith("年1月") for p in periods)
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for fragment in ("千元", "1-2月", "新的版本", "工业总产值本年累计（千元）", "示例"):
        assert fragment in text, fragment
    example = [r for r in notes.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("【示例")]
    assert example, "example marked on the instructions sheet"
    register = _download(client, "enterprises")
    streets = _dropdown(register, register.worksheets[0], "统计用区划代码")
    assert any(s.endswith(" 南关街街道") and s[:12].isdigit() for s in streets)
    assert not any(org["jinshui_street"].name in s for s in streets)  # another district's streets
    assert _dropdown(register, register.worksheets[0], "纳税人类型") == ["一般纳税人", "小规模纳税人"]
    assert _dropdown(register, register.worksheets[0], "重点企业") == ["是", "否"]


def test_every_template_filled_in_passes_the_check(economy, login):
    client = login("tongji")
    _register(client, PER_FORM)
    assert Enterprise.objects.filter(credit_code=fictional_credit_code(14), sector="real_estate").exists()
    codes = {"B204-1": 1, "E204-1": 3, "S204-1": 11, "F203": 12, "C204": 13, "X204": 14}
    checked = []
    for kind, _title in imports.template_kinds():
        wb = _download(client, kind)
        ws = wb.worksheets[0]
        if kind == "enterprises":
            streets = _dropdown(wb, ws, "统计用区划代码")
            values = {
                "单位详细名称": "示例新企业",
                "统一社会信用代码": fictional_credit_code(20),
                "行业代码": "3411",
                "统计用区划代码": streets[-1],
                "营业收入（千元）": 30000,
                "重点企业": "否",
                "纳税人类型": "小规模纳税人",
            }
            upload_kind = "enterprises"
        else:
            period = next(p for p in _dropdown(wb, ws, "报告期") if "1-2月" in p)
            values = {"统一社会信用代码": fictional_credit_code(codes.get(kind, 1)), "报告期": period}
            if kind == "tax":
                values["税收（千元）"] = 12
            upload_kind = kind if kind in ("electricity", "tax") else "reports"
        _fill(wb, ws, values)
        body = _upload(client, upload_kind, wb).content.decode()
        assert "检查通过（未导入）" in body, (kind, body[body.find("import-result") :][:2000])
        assert 'data-testid="import-error"' not in body
        checked.append(kind)
    assert len(checked) == len(imports.template_kinds()) >= 9
    assert MonthlyReport.objects.count() == 0  # check only


def test_a_template_whose_row_is_wrong_is_refused(economy, login):
    client = login("tongji")
    wb = _download(client, "B204-1")
    ws = wb.worksheets[0]
    period = next(p for p in _dropdown(wb, ws, "报告期") if "1-2月" in p)
    _fill(
        wb,
        ws,
        {"统一社会信用代码": fictional_credit_code(1), "报告期": period, "工业总产值本年累计（千元）": 90},
    )
    body = _upload(client, "reports", wb).content.decode()
    assert "已拒绝" in body and "1-2月的本年累计应等于本期数（100 千元），文件中为 90 千元" in body


def test_templates_refused_to_others_and_unknown_kinds(economy, login):
    assert login("nanguan").get("/economy/imports/template/enterprises/").status_code == 403
    assert login("nanguan").get("/economy/imports/template/B204-1/").status_code == 403
    assert login("tongji").get("/economy/imports/template/nonsense/").status_code == 404


def test_register_division_with_a_wrong_name_is_refused(economy):
    header = ["单位详细名称", "统一社会信用代码", "行业代码", "统计用区划代码"]
    good = xlsx_bytes([header, ["甲公司", fictional_credit_code(30), "3411", "410104003000 南关街街道"]])
    result = imports.import_enterprises(None, good, "名录.xlsx")
    assert result.accepted, [str(e) for e in result.errors]
    assert Enterprise.objects.get(credit_code=fictional_credit_code(30)).street.name == "南关街街道"
    wrong = xlsx_bytes([header, ["乙公司", fictional_credit_code(31), "3411", "410104003000 北下街街道"]])
    result = imports.import_enterprises(None, wrong, "名录.xlsx")
    assert not result.accepted
    assert any(e.column == "统计用区划代码" and "北下街街道" in e.message for e in result.errors)


# --------------------------------------------------------------------------- the column at fault

HEADER = [
    "统一社会信用代码",
    "报告期",
    "工业总产值本月（千元）",
    "工业总产值本年累计（千元）",
    "营业收入本月（千元）",
    "营业收入本年累计（千元）",
]


def _reports(rows, header=HEADER):
    return imports.import_reports(None, xlsx_bytes([header, *rows]), "报表.xlsx", check_only=True)


def test_missing_cumulative_is_named_on_the_cumulative_column(economy):
    result = _reports([[fictional_credit_code(1), "2021-02", 100, None, 100, 100]])
    missing = [e for e in result.errors if e.rule == "required_fields"]
    assert [(e.column, e.message) for e in missing] == [
        ("工业总产值本年累计", "工业总产值（本年累计）为必填项")
    ]


def test_missing_current_is_named_on_the_current_column(economy):
    result = _reports([[fictional_credit_code(1), "2021-02", None, 100, 100, 100]])
    assert [(e.column, e.rule) for e in result.errors] == [("工业总产值本月", "required_fields")]


def test_a_file_without_the_cumulative_column_names_the_expected_header(economy):
    header = [
        "统一社会信用代码",
        "报告期",
        "工业总产值本月（千元）",
        "营业收入本月（千元）",
        "营业收入本年累计（千元）",
    ]
    result = _reports([[fictional_credit_code(1), "2021-02", 100, 100, 100]], header)
    assert ("工业总产值本年累计", "required_fields") in [(e.column, e.rule) for e in result.errors]


def test_negative_cumulative_is_named_on_the_cumulative_column(economy):
    result = _reports([[fictional_credit_code(1), "2021-02", 100, -100, 100, 100]])
    negative = [e for e in result.errors if e.rule == "non_negative"]
    assert [e.column for e in negative] == ["工业总产值本年累计"]


# --------------------------------------------------------------------------- amounts in the file's unit


@pytest.mark.parametrize(
    ("unit", "current", "cumulative"),
    [("万元", "100 万元", "90 万元"), ("元", "100 元", "90 元"), ("千元", "100 千元", "90 千元")],
)
def test_amounts_in_errors_are_in_the_files_unit(economy, unit, current, cumulative):
    header = [h.replace("千元", unit) for h in HEADER]
    result = _reports([[fictional_credit_code(1), "2021-02", 100, 90, 100, 100]], header)
    (error,) = result.errors
    assert error.column == "工业总产值本年累计"
    assert error.message == f"工业总产值：1-2月的本年累计应等于本期数（{current}），文件中为 {cumulative}"


def test_chained_cumulative_error_in_the_files_unit(economy):
    stored = import_industry([industry_row(1, "2021-02", 20000, 20000, power=200000)])
    assert stored.accepted, [str(e) for e in stored.errors]
    header = [h.replace("千元", "万元") for h in HEADER]
    # Last cumulative 20,000 千元 = 2,000 万元; 2,000 + 500 ≠ 2,400.
    result = _reports([[fictional_credit_code(1), "2021-03", 500, 2400, 500, 2500]], header)
    messages = [e.message for e in result.errors if e.column == "工业总产值本年累计"]
    assert messages == ["工业总产值：上期累计 2,000 万元 + 本期 500 万元 ≠ 本年累计 2,400 万元"], [
        str(e) for e in result.errors
    ]


# --------------------------------------------------------------------------- Chinese names on the page


def test_page_names_rules_and_summary_in_chinese(economy, login, org):
    client = login("tongji")
    PeriodRelease.objects.create(
        district=org["districts"]["410104"], period="2021-02-01", state=ReleaseState.PUBLISHED
    )
    content = xlsx_bytes([HEADER, [fictional_credit_code(1), "2021-02", 100, 100, 100, 100]])
    upload = SimpleUploadedFile("报表.xlsx", content)
    body = client.post("/economy/imports/", {"kind": "reports", "file": upload}).content.decode()
    assert "已审定发布" in body
    rows = body[body.find('data-testid="import-error"') :]
    assert "<td>published</td>" not in rows
    accepted = SimpleUploadedFile(
        "报表.xlsx", xlsx_bytes([HEADER, [fictional_credit_code(1), "2021-03", 100, 100, 100, 100]])
    )
    body = client.post("/economy/imports/", {"kind": "reports", "file": accepted}).content.decode()
    result = body[body.find('data-testid="import-result"') :][:3000]
    assert "已导入" in result and "报表：1" in result and "更正版本：0" in result
    for code in ("reports", "new_versions", "findings", "explained_in_file"):
        assert code not in result
