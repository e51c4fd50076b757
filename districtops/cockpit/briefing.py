"""The monthly briefing (月度经济运行和重点工作通报): a Word document, an Excel annex, a PDF.

Every number in the document is a figure's ``text`` or a table cell of the cockpit's
``district_summary`` for the same district and month: nothing is recomputed here.
Layout: ``core.officedoc`` (GB/T 9704). Sections:

一、经济运行情况 — indicator table, chart, growth drivers, warnings, forecast
二、重点项目推进情况 — investment pipeline, battle map by street and command post
三、督查督办和排名 — matters, hazards, deputies' suggestions, unit ranking
四、需关注的问题 — the warnings of every section
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from districtops.core import clock, excel
from districtops.core.officedoc import OfficialDocument
from districtops.org.models import Unit

from .figures import Month
from .models import BriefingSettings
from .services import district_summary, issue_briefing, settings_for

CHINESE_NUMERALS = "一二三四五六七八九十"
PDF_TIMEOUT_SECONDS = 120
ANNEX_SOURCE = "DistrictOps 领导驾驶舱（数据来源：区统计局已发布统计数据及各业务模块台账）"
# How many rows of a ranking the text names (the whole table is in the annex).
TOP = 3


@dataclass
class Briefing:
    summary: dict
    docx: bytes
    xlsx: bytes
    pdf: bytes | None
    seconds: float
    heading: dict = field(default_factory=dict)  # doc_number, copy_number, issued_on, title

    @property
    def basename(self) -> str:
        return f"月度通报-{self.summary['district']['code']}-{self.summary['period']}"


def title_of(summary: dict, *, lines: bool = False) -> str:
    """The title; with ``lines`` broken where it reads well (the place and month, then the subject)."""
    return f"{summary['district']['name']}{summary['period_label']}{chr(10) if lines else ''}经济运行和重点工作通报"


def annex_name(summary: dict) -> str:
    return f"{summary['district']['name']}{summary['period_label']}经济运行和重点工作明细表"


def _section(summary: dict, key: str) -> dict | None:
    return next((s for s in summary["sections"] if s["key"] == key), None)


def _known(f: dict) -> bool:
    return f["value"] is not None


def _figures_sentence(figures: list[dict], lead: str = "") -> str:
    """The figures that have a value, as one sentence; those without one are named as such
    (never "—%")."""
    known = [f"{f['label']}{f['text']}{f['unit']}" for f in figures if _known(f)]
    missing = [f["label"] for f in figures if not _known(f)]
    parts = []
    if known:
        parts.append(lead + "，".join(known) + "。")
    if missing:
        parts.append(f"{'、'.join(missing)}暂无可计算的数据。")
    return "".join(parts)


def _table_rows(table: dict) -> list[list[str]]:
    return [[cell["text"] for cell in row] for row in table["rows"]]


def _tables(section: dict) -> dict:
    return {t["key"]: t for t in section["tables"]}


class _Writer:
    """Numbers the headings (一、（一）) and the tables as it goes."""

    def __init__(self, doc: OfficialDocument):
        self.doc = doc
        self.h1 = self.h2 = self.tables = 0

    def heading1(self, text):
        self.h1 += 1
        self.h2 = 0
        self.doc.heading1(f"{CHINESE_NUMERALS[self.h1 - 1]}、{text}")

    def heading2(self, text):
        self.h2 += 1
        self.doc.heading2(f"（{CHINESE_NUMERALS[self.h2 - 1]}）{text}")

    def table(self, table: dict):
        self.tables += 1
        self.doc.table(table["headers"], _table_rows(table), caption=f"表{self.tables}　{table['title']}")

    def paragraph(self, text: str):
        if text:
            self.doc.paragraph(text)


def _drivers_sentence(table: dict) -> str:
    rows = [r for r in _table_rows(table) if r[1] not in ("", "—")][:TOP]
    if not rows:
        return ""
    named = "、".join(f"{name}（{value}个百分点）" for name, value in rows)
    return f"从行业看，拉动规上工业总产值增长居前的是{named}。"


def _forecast_sentence(table: dict, basis: str) -> str:
    """Indicators whose year-end target is at risk (达标概率 below one half), then the table's notes."""
    parts = []
    at_risk = []
    for name, estimate, _interval, target, chance in _table_rows(table):
        try:
            probability = float(chance.rstrip("%"))
        except ValueError:
            continue
        if probability < 50 and estimate not in ("", "—") and target not in ("", "—"):
            at_risk.append(f"{name}（达标概率{chance}）")
    if at_risk:
        parts.append(f"按{basis}累计推算，完成全年目标有压力的是{'、'.join(at_risk)}。")
    elif table["rows"]:
        parts.append(f"按{basis}累计推算，各项指标全年达标概率均在一半以上。")
    parts += [n if n.endswith("。") else n + "。" for n in table["notes"]]
    return "".join(parts)


