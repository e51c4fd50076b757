"""Exports write text as text (issue 11, defect 2): a value that Excel or LibreOffice would take
for a formula (OWASP's = + - @ tab CR, and LF) is written with the string data type and Excel's
quote prefix, never as a formula, and reads back through an import as the same text."""

from __future__ import annotations

import ast
import io
import re
import zipfile
from pathlib import Path

from districtops.core import excel

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "=1+1",
]
COLUMNS = [excel.Column("title", "事项名称", required=True), excel.Column("n", "数量", kind="int")]


def _sheets(content: bytes) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")}


def _quote_prefixed_styles(content: bytes) -> set[int]:
    styles = zipfile.ZipFile(io.BytesIO(content)).read("xl/styles.xml").decode()
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    return {i for i, xf in enumerate(re.findall(r"<xf [^>]*>", xfs)) if 'quotePrefix="1"' in xf}


def test_formula_like_text_is_written_as_text_with_the_quote_prefix():
    content = excel.write_workbook([("事项", COLUMNS, [[p, 1] for p in PAYLOADS])])
    (xml,) = _sheets(content).values()
    assert "<f>" not in xml and "<f " not in xml
    prefixed = _quote_prefixed_styles(content)
    cells = re.findall(r'<c r="A(\d+)"([^>]*)>', xml)
    for row, attrs in cells[1:]:
        assert 't="inlineStr"' in attrs or 't="s"' in attrs, (row, attrs)
        assert int(re.search(r's="(\d+)"', attrs).group(1)) in prefixed, (row, attrs)


def test_exported_text_reads_back_as_the_same_text():
    rows = [[p, n] for n, p in enumerate(PAYLOADS)] + [["\t=2+2", 9], ["普通事项", 10]]
    content = excel.write_workbook([("事项", COLUMNS, rows)])
    table = excel.read_table(io.BytesIO(content), COLUMNS)
    assert table.ok
    # Leading whitespace is trimmed by every text import, as for any cell; the rest is as written.
    assert [r["title"] for r in table.rows] == [*PAYLOADS, "=2+2", "普通事项"]
    assert [r["n"] for r in table.rows] == list(range(len(PAYLOADS))) + [9, 10]


def test_plain_text_is_not_quote_prefixed_and_numbers_stay_numbers():
    content = excel.write_workbook([("事项", COLUMNS, [["背街小巷整治", 5], ["a=b", -3]])])
    (xml,) = _sheets(content).values()
    prefixed = _quote_prefixed_styles(content)
    styles = [int(s) for s in re.findall(r'<c r="A[23]"[^>]*?s="(\d+)"', xml)]
    assert not any(s in prefixed for s in styles)
    assert re.search(r'<c r="B3"[^>]*t="n"[^>]*><v>-3</v>', xml)


def test_control_characters_are_dropped_instead_of_failing_the_export():
    content = excel.write_workbook([("事项", COLUMNS, [["报警\x07事项\x00", 1]])])
    assert [r["title"] for r in excel.read_table(io.BytesIO(content), COLUMNS).rows] == ["报警事项"]


def test_template_drop_down_labels_are_text_too():
    column = excel.Column("grade", "等级", kind="choice", choices=[("a", "=1+1"), ("b", "一般")])
    content = excel.write_workbook([("事项", [*COLUMNS, column], [])], template=True)
    for xml in _sheets(content).values():
        assert "<f>" not in xml


