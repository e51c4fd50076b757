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


def _without_codes(content: bytes) -> bytes:
    """An investment export with its 编号 column cleared (the projects are deleted before the
    re-import, so the rows create new ones rather than naming projects that no longer exist)."""
    wb = load_workbook(io.BytesIO(content))
    sheet = wb.active
    assert sheet["A1"].value == "编号"
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.value = None
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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
    assert [c.value for c in sheet[1]][:4] == ["项目编号", "项目名称*", "工程类别*", "牵头街道*"]
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
    assert created.created == 1
    assert _snapshot(ConstructionProject.objects.all()) == before


def test_check_only_writes_nothing(road, users):
    content = imports.export_construction(ConstructionProject.objects.all(), dt.date(2021, 3, 31))
    ConstructionProject.objects.all().delete()
    assert imports.import_construction(users["nanguan"], _upload(content), check_only=True).created == 1
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
    assert imports.import_construction(users["leader"], _upload(content)).created == 1
    project = ConstructionProject.objects.get()
    assert project.nodes.count() == 7  # no node rows: the category template
    from districtops.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="import", object_type="projects.constructionproject").exists()


def test_not_an_excel_file(config, users):
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(b"MZ\x90 not excel"))
    assert exc.value.errors[0].column == "文件"


def test_investment_import_round_trip_and_bad_code(signed, users):
    content = _without_codes(imports.export_investment(InvestmentProject.objects.all()))
    InvestmentProject.objects.all().delete()
    assert imports.import_investment(users["nanguan"], _upload(content)).created == 1
    project = InvestmentProject.objects.get()
    assert (project.name, project.investor_credit_code, project.contracted_amount, project.stage, project.signed_on) == (
        signed.name, signed.investor_credit_code, signed.contracted_amount, signed.stage, signed.signed_on
    )  # fmt: skip
    wb = load_workbook(io.BytesIO(content))
    assert wb.active["G1"].value == "统一社会信用代码"
    wb.active["G2"] = "91350100M000100Y44"
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


def _investment_at_every_stage(sector, units):
    """Five projects, one per stage, reached through the services with evidence."""
    from decimal import Decimal

    from districtops.projects import services
    from districtops.projects.models import SigningMode, Stage
    from districtops.projects.tests.conftest import pdf

    # A conference named with full-width brackets: cells are read folded, names must still match.
    conference = services.create_conference(
        None, name="2021年春季推介会（示例）", held_on=dt.date(2021, 1, 8), organiser=units["商务局"]
    )
    projects = [
        services.create_investment_project(
            None, name="洽谈中的项目", investor_name="洽谈公司", sector=sector,
            contracted_amount=Decimal("12345.67"), lead_unit=units["南关街街道"],
            negotiating_since=dt.date(2021, 1, 5),
        )
    ]  # fmt: skip
    dates = [dt.date(2021, 1, 10), dt.date(2021, 2, 1), dt.date(2021, 2, 20), dt.date(2021, 3, 15)]
    stages = [Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING]
    for reached in range(1, 5):
        project = services.create_investment_project(
            None, name=f"第{reached}阶段项目", investor_name=f"投资方{reached}",
            investor_credit_code="91350200776049653A", sector=sector,
            contracted_amount=Decimal(100000000 * reached), planned_investment=Decimal("250000.5"),
            lead_unit=units["南关街街道"], supporting_units=[units["商务局"]], responsible_leader="李副区长",
            conference=conference, signing_mode=SigningMode.BEFORE, stage=Stage.SIGNED, signed_on=dates[0],
            register_due=dt.date(2021, 3, 1), start_due=dt.date(2021, 6, 1),
        )  # fmt: skip
        for to_stage, day in list(zip(stages, dates[1:], strict=True))[: reached - 1]:
            project = services.transition_stage(
                None, project, to_stage=to_stage, happened_on=day, evidence=pdf()
            )
        projects.append(project)
    return projects


INVESTMENT_FIELDS = (
    "name", "conference_id", "signing_mode", "investor_name", "investor_domestic", "investor_credit_code",
    "sector_id", "contracted_amount", "planned_investment", "lead_unit_id", "responsible_leader", "stage",
    "stage_changed_on", "signed_on", "registered_on", "started_on", "producing_on", "register_due", "start_due",
)  # fmt: skip


def _investment_snapshot(projects):
    return sorted(
        (*(getattr(p, f) for f in INVESTMENT_FIELDS), sorted(p.supporting_units.values_list("pk", flat=True)))
        for p in projects
    )


