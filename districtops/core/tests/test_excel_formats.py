"""Templates with long drop-downs and date validation; exports with real dates and formats."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from districtops.core import excel


def test_template_long_list_lives_on_hidden_sheet_and_dates_are_validated():
    streets = [f"第{i}街道" for i in range(300)]  # far beyond the 255 characters of an inline list
    columns = [
        excel.Column("unit", "责任单位", required=True, options=streets),
        excel.Column("day", "发现日期", kind="date"),
        excel.Column("n", "人数", kind="int"),
        excel.Column("note", "说明"),
    ]
    wb = load_workbook(io.BytesIO(excel.write_workbook([("表", columns, [])], template=True)))
    ws = wb["表"]
    found = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert found["A2:A1001"].type == "list" and found["A2:A1001"].formula1 == "=_lists!$A$1:$A$300"
    assert not found["A2:A1001"].allow_blank
    assert found["B2:B1001"].type == "date" and found["C2:C1001"].type == "whole"
    assert "D2:D1001" not in found  # free text: no validation
    assert wb["_lists"].sheet_state == "hidden" and wb["_lists"]["A300"].value == "第299街道"
    # the template reads back (its header row is found, the options do not change parsing)
    wb["表"].append(["不在列表里的名字", dt.date(2021, 3, 1), 3])
    buffer = io.BytesIO()
    wb.save(buffer)
    table = excel.read_table(io.BytesIO(buffer.getvalue()), columns)
    assert table.ok and table.rows[0]["unit"] == "不在列表里的名字"


def test_number_formats_percent_and_decimal():
    columns = [
        excel.Column("p", "概率", kind="decimal", number_format="0.0%"),
        excel.Column("x", "亿元", kind="decimal"),
    ]
    ws = load_workbook(io.BytesIO(excel.write_workbook([("表", columns, [[0.994, Decimal("13.7244")]])])))[
        "表"
    ]
    assert (ws["A2"].value, ws["A2"].number_format) == (0.994, "0.0%")
    assert (ws["B2"].value, ws["B2"].number_format) == (13.7244, "#,##0.00##")
    assert ws.auto_filter.ref == "A1:B2"


def test_battle_map_export_writes_dates_as_dates():
    from districtops.projects.imports import export_battle_map

    data = {
        "rows": [{"name": "道路", "street": "南关街街道", "category": "市政", "command_post": ""}],
        # BAR_FIELDS: row … slip_red, then the baseline's base_start, base_end, slip, moved.
        "bars": [
            [
                0,
                1,
                "设计",
                "2021-01-01",
                "2021-02-28",
                None,
                50,
                "on_track",
                False,
                False,
                None,
                None,
                None,
                False,
            ]
        ],
        "states": {"on_track": {"label": "正常"}},
    }
    ws = load_workbook(io.BytesIO(export_battle_map(data)))["挂图作战"]
    assert (
        ws["F2"].is_date
        and ws["F2"].value == dt.datetime(2021, 1, 1)
        and ws["F2"].number_format == "yyyy-mm-dd"
    )
    assert ws["G2"].is_date and ws["H2"].value is None and ws.auto_filter.ref == "A1:J2"
