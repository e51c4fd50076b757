"""Excel in and out, shared by every import and export.

Reading (python-calamine): finds the header row below any title rows — also a two-row
header whose upper row groups columns under merged cells (工业总产值 over 本月 / 1-本月累计,
or 本月 over 工业总产值 / 营业收入) — recognises header variants (aliases), reads the unit
from any header or from a “单位：千元” line above it (元/千元/万元/亿元, 千瓦时/万千瓦时,
人/万人), folds full-width digits and spaces, skips blank rows, and reports every bad
cell as (row, column, message) in Chinese — the caller decides nothing is written unless
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
# A header's unit → (the base unit a column is stored in, factor to it).
UNITS: dict[str, tuple[str, Decimal]] = {
    "亿元": ("元", Decimal(100_000_000)),
    "万元": ("元", Decimal(10_000)),
    "千元": ("元", Decimal(1_000)),
    "元": ("元", Decimal(1)),
    "亿千瓦时": ("千瓦时", Decimal(100_000_000)),
    "万千瓦时": ("千瓦时", Decimal(10_000)),
    "千瓦时": ("千瓦时", Decimal(1)),
    "度": ("千瓦时", Decimal(1)),
    "万人": ("人", Decimal(10_000)),
    "人": ("人", Decimal(1)),
}
UNIT_SCALES = {name: factor for name, (base, factor) in UNITS.items() if base == "元"}
_ALTERNATIVES = "|".join(sorted(UNITS, key=len, reverse=True))
# In brackets anywhere ("营业收入（千元）本月"); bare only at the end and only for units that cannot
# end an ordinary word (so "负责人" keeps its 人, "用电量度" is not a thing people write).
_UNIT_RE = re.compile(
    rf"[（(\[【]\s*(?:单位\s*[:：]\s*)?({_ALTERNATIVES})\s*[)）\]】]|(亿元|万元|千元|亿千瓦时|万千瓦时|千瓦时)$"
)
_TABLE_UNIT_RE = re.compile(rf"(?:计量)?单位\s*[:：]\s*({_ALTERNATIVES})")


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
    # Base unit the figures are stored in ("千瓦时", "人"): a header in a multiple of it (万千瓦时)
    # is scaled. Money columns are always in 元; other columns without a unit are read as written.
    unit: str | None = None

    @property
    def base_unit(self) -> str | None:
        return "元" if self.kind == "money" else self.unit

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
    units: dict[str, Decimal] = field(default_factory=dict)  # column key → factor to its base unit
    header_row: int = 0  # the (last) header row, as Excel numbers it

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


# Full-width digits, Latin letters and the ideographic space (a credit code typed in a
# Chinese input method); Chinese punctuation such as （）：， is text and stays as written.
_WIDE_ALNUM = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
        for c in range(r[0], r[1] + 1)
    }
    | {"\u3000": " "}
)


def fold_text(value) -> str:
    """A text cell as written, but with full-width digits/letters made half-width, trimmed,
    inner whitespace collapsed: 李副区长（示例） stays 李副区长（示例）, ９１４１ becomes 9141."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value).translate(_WIDE_ALNUM)).strip()


_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "~": "-", "～": "-", "至": "-"})


def normalise_header(text) -> str:
    folded = fold(text).translate(_DASHES)
    folded = _UNIT_RE.sub("", folded)
    return re.sub(r"[\s*：:（）()]", "", folded)


def header_unit(text) -> str | None:
    """The unit a header names ("营业收入（千元）" → "千元"), or None."""
    match = _UNIT_RE.search(fold(text))
    return (match.group(1) or match.group(2)) if match else None


_EMPTY = ("", None)


def _parse(column: Column, raw, unit: Decimal | None):
    """Return (value, error message or None)."""
    kind = column.kind
    if raw is None or raw == "":  # calamine hands empty cells over as ""
        return None, ("必填" if column.required else None)
    if kind == "text":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = fold_text(raw)
        return (text, None) if text else (None, "必填" if column.required else None)
    if kind in ("int", "decimal", "money") and type(raw) in (int, float):
        # The common case of a numeric cell: no text to fold. repr keeps the float's shortest form.
        number = Decimal(raw) if type(raw) is int else Decimal(repr(raw))
        if not number.is_finite():
            return None, f"“{raw}”不是数字"
        return _number(kind, number, raw, unit)
    if isinstance(raw, str):
        raw = fold(raw)
    if raw in _EMPTY:
        return None, ("必填" if column.required else None)
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
        return _number(kind, number, raw, unit)
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


def _number(kind: str, number: Decimal, raw, unit: Decimal | None):
    if unit is not None:
        number = number * unit
    if kind == "int":
        if number != number.to_integral_value():
            return None, f"“{raw}”应为整数"
        return int(number), None
    return number, None


def _blank(cell) -> bool:
    # str.strip() knows the ideographic and no-break spaces too; fold only for what is left.
    return cell is None or (isinstance(cell, str) and (not cell.strip() or not fold(cell)))


def _merged_spans(sheet) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """(row, col) of every cell inside a merged range → the range (r0, c0, r1, c1), 0-based."""
    spans = {}
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # some formats (csv-like, old xls) carry none
        ranges = []
    for (r0, c0), (r1, c1) in ranges:
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 2000:
            continue  # a merged title block over the whole sheet says nothing about columns
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                spans[(r, c)] = (r0, c0, r1, c1)
    return spans


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _unit_cell(cell) -> str | None:
    """What a cell of a units row says: a unit ("千元", "（人）", "计量单位：万千瓦时"), "" for the row's
    own label ("计量单位"), None for anything else."""
    text = fold(cell).strip("()[]【】 ")
    if text in ("计量单位", "单位"):
        return ""
    text = re.sub(r"^(计量)?单位\s*[:：]?\s*", "", text)
    return text if text in UNITS else None


