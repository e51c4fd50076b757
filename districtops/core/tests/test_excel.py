"""core.excel reading messy statistical exports: two-row merged headers, units in any header."""

import io
from decimal import Decimal

from openpyxl import Workbook

from districtops.core import excel

COLUMNS = [
    excel.Column("code", "统一社会信用代码", ("信用代码",), required=True),
    excel.Column("name", "单位详细名称", ("企业名称",)),
    excel.Column("output", "工业总产值本月", ("本月工业总产值",), kind="money"),
    excel.Column(
        "output_cum", "工业总产值本年累计", ("1-本月累计工业总产值", "工业总产值1-本月累计"), kind="money"
    ),
    excel.Column("revenue", "营业收入本月", ("本月营业收入",), kind="money"),
    excel.Column(
        "revenue_cum", "营业收入本年累计", ("1-本月累计营业收入", "营业收入1-本月累计"), kind="money"
    ),
    excel.Column("power", "用电量", ("本月用电量",), kind="decimal", unit="千瓦时"),
    excel.Column("staff", "从业人员期末人数", ("从业人员",), kind="int", unit="人"),
]
CODE = "91350100M000100Y43"


def workbook(build) -> bytes:
    wb = Workbook()
    build(wb.active)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read(build, columns=COLUMNS):
    return excel.read_table(io.BytesIO(workbook(build)), columns)


def test_indicator_group_over_current_and_cumulative():
    """工业总产值（千元） merged over 本月 / 1-本月累计; identity columns merged down both rows."""

    def build(ws):
        ws.append(["2021年3月 规模以上工业企业主要指标"])
        ws.merge_cells("A1:F1")
        ws.append(["统一社会信用代码", "单位详细名称", "工业总产值（千元）", None, "营业收入（万元）", None])
        ws.append([None, None, "本月", "1-本月累计", "本月", "1—本月累计"])
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:B3")
        ws.merge_cells("C2:D2")
        ws.merge_cells("E2:F2")
        ws.append([CODE.lower(), "甲公司（示例）", "１２", 30, 1.5, 3])
        ws.append([None] * 6)
        ws.append([CODE, "乙公司（示例）", "x", 30, 1, 2])

    table = read(build)
    assert table.header_row == 3
    first = table.rows[0]
    assert first["_row"] == 4
    assert first["output"] == Decimal(12_000) and first["output_cum"] == Decimal(30_000)
    assert first["revenue"] == Decimal(15_000) and first["revenue_cum"] == Decimal(30_000)
    assert [r["_row"] for r in table.rows] == [4, 6]
    # The bad cell is named by its combined two-row header, as the person reads it.
    assert [(e.row, e.column) for e in table.errors] == [(6, "工业总产值（千元）本月")]


def test_period_group_over_several_indicators():
    """本月 merged over 工业总产值 and 营业收入, 1-本月累计 merged over the same two."""

    def build(ws):
        ws.append(["信用代码", "本月", None, "1-本月累计", None, "用电量（万千瓦时）"])
        ws.append([None, "工业总产值", "营业收入", "工业总产值", "营业收入", None])
        ws.merge_cells("A1:A2")
        ws.merge_cells("B1:C1")
        ws.merge_cells("D1:E1")
        ws.merge_cells("F1:F2")
        ws.append([CODE, 100, 90, 300, 250, 1.25])

    table = read(build)
    assert not table.errors
    row = table.rows[0]
    assert (row["output"], row["revenue"], row["output_cum"], row["revenue_cum"]) == (100, 90, 300, 250)
    assert row["power"] == Decimal(12_500)  # 1.25 万千瓦时


def test_single_row_header_is_not_glued_to_the_first_data_row():
    def build(ws):
        ws.append(["统一社会信用代码", "工业总产值本月", "用电量"])
        ws.append([CODE, 100, 5])

    table = read(build)
    assert table.header_row == 1 and table.rows[0]["output"] == 100 and table.rows[0]["power"] == 5


