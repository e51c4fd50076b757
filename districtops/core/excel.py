"""Excel in and out, shared by every import and export.

Reading (python-calamine): finds the header row below any title rows, recognises
header variants (aliases), reads the unit from the header (元/千元/万元/亿元), folds
full-width digits and spaces, skips blank rows, and reports every bad cell as
(row, column, message) in Chinese — the caller decides nothing is written unless
there are no errors (imports are all-or-nothing).

Writing (openpyxl): one sheet per table with Chinese headers, frozen header row and
drop-down lists for choice columns, used both for exports and for import templates.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_SCALES = {
    "亿元": Decimal(100_000_000),
    "万元": Decimal(10_000),
    "千元": Decimal(1_000),
    "元": Decimal(1),
}
_UNIT_RE = re.compile(r"[（(]\s*(亿元|万元|千元|元)\s*[)）]|(亿元|万元|千元)$")


@dataclass
class Column:
    """One column of a table. ``kind``: text, int, decimal, money, date, choice, bool."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"
    choices: Sequence[tuple[str, str]] | None = None  # (stored value, label shown in Excel)
    width: int = 16
    help: str = ""

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.header, *self.aliases)}


@dataclass
class CellError:
    row: int  # the Excel row number, as the person sees it
    column: str  # the header as written in the file (or the expected header)
    message: str
    rule: str = "format"
    severity: str = "error"

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.message}"


@dataclass
class Table:
    rows: list[dict] = field(default_factory=list)  # each has "_row" (Excel row number)
    errors: list[CellError] = field(default_factory=list)
    units: dict[str, Decimal] = field(default_factory=dict)  # column key → scale to yuan found in its header
    header_row: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(Exception):
    """Raised by import services: nothing was written; ``errors`` says what and where."""

    def __init__(self, errors: list[CellError]):
        self.errors = errors
        super().__init__(f"{len(errors)} 处错误，未导入任何数据")


