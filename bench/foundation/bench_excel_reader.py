"""The Excel reader before and after the hostile-file hardening (issue 11): time and peak memory
of reading a 50,000-row monthly report file with ``core.excel.read_table``.

"Before" is a verbatim copy of the old function (calamine ``to_python(skip_empty_area=False)``:
the whole sheet as Python lists, no inspection) kept below for the comparison; "after" is the
current reader (zip and sheet-XML inspection against the limits, then rows one at a time). Each
measurement runs in a fresh subprocess so ru_maxrss is that reader's own peak; the runs
alternate to cancel drift on a shared machine.

Run: `.venv/bin/python bench/foundation/bench_excel_reader.py [--rows 50000] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")

FIELDS = ["工业总产值", "营业收入", "商品销售额", "零售额", "建筑业总产值"]
HEADER = (
    ["统一社会信用代码", "报告期"] + [f"{f}{p}" for f in FIELDS for p in ("本月", "本年累计")] + ["用电量"]
)


def columns():
    from districtops.core.excel import Column

    return [
        Column("credit_code", "统一社会信用代码", required=True),
        Column("period", "报告期", required=True),
        *[Column(f"c{i}", text, kind="money") for i, text in enumerate(HEADER[2:-1])],
        Column("electricity", "用电量", kind="decimal", unit="千瓦时"),
    ]


def month_file(rows: int) -> bytes:
    """A statistics-system style monthly file: a title row, the header, ``rows`` enterprises."""
    from openpyxl import Workbook

    from districtops.economy.samples import fictional_credit_code

    wb = Workbook()
    ws = wb.active
    ws.append(["2021年3月 规模以上企业月报（单位：千元）"])
    ws.append(HEADER)
    for n in range(rows):
        base = 1000 + n % 997
        ws.append([fictional_credit_code(n), "2021-03"] + [base * (k + 1) for k in range(10)] + [base * 3.5])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


from districtops.core.excel import _EMPTY, _WIDE_ALNUM, _number  # noqa: E402


# The helpers old_read_table called, as they were (issue 11 made them faster too).
def _old_fold(value) -> str:
    """Full-width → half-width, trimmed, inner whitespace collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def _old_fold_text(value) -> str:
    """A text cell as written, but with full-width digits/letters made half-width, trimmed,
    inner whitespace collapsed: 李副区长（示例） stays 李副区长（示例）, ９１４１ becomes 9141."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value).translate(_WIDE_ALNUM)).strip()


def _old_parse(column, raw, unit: Decimal | None):
    """Return (value, error message or None)."""
    kind = column.kind
    if raw is None or raw == "":  # calamine hands empty cells over as ""
        return None, ("必填" if column.required else None)
    if kind == "text":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = _old_fold_text(raw)
        return (text, None) if text else (None, "必填" if column.required else None)
    if kind in ("int", "decimal", "money") and type(raw) in (int, float):
        # The common case of a numeric cell: no text to fold. repr keeps the float's shortest form.
        number = Decimal(raw) if type(raw) is int else Decimal(repr(raw))
        if not number.is_finite():
            return None, f"“{raw}”不是数字"
        return _number(kind, number, raw, unit)
    if isinstance(raw, str):
        raw = _old_fold(raw)
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
        text = _old_fold(raw)
        for value, label in column.choices or ():
            if text in (str(value), str(label)):
                return value, None
        allowed = "、".join(str(label) for _, label in column.choices or ())
        return None, f"“{text}”不在可选范围内（{allowed}）"
    if kind == "bool":
        text = _old_fold(raw).lower()
        if text in ("是", "y", "yes", "true", "1", "√"):
            return True, None
        if text in ("否", "n", "no", "false", "0", "×"):
            return False, None
        return None, f"“{raw}”应为 是/否"
    raise ValueError(kind)


def _old_blank(cell) -> bool:
    # str.strip() knows the ideographic and no-break spaces too; fold only for what is left.
    return cell is None or (isinstance(cell, str) and (not cell.strip() or not _old_fold(cell)))


def old_read_table(source, columns, *, sheet=0, header_scan=15, max_rows=200_000):
    """core.excel.read_table as it was before issue 11 (commit 784d7db), verbatim."""
    from python_calamine import CalamineWorkbook

    from districtops.core.excel import (
        _TABLE_UNIT_RE,
        UNITS,
        CellError,
        Table,
        _match,
        _merged_spans,
        _text,
        _two_row_headers,
        _units_row,
        header_unit,
    )

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
    mapping = {}
    for i, row in enumerate(rows[:header_scan]):
        found = _match([[_text(cell)] for cell in row], lookup)
        if i + 1 < len(rows):
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
    sheet_unit = None
    for row in rows[:header_index]:
        for cell in row:
            match = _TABLE_UNIT_RE.search(_old_fold(cell))
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
        if all(_old_blank(cell) for cell in row):
            continue
        if len(table.rows) >= max_rows:
            table.errors.append(CellError(i, "文件", f"超过 {max_rows} 行上限，请分批导入", rule="size"))
            break
        record = {"_row": i}
        width = len(row)
        for j, key, column, unit, header in plan:
            value, error = _old_parse(column, row[j] if j < width else None, unit)
            if error:
                table.errors.append(CellError(i, header, error))
            record[key] = value
        table.rows.append(record)
    return table


def _vm(field: str) -> int:
    """A /proc/self/status figure in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child(which: str, path: str) -> None:
    import django

    django.setup()
    from districtops.core import excel

    data = Path(path).read_bytes()
    cols = columns()
    # ru_maxrss survives exec (it would report the parent's peak): reset the kernel's
    # high-water mark instead and read it back from /proc.
    Path("/proc/self/clear_refs").write_text("5")
    before = _vm("VmHWM")
    started = time.perf_counter()
    reader = old_read_table if which == "old" else excel.read_table
    table = reader(io.BytesIO(data), cols, max_rows=250_000)
    seconds = time.perf_counter() - started
    peak = _vm("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "baseline_mb": before / 1024,
                      "rows": len(table.rows), "errors": len(table.errors)}))  # fmt: skip