def test_investment_round_trip_at_every_stage(sector, units, users):
    from districtops.audit.models import AuditRecord

    _investment_at_every_stage(sector, units)
    before = _investment_snapshot(InvestmentProject.objects.all())
    assert {row[INVESTMENT_FIELDS.index("stage")] for row in before} == {
        "negotiating", "signed", "registered", "started", "producing"
    }  # fmt: skip
    content = _without_codes(imports.export_investment(InvestmentProject.objects.all()))
    InvestmentProject.objects.all().delete()
    assert imports.import_investment(users["leader"], _upload(content), check_only=True).created == 5
    assert not InvestmentProject.objects.exists()
    assert imports.import_investment(users["leader"], _upload(content)).created == 5
    assert _investment_snapshot(InvestmentProject.objects.all()) == before
    assert AuditRecord.objects.filter(object_type="projects.investmentproject", action="import").exists()


def _investment_sheet(content, edits):
    wb = load_workbook(io.BytesIO(content))
    sheet = wb.active
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    for (row, header), value in edits.items():
        sheet[f"{headers[header]}{row}"] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_investment_import_stage_dates_are_checked_and_nothing_is_written(sector, units, users):
    _investment_at_every_stage(sector, units)
    projects = InvestmentProject.objects.order_by("pk")
    content = imports.export_investment(projects)
    names = [p.name for p in projects]  # export order follows the queryset
    row_of = {name: i + 2 for i, name in enumerate(names)}
    bad = _investment_sheet(
        content,
        {
            (row_of["第4阶段项目"], "开工日期"): dt.date(2021, 1, 1),  # before 注册
            (row_of["第3阶段项目"], "开工日期"): dt.date(2021, 4, 30),  # in the future (today 2021-03-31)
            (row_of["第2阶段项目"], "注册日期"): None,  # 注册 reached, date missing
            (row_of["第1阶段项目"], "投产日期"): dt.date(2021, 3, 1),  # stage not reached
            (row_of["洽谈中的项目"], "阶段"): "飞跃",  # not a stage
        },
    )
    bad = _without_codes(bad)
    InvestmentProject.objects.all().delete()
    with pytest.raises(ImportRefused) as exc:
        imports.import_investment(users["leader"], _upload(bad))
    found = {(e.row, e.column): e.message for e in exc.value.errors}
    assert "不能早于注册日期" in found[(row_of["第4阶段项目"], "开工日期")]
    assert "不能晚于今天" in found[(row_of["第3阶段项目"], "开工日期")]
    assert "须填写注册日期" in found[(row_of["第2阶段项目"], "注册日期")]
    assert "应为空" in found[(row_of["第1阶段项目"], "投产日期")]
    assert "不在可选范围内" in found[(row_of["洽谈中的项目"], "阶段")]
    assert len(found) == 5 and not InvestmentProject.objects.exists()


def test_investment_import_registered_domestic_needs_a_credit_code(sector, units, users):
    _investment_at_every_stage(sector, units)
    projects = InvestmentProject.objects.filter(name="第2阶段项目")
    content = _investment_sheet(imports.export_investment(projects), {(2, "统一社会信用代码"): None})
    with pytest.raises(ImportRefused) as exc:
        imports.import_investment(users["leader"], _upload(content))
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "统一社会信用代码")]


def test_investment_template_offers_every_stage(config):
    wb = load_workbook(io.BytesIO(imports.template("investment")))
    headers = [c.value for c in wb.active[1]]
    lists = {tuple(c.value for c in column if c.value) for column in wb["_lists"].iter_cols()}
    assert ("洽谈", "签约", "注册", "开工", "投产") in lists
    assert any("新一代信息技术" in column for column in lists)
    stage_column = headers.index("阶段") + 1
    ranges = {str(r) for dv in wb.active.data_validations.dataValidation for r in dv.sqref.ranges}
    from openpyxl.utils import get_column_letter

    assert f"{get_column_letter(stage_column)}2:{get_column_letter(stage_column)}1001" in ranges
    assert {"签约日期", "注册日期", "开工日期", "投产日期"} <= set(headers)


def test_import_holds_text_to_its_field_length_before_bulk_create(config, users):
    """bulk_create skips the services' save path (and SQLite no varchar length): an over-long
    cell is refused by row and column, and nothing is written."""
    from districtops.projects.models import ProjectNode as Node

    name_max = ConstructionProject._meta.get_field("name").max_length
    node_max = Node._meta.get_field("name").max_length
    rows = [_row("R0001"), _row("R0002")]
    rows[1][1] = "长" * (name_max + 1)
    nodes = [["R0001", 1, "设" * (node_max + 1), "", dt.date(2021, 2, 1), dt.date(2021, 3, 1), None, None, 0]]
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(_workbook_with_rows(rows, nodes)))
    errors = {(e.row, e.column): e.message for e in exc.value.errors}
    assert any(row == 3 and f"最多 {name_max} 个字符" in m for (row, _c), m in errors.items()), errors
    assert any(c.startswith("节点表") and f"最多 {node_max} 个字符" in m for (_r, c), m in errors.items()), (
        errors
    )
    assert not ConstructionProject.objects.exists() and not Node.objects.exists()
    rows[1][1] = "长" * name_max
    assert imports.import_construction(users["nanguan"], _upload(_workbook_with_rows(rows))).created == 2