def test_figures_and_dates_are_typed_with_formats_and_every_export_has_a_filter():
    """Issue 14, at the writer: dates as dates, figures as numbers with their format, a filter on
    the header row and the header frozen, in every sheet an export writes."""
    import datetime as dt
    from decimal import Decimal

    from openpyxl import load_workbook

    columns = [
        excel.Column("title", "事项名称", required=True),
        excel.Column("amount", "金额（元）", kind="money"),
        excel.Column("day", "交办日期", kind="date"),
        excel.Column("count", "次数", kind="int"),
        excel.Column("at", "时间"),
    ]
    rows = [
        ["甲", Decimal("1234.50"), dt.date(2021, 3, 31), 3, dt.datetime(2021, 3, 31, 8, 30)],
        ["乙", None, "2021-04-01", None, None],
    ]
    content = excel.write_workbook([("一", columns, rows), ("二", columns[:2], [["丙", 5]])])
    book = load_workbook(io.BytesIO(content))
    ws = book["一"]
    assert (ws["B2"].data_type, ws["B2"].number_format, ws["B2"].value) == ("n", "#,##0.00", 1234.5)
    assert (ws["C2"].is_date, ws["C2"].number_format) == (True, "yyyy-mm-dd")
    assert ws["C3"].is_date and ws["C3"].value == dt.datetime(2021, 4, 1)  # ISO text became a date
    assert (ws["D2"].number_format, ws["E2"].number_format) == ("0", "yyyy-mm-dd h:mm:ss")
    assert ws["A2"].number_format == "General" and ws["B3"].value is None
    assert ws.auto_filter.ref == "A1:E3" and ws.freeze_panes == "A2"
    assert book["二"].auto_filter.ref == "A1:B2" and book["二"].freeze_panes == "A2"
    table = excel.read_table(io.BytesIO(content), columns[:4])
    assert table.ok and [(r["amount"], r["day"]) for r in table.rows] == [
        (Decimal("1234.5"), dt.date(2021, 3, 31)),
        (None, dt.date(2021, 4, 1)),
    ]


# --- through the real export pages --------------------------------------------------------------


def test_a_matter_title_set_through_the_api_exports_as_text(org, api_client, login):
    payload = "=cmd|' /C calc'!A0"
    lead = org["units"]["南关街街道"] if isinstance(org.get("units"), dict) else None
    from districtops.org.models import Unit

    lead = lead or Unit.objects.get(name="南关街街道")
    response = api_client("supervisor").post(
        "/api/v1/supervision/matters",
        {"title": payload, "lead_unit_id": lead.pk, "working_days": 5},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    content = login("supervisor").get("/supervision/matters/export/").content
    assert all("<f>" not in xml for xml in _sheets(content).values())
    table = excel.read_table(io.BytesIO(content), COLUMNS[:1])
    assert [r["title"] for r in table.rows] == [payload]


def test_an_enterprise_name_imported_as_text_exports_as_text(org, login):
    from districtops.economy import imports
    from districtops.economy.reference import ensure_reference_data
    from districtops.economy.samples import fictional_credit_code

    ensure_reference_data()
    name = '=HYPERLINK("http://evil.example/","示例公司")'
    header = [
        "单位详细名称",
        "统一社会信用代码",
        "行业代码",
        "统计用区划代码",
        "营业收入（万元）",
        "重点企业",
    ]
    source = excel.write_workbook(
        [("名录", [excel.Column(str(i), h) for i, h in enumerate(header)], [[name, fictional_credit_code(7), "3411", "410104003000", 30000, "是"]])]
    )  # fmt: skip
    assert "<f>" not in "".join(_sheets(source).values())
    result = imports.import_enterprises(None, source, "名录.xlsx")
    assert result.accepted, [str(e) for e in result.errors]
    content = login("tongji").get("/economy/enterprises/export/").content
    assert all("<f>" not in xml for xml in _sheets(content).values())
    names = [r["name"] for r in excel.read_table(io.BytesIO(content), [excel.Column("name", "单位详细名称", required=True)]).rows]  # fmt: skip
    assert name in names


# --- every export goes through the shared writer -------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2]
# samples: fixtures for the demo, scale and tests; calendar_io: reads a CSV holiday table, writes none.
ALLOWED = {
    PACKAGE / "core" / "excel.py",
    PACKAGE / "economy" / "samples.py",
    PACKAGE / "supervision" / "calendar_io.py",
}


WRITERS = ("openpyxl", "xlsxwriter", "csv")


def _direct_writer_imports(source: str) -> list[int]:
    """Line numbers of imports of a spreadsheet or CSV writer."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in WRITERS:
            lines.append(node.lineno)
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in WRITERS for a in node.names):
            lines.append(node.lineno)
    return lines


def test_no_module_writes_a_workbook_but_the_shared_writer():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path in ALLOWED:
            continue
        lines = _direct_writer_imports(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{n}" for n in lines]
    assert offenders == [], "write spreadsheets with core.excel.write_workbook: " + ", ".join(offenders)


def test_the_guard_notices_a_direct_import():
    assert _direct_writer_imports("import csv\nfrom openpyxl import Workbook\nimport os\n") == [1, 2]