def _battle_sentence(table: dict, noun: str) -> str:
    rows = [r for r in _table_rows(table) if r[1] not in ("0", "—") or r[2] not in ("0", "—")][:TOP]
    if not rows:
        return ""
    named = "、".join(f"{r[0]}（逾期{r[1]}个、滞后{r[2]}个）" for r in rows)
    return f"节点逾期和滞后较多的{noun}：{named}。"


def _ranking_sentence(table: dict) -> str:
    rows = _table_rows(table)
    if not rows:
        return ""
    rate = len(table["headers"]) - 1
    head = "、".join(f"{r[1]}（{r[rate]}%）" for r in rows[:TOP] if r[rate] != "—")
    tail = "、".join(f"{r[1]}（{r[rate]}%）" for r in rows[-TOP:] if r[rate] != "—" and r not in rows[:TOP])
    text = f"责任单位按时办结率居前的是{head}" if head else ""
    if tail:
        text += f"；居后的是{tail}" if text else f"责任单位按时办结率居后的是{tail}"
    return text + "。" if text else ""


def _economy(w: _Writer, summary: dict):
    w.heading1("经济运行情况")
    section = _section(summary, "economy")
    stats = summary.get("statistics_period_label") or ""
    if section is None or not stats:
        w.paragraph(
            f"截至本报告期（{summary['period_label']}），本区尚无已发布的经济统计数据，本期不作经济运行分析。"
        )
        return
    w.paragraph(_figures_sentence(section["figures"], lead=f"{stats}，全区"))
    tables = _tables(section)
    sentences = []
    if tables.get("drivers", {}).get("rows"):
        sentences.append(_drivers_sentence(tables["drivers"]))
    if "forecast" in tables:
        sentences.append(_forecast_sentence(tables["forecast"], stats))
    w.paragraph("".join(sentences))
    targets = [f for f in section["figures"] if f.get("light") == "grey"]
    if targets and len(targets) == len(section["figures"]):
        w.paragraph("本年度尚未设定经济指标全年目标，暂不作目标对比。")


def _projects(w: _Writer, summary: dict):
    w.heading1("重点项目推进情况")
    section = _section(summary, "projects")
    if section is None:
        w.paragraph("本区暂无重点项目数据。")
        return
    w.paragraph(_figures_sentence(section["figures"], lead="全区"))
    tables = _tables(section)
    w.paragraph(
        "".join(
            _battle_sentence(tables[key], noun)
            for key, noun in (("battle_by_street", "街道（单位）"), ("battle_by_post", "指挥部"))
            if key in tables
        )
    )


def _supervision(w: _Writer, summary: dict):
    w.heading1("督查督办和安全生产")
    keys = ("supervision", "hazards", "deputies")
    present = [s for s in (_section(summary, k) for k in keys) if s and s["figures"]]
    if not present:
        w.paragraph("本区暂无督查督办数据。")
        return
    for section in present:
        w.heading2(section["title"])
        text = _figures_sentence(section["figures"])
        tables = _tables(section)
        if "unit_ranking" in tables:
            text += _ranking_sentence(tables["unit_ranking"])
        w.paragraph(text)


def _attention(w: _Writer, summary: dict):
    w.heading1("需关注的问题")
    if not summary["warnings"]:
        w.paragraph("本期各项指标和重点工作未出现预警。")
        return
    for i, text in enumerate(summary["warnings"], start=1):
        w.paragraph(f"{i}．{text}")


def render_docx(
    summary: dict,
    heading: dict | None = None,
    settings: BriefingSettings | None = None,
    *,
    colophon_page_breaks: int = 0,
) -> bytes:
    """The 公文: 版头 from the district's settings and ``heading`` (doc_number, copy_number,
    issued_on as a date), the text in four parts, the annex named, signature and 版记 at the
    bottom of the page — ``colophon_page_breaks`` pages after the one where the text ends
    (see ``with_even_last_page``)."""
    heading = heading or {}
    settings = settings or default_settings_from_summary(summary)
    period = summary["period_label"]
    issued_on = heading.get("issued_on") or dt.date.fromisoformat(summary["today"])
    date_text = f"{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    doc = OfficialDocument()
    doc.masthead(
        settings.sign_lines,
        number=heading.get("doc_number", ""),
        copy_number=heading.get("copy_number", ""),
        classification=settings.classification,
    )
    doc.title(title_of(summary, lines=True), blank_before=2)
    if settings.recipients:
        doc.recipients(settings.recipients)
    has_data = any(s["key"] != "organisation" for s in summary["sections"])
    if has_data:
        doc.paragraph(f"现将{period}全区经济运行和重点工作情况通报如下。")
    else:
        doc.paragraph(f"本报告期（{period}）暂无经济运行、重点项目和督查督办数据，本期通报无统计内容。")
    w = _Writer(doc)
    _economy(w, summary)
    _projects(w, summary)
    _supervision(w, summary)
    _attention(w, summary)
    doc.attachments([annex_name(summary)])
    doc.signature(settings.issuer, date_text)
    doc.colophon(
        copy_to=settings.copy_to,
        printer=settings.printer or settings.issuer,
        print_date=date_text,
        page_breaks=colophon_page_breaks,
    )
    return doc.to_bytes()


