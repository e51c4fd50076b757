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

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from districtops.core import excel
from districtops.core.officedoc import OfficialDocument

from .figures import Month
from .services import district_summary

CHINESE_NUMERALS = "一二三四五六七八九十"
PDF_TIMEOUT_SECONDS = 120


@dataclass
class Briefing:
    summary: dict
    docx: bytes
    xlsx: bytes
    pdf: bytes | None
    seconds: float

    @property
    def basename(self) -> str:
        return f"月度通报-{self.summary['district']['code']}-{self.summary['period']}"


def _section(summary: dict, key: str) -> dict | None:
    return next((s for s in summary["sections"] if s["key"] == key), None)


def _figures_sentence(figures: list[dict]) -> str:
    parts = [f"{f['label']}{f['text']}{f['unit']}" for f in figures]
    return "，".join(parts) + "。"


def _table_rows(table: dict) -> list[list[str]]:
    return [[cell["text"] for cell in row] for row in table["rows"]]


def _chart_values(table: dict, column: int) -> list[float | None]:
    values = []
    for row in table["rows"]:
        text = row[column]["text"].replace(",", "")
        try:
            values.append(float(text))
        except ValueError:
            values.append(None)
    return values


class _Writer:
    """Numbers the headings (一、（一）) and the tables and figures as it goes."""

    def __init__(self, doc: OfficialDocument):
        self.doc = doc
        self.h1 = self.h2 = self.tables = self.images = 0

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

    def chart(self, table: dict, value_columns: dict[str, int], unit: str):
        if not table["rows"]:
            return
        # matplotlib takes seconds to import: load it when a chart is drawn, not in every web worker.
        from . import charts

        labels = [row[0]["text"] for row in table["rows"]]
        series = {name: _chart_values(table, col) for name, col in value_columns.items()}
        self.images += 1
        png = charts.bar_chart(table["title"], labels, series, unit)
        self.doc.image(png, width_mm=150, caption=f"图{self.images}　{table['title']}")


def _economy(w: _Writer, summary: dict):
    w.heading1("经济运行情况")
    section = _section(summary, "economy")
    if section is None:
        w.doc.paragraph(f"本报告期（{summary['period_label']}）暂无经济运行数据。")
        return
    w.heading2("主要指标")
    w.doc.paragraph(_figures_sentence(section["figures"]))
    tables = {t["key"]: t for t in section["tables"]}
    if "indicators" in tables:
        w.table(tables["indicators"])
        w.chart(tables["indicators"], {"累计增速": 2, "全年目标": 3}, "%")
    if "drivers" in tables and tables["drivers"]["rows"]:
        w.heading2("增长动力")
        w.table(tables["drivers"])
    if section.get("warnings"):
        w.heading2("运行预警")
        for text in section["warnings"]:
            w.doc.paragraph(text)
    if "forecast" in tables and tables["forecast"]["rows"]:
        w.heading2("全年预测")
        w.table(tables["forecast"])


def _projects(w: _Writer, summary: dict):
    w.heading1("重点项目推进情况")
    section = _section(summary, "projects")
    if section is None:
        w.doc.paragraph("本区暂无重点项目数据。")
        return
    w.doc.paragraph(_figures_sentence(section["figures"]))
    for table in section["tables"]:
        if table["rows"]:
            w.heading2(table["title"])
            w.table(table)
            w.chart(table, {"逾期节点": 1, "滞后节点": 2}, "个")


def _supervision(w: _Writer, summary: dict):
    w.heading1("督查督办和排名")
    keys = ("supervision", "hazards", "deputies")
    present = [s for s in (_section(summary, k) for k in keys) if s]
    if not present:
        w.doc.paragraph("本区暂无督查督办数据。")
        return
    for section in present:
        w.heading2(section["title"])
        w.doc.paragraph(_figures_sentence(section["figures"]))
        for table in section["tables"]:
            if table["rows"]:
                w.table(table)


def _attention(w: _Writer, summary: dict):
    w.heading1("需关注的问题")
    if not summary["warnings"]:
        w.doc.paragraph("本期各项指标和重点工作未出现预警。")
        return
    for i, text in enumerate(summary["warnings"], start=1):
        w.doc.paragraph(f"{i}．{text}")


def render_docx(summary: dict) -> bytes:
    district, period = summary["district"]["name"], summary["period_label"]
    doc = OfficialDocument(f"{district}{period}经济运行和重点工作通报")
    w = _Writer(doc)
    has_data = any(s["key"] != "organisation" for s in summary["sections"])
    if not has_data:
        doc.paragraph(f"本报告期（{period}）暂无经济运行、重点项目和督查督办数据，本期通报无统计内容。")
    _economy(w, summary)
    _projects(w, summary)
    _supervision(w, summary)
    _attention(w, summary)
    today = summary["today"]
    doc.signature(f"{district}人民政府办公室", f"{today[:4]}年{int(today[5:7])}月{int(today[8:10])}日")
    return doc.to_bytes()


def render_xlsx(summary: dict) -> bytes:
    """The annex: every figure on one sheet, then one sheet per table (empty ones too)."""
    figure_columns = [
        excel.Column("section", "板块", width=14),
        excel.Column("label", "指标", width=22),
        excel.Column("text", "数值", width=14),
        excel.Column("unit", "单位", width=8),
    ]
    figure_rows = [
        [s["title"], f["label"], f["text"], f["unit"]] for s in summary["sections"] for f in s["figures"]
    ]
    sheets = [("主要数据", figure_columns, figure_rows)]
    seen = set()
    for section in summary["sections"]:
        for t in section["tables"]:
            title = t["title"].replace("：", "-")[:28]
            while title in seen:
                title += "_"
            seen.add(title)
            columns = [excel.Column(f"c{i}", h, width=16) for i, h in enumerate(t["headers"])]
            sheets.append((title, columns, _table_rows(t)))
    return excel.write_workbook(sheets)


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


def build(user, district, period: Month, *, pdf: bool = True) -> Briefing:
    """Gather the cockpit's figures for ``district`` and ``period`` and render every file.

    Year-end forecasts not in the economy's cache yet take seconds to fit: they are fitted in
    another process (``forecasts.Fitting``) while this one renders the document without them —
    which loads matplotlib and python-docx and draws the charts, kept for the second pass —
    and the figures are then gathered again with the fitted forecasts, so the document is
    still one summary.
    """
    from . import forecasts

    started = time.perf_counter()
    pending: list = []
    summary = district_summary(user, district, period, pending_forecasts=pending)
    if pending:
        fitting = forecasts.Fitting(pending)
        render_docx(summary)
        fitting.wait()
        summary = district_summary(user, district, period)
    docx = render_docx(summary)
    xlsx = render_xlsx(summary)
    pdf_bytes = convert_to_pdf(docx) if pdf else None
    return Briefing(summary, docx, xlsx, pdf_bytes, time.perf_counter() - started)


def store_artifact(job_id: int, filename: str, content: bytes) -> str:
    return default_storage.save(f"jobs/briefings/{job_id}/{filename}", ContentFile(content))


def open_artifact(path: str):
    return default_storage.open(path, "rb")