def test_units_row_under_the_header():
    def build(ws):
        ws.append(["统一社会信用代码", "工业总产值本月", "用电量", "从业人员"])
        ws.append(["计量单位", "千元", "（万千瓦时）", "人"])
        ws.append([CODE, 2, 3, 40])

    table = read(build)
    assert table.header_row == 2, table.errors
    row = table.rows[0]
    assert (row["output"], row["power"], row["staff"]) == (2000, 30_000, 40)


def test_units_in_headers_other_than_money():
    def build(ws):
        ws.append(["统一社会信用代码", "用电量（万千瓦时）", "从业人员（万人）"])
        ws.append([CODE, "0.5", "0.0012"])
        ws.append([CODE, 1, "0.00001"])

    table = read(build)
    assert table.rows[0]["power"] == Decimal(5000) and table.rows[0]["staff"] == 12
    assert [(e.row, e.column, "整数" in e.message) for e in table.errors] == [(3, "从业人员（万人）", True)]


def test_unit_of_the_wrong_kind_is_refused_by_column():
    def build(ws):
        ws.append(["统一社会信用代码", "工业总产值本月（千瓦时）", "用电量（千元）"])
        ws.append([CODE, 1, 2])

    table = read(build)
    assert {e.column for e in table.errors} == {"工业总产值本月（千瓦时）", "用电量（千元）"}
    assert all("不符" in e.message and e.rule == "header" for e in table.errors)
    assert not table.rows


def test_sheet_wide_unit_line_applies_to_money_columns_without_their_own():
    def build(ws):
        ws.append(["规模以上工业主要指标"])
        ws.append(["单位：万元"])
        ws.append(["统一社会信用代码", "工业总产值本月", "营业收入本月（元）", "用电量"])
        ws.append([CODE, 2, 3, 4])

    row = read(build).rows[0]
    assert (row["output"], row["revenue"], row["power"]) == (20_000, 3, 4)


def test_bare_person_is_not_read_as_a_unit():
    assert excel.header_unit("负责人") is None
    assert excel.header_unit("用电量万千瓦时") == "万千瓦时"
    assert excel.header_unit("营业收入（千元）本月") == "千元"
    assert excel.normalise_header("1—本月累计营业收入（万元）") == excel.normalise_header(
        "1-本月累计营业收入"
    )


def test_numeric_cells_and_text_cells_read_alike():
    def build(ws):
        ws.append(["统一社会信用代码", "工业总产值本月（千元）", "营业收入本月", "从业人员"])
        ws.append([CODE, 1234.56, "1,234.56", 12])
        ws.append([CODE, "１２３４．５６", 0.1, "12"])
        ws.append([CODE, "", "  ", "　"])  # empty and blank-looking cells are empty, not errors

    table = read(build)
    assert not table.errors
    first, second, third = table.rows
    assert first["output"] == second["output"] == Decimal("1234560.00")
    assert first["revenue"] == Decimal("1234.56") and second["revenue"] == Decimal("0.1")
    assert first["staff"] == second["staff"] == 12
    assert (third["output"], third["revenue"], third["staff"]) == (None, None, None)


def test_a_title_row_above_a_plain_header_is_not_glued_to_it():
    def build(ws):
        ws.append(["规上工业月报"])  # not merged: the header cells below it have nothing above them
        ws.append(["信用代码", "工业总产值本月", "营业收入本月"])
        ws.append([CODE, 1, 2])

    table = read(build)
    assert table.header_row == 2 and not table.errors
    assert (table.rows[0]["code"], table.rows[0]["output"]) == (CODE, 1)


def test_text_keeps_chinese_punctuation_but_folds_wide_digits_and_letters():
    """Free text round-trips as written; a credit code typed full-width is read half-width."""
    wide_code = CODE.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})

    def build(ws):
        ws.append(["统一社会信用代码", "单位详细名称"])
        ws.append([wide_code, "郑州示例（管城）商贸有限公司：一部，　二部"])
        ws.append([CODE, "　"])

    table = read(build)
    assert not table.errors
    first, second = table.rows
    assert first["code"] == CODE
    assert first["name"] == "郑州示例（管城）商贸有限公司：一部， 二部"
    assert second["name"] is None