def default_settings_from_summary(summary: dict) -> BriefingSettings:
    return settings_for(Unit.objects.get(pk=summary["district"]["id"]))


# --- the Excel annex ----------------------------------------------------------------------

_PERCENT = re.compile(r"[（(]%[)）]|%|百分点")


def _number_format(header: str) -> tuple[str, str] | None:
    """(kind, Excel number format) of a column by the unit in its header, or None for text."""
    if "亿元" in header:
        return "decimal", "#,##0.00"
    if "百分点" in header:
        return "decimal", "0.00"
    if _PERCENT.search(header) or header.endswith("率") or "概率" in header:
        return "decimal", "0.0"
    if header in ("名次", "在办", "逾期", "已办结") or header.endswith(("节点", "事项", "隐患")):
        return "int", "#,##0"
    return None


def _annex_column(table: dict, index: int, header: str) -> tuple[str, tuple[str, str] | None]:
    """The annex header (with its unit) and (kind, format) of a column: by the unit in the
    header; else, for a column of numbers only, by their "%" or the table title's 亿元."""
    found = _number_format(header)
    if found:
        if found[1] == "0.0" and "%" not in header:  # a rate named without its unit (达标概率)
            header = f"{header}（%）"
        return header, found
    cells = [r[index]["text"] for r in table["rows"] if index < len(r) and r[index]["text"] not in ("", "—")]
    if not cells or not all(isinstance(_as_number(c), int | float) for c in cells):
        return header, None
    if all(c.endswith("%") for c in cells):
        return f"{header}（%）", ("decimal", "0.0")
    if "亿元" in table["title"]:
        return f"{header}（亿元）", ("decimal", "#,##0.00")
    return header, ("decimal", "#,##0.##")


def _as_number(text: str):
    """A cell's text as the number it shows ("1,234" → 1234, "8%" → 8.0); None for "—" or text."""
    raw = text.replace(",", "").rstrip("%").strip()
    if not raw or raw == "—":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() and "." not in raw else float(value)


def _figure_unit(unit: str) -> str:
    return {"%": "0.0", "亿元": "#,##0.00"}.get(unit, "#,##0")


def render_xlsx(summary: dict) -> bytes:
    """The annex: every figure on one sheet (value a number, its unit beside it), then one
    sheet per table with numbers as numbers in their headers' units. Each sheet has a title
    row naming the table, the statistics period and the source; its header row is frozen and
    filtered."""
    stats = summary.get("statistics_period_label") or "无已发布统计数据"
    period = summary["period_label"]
    figure_columns = [
        excel.Column("section", "板块", width=16),
        excel.Column("label", "指标", width=30),
        excel.Column("value", "数值", kind="decimal", width=14),
        excel.Column("unit", "单位", width=8),
        excel.Column("period", "统计期", width=16),
    ]
    figure_rows, figure_formats = [], []
    for s in summary["sections"]:
        for f in s["figures"]:
            figure_rows.append(
                [s["title"], f["label"], f["value"], f["unit"], stats if s["key"] == "economy" else period]
            )
            figure_formats.append(_figure_unit(f["unit"]))
    sheets = [("主要数据", figure_columns, figure_rows)]
    notes = {
        "主要数据": (f"{summary['district']['name']}主要数据（报告期{period}，经济指标统计期{stats}）", {})
    }
    seen = set()
    for section in summary["sections"]:
        for t in section["tables"]:
            title = re.sub(r"[\\/*?:\[\]：]", "-", t["title"])[:28]
            while title in seen:
                title += "_"
            seen.add(title)
            columns, formats = [], {}
            for i, header in enumerate(t["headers"]):
                header, kind_format = _annex_column(t, i, header)
                texts = [header] + [r[i]["text"] for r in t["rows"] if i < len(r)]
                width = max(10, min(40, round(max(excel_width(x) for x in texts)) + 2))
                kind = kind_format[0] if kind_format else "text"
                columns.append(excel.Column(f"c{i}", header, kind=kind, width=width))
                if kind_format:
                    formats[i] = kind_format[1]
            rows = [
                [(_as_number(c["text"]) if i in formats else c["text"]) for i, c in enumerate(r)]
                for r in t["rows"]
            ]
            when = stats if section["key"] == "economy" else f"报告期{period}，状态截至{summary['today']}"
            notes[title] = (t["title"] if when in t["title"] else f"{t['title']}（{when}）", formats)
            sheets.append((title, columns, rows))
    captions = {}
    for title, _columns, _rows in sheets:
        caption, formats = notes.get(title, ("", {}))
        if title == "主要数据":
            captions[title] = excel.Caption(caption, f"来源：{ANNEX_SOURCE}", row_formats=figure_formats)
        else:
            captions[title] = excel.Caption(caption, f"来源：{ANNEX_SOURCE}", column_formats=formats)
    return excel.write_workbook(sheets, captions=captions)