def refusals(month: bytes) -> None:
    """What refusing costs: the hostile files of the test corpus, with the default limits."""
    from districtops.core import excel
    from districtops.core.tests import hostile_files as hostile

    cols = [excel.Column("title", "事项名称", required=True)]
    files = {
        "A1 + XFD1048576, declared": hostile.sparse_corner(),
        "A1 + XFD1048576, undeclared": hostile.sparse_corner(declared=False),
        "deflate bomb, 300 MiB of XML": hostile.deflate_bomb(300),
        "1,000,000 rows, undeclared": hostile.million_rows(),
        "the 50,000-row file: inspection only": month,
    }
    for label, data in files.items():
        started = time.perf_counter()
        if label.startswith("the 50,000"):
            excel.inspect_workbook(data)
        else:
            assert excel.read_table(io.BytesIO(data), cols).errors
        print(f"  {label:40s} {len(data) / 1024:8.0f} KB  {(time.perf_counter() - started) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import django

    django.setup()
    started = time.perf_counter()
    data = month_file(args.rows)
    print(f"file: {args.rows} rows × {len(HEADER)} columns, {len(data) / 1048576:.1f} MB "
          f"(generated in {time.perf_counter() - started:.0f} s)")  # fmt: skip
    results = {"old": [], "new": []}
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        for _ in range(args.repeat):
            for which in ("old", "new"):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", which, handle.name],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                results[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
    for which, label in (("old", "before (to_python)"), ("new", "after (inspect + lazy rows)")):
        runs = results[which]
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        growth = statistics.median(r["peak_mb"] - r["baseline_mb"] for r in runs)
        print("  runs (s): " + ", ".join(f"{r['seconds']:.2f}" for r in runs))
        print(f"{label:28s} median {seconds:.2f} s; peak RSS {peak:.0f} MB (+{growth:.0f} MB over the "
              f"process before reading); rows {runs[0]['rows']}, errors {runs[0]['errors']}")  # fmt: skip
    old_s = statistics.median(r["seconds"] for r in results["old"])
    new_s = statistics.median(r["seconds"] for r in results["new"])
    old_g = statistics.median(r["peak_mb"] - r["baseline_mb"] for r in results["old"])
    new_g = statistics.median(r["peak_mb"] - r["baseline_mb"] for r in results["new"])
    paired = statistics.median(
        n["seconds"] / o["seconds"] for o, n in zip(results["old"], results["new"], strict=True)
    )
    print(f"paired ratio after/before (median of the rounds): {paired:.2f}x")
    refusals(data)
    print(f"time ratio after/before: {new_s / old_s:.2f}x (goal <= 1.0); "
          f"memory growth ratio after/before: {new_g / max(old_g, 1):.2f}x; load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))  # fmt: skip


if __name__ == "__main__":
    main()
