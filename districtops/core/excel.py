"""Excel in and out, shared by every import and export.

Reading (python-calamine): finds the header row below any title rows — also a two-row
header whose upper row groups columns under merged cells (工业总产值 over 本月 / 1-本月累计,
or 本月 over 工业总产值 / 营业收入) — recognises header variants (aliases), reads the unit
from any header or from a “单位：千元” line above it (元/千元/万元/亿元, 千瓦时/万千瓦时,
人/万人), folds full-width digits and spaces, skips blank rows, and reports every bad
cell as (row, column, message) in Chinese — the caller decides nothing is written unless
there are no errors (imports are all-or-nothing). Before any of that a file is inspected
(``inspect_workbook``: zip entries, sizes, compression ratio, the sheet's declared and used
range against the EXCEL_MAX_* settings) and refused with the limit named; rows are then read
one at a time. Formula cells are read as their cached values.

Writing (openpyxl): one sheet per table with Chinese headers, frozen header row with an
autofilter, figures and dates typed with number formats, drop-down lists for choice columns,
used both for exports and for import templates. Every string is written as text, never as a
formula (``_put``).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import itertools
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from .units import WAN, YI
from .uploads import zip_entry_count

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A header's unit → (the base unit a column is stored in, factor to it).
UNITS: dict[str, tuple[str, Decimal]] = {
    "亿元": ("元", YI),
    "万元": ("元", WAN),
    "千元": ("元", Decimal(1_000)),
    "元": ("元", Decimal(1)),
    "亿千瓦时": ("千瓦时", YI),
    "万千瓦时": ("千瓦时", WAN),
    "千瓦时": ("千瓦时", Decimal(1)),
    "度": ("千瓦时", Decimal(1)),
    "万人": ("人", WAN),
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
    # The values a template's drop-down offers for a text column (units, streets …): the cell is
    # still read as text and the importer checks the name; a long list lives on the hidden sheet.
    options: Sequence[str] | None = None
    # An export's number format when the kind's default does not fit (a share as "0.0%").
    number_format: str | None = None

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

    def __init__(self, errors: list[CellError], preview=None):
        self.errors = errors
        self.preview = preview  # gate.importing.Preview: what the file would have done
        super().__init__(f"{len(errors)} 处错误，未导入任何数据")


_SPACES = re.compile(r"\s+")


def fold(value) -> str:
    """Full-width → half-width, trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


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
    text = str(value).translate(_WIDE_ALNUM)
    if text.isprintable() and "  " not in text:  # no whitespace but single ASCII spaces
        return text.strip(" ")
    return _SPACES.sub(" ", text).strip()


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
_NUMERIC = frozenset(("int", "decimal", "money"))


def _parse(column: Column, raw, unit: Decimal | None):
    """Return (value, error message or None)."""
    kind = column.kind
    if type(raw) is float and kind in _NUMERIC:
        # The common case of a figure (calamine hands numbers over as floats), first; the same
        # result as the general path below. inf - inf and nan - nan are nan, which != 0.
        if raw - raw != 0:
            return None, f"“{raw}”不是数字"
        number = Decimal(repr(raw))
        if unit is not None:
            number = number * unit
        if kind == "int":
            if number != number.to_integral_value():
                return None, f"“{raw}”应为整数"
            return int(number), None
        return number, None
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
    # str.strip() knows the ideographic and no-break spaces too; fold only for what is left, and
    # not when it starts with a letter or digit (NFKC never turns one into a space).
    if cell is None or cell == "":
        return True
    if not isinstance(cell, str):
        return False
    stripped = cell.strip()
    return not stripped or (not stripped[0].isalnum() and not fold(stripped))


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


# --- Inspecting a file before it is parsed -------------------------------------------------------
# An .xlsx is a zip of XML. calamine (python-calamine 0.9) loads a whole sheet into one dense
# Rust grid spanning the used range before Python sees a row — its iter_rows() walks that loaded
# grid (python-calamine issue #42) — so a 4.7 KB file with cells at A1 and XFD1048576 asks for
# 17 billion cells and aborts the process, and a deflate bomb inflates in memory. Every file is
# therefore inspected first, with the zip's own records and a streaming scan of the sheet's XML
# (zlib and the re module, a few tens of ms for 50,000 rows): entry count, sizes, compression
# ratio, the declared <dimension>, then the rows and columns actually used. Only a file inside the
# limits (settings.EXCEL_MAX_*) reaches calamine, whose grid is then bounded by EXCEL_MAX_CELLS.
# openpyxl's read_only mode streams for real but was measured 2.6× slower (bench/foundation).

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?\"")
_SHEET_TAG_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL_TAG_RE = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ROW_OR_CELL_RE = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])(?:[^>]*?\br=\"([A-Z]*)(\d+)\")?")


