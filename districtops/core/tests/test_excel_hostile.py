"""Hostile spreadsheets (issue 11, defect 1): every import path refuses each one with a message
naming what is wrong, writes nothing, and the process serving it lives on.

The corpus is generated (core/tests/hostile_files.py). Imports run through the real pages and the
API with the Django test client, in this process: a file that still reached calamine's dense grid
would abort the test run itself. The crash of the old reader is shown in a subprocess (memory
capped), so this suite survives on the old code and fails there."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.core import excel, uploads

from . import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[3]
COLUMNS = [excel.Column("title", "事项名称", required=True)]


def _corpus(name: str = "Sheet1") -> dict:
    """file name → (bytes, the words the refusal must contain: any one of the alternatives)."""
    return {
        "sparse_declared": (hostile.sparse_corner(name=name), ["A1:XFD1048576"]),
        "sparse_undeclared": (hostile.sparse_corner(declared=False, name=name), ["16384 列"]),
        "deflate_bomb": (hostile.deflate_bomb(300, name=name), ["压缩比"]),
        "lying_bomb": (hostile.deflate_bomb(300, lie=True, name=name), ["已损坏"]),
        "many_entries": (hostile.many_entries(5000, name=name), ["5005 个部件"]),
        "million_rows": (hostile.million_rows(name=name), ["行 × 1 列"]),
        "million_rows_declared": (hostile.million_rows(declared=True, name=name), ["A1:A1000000"]),
        "fake_xlsx": (hostile.not_a_zip(), ["内容与扩展名不符", "不是 Excel 工作簿"]),
        "zip_without_workbook": (
            hostile.zip_without_workbook(),
            ["内容与扩展名不符", "缺少 xl/workbook.xml"],
        ),
        "encrypted": (hostile.encrypted_ooxml(), ["已加密"]),
    }


@pytest.fixture(scope="module")
def corpus():
    return _corpus()


@pytest.fixture(scope="module")
def corpus_projects():
    """The construction import reads the sheet named 项目."""
    return _corpus("项目")


# --- the reader itself, with the default limits ---------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "sparse_declared",
        "sparse_undeclared",
        "deflate_bomb",
        "lying_bomb",
        "many_entries",
        "million_rows",
        "million_rows_declared",
        "fake_xlsx",
        "zip_without_workbook",
        "encrypted",
    ],
)
def test_reader_refuses_with_the_limit_named(corpus, name):
    data, words = corpus[name]
    table = excel.read_table(io.BytesIO(data), COLUMNS)
    assert not table.rows and len(table.errors) == 1
    error = table.errors[0]
    assert error.rule == "file" and error.column == "文件"
    assert any(w in error.message for w in words), error.message


def test_default_limits_refuse_the_bomb_from_the_zip_records_alone(corpus, monkeypatch):
    """The honest bomb is refused on its declared sizes: no byte of it is inflated."""
    data, _words = corpus["deflate_bomb"]

    def no_inflating(*args, **kwargs):
        raise AssertionError("the bomb was opened")

    monkeypatch.setattr("zipfile.ZipFile.open", no_inflating)
    with pytest.raises(excel.SpreadsheetRefused, match="压缩比为 1\\d\\d\\d 倍，超过 200 倍"):
        excel.inspect_workbook(data)


def test_a_bomb_within_the_ratio_is_stopped_at_the_size_limit():
    """A lower ratio (whitespace mixed in a valid sheet is still a bomb) meets the total size."""
    data = hostile.deflate_bomb(12)
    limits = excel.Limits.from_settings()
    limits.ratio, limits.uncompressed = 100_000, 8 * 1048576
    with pytest.raises(excel.SpreadsheetRefused, match="解压后为 12 MB，超过 8 MB 的上限"):
        excel.inspect_workbook(data, limits=limits)


def test_a_bomb_lying_about_its_size_is_read_no_further_than_it_declared(settings):
    settings.EXCEL_MAX_COMPRESSION_RATIO = 10**9  # only the streaming check is left
    table = excel.read_table(io.BytesIO(hostile.deflate_bomb(50, lie=True)), COLUMNS)
    assert "已损坏" in table.errors[0].message


def test_limits_are_settings(settings):
    """Lower limits refuse a file the defaults accept, with the configured figures in the text."""
    rows = [("A1", "事项名称")] + [(f"A{n}", f"事项{n}") for n in range(2, 60)] + [("C2", "x")]
    data = hostile.package(hostile.sheet(rows))
    assert len(excel.read_table(io.BytesIO(data), COLUMNS).rows) == 58
    settings.EXCEL_MAX_ROWS = 50
    assert "上限（50 行" in excel.read_table(io.BytesIO(data), COLUMNS).errors[0].message
    settings.EXCEL_MAX_ROWS, settings.EXCEL_MAX_COLUMNS = 1000, 2
    assert "59 行 × 3 列" in excel.read_table(io.BytesIO(data), COLUMNS).errors[0].message
    settings.EXCEL_MAX_COLUMNS, settings.EXCEL_MAX_CELLS = 16, 100
    assert "共 100 个单元格" in excel.read_table(io.BytesIO(data), COLUMNS).errors[0].message
    settings.EXCEL_MAX_CELLS, settings.EXCEL_MAX_ZIP_ENTRIES = 10_000, 4
    assert "5 个部件，超过 4 个" in excel.read_table(io.BytesIO(data), COLUMNS).errors[0].message


def test_data_rows_stop_at_the_row_limit_while_reading(settings):
    """The lazy read stops at max_rows with the limit named (the scan allows the sheet)."""
    rows = [("A1", "事项名称")] + [(f"A{n}", f"事项{n}") for n in range(2, 30)]
    table = excel.read_table(io.BytesIO(hostile.package(hostile.sheet(rows))), COLUMNS, max_rows=10)
    assert len(table.rows) == 10 and table.errors[-1].message == "超过 10 行上限，请分批导入"


@pytest.mark.parametrize(
    "xml, words",
    [
        # a cell placed far from its own row, rows out of order, namespace prefixes, cells without r
        (
            '<row r="1"><c r="A1" t="inlineStr"><is><t>事项名称</t></is></c><c r="A900000"><v>1</v></c></row>',
            "900000 行",
        ),
        (
            '<row r="900000"><c r="A900000"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>',
            "900000 行",
        ),
        ('<x:row r="1"><x:c r="ZZZ1"><x:v>1</x:v></x:c></x:row>', "18278 列"),
        ('<row r="1">' + "<c><v>1</v></c>" * 300 + "</row>", "300 列"),
        ('<row><c s="1" r="IW3"><v>1</v></c></row>', "257 列"),
    ],
)
def test_irregular_sheets_are_measured_exactly(xml, words):
    sheet = hostile.SHEET_HEAD + "<sheetData>" + xml + "</sheetData></worksheet>"
    if "<x:" in xml:
        sheet = sheet.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace(
            "</worksheet>", "</x:worksheet>"
        )
    table = excel.read_table(io.BytesIO(hostile.package(sheet)), COLUMNS)
    assert table.errors and words in table.errors[0].message, table.errors


def test_the_sheet_is_found_however_the_workbook_index_is_written():
    """Single-quoted attributes in workbook.xml and the sheet's part outside xl/worksheets/:
    the part calamine will read is the part scanned, and the sparse sheet is refused."""
    data = hostile.sparse_corner(declared=False)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = content.replace(b'"', b"'")
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"worksheets/sheet1.xml", b"elsewhere.xml")
            name = "xl/elsewhere.xml" if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            archive.writestr(name, content)
    with pytest.raises(excel.SpreadsheetRefused, match="16384 列"):
        excel.inspect_workbook(buffer.getvalue())


def test_formula_cells_are_read_as_their_values_never_as_formulas():
    table = excel.read_table(io.BytesIO(hostile.formula_cells()), COLUMNS)
    # HYPERLINK's cached text is the value; the DDE formula has none: an empty cell, its row blank.
    assert table.ok and [(r["_row"], r["title"]) for r in table.rows] == [(2, "点我")]


def test_ordinary_files_still_read_the_same():
    """Title rows, a column offset, shared strings: what openpyxl writes reads as before."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["C2"] = "督办事项清单"
    ws["C3"], ws["D3"] = "事项名称", "备注"
    ws["C4"], ws["D4"] = "背街小巷整治", "=1+2"
    ws["C6"] = "  拆违  "
    buffer = io.BytesIO()
    wb.save(buffer)
    table = excel.read_table(io.BytesIO(buffer.getvalue()), COLUMNS)
    assert table.ok and table.header_row == 3
    assert [(r["_row"], r["title"]) for r in table.rows] == [(4, "背街小巷整治"), (6, "拆违")]


