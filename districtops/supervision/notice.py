"""The published notice (通报) of a scorecard, as Excel and as Word."""

import io

from docx import Document
from docx.shared import Pt

from districtops.core import excel

from .scorecards import LABELS, compute, red_black

KIND_TITLES = {"subdistrict": "街道（乡）", "department": "区直部门"}


def _indicators(scheme, kind):
    return [name for name, w in scheme.weights.get(kind, {}).items() if w]


def _pct(card, name):
    rate = card.rate(name)
    return "—" if rate is None else f"{rate * 100:.1f}%"


def workbook(scheme) -> bytes:
    tables = compute(scheme)
    sheets = []
    for kind, cards in tables.items():
        names = _indicators(scheme, kind)
        columns = [excel.Column("rank", "名次", width=8), excel.Column("unit", "单位", width=20)]
        columns += [
            excel.Column(n, f"{LABELS[n]}（权重 {scheme.weights[kind][n]}）", width=22) for n in names
        ]
        columns += [excel.Column("score", "综合得分", width=10)]
        rows = [
            [
                c.rank or "",
                c.unit.name,
                *[_pct(c, n) for n in names],
                float(c.score) if c.score is not None else "无数据",
            ]
            for c in cards
        ]
        sheets.append((KIND_TITLES.get(kind, kind), columns, rows))
    return excel.write_workbook(sheets)


def document(scheme) -> bytes:
    tables = compute(scheme)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    doc.add_heading(f"关于{scheme.name}结果的通报", level=1)
    doc.add_paragraph(
        f"考核期：{scheme.period_start:%Y年%m月%d日}至{scheme.period_end:%Y年%m月%d日}。"
        "按期办结率 = 按期办结数 ÷（已办结数 + 未办结且已逾期数）。现将结果通报如下。"
    )
    for kind, cards in tables.items():
        names = _indicators(scheme, kind)
        doc.add_heading(KIND_TITLES.get(kind, kind), level=2)
        red, black = red_black(scheme, cards)
        doc.add_paragraph("红榜：" + ("、".join(c.unit.name for c in red) or "无"))
        doc.add_paragraph("黑榜：" + ("、".join(c.unit.name for c in black) or "无"))
        table = doc.add_table(rows=1, cols=3 + len(names))
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ["名次", "单位", *[LABELS[n] for n in names], "综合得分"], strict=True
        ):
            cell.text = text
        for c in cards:
            values = [
                str(c.rank or ""),
                c.unit.name,
                *[_pct(c, n) for n in names],
                str(c.score) if c.score is not None else "无数据",
            ]
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
