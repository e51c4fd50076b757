"""Excel in and out: template, round trip, all-or-nothing with every bad row reported."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from districtops.core.excel import ImportRefused
from districtops.projects import imports
from districtops.projects.models import ConstructionProject, InvestmentProject, ProjectNode

pytestmark = pytest.mark.django_db


def _upload(content: bytes, name="import.xlsx"):
    return SimpleUploadedFile(name, content)


def _snapshot(projects):
    rows = []
    for p in projects.order_by("code"):
        rows.append(
            (
                p.code, p.name, p.category_id, p.lead_unit_id, p.command_post_id, p.budget, p.planned_start,
                p.planned_end, sorted(p.supporting_units.values_list("pk", flat=True)),
                list(p.nodes.order_by("sequence").values_list(
                    "sequence", "name", "planned_start", "planned_end", "actual_start", "actual_end", "progress"
                )),
            )
        )  # fmt: skip
    return rows


def test_template_has_chinese_headers_and_drop_downs(config):
    wb = load_workbook(io.BytesIO(imports.template("construction")))
    sheet = wb["项目"]
    assert [c.value for c in sheet[1]][:4] == ["项目编号*", "项目名称*", "工程类别*", "牵头街道*"]
    assert sheet.data_validations.dataValidation  # 工程类别 is a drop-down
    assert "节点" in wb.sheetnames


def test_export_then_import_gives_the_same_data(road, users):
    from districtops.projects import services

    node = road.nodes.get(sequence=1)
    services.update_node(
        None, node, expected_version=None, actual_start=dt.date(2021, 1, 3), actual_end=dt.date(2021, 2, 20)
    )
    before = _snapshot(ConstructionProject.objects.all())
    content = imports.export_construction(ConstructionProject.objects.all(), dt.date(2021, 3, 31))
    ConstructionProject.objects.all().delete()
    created = imports.import_construction(users["nanguan"], _upload(content))
    assert created == 1
    assert _snapshot(ConstructionProject.objects.all()) == before


def test_check_only_writes_nothing(road, users):
    content = imports.export_construction(ConstructionProject.objects.all(), dt.date(2021, 3, 31))
    ConstructionProject.objects.all().delete()
    assert imports.import_construction(users["nanguan"], _upload(content), check_only=True) == 1
    assert not ConstructionProject.objects.exists()


def _workbook_with_rows(rows, node_rows=()):
    from districtops.core.excel import write_workbook

    return write_workbook(
        [("项目", imports.construction_columns(), rows), ("节点", imports.NODE_COLUMNS, list(node_rows))]
    )


def _row(code, street="南关街街道", start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31), budget=100):
    return [
        code,
        f"项目{code}",
        "城市道路改造",
        street,
        "城建局",
        "城市道路改造指挥部",
        "",
        "",
        "",
        budget,
        "",
        start,
        end,
    ]


def test_one_bad_row_among_many_imports_nothing_and_reports_every_bad_row(config, users):
    rows = [_row(f"R{i:04d}") for i in range(300)]
    rows[17] = _row("R0017", street="不存在街道")
    rows[150] = _row("R0150", end=dt.date(2020, 12, 1))
    rows[299] = _row("R0299", budget=-5)
    nodes = [["R0001", 1, "设计", "", dt.date(2021, 2, 1), dt.date(2021, 3, 1), None, None, 0],
             ["R0001", 2, "施工", "", dt.date(2021, 1, 15), dt.date(2021, 6, 1), None, None, 0],
             ["R0002", 1, "设计", "", dt.date(2021, 1, 1), dt.date(2021, 3, 1), dt.date(2021, 4, 2), None, 0]]  # fmt: skip
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(_workbook_with_rows(rows, nodes)))
    found = {(e.row, e.column) for e in exc.value.errors}
    assert (19, "牵头街道") in found  # row 17 of data is Excel row 19 (header on row 1)
    assert (152, "计划完成") in found
    assert (301, "总投资（万元）") in found
    assert (3, "节点表·计划开始") in found  # 施工 starts before its predecessor 设计
    assert (4, "节点表·实际开始") in found  # actual date in the future
    assert all("第" in str(e) for e in exc.value.errors)
    assert not ConstructionProject.objects.exists() and not ProjectNode.objects.exists()


def test_rows_outside_the_persons_units_are_refused(config, users):
    content = _workbook_with_rows([_row("X1", street="北下街街道")])
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(content))
    assert exc.value.errors[0].column == "牵头街道"
    assert imports.import_construction(users["leader"], _upload(content)) == 1
    project = ConstructionProject.objects.get()
    assert project.nodes.count() == 7  # no node rows: the category template
    from districtops.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="import", object_type="projects.constructionproject").exists()


def test_not_an_excel_file(config, users):
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(b"MZ\x90 not excel"))
    assert exc.value.errors[0].column == "文件"


def test_investment_import_round_trip_and_bad_code(signed, users):
    content = imports.export_investment(InvestmentProject.objects.all())
    InvestmentProject.objects.all().delete()
    assert imports.import_investment(users["nanguan"], _upload(content)) == 1
    project = InvestmentProject.objects.get()
    assert (project.name, project.investor_credit_code, project.contracted_amount, project.stage, project.signed_on) == (
        signed.name, signed.investor_credit_code, signed.contracted_amount, signed.stage, signed.signed_on
    )  # fmt: skip
    wb = load_workbook(io.BytesIO(content))
    wb.active["F2"] = "91350100M000100Y44"
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(ImportRefused) as exc:
        imports.import_investment(users["nanguan"], _upload(buffer.getvalue()))
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "统一社会信用代码")]


def test_import_page_reports_errors_by_row(login, config):
    content = _workbook_with_rows([_row("A1"), _row("A2", street="无此街道")])
    response = login("nanguan").post("/projects/import/construction/", {"file": _upload(content)})
    page = response.content.decode()
    assert "未导入任何数据" in page and "无此街道" in page
    assert not ConstructionProject.objects.exists()
    response = login("nanguan").post(
        "/projects/import/construction/",
        {"file": _upload(_workbook_with_rows([_row("A1")])), "check_only": "on"},
    )
    assert "检查通过" in response.content.decode() and not ConstructionProject.objects.exists()
