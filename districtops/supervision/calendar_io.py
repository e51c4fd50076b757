"""Reading a year's holiday notice from a spreadsheet, a CSV file or typed lines.

Every source yields ``services.CalendarDay`` rows or raises ``excel.ImportRefused`` naming the
row and the column; the calendar is then written all or nothing by
``services.publish_calendar_year``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from districtops.core import excel

from .services import CalendarDay

KINDS = (("holiday", "放假"), ("workday", "调休上班"))
COLUMNS = [
    excel.Column("date", "日期", required=True, kind="date", width=14),
    excel.Column("name", "名称", required=True, width=16, help="如 春节、国庆节"),
    excel.Column("kind", "类型", required=True, kind="choice", choices=KINDS, width=12),
]
LINE_KINDS = {"放假": False, "休息": False, "调休上班": True, "上班": True, "调休": True}


def template() -> bytes:
    return excel.write_workbook([("节假日安排", COLUMNS, [])], template=True)


def _days(rows: list[dict]) -> list[CalendarDay]:
    return [CalendarDay(r["date"], r["name"], r["kind"] == "workday") for r in rows]


def _parse_date(text: str, row: int, errors: list) -> dt.date | None:
    text = excel.fold(text).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.append(excel.CellError(row, "日期", f"“{text}”不是日期（应为 2027-01-01）"))
    return None


def _from_records(records, first_row: int) -> list[CalendarDay]:
    """(row number, date text, name, kind text) → days, or ImportRefused with every bad cell."""
    days, errors = [], []
    for row, date_text, name, kind_text in records:
        day = _parse_date(date_text, row, errors)
        kind = (kind_text or "").strip()
        if kind not in LINE_KINDS:
            errors.append(excel.CellError(row, "类型", f"“{kind}”应为“放假”或“调休上班”"))
        if not (name or "").strip():
            errors.append(excel.CellError(row, "名称", "缺少名称"))
        if day and kind in LINE_KINDS and (name or "").strip():
            days.append(CalendarDay(day, name.strip(), LINE_KINDS[kind]))
    if errors:
        raise excel.ImportRefused(errors)
    return days


def read_upload(upload) -> list[CalendarDay]:
    name = (getattr(upload, "name", "") or "").lower()
    content = upload.read()
    if name.endswith(".csv"):
        return read_csv(content)
    table = excel.read_table(io.BytesIO(content), COLUMNS)
    if not table.ok:
        raise excel.ImportRefused(table.errors)
    return _days(table.rows)


def read_csv(content: bytes) -> list[CalendarDay]:
    if len(content) > 1_000_000 or b"\x00" in content:
        raise excel.ImportRefused([excel.CellError(0, "文件", "不是节假日 CSV 文件（过大或含二进制内容）")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise excel.ImportRefused(
            [excel.CellError(0, "文件", "无法识别 CSV 的编码（应为 UTF-8 或 GB18030）")]
        )
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [excel.normalise_header(h) for h in rows[0][:3]] != ["日期", "名称", "类型"]:
        raise excel.ImportRefused([excel.CellError(1, "表头", "CSV 第一行应为：日期,名称,类型")])
    records = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [*row, "", "", ""][:3]
        records.append((i, row[0], row[1], row[2]))
    return _from_records(records, 2)


def read_lines(text: str) -> list[CalendarDay]:
    records = []
    for i, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace("，", " ").replace(",", " ").replace("\t", " ").split()
        if not parts:
            continue
        parts = [*parts, "", "", ""]
        records.append((i, parts[0], parts[1], parts[2]))
    return _from_records(records, 1)