class SpreadsheetRefused(Exception):
    """The file is refused before parsing; the message (Chinese) names the limit."""


def _attribute(tag: bytes, name: bytes) -> str | None:
    match = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*([\"'])(.*?)\1", tag)
    return html.unescape(match.group(2).decode("utf-8", "replace")) if match else None


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _above(limit: str, digit: str, top: str) -> str:
    """A regex for strings of ``digit`` characters greater than ``limit`` (same alphabet order,
    a longer string is greater): 'GR' over A–Z matches GS…GZ, H?…Z?, and every 3+ letter string."""
    n = len(limit)
    parts = [f"{digit}{{{n + 1},}}"]
    for i, char in enumerate(limit):
        if char < top:
            rest = n - i - 1
            parts.append(
                re.escape(limit[:i])
                + f"[{chr(ord(char) + 1)}-{top}]"
                + (f"{digit}{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(parts) + ")"


@dataclass
class Limits:
    rows: int
    columns: int
    cells: int
    uncompressed: int
    entries: int
    ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            rows=settings.EXCEL_MAX_ROWS,
            columns=settings.EXCEL_MAX_COLUMNS,
            cells=settings.EXCEL_MAX_CELLS,
            uncompressed=settings.EXCEL_MAX_UNCOMPRESSED_BYTES,
            entries=settings.EXCEL_MAX_ZIP_ENTRIES,
            ratio=settings.EXCEL_MAX_COMPRESSION_RATIO,
        )


def _mib(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size / 1024:.0f} KB"


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) in workbook order, from xl/workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml")
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    targets = {}
    for tag in _REL_TAG_RE.findall(rels):
        rid, target = _attribute(tag, rb"Id"), _attribute(tag, rb"Target")
        if rid and target:
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rid] = posixpath.normpath(target)
    parts = []
    for tag in _SHEET_TAG_RE.findall(workbook):
        name, rid = _attribute(tag, rb"name"), _attribute(tag, rb"(?:\w+:)?id")
        parts.append((name or "", targets.get(rid or "", "")))
    return parts