def fold(value) -> str:
    """Full-width → half-width, trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def normalise_header(text) -> str:
    folded = fold(text)
    folded = _UNIT_RE.sub("", folded)
    return re.sub(r"[\s*：:（）()]", "", folded)


def _header_unit(text) -> Decimal | None:
    match = _UNIT_RE.search(fold(text))
    if not match:
        return None
    return UNIT_SCALES[match.group(1) or match.group(2)]


def _parse(column: Column, raw, unit: Decimal | None):
    """Return (value, error message or None)."""
    if isinstance(raw, str):
        raw = fold(raw)
    if raw in ("", None):
        return None, ("必填" if column.required else None)
    kind = column.kind
    if kind == "text":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return fold(raw), None
    if kind in ("int", "decimal", "money"):
        if isinstance(raw, bool):
            return None, "应为数字"
        text = str(raw).replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, f"“{raw}”不是数字"
        if not number.is_finite():
            return None, f"“{raw}”不是数字"
        if kind == "money" and unit is not None:
            number = number * unit
        if kind == "int":
            if number != number.to_integral_value():
                return None, f"“{raw}”应为整数"
            return int(number), None
        return number, None
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date(), None
        if isinstance(raw, dt.date):
            return raw, None
        text = str(raw).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
        try:
            return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-"))), None
        except ValueError:
            return None, f"“{raw}”不是日期（应为 2021-03-31 这样的格式）"
    if kind == "choice":
        text = fold(raw)
        for value, label in column.choices or ():
            if text in (str(value), str(label)):
                return value, None
        allowed = "、".join(str(label) for _, label in column.choices or ())
        return None, f"“{text}”不在可选范围内（{allowed}）"
    if kind == "bool":
        text = fold(raw).lower()
        if text in ("是", "y", "yes", "true", "1", "√"):
            return True, None
        if text in ("否", "n", "no", "false", "0", "×"):
            return False, None
        return None, f"“{raw}”应为 是/否"
    raise ValueError(kind)


def read_table(
    source, columns: Sequence[Column], *, sheet: str | int = 0, header_scan: int = 15, max_rows: int = 200_000
) -> Table:
    """Read one sheet into dicts keyed by ``Column.key``, collecting every problem."""
    table = Table()
    try:
        data = source.read() if hasattr(source, "read") else open(source, "rb").read()
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet_name = names[sheet] if isinstance(sheet, int) else sheet
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for non-Excel input
        table.errors.append(
            CellError(0, "文件", f"无法读取为 Excel 文件（{type(exc).__name__}）", rule="file")
        )
        return table
    required = [c for c in columns if c.required]
    lookup = {}
    for column in columns:
        for name in column.names():
            lookup[name] = column
    header_index = None
    mapping: dict[int, Column] = {}
    for i, row in enumerate(rows[:header_scan]):
        found = {}
        for j, cell in enumerate(row):
            column = lookup.get(normalise_header(cell))
            if column is not None and column.key not in {c.key for c in found.values()}:
                found[j] = column
        if found and len([c for c in found.values() if c.required]) >= max(1, len(required) // 2):
            header_index, mapping = i, found
            break
    if header_index is None:
        expected = "、".join(c.header for c in required) or "、".join(c.header for c in columns)
        table.errors.append(CellError(1, "表头", f"找不到表头行（应包含：{expected}）", rule="header"))
        return table
    table.header_row = header_index + 1
    header_cells = rows[header_index]
    for j, column in mapping.items():
        unit = _header_unit(header_cells[j])
        if unit is not None:
            table.units[column.key] = unit
    present = {c.key for c in mapping.values()}
    for column in required:
        if column.key not in present:
            table.errors.append(CellError(table.header_row, column.header, "缺少这一列", rule="header"))
    if table.errors:
        return table
    for i, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(fold(cell) == "" for cell in row):
            continue
        if len(table.rows) >= max_rows:
            table.errors.append(CellError(i, "文件", f"超过 {max_rows} 行上限，请分批导入", rule="size"))
            break
        record = {"_row": i}
        for j, column in mapping.items():
            raw = row[j] if j < len(row) else None
            value, error = _parse(column, raw, table.units.get(column.key))
            if error:
                table.errors.append(CellError(i, str(header_cells[j] or "").strip() or column.header, error))
            record[column.key] = value
        table.rows.append(record)
    return table


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def write_workbook(
    sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence]]], *, template: bool = False
) -> bytes:
    """Sheets of (title, columns, rows). With ``template`` the choice columns get drop-downs
    over 1,000 rows and a notes row explains each column."""
    wb = Workbook()
    wb.remove(wb.active)
    lists = None
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append([c.header + ("*" if template and c.required else "") for c in columns])
        for j, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            ws.column_dimensions[get_column_letter(j)].width = column.width
        ws.freeze_panes = "A2"
        for row in rows:
            ws.append([_cell_value(v) for v in row])
        if template:
            for j, column in enumerate(columns, start=1):
                if column.kind in ("choice", "bool"):
                    labels = (
                        [str(label) for _, label in column.choices]
                        if column.kind == "choice"
                        else ["是", "否"]
                    )
                    if lists is None:
                        lists = wb.create_sheet("_lists")
                        lists.sheet_state = "hidden"
                    col = get_column_letter(
                        lists.max_column + (0 if lists.max_row == 1 and lists["A1"].value is None else 1)
                    )
                    for k, label in enumerate(labels, start=1):
                        lists[f"{col}{k}"] = label
                    validation = DataValidation(
                        type="list",
                        formula1=f"=_lists!${col}$1:${col}${len(labels)}",
                        allow_blank=not column.required,
                        showErrorMessage=True,
                        errorTitle="输入有误",
                        error=f"请从下拉列表中选择「{column.header}」",
                    )
                    ws.add_data_validation(validation)
                    validation.add(f"{get_column_letter(j)}2:{get_column_letter(j)}1001")
            notes = wb["说明"] if "说明" in wb.sheetnames else wb.create_sheet("说明")
            notes.append([f"【{title}】", "带 * 的列为必填；选择类的列请用下拉列表；金额单位见表头。"])
            for column in columns:
                notes.append(
                    [
                        column.header,
                        column.help
                        or {
                            "date": "日期，如 2021-03-31",
                            "money": "金额",
                            "int": "整数",
                            "decimal": "数字",
                        }.get(column.kind, ""),
                    ]
                )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