def excel_width(text: str) -> float:
    """Excel column width for ``text``: a Chinese character is about two digits wide."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in str(text))


def convert_to_pdf(docx: bytes) -> bytes | None:
    """A PDF through LibreOffice when it is installed (it is optional); None otherwise."""
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "briefing.docx"
        source.write_bytes(docx)
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
             "--convert-to", "pdf", "--outdir", tmp, str(source)],
            check=True, capture_output=True, timeout=PDF_TIMEOUT_SECONDS,
        )  # fmt: skip
        return (Path(tmp) / "briefing.pdf").read_bytes()


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF LibreOffice wrote (its page objects are plain, uncompressed dicts)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def with_even_last_page(render) -> tuple[bytes, bytes | None]:
    """The .docx and its PDF with the 版记 on the last page, an even one (GB/T 9704 §7.4).

    ``render(breaks)`` gives the .docx with the 版记 ``breaks`` pages after the page where the
    text ends. With none, it sits at the bottom of that page — or, when the signature leaves it
    no room, at the bottom of the next. LibreOffice counts the pages: an odd count takes one
    page break before the 版记 (the text ended on an odd page), and if that is still odd (the
    text ended on an even page too full for it) two. Usually one conversion, the PDF the
    briefing offers anyway; without LibreOffice the plain flow (no break) and no PDF.
    """
    docx = render(0)
    pdf = convert_to_pdf(docx)
    breaks = 0
    while pdf is not None and pdf_page_count(pdf) % 2 and breaks < 2:
        breaks += 1
        docx = render(breaks)
        pdf = convert_to_pdf(docx)
    return docx, pdf


def build(user, district, period: Month, *, pdf: bool = True, issue: bool = False, job=None) -> Briefing:
    """Gather the cockpit's figures for ``district`` and ``period`` and render every file.

    With ``issue`` the briefing is entered in the register (``IssuedBriefing``) first and
    gets its 发文字号 (and 份号 where the district numbers copies); a draft has neither.

    Year-end forecasts not in the economy's cache yet take seconds to fit: they are fitted in
    another process (``yearend.Fitting``) while this one renders the document without them —
    which loads python-docx —
    and the figures are then gathered again with the fitted forecasts, so the document is
    still one summary.
    """
    from . import yearend

    started = time.perf_counter()
    settings = settings_for(district)
    pending: list = []
    summary = district_summary(user, district, period, pending_forecasts=pending)
    if pending:
        fitting = yearend.Fitting(pending)
        render_docx(summary, settings=settings)
        fitting.wait()
        summary = district_summary(user, district, period)
    heading = {"issued_on": clock.today(), "title": title_of(summary)}
    if issue:
        issued = issue_briefing(user, district, period, title=heading["title"], job=job)
        heading.update(doc_number=issued.doc_number, copy_number=issued.copy_number, register_id=issued.pk)
    if pdf:  # LibreOffice's page count puts the 版记 on an even page
        docx, pdf_bytes = with_even_last_page(
            lambda breaks: render_docx(summary, heading, settings, colophon_page_breaks=breaks)
        )
    else:
        docx, pdf_bytes = render_docx(summary, heading, settings), None
    xlsx = render_xlsx(summary)
    return Briefing(summary, docx, xlsx, pdf_bytes, time.perf_counter() - started, heading)


def store_artifact(job_id: int, filename: str, content: bytes) -> str:
    return default_storage.save(f"jobs/briefings/{job_id}/{filename}", ContentFile(content))


def open_artifact(path: str):
    return default_storage.open(path, "rb")