def inspect_workbook(data: bytes, sheet: str | int = 0, limits: Limits | None = None) -> None:
    """Refuse (SpreadsheetRefused) a file that is not an .xlsx workbook or whose sheet ``sheet``
    exceeds ``limits`` (default: the settings), reading no more than the limits allow."""
    limits = limits or Limits.from_settings()
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise SpreadsheetRefused(_("文件已加密（设有打开密码），请取消密码后另存为 .xlsx 再导入。"))
        raise SpreadsheetRefused(
            _("旧版 .xls 文件无法在导入前检查，请在 Excel 或 WPS 中“另存为” .xlsx 后再导入。")
        )
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetRefused(
            _("文件不是 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后再导入。")
        )
    # The entry count from the end-of-central-directory record, before zipfile builds an object
    # per entry (a 20 MB upload can hold some 200,000 empty entries).
    declared = zip_entry_count(data)
    if declared is not None and declared > limits.entries:
        raise SpreadsheetRefused(
            _("文件内含 %(n)d 个部件，超过 %(limit)d 个的上限，已拒绝。")
            % {"n": declared, "limit": limits.entries}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise SpreadsheetRefused(_("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。")) from None
    if len(infos) > limits.entries:
        raise SpreadsheetRefused(
            _("文件内含 %(n)d 个部件，超过 %(limit)d 个的上限，已拒绝。")
            % {"n": len(infos), "limit": limits.entries}
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SpreadsheetRefused(_("文件已加密（设有打开密码），请取消密码后另存为 .xlsx 再导入。"))
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        # Small parts (styles, a short sheet of blanks) compress well and cost nothing.
        if info.file_size > _CHUNK and ratio > limits.ratio:
            raise SpreadsheetRefused(
                _(
                    "文件中的“%(part)s”压缩比为 %(ratio)d 倍，超过 %(limit)d 倍的上限（疑似压缩炸弹），已拒绝。"
                )
                % {"part": info.filename[:80], "ratio": ratio, "limit": limits.ratio}
            )
    if total > limits.uncompressed:
        raise SpreadsheetRefused(
            _("文件解压后为 %(size)s，超过 %(limit)s 的上限，请分批导入。")
            % {"size": _mib(total), "limit": _mib(limits.uncompressed)}
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise SpreadsheetRefused(_("不接受二进制工作簿（.xlsb），请另存为 .xlsx 后再导入。"))
        raise SpreadsheetRefused(_("文件不是 Excel 工作簿（缺少 xl/workbook.xml），无法读取。"))
    parts = _sheet_parts(archive)
    if isinstance(sheet, int):
        name, part = parts[sheet] if 0 <= sheet < len(parts) else (str(sheet + 1), None)
    else:
        name, part = next(((n, p) for n, p in parts if n == sheet), (sheet, None))
    if part not in names:
        # The sheet's part is not where workbook.xml and its relationships say (or they say it
        # in a way this reading misses): scan every part, so calamine never meets an unchecked one.
        for other in sorted(names):
            _scan_sheet(archive, other, name, limits)
        return
    _scan_sheet(archive, part, name, limits)


def _refuse_extent(name: str, rows: int, columns: int, limits: Limits, what: str) -> None:
    if rows > limits.rows or columns > limits.columns or rows * columns > limits.cells:
        raise SpreadsheetRefused(
            _(
                "工作表“%(sheet)s”%(what)s %(rows)d 行 × %(columns)d 列，超过上限（%(max_rows)d 行、"
                "%(max_columns)d 列、共 %(max_cells)d 个单元格），已拒绝；请删去多余的行列或分批导入。"
            )
            % {
                "sheet": name,
                "what": what,
                "rows": rows,
                "columns": columns,
                "max_rows": limits.rows,
                "max_columns": limits.columns,
                "max_cells": limits.cells,
            }
        )


def _xml_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits):
    """The part's XML in pieces of about 1 MiB, each ending after a complete tag; refused past
    the declared or the allowed uncompressed size, or when the deflate stream is corrupt."""
    read = 0
    carry = b""
    with archive.open(info) as stream:
        while True:
            try:
                chunk = stream.read(_CHUNK)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                raise SpreadsheetRefused(_("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。")) from None
            read += len(chunk)
            if read > info.file_size or read > limits.uncompressed:
                raise SpreadsheetRefused(
                    _("文件解压后为 %(size)s，超过 %(limit)s 的上限，请分批导入。")
                    % {"size": _mib(read), "limit": _mib(min(info.file_size, limits.uncompressed))}
                )
            if not chunk:
                if carry:
                    yield carry
                return
            text = carry + chunk
            cut = text.rfind(b">") + 1
            text, carry = text[:cut], text[cut:]
            if len(carry) > _CHUNK:  # no tag is a megabyte long
                raise SpreadsheetRefused(_("文件已损坏或不是 Excel 工作簿（.xlsx），无法读取。"))
            yield text


# The fast scan reads cell and row tags written the way Excel, WPS, LibreOffice and openpyxl
# write them (`<c r="B7"`, `<row r="7"`), with literal-prefixed patterns the re module searches
# quickly; anything else (a namespace prefix, a tag without r or with r not first) sends the
# sheet to the exact, slower walk in _extent.
_CELL_REFS_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_ROW_REFS_RE = re.compile(rb'<row r="(\d+)"')
_IRREGULAR_CELL_RE = re.compile(rb'<c(?=[\s>/])(?! r=")')
_IRREGULAR_ROW_RE = re.compile(rb'<row(?=[\s>/])(?! r=")')
_PREFIXED_RE = re.compile(rb"<\w+:(?:c|row)[\s>/]")


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.lru_cache(maxsize=256)
def _cells_beyond(columns: int, rows: int) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Patterns for a cell right of column ``columns``, a cell below row ``rows``, a row below it."""
    right = _above(_column_letters(columns), "[A-Z]", "Z").encode()
    below = _above(str(rows), r"\d", "9").encode()
    return (
        re.compile(rb'<c r="' + right + rb"\d"),
        re.compile(rb'<c r="[A-Z]+' + below + rb'"'),
        re.compile(rb'<row r="' + below + rb'"'),
    )


def _scan_sheet(archive: zipfile.ZipFile, part: str, name: str, limits: Limits) -> None:
    """Stream the sheet's XML: its declared dimension, then the rows and columns really used."""
    info = archive.getinfo(part)
    max_row = max_column = cells = 0
    first = True
    for text in _xml_chunks(archive, info, limits):
        if first:
            first = False
            dimension = _DIMENSION_RE.search(text)
            if dimension and dimension.group(3) is not None:
                c0, r0, c1, r1 = (g.decode() for g in dimension.groups())
                if r0 and r1 and c0 and c1:
                    _refuse_extent(
                        name,
                        int(r1) - int(r0) + 1,
                        _column_number(c1) - _column_number(c0) + 1,
                        limits,
                        _("声明的范围 %(ref)s 为") % {"ref": dimension.group(0).split(b'"')[1].decode()},
                    )
        # Counting is cheaper than searching; <col>, <cfRule>… also start with "<c", so a
        # mismatch only sends this piece to the exact test.
        regular = text.count(b'<c r="')
        rows_regular = text.count(b'<row r="')
        if (
            (text.count(b"<c") != regular and _IRREGULAR_CELL_RE.search(text))
            or (text.count(b"<row") != rows_regular and _IRREGULAR_ROW_RE.search(text))
            or ((b":c" in text or b":row" in text) and _PREFIXED_RE.search(text))
        ):
            _refuse_extent(name, *_extent(archive, info, limits), limits, _("至少用到"))
            return
        cells += regular
        last = text.rfind(b'<row r="')
        if last >= 0:
            end = text.find(b'"', last + 8)
            if text[last + 8 : end].isdigit():
                max_row = max(max_row, int(text[last + 8 : end]))
        right, below, rows_below = _cells_beyond(max_column, max_row)
        if below.search(text) or rows_below.search(text):  # rows out of order, or a cell off its row
            numbers = [int(n) for n in _ROW_REFS_RE.findall(text)]
            numbers += [int(n) for _letters, n in _CELL_REFS_RE.findall(text)]
            max_row = max([max_row, *numbers])
        if right.search(text):
            max_column = max(
                [max_column, *(_column_number(c.decode()) for c, _n in _CELL_REFS_RE.findall(text))]
            )
        if cells > limits.cells:
            raise SpreadsheetRefused(
                _("工作表“%(sheet)s”的单元格超过 %(limit)d 个的上限，已拒绝；请分批导入。")
                % {"sheet": name, "limit": limits.cells}
            )
        _refuse_extent(name, max_row, max_column, limits, _("至少用到"))


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> tuple[int, int]:
    """(rows, columns) the sheet really spans, tag by tag, placing a cell without a reference the
    way calamine does (after the previous one). For sheets the fast scan cannot read; bounded by
    the size checks already passed."""
    max_row = max_column = row = column = 0
    for text in _xml_chunks(archive, info, limits):
        for match in _ROW_OR_CELL_RE.finditer(text):
            kind, col_letters, number = match.groups()
            if kind == b"row":
                row = int(number) if number else row + 1
                column = 0
            elif number:
                row, column = int(number), _column_number(col_letters.decode())
            else:
                column += 1
            max_row, max_column = max(max_row, row), max(max_column, column)
    return max_row, max_column


def _padded_rows(worksheet):
    """The sheet's rows, lazily, each as a list from column A (calamine's iter_rows starts its rows
    at row 1 but its columns at the first used one; merged ranges and headers use absolute ones)."""
    start = worksheet.start
    pad = [""] * start[1] if start and start[1] else None
    for row in worksheet.iter_rows():
        yield pad + row if pad else row


def read_table(
    source,
    columns: Sequence[Column],
    *,
    sheet: str | int = 0,
    header_scan: int = 15,
    max_rows: int | None = None,
    limits: Limits | None = None,
) -> Table:
    """Read one sheet into dicts keyed by ``Column.key``, collecting every problem. The file is
    inspected first (``inspect_workbook``: a file over the limits is refused, never parsed), then
    its rows are read one at a time; at most ``max_rows`` data rows (default EXCEL_MAX_ROWS)."""
    table = Table()
    limits = limits or Limits.from_settings()
    max_rows = min(max_rows or limits.rows, limits.rows)
    data = source.read() if hasattr(source, "read") else open(source, "rb").read()
    try:
        inspect_workbook(data, sheet, limits)
    except SpreadsheetRefused as exc:
        table.errors.append(CellError(0, _("文件"), str(exc), rule="file"))
        return table
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet_name = names[sheet] if isinstance(sheet, int) else sheet
        worksheet = workbook.get_sheet_by_name(sheet_name)
        rows_iter = _padded_rows(worksheet)
        rows = list(itertools.islice(rows_iter, header_scan + 1))  # the header is looked for here
    except Exception as exc:  # calamine raises several types for non-Excel input
        table.errors.append(
            CellError(
                0,
                _("文件"),
                _("无法读取为 Excel 文件（%(error)s）") % {"error": type(exc).__name__},
                rule="file",
            )
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
        (
            j,
            column.key,
            column,
            table.units.get(column.key),
            text.strip() or column.header,
            column.kind in ("decimal", "money"),
        )
        for j, (column, text) in mapping.items()
    ]
    body = itertools.chain(rows[table.header_row :], rows_iter)
    for i, row in enumerate(body, start=table.header_row + 1):
        if all(_blank(cell) for cell in row):
            continue
        if len(table.rows) >= max_rows:
            table.errors.append(
                CellError(i, _("文件"), _("超过 %(n)d 行上限，请分批导入") % {"n": max_rows}, rule="size")
            )
            break
        record = {"_row": i}
        width = len(row)
        for j, key, column, unit, header, figure in plan:
            raw = row[j] if j < width else None
            if figure and type(raw) is float and raw - raw == 0:
                # _parse's first case inlined: most cells of a large file are figures.
                number = Decimal(repr(raw))
                record[key] = number if unit is None else number * unit
                continue
            value, error = _parse(column, raw, unit)
            if error:
                table.errors.append(CellError(i, header, error))
            record[key] = value
        table.rows.append(record)
    return table


# A text that Excel or LibreOffice would take for a formula (or a DDE call) when typed into a
# cell: OWASP's list for CSV injection (= + - @ tab CR), plus LF.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _put(ws, value, row: int | None = None, column: int | None = None):
    """A cell holding ``value``; text is always text. openpyxl turns a string starting with "="
    into a live formula, so every string is written with the string data type, and one that
    starts like a formula also gets Excel's quote prefix (the cell shows exactly the text, and
    editing it in Excel or LibreOffice keeps it text). Characters XML cannot carry (control
    characters) are dropped instead of failing the whole export."""
    return _fill(Cell(ws, row=row, column=column), value)


def _fill(cell, value):
    value = _cell_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


# Number formats by column kind (issue 14): figures stay numbers, dates stay dates, both shown
# the way a Chinese office reads them; a text column never gets one.
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "int": "0",
    "decimal": "#,##0.00##",  # two decimals at least, up to four: 13.7244, 1,234.50
    "date": "yyyy-mm-dd",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _append(ws, values: Iterable, columns: Sequence[Column] | None = None) -> None:
    cells = []
    for j, value in enumerate(values):
        column = columns[j] if columns is not None and j < len(columns) else None
        kind = column.kind if column is not None else "text"
        if kind == "date" and isinstance(value, str) and _ISO_DATE.fullmatch(value):
            value = dt.date.fromisoformat(value)  # an ISO date handed over as text is a date
        cell = _put(ws, value)
        # A time keeps openpyxl's date-and-time format; a figure or a date gets its column's.
        if (
            kind in NUMBER_FORMATS
            and value is not None
            and cell.data_type in ("n", "d")
            and not isinstance(value, dt.datetime)
        ):
            cell.number_format = (column.number_format if column is not None else None) or NUMBER_FORMATS[
                kind
            ]
        cells.append(cell)
    ws.append(cells)


def _drop_down(column: Column) -> list[str]:
    """The values a template's drop-down offers in ``column`` (none for free text)."""
    if column.kind == "choice":
        return [str(label) for _, label in column.choices or ()]
    if column.kind == "bool":
        return ["是", "否"]
    return [str(option) for option in column.options or ()]


@dataclass
class Caption:
    """Two lines above a sheet's header — the table's name and period, and its source — and the
    number formats of its figures: per column index, or per data row (a sheet of mixed figures)."""

    title: str
    source: str = ""
    column_formats: dict | None = None
    row_formats: list | None = None


def _caption(ws, caption: Caption, width: int) -> None:
    last_row = ws.max_row
    ws.insert_rows(1, amount=2)
    _fill(ws.cell(row=1, column=1), caption.title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    _fill(ws.cell(row=2, column=1), caption.source)
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(max(width, 1))}{last_row + 2}"
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if not isinstance(cell.value, int | float):
                continue
            if caption.row_formats is not None:
                if cell.row - 4 < len(caption.row_formats):
                    cell.number_format = caption.row_formats[cell.row - 4]
            elif caption.column_formats and (cell.column - 1) in caption.column_formats:
                cell.number_format = caption.column_formats[cell.column - 1]


def write_workbook(
    sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence]]],
    *,
    template: bool = False,
    captions: dict[str, Caption] | None = None,
    instructions: Sequence[str] = (),
    example: Sequence[Sequence] = (),
) -> bytes:
    """Sheets of (title, columns, rows). With ``template`` the choice columns get drop-downs
    over 1,000 rows and a notes row explains each column. ``captions`` (by sheet title) put a
    table's name, period and source above its header (the briefing's annex). A template's
    ``instructions`` (lines) open its 说明 sheet and ``example`` (rows, e.g. a mark, the headers
    and one filled row) closes it — on the 说明 sheet, never on the data sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    lists = None
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        _append(ws, [c.header + ("*" if template and c.required else "") for c in columns])
        for j, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            ws.column_dimensions[get_column_letter(j)].width = column.width
        ws.freeze_panes = "A2"
        for row in rows:
            _append(ws, row, columns)
        if not template and columns:
            # A filter on the header row over the whole table, in every export.
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"
        if template:
            for j, column in enumerate(columns, start=1):
                letter = get_column_letter(j)
                labels = _drop_down(column)
                if labels:
                    if lists is None:
                        lists = wb.create_sheet("_lists")
                        lists.sheet_state = "hidden"
                    # One column of the hidden sheet per list: a list of 300 streets is longer than
                    # the 255 characters an inline list may have, a range reference has no limit.
                    col = get_column_letter(
                        lists.max_column + (0 if lists.max_row == 1 and lists["A1"].value is None else 1)
                    )
                    for k, label in enumerate(labels, start=1):
                        _fill(lists[f"{col}{k}"], label)
                    validation = DataValidation(
                        type="list",
                        formula1=f"=_lists!${col}$1:${col}${len(labels)}",
                        allow_blank=not column.required,
                        showErrorMessage=True,
                        errorTitle="输入有误",
                        error=f"请从下拉列表中选择「{column.header}」",
                    )
                elif column.kind == "date":
                    validation = DataValidation(
                        type="date",
                        operator="between",
                        formula1="DATE(1990,1,1)",
                        formula2="DATE(2100,12,31)",
                        allow_blank=not column.required,
                        showErrorMessage=True,
                        errorTitle="输入有误",
                        error=f"「{column.header}」应为日期，如 2021-03-31",
                    )
                elif column.kind in ("int", "decimal", "money"):
                    validation = DataValidation(
                        type="whole" if column.kind == "int" else "decimal",
                        operator="between",
                        formula1="-1000000000000",
                        formula2="1000000000000",
                        allow_blank=not column.required,
                        showErrorMessage=True,
                        errorTitle="输入有误",
                        error=f"「{column.header}」应为{'整数' if column.kind == 'int' else '数字'}",
                    )
                else:
                    continue
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}1001")
            notes = wb["说明"] if "说明" in wb.sheetnames else wb.create_sheet("说明")
            _append(notes, [f"【{title}】", "带 * 的列为必填；选择类的列请用下拉列表；金额单位见表头。"])
            for column in columns:
                _append(
                    notes,
                    [
                        column.header,
                        column.help
                        or {
                            "date": "日期，如 2021-03-31",
                            "money": "金额",
                            "int": "整数",
                            "decimal": "数字",
                        }.get(column.kind, ""),
                    ],
                )
        if captions and title in captions:
            _caption(ws, captions[title], len(columns))
    if template and (instructions or example):
        notes = wb["说明"] if "说明" in wb.sheetnames else wb.create_sheet("说明")
        if instructions:
            notes.insert_rows(1, len(instructions) + 1)
            for i, line in enumerate(instructions, start=1):
                _fill(notes.cell(row=i, column=1), line)
        notes.column_dimensions["A"].width = 28
        notes.column_dimensions["B"].width = 60
        if example:
            _append(notes, [])
            for row in example:
                _append(notes, row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