def _units_row(row) -> bool:
    """A row under the header that names only units."""
    units = [_unit_cell(cell) for cell in row if not _blank(cell)]
    return any(units) and all(unit is not None for unit in units)


def _two_row_headers(rows, i: int, spans) -> tuple[list[list[str]], set[int]]:
    """Candidate texts per column for a header in rows i and i + 1, where the upper row groups
    columns: a merged cell spanning several columns ("工业总产值（千元）" over "本月" and "1-本月累计",
    or "本月" over several indicators) is read as the prefix and the suffix of each column below it;
    a cell merged down over both rows is read once. Also the columns whose text combines both rows
    (a title row above a plain header combines none, and must not be read as a header)."""
    upper, lower = rows[i], rows[i + 1]
    width = max(len(upper), len(lower))
    texts, combined = [], set()
    for j in range(width):
        span = spans.get((i, j))
        top = upper[j] if j < len(upper) else None
        if span is not None:
            r0, c0, r1, _c1 = span
            top = rows[r0][c0] if c0 < len(rows[r0]) else None
            if r1 > i:  # merged down into the lower row: one header for both rows
                texts.append([_text(top)])
                continue
        below = lower[j] if j < len(lower) else None
        top_text, below_text = _text(top), _text(below)
        if _blank(top_text) or _blank(below_text):
            texts.append([top_text if not _blank(top_text) else below_text])
            continue
        combined.add(j)
        if (unit := _unit_cell(below_text)) is not None:
            # A units row under the header ("" is its label, 计量单位).
            texts.append([f"{top_text}（{unit}）" if unit else top_text])
        else:
            texts.append([top_text + below_text, below_text + top_text])
    return texts, combined


def _match(candidates: list[list[str]], lookup: dict[str, Column]) -> dict[int, tuple[Column, str]]:
    found: dict[int, tuple[Column, str]] = {}
    taken = set()
    for j, texts in enumerate(candidates):
        for text in texts:
            column = lookup.get(normalise_header(text))
            if column is not None and column.key not in taken:
                found[j] = (column, text)
                taken.add(column.key)
                break
    return found


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
        worksheet = workbook.get_sheet_by_name(sheet_name)
        rows = worksheet.to_python(skip_empty_area=False)
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
    enough = max(1, len(required) // 2)
    spans = _merged_spans(worksheet)
    header_index = None
    header_rows = 1
    mapping: dict[int, tuple[Column, str]] = {}
    for i, row in enumerate(rows[:header_scan]):
        found = _match([[_text(cell)] for cell in row], lookup)
        if i + 1 < len(rows):
            # A two-row header wins when the lower row adds columns the upper one alone lacks, or
            # when the lower row only names units.
            texts, combined = _two_row_headers(rows, i, spans)
            pair = _match(texts, lookup)
            better = len(pair) > len(found) or (len(pair) == len(found) and _units_row(rows[i + 1]))
            glued = any(j in combined for j in pair)
            if better and glued and len([c for c, _ in pair.values() if c.required]) >= enough:
                header_index, header_rows, mapping = i, 2, pair
                break
        if found and len([c for c, _ in found.values() if c.required]) >= enough:
            header_index, mapping = i, found
            break
    if header_index is None:
        expected = "、".join(c.header for c in required) or "、".join(c.header for c in columns)
        table.errors.append(CellError(1, "表头", f"找不到表头行（应包含：{expected}）", rule="header"))
        return table
    table.header_row = header_index + header_rows
    # “单位：千元” on a title line above the header: the unit of every money column without its own.
    sheet_unit = None
    for row in rows[:header_index]:
        for cell in row:
            match = _TABLE_UNIT_RE.search(fold(cell))
            if match and UNITS[match.group(1)][0] == "元":
                sheet_unit = match.group(1)
    for column, text in mapping.values():
        unit = header_unit(text) or (sheet_unit if column.kind == "money" else None)
        if unit is None or column.base_unit is None:
            continue
        base, factor = UNITS[unit]
        if base != column.base_unit:
            table.errors.append(
                CellError(
                    table.header_row,
                    text,
                    f"表头单位“{unit}”与本列的计量单位（{column.base_unit}）不符",
                    rule="header",
                )
            )
        elif factor != 1:
            table.units[column.key] = factor
    present = {c.key for c, _ in mapping.values()}
    for column in required:
        if column.key not in present:
            table.errors.append(CellError(table.header_row, column.header, "缺少这一列", rule="header"))
    if table.errors:
        return table
    plan = [
        (j, column.key, column, table.units.get(column.key), text.strip() or column.header)
        for j, (column, text) in mapping.items()
    ]
    for i, row in enumerate(rows[table.header_row :], start=table.header_row + 1):
        if all(_blank(cell) for cell in row):
            continue
        if len(table.rows) >= max_rows:
            table.errors.append(CellError(i, "文件", f"超过 {max_rows} 行上限，请分批导入", rule="size"))
            break
        record = {"_row": i}
        width = len(row)
        for j, key, column, unit, header in plan:
            value, error = _parse(column, row[j] if j < width else None, unit)
            if error:
                table.errors.append(CellError(i, header, error))
            record[key] = value
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