# --- the old reader dies on the sparse file; the reader of today lives ---------------------------


CHILD = textwrap.dedent(
    """
    import io, os, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a failed grid allocation, not a swap storm
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
    import django
    django.setup()
    from districtops.core import excel
    table = excel.read_table(io.BytesIO(sys.stdin.buffer.read()), [excel.Column("t", "事项名称", required=True)])
    print("ALIVE", table.errors[0].message if table.errors else "")
    """
)


@pytest.mark.parametrize("declared", [True, False])
def test_the_process_survives_the_sparse_corner_file(declared):
    """On the code before issue 11 the child aborts (calamine's 17-billion-cell grid)."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=hostile.sparse_corner(declared=declared),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    out = result.stdout.decode()
    assert result.returncode == 0 and "ALIVE" in out and "16384 列" in out, (
        result.returncode,
        result.stderr[-800:],
    )


# --- every import path, through the real page or endpoint -----------------------------------------

PAGES = [
    # (persona, url, extra POST fields, needs)
    ("supervisor", "/supervision/matters/import/", {}, None),
    ("nanguan", "/hazards/import/", {}, None),
    ("supervisor", "/deputies/suggestions/import/", {}, None),
    ("tongji", "/economy/imports/", {"kind": "enterprises"}, "economy"),
    ("tongji", "/economy/imports/", {"kind": "reports"}, "economy"),
    ("tongji", "/economy/imports/", {"kind": "electricity"}, "economy"),
    ("tongji", "/economy/imports/", {"kind": "tax"}, "economy"),
    ("tongji", "/economy/prices/import/", {"district": "guancheng"}, "economy"),
    ("nanguan", "/projects/import/construction/", {}, "projects"),
    ("nanguan", "/projects/import/investment/", {}, "projects"),
]


@pytest.fixture
def import_setup(org):
    from districtops.economy.reference import ensure_reference_data
    from districtops.projects import demo

    ensure_reference_data()
    demo.ensure_configuration()
    return org


def _business_rows() -> dict:
    from districtops.deputies.models import Suggestion
    from districtops.economy.models import Enterprise, MonthlyReport, PriceIndex, SourceFigure
    from districtops.hazards.models import Hazard
    from districtops.projects.models import ConstructionProject, InvestmentProject
    from districtops.supervision.models import Matter

    models = [Matter, Hazard, Suggestion, Enterprise, MonthlyReport, SourceFigure, PriceIndex]
    return {m.__name__: m.objects.count() for m in [*models, ConstructionProject, InvestmentProject]}


def _messages(response) -> str:
    from django.contrib.messages import get_messages

    text = response.content.decode()
    if response.wsgi_request is not None:
        text += " ".join(str(m) for m in get_messages(response.wsgi_request))
    return text


@pytest.mark.parametrize(
    "persona, url, extra, _needs", PAGES, ids=[p[1] + str(p[2].get("kind", "")) for p in PAGES]
)
def test_every_import_page_refuses_every_hostile_file(
    import_setup, login, corpus, corpus_projects, persona, url, extra, _needs
):
    client = login(persona)
    if url == "/projects/import/construction/":
        corpus = corpus_projects
    extra = dict(extra)
    if extra.get("district") == "guancheng":
        extra["district"] = import_setup["districts"]["410104"].pk
    before = _business_rows()
    for name, (data, words) in corpus.items():
        response = client.post(url, {**extra, "file": SimpleUploadedFile("报表.xlsx", data)})
        assert response.status_code == 200, (name, response.status_code)
        body = _messages(response)
        assert any(w in body for w in words), (name, url, body[-3000:])
    assert _business_rows() == before  # nothing written


@pytest.mark.parametrize("kind", ["enterprises", "reports", "electricity", "tax"])
def test_the_import_api_refuses_every_hostile_file(import_setup, api_client, corpus, kind):
    client = api_client("tongji")
    for name, (data, words) in corpus.items():
        response = client.post(
            f"/api/v1/economy/imports/{kind}", {"file": SimpleUploadedFile("r.xlsx", data)}
        )
        assert response.status_code in (400, 422), (name, response.status_code, response.content[:500])
        text = json.dumps(response.json(), ensure_ascii=False)
        assert any(w in text for w in words), (name, text[:1500])


# --- the upload check in front of the reader --------------------------------------------------------


def test_upload_check_names_encrypted_and_legacy_files():
    with pytest.raises(Exception, match="已加密"):
        uploads.validate_upload(SimpleUploadedFile("a.xlsx", hostile.encrypted_ooxml()), kinds=("office",))
    with pytest.raises(Exception, match="5005 个部件"):
        uploads.validate_upload(SimpleUploadedFile("a.xlsx", hostile.many_entries(5000)), kinds=("office",))
