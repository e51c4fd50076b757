"""Export → edit → re-import: rows with a 项目编号 / 编号 update their project through the services
(version-checked, audited), node rows update their nodes through update_node (node 版本, 变更原因 for a
baselined plan), node progress and investment stages are refused, templates round-trip."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from districtops.audit.models import AuditRecord
from districtops.core.excel import ImportRefused
from districtops.projects import imports, services
from districtops.projects.models import ConstructionProject, InvestmentProject, ProjectNode, Stage

pytestmark = pytest.mark.django_db
TODAY = dt.date(2021, 3, 31)


def _upload(content: bytes, name="import.xlsx"):
    return SimpleUploadedFile(name, content)


def _edit(content: bytes, edits: dict, sheet: str | None = None) -> bytes:
    """Set cells by (Excel row, header) on ``sheet`` (the first one by default)."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    headers = {cell.value: cell.column_letter for cell in ws[1]}
    for (row, header), value in edits.items():
        ws[f"{headers[header]}{row}"] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rows(content: bytes, sheet: str | None = None) -> list[dict]:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)]


@pytest.fixture
def three(road, units, category):
    """T-001 (the road fixture) and two more projects of 南关街街道, seven template nodes each."""
    more = [
        services.create_construction_project(
            None,
            code=f"T-00{i}",
            name=f"测试工程{i}",
            category=category,
            lead_unit=units["南关街街道"],
            budget=Decimal("2000000"),
            planned_start=dt.date(2021, 2, 1),
            planned_end=dt.date(2021, 11, 30),
        )  # fmt: skip
        for i in (2, 3)
    ]
    return [road, *more]


def _export_construction():
    return imports.export_construction(ConstructionProject.objects.order_by("code"), TODAY)


def _row_of(content, code):
    return next(i for i, r in enumerate(_rows(content, "项目"), start=2) if r["项目编号"] == code)


def test_construction_export_edit_two_rows_reimport_updates_them(three, users):
    content = _export_construction()
    assert _rows(content, "项目")[0]["版本"] == three[0].version
    edited = _edit(
        content,
        {
            (_row_of(content, "T-002"), "项目名称"): "测试工程二（改名）",
            (_row_of(content, "T-003"), "总投资（万元）"): 350,
        },
        "项目",
    )
    nodes_before = ProjectNode.objects.count()
    preview = imports.import_construction(users["leader"], _upload(edited, "改两行.xlsx"), check_only=True)
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 1, "error": 0}
    assert ConstructionProject.objects.get(code="T-002").name == "测试工程2"  # check only: nothing written
    preview = imports.import_construction(users["leader"], _upload(edited, "改两行.xlsx"))
    assert ConstructionProject.objects.count() == 3 and ProjectNode.objects.count() == nodes_before
    changes = {r.code: [(c.column, c.old, c.new) for c in r.changes] for r in preview.changed_rows}
    assert changes == {
        "T-002": [("项目名称", "测试工程2", "测试工程二（改名）")],
        "T-003": [("总投资（万元）", "2000000.00", "3500000.00")],
    }
    t2, t3 = ConstructionProject.objects.get(code="T-002"), ConstructionProject.objects.get(code="T-003")
    assert (t2.name, t2.version, t3.budget, t3.version) == ("测试工程二（改名）", 2, Decimal("3500000"), 2)
    assert ConstructionProject.objects.get(code="T-001").version == 1  # the unchanged row is not written
    updates = AuditRecord.objects.filter(object_type="projects.constructionproject", action="update")
    assert sorted(updates.values_list("object_id", flat=True)) == sorted([str(t2.pk), str(t3.pk)])
    assert updates.get(object_id=str(t3.pk)).before["budget"] == "2000000.00"
    record = AuditRecord.objects.get(object_type="projects.constructionproject", action="import")
    assert record.after["updated"] == [t2.pk, t3.pk] and record.after["created"] == []
    # The same file again: its 版本 are now stale for the two changed projects.
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(edited))
    assert {(e.row, e.column, e.rule) for e in exc.value.errors} == {
        (_row_of(content, "T-002"), "版本", "conflict"),
        (_row_of(content, "T-003"), "版本", "conflict"),
    }


def test_construction_stale_version_is_refused_and_nothing_written(three, users):
    content = _export_construction()
    services.update_construction_project(
        None, three[1], expected_version=1, location="东大街"
    )  # after export
    edited = _edit(
        content,
        {(_row_of(content, "T-001"), "位置"): "南关", (_row_of(content, "T-002"), "位置"): "x"},
        "项目",
    )
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(edited))
    [error] = exc.value.errors
    assert (error.row, error.column, error.rule) == (_row_of(content, "T-002"), "版本", "conflict")
    assert "导出时版本 1，现为 2" in error.message
    assert ConstructionProject.objects.get(code="T-001").location == ""  # the good row is rolled back too


def _node_row(content, code, sequence):
    nodes = _rows(content, "节点")
    return next(i for i, r in enumerate(nodes, start=2) if r["项目编号"] == code and r["顺序"] == sequence)


def test_unchanged_export_reimports_with_nothing_changed(three, users):
    content = _export_construction()
    assert {"变更原因", "版本"} <= set(_rows(content, "节点")[0])
    versions = sorted(ProjectNode.objects.values_list("pk", "version"))
    records = AuditRecord.objects.count()
    preview = imports.import_construction(users["leader"], _upload(content))
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert sorted(ProjectNode.objects.values_list("pk", "version")) == versions
    assert AuditRecord.objects.count() == records + 1  # only the import record itself


def test_two_node_plan_changes_one_without_reason_refuse_the_whole_file(three, users):
    content = _export_construction()
    first, second = _node_row(content, "T-002", 1), _node_row(content, "T-003", 2)
    t2_first = ProjectNode.objects.get(project__code="T-002", sequence=1)
    assert t2_first.baseline_end is not None  # registration recorded the 立项 baseline
    new_end = t2_first.planned_end + dt.timedelta(days=10)
    t3_second = ProjectNode.objects.get(project__code="T-003", sequence=2)
    edits = {
        (first, "计划完成"): new_end,
        (first, "变更原因"): "征迁协调延后",
        (second, "计划完成"): t3_second.planned_end + dt.timedelta(days=5),
    }
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(_edit(content, edits, "节点")))
    [error] = exc.value.errors
    assert (error.row, error.column) == (second, "节点表·变更原因")
    assert "变更原因" in error.message and t3_second.name in error.message
    assert ProjectNode.objects.get(pk=t2_first.pk).planned_end == t2_first.planned_end  # nothing written
    # With both reasons the file goes in: two nodes through update_node, each audited and kept
    # in the node's plan history with its reason.
    edits[(second, "变更原因")] = "设计变更"
    preview = imports.import_construction(users["leader"], _upload(_edit(content, edits, "节点")))
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 1, "error": 0}
    changes = {r.code: [(c.column, c.old, c.new) for c in r.changes] for r in preview.changed_rows}
    assert changes["T-002"] == [
        (f"节点1「{t2_first.name}」·计划完成", str(t2_first.planned_end), str(new_end))
    ]
    node = ProjectNode.objects.get(pk=t2_first.pk)
    assert (node.planned_end, node.version, node.plan_slips) == (new_end, 2, 1)
    assert node.plan_changes.get().reason == "征迁协调延后"
    updates = AuditRecord.objects.filter(object_type="projects.projectnode", action="update")
    assert sorted(updates.values_list("object_id", flat=True)) == sorted(
        [str(t2_first.pk), str(t3_second.pk)]
    )
    assert ConstructionProject.objects.get(code="T-002").version == 1  # the project row itself unchanged
    # The same file again: the two nodes' 版本 are stale now.
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(_edit(content, edits, "节点")))
    assert {(e.row, e.column, e.rule) for e in exc.value.errors} == {
        (first, "节点表·版本", "conflict"),
        (second, "节点表·版本", "conflict"),
    }


def test_node_actual_dates_update_and_progress_stays_with_reports(three, users):
    content = _export_construction()
    row = _node_row(content, "T-002", 1)
    node = ProjectNode.objects.get(project__code="T-002", sequence=1)
    edits = {
        (row, "实际开始"): dt.date(2021, 2, 3),
        (row, "实际完成"): dt.date(2021, 3, 20),
        (row, "进度（%）"): 100,
    }
    preview = imports.import_construction(
        users["nanguan"], _upload(_edit(content, edits, "节点")), check_only=True
    )
    assert [(c.column, c.old, c.new) for c in preview.changed_rows[0].changes] == [
        (f"节点1「{node.name}」·实际开始", "空", "2021-02-03"),
        (f"节点1「{node.name}」·实际完成", "空", "2021-03-20"),
    ]
    assert ProjectNode.objects.get(pk=node.pk).actual_start is None  # check only
    imports.import_construction(users["nanguan"], _upload(_edit(content, edits, "节点")))
    node.refresh_from_db()
    assert (node.actual_start, node.actual_end, node.progress) == (
        dt.date(2021, 2, 3),
        dt.date(2021, 3, 20),
        100,
    )
    # Progress by hand, a future actual date, and a 顺序 the project lacks are refused by row and column.
    content = _export_construction()
    second = _node_row(content, "T-002", 2)
    edits = {
        (second, "进度（%）"): 40,
        (second + 1, "实际开始"): dt.date(2021, 4, 2),
        (second + 2, "顺序"): 99,
    }
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["nanguan"], _upload(_edit(content, edits, "节点")))
    found = {(e.row, e.column): e.message for e in exc.value.errors}
    assert set(found) == {
        (second, "节点表·进度（%）"),
        (second + 1, "节点表·实际开始"),
        (second + 2, "节点表·顺序"),
    }
    assert found[(second, "节点表·进度（%）")].startswith("节点进度请在节点页填报进度报告")
    assert "不能晚于今天" in found[(second + 1, "节点表·实际开始")]
    assert "不能由导入增加节点" in found[(second + 2, "节点表·顺序")]
    assert not ProjectNode.objects.filter(progress=40).exists()


def test_node_changes_of_another_districts_project_are_refused(three, users):
    content = _export_construction()
    row = _node_row(content, "T-001", 1)
    edited = _edit(content, {(row, "责任人"): "金水某人"}, "节点")
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["jinshui_leader"], _upload(edited))
    assert {e.row for e in exc.value.errors if not e.column.startswith("节点表")} == {2, 3, 4}
    assert not ProjectNode.objects.filter(owner="金水某人").exists()
    assert ConstructionProject.objects.count() == 3
    # The district's own leader may: the owner is a field of the node form.
    preview = imports.import_construction(users["leader"], _upload(edited))
    assert preview.updated == 1 and ProjectNode.objects.filter(owner="金水某人").count() == 1


def test_supporting_unit_may_record_dates_but_not_move_the_plan_refused(three, users):
    content = imports.export_construction(ConstructionProject.objects.filter(code="T-001"), TODAY)
    row = _node_row(content, "T-001", 1)  # T-001 is supported by 城建局
    node = ProjectNode.objects.get(project__code="T-001", sequence=1)
    edited = _edit(
        content,
        {(row, "计划开始"): node.planned_start + dt.timedelta(days=1), (row, "变更原因"): "调整"},
        "节点",
    )
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["chengjian"], _upload(edited))
    assert [(e.row, e.column, e.rule) for e in exc.value.errors] == [(row, "节点表·计划开始", "permission")]
    assert ProjectNode.objects.get(pk=node.pk).planned_start == node.planned_start
    # Actual dates are a report: the supporting unit may record them.
    edited = _edit(content, {(row, "实际开始"): dt.date(2021, 1, 4)}, "节点")
    assert imports.import_construction(users["chengjian"], _upload(edited)).updated == 1
    assert ProjectNode.objects.get(pk=node.pk).actual_start == dt.date(2021, 1, 4)


def test_nodes_of_a_completed_project_are_not_changed(road, users):
    for node in road.nodes.order_by("sequence"):
        day = dt.date(2021, 1, node.sequence)
        node.actual_start, node.actual_end, node.progress = day, day, 100
        node.save()
    content = _export_construction()
    edited = _edit(content, {(2, "责任人"): "新责任人"}, "节点")
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(edited))
    [error] = exc.value.errors
    assert error.rule == "closed" and "责任人" in error.message
    assert not ProjectNode.objects.filter(owner="新责任人").exists()


def test_shifting_a_whole_plan_later_applies_in_an_order_the_node_rules_accept(three, users):
    content = _export_construction()
    edits = {}
    for node in ProjectNode.objects.filter(project__code="T-003"):
        row = _node_row(content, "T-003", node.sequence)
        edits[(row, "计划开始")] = node.planned_start + dt.timedelta(days=60)
        edits[(row, "计划完成")] = node.planned_end + dt.timedelta(days=60)
        edits[(row, "变更原因")] = "整体顺延"
    preview = imports.import_construction(users["leader"], _upload(_edit(content, edits, "节点")))
    assert preview.updated == 1 and len(preview.changed_rows[0].changes) == 14
    assert ProjectNode.objects.filter(project__code="T-003", version=2).count() == 7


def test_category_cannot_change_and_a_new_code_creates(three, users):
    content = _export_construction()
    edited = _edit(content, {(_row_of(content, "T-003"), "工程类别"): "老旧小区改造"}, "项目")
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["leader"], _upload(edited))
    assert [(e.row, e.column) for e in exc.value.errors] == [(_row_of(content, "T-003"), "工程类别")]
    # A fourth row with a new 项目编号 creates a project with the category's template nodes.
    edited = _edit(content, {(5, "项目编号"): "T-004", (5, "项目名称"): "新工程", (5, "计划开始"): dt.date(2021, 4, 1),
                             (5, "计划完成"): dt.date(2021, 10, 1), (5, "工程类别"): "城市道路改造", (5, "牵头街道"): "南关街街道"},
                   "项目")  # fmt: skip
    preview = imports.import_construction(users["nanguan"], _upload(edited))
    assert preview.counts == {"create": 1, "update": 0, "unchanged": 3, "error": 0}
    new = ConstructionProject.objects.get(code="T-004")
    assert new.nodes.count() == 7
    created = AuditRecord.objects.get(
        object_type="projects.constructionproject", object_id=str(new.pk), action="create"
    )
    assert created.after["code"] == "T-004" and len(created.after["nodes"]) == 7
    from districtops.audit import chain

    assert chain.verify().ok  # the bulk-written create records are in the hash chain


def test_project_without_code_is_matched_by_its_exported_p_number(units, category, users):
    project = services.create_construction_project(
        None, name="无编号工程", category=category, lead_unit=units["南关街街道"],
        planned_start=dt.date(2021, 1, 1), planned_end=dt.date(2021, 6, 30),
    )  # fmt: skip
    content = _export_construction()
    assert _rows(content, "项目")[0]["项目编号"] == f"P{project.pk}"
    edited = _edit(content, {(2, "分管领导"): "王副区长"}, "项目")
    preview = imports.import_construction(users["leader"], _upload(edited))
    assert (preview.created, preview.updated) == (0, 1)
    assert ConstructionProject.objects.get().responsible_leader == "王副区长"


def test_completed_project_is_not_changed(road, users):
    for node in road.nodes.order_by("sequence"):
        day = dt.date(2021, 1, node.sequence)
        node.actual_start, node.actual_end, node.progress = day, day, 100
        node.save()  # set up a finished project directly (no documents needed here)
    content = _export_construction()
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(
            users["leader"], _upload(_edit(content, {(2, "项目名称"): "改名"}, "项目"))
        )
    assert exc.value.errors[0].rule == "closed" and "全部完成" in exc.value.errors[0].message
    assert imports.import_construction(users["leader"], _upload(content)).unchanged == 1


def test_construction_template_round_trip(config, users):
    template = imports.template("construction", users["nanguan"])
    filled = _edit(
        template,
        {(2, "项目编号"): "TPL-1", (2, "项目名称*"): "模板工程", (2, "工程类别*"): "城市道路改造",
         (2, "牵头街道*"): "南关街街道", (2, "总投资（万元）"): 12.5, (2, "计划开始*"): dt.date(2021, 1, 1),
         (2, "计划完成*"): dt.date(2021, 12, 31)},
        "项目",
    )  # fmt: skip
    filled = _edit(
        filled,
        {(2, "项目编号*"): "TPL-1", (2, "顺序*"): 1, (2, "节点名称*"): "设计", (2, "计划开始*"): dt.date(2021, 1, 1),
         (2, "计划完成*"): dt.date(2021, 3, 31), (3, "项目编号*"): "TPL-1", (3, "顺序*"): 2, (3, "节点名称*"): "施工",
         (3, "计划开始*"): dt.date(2021, 4, 1), (3, "计划完成*"): dt.date(2021, 12, 31)},
        "节点",
    )  # fmt: skip
    assert imports.import_construction(users["nanguan"], _upload(filled)).created == 1
    project = ConstructionProject.objects.get(code="TPL-1")
    assert (project.budget, list(project.nodes.values_list("name", flat=True))) == (
        Decimal("125000"),
        ["设计", "施工"],
    )
    again = imports.import_construction(users["nanguan"], _upload(_export_construction()))
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


# --- investment ------------------------------------------------------------------------------------


@pytest.fixture
def two_investments(signed, sector, units):
    other = services.create_investment_project(
        None, name="测试物流园项目", investor_name="测试物流有限公司", sector=sector,
        contracted_amount=Decimal("100000000"), lead_unit=units["南关街街道"], negotiating_since=dt.date(2021, 1, 5),
    )  # fmt: skip
    return [signed, other]


def _export_investment():
    return imports.export_investment(InvestmentProject.objects.order_by("pk"))


def test_investment_export_has_code_and_version_and_two_edits_update(two_investments, users):
    signed, other = two_investments
    content = _export_investment()
    rows = _rows(content)
    assert [(r["编号"], r["版本"]) for r in rows] == [(f"ZS-{signed.pk:06d}", 1), (f"ZS-{other.pk:06d}", 1)]
    edited = _edit(content, {(2, "投资方"): "测试科技股份有限公司", (3, "签约金额（万元）"): 12000})
    preview = imports.import_investment(users["leader"], _upload(edited))
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 0, "error": 0}
    assert InvestmentProject.objects.count() == 2
    signed.refresh_from_db()
    other.refresh_from_db()
    assert (signed.investor_name, signed.version, signed.stage) == ("测试科技股份有限公司", 2, Stage.SIGNED)
    assert (other.contracted_amount, other.version) == (Decimal("120000000"), 2)
    assert AuditRecord.objects.filter(object_type="projects.investmentproject", action="update").count() == 2
    with pytest.raises(ImportRefused) as exc:  # stale now
        imports.import_investment(users["leader"], _upload(edited))
    assert {(e.row, e.column) for e in exc.value.errors} == {(2, "版本"), (3, "版本")}


def test_investment_stage_change_is_refused(two_investments, users):
    content = _export_investment()
    edited = _edit(content, {(2, "阶段"): "注册", (2, "注册日期"): dt.date(2021, 3, 1), (3, "阶段"): "签约"})
    with pytest.raises(ImportRefused) as exc:
        imports.import_investment(users["leader"], _upload(edited))
    found = {(e.row, e.column): e.message for e in exc.value.errors}
    assert set(found) == {(2, "阶段"), (2, "注册日期"), (3, "阶段")}
    assert "阶段变更请在项目页办理" in found[(2, "阶段")] and "现为“签约”" in found[(2, "阶段")]
    assert set(InvestmentProject.objects.values_list("stage", flat=True)) == {Stage.SIGNED, Stage.NEGOTIATING}
    # The stored stage written back is fine.
    assert imports.import_investment(users["leader"], _upload(content)).unchanged == 2


def test_investment_unknown_code_is_refused(two_investments, users):
    content = _edit(_export_investment(), {(2, "编号"): "ZS-999999", (3, "编号"): "乱写"})
    with pytest.raises(ImportRefused) as exc:
        imports.import_investment(users["leader"], _upload(content))
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "编号"), (3, "编号")]


def test_investment_template_round_trip(config, users):
    template = imports.template("investment", users["nanguan"])
    filled = _edit(template, {
        (2, "项目名称*"): "模板招商项目", (2, "投资方*"): "模板公司", (2, "产业领域*"): "新一代信息技术",
        (2, "签约金额（万元）*"): 500, (2, "落地街道*"): "南关街街道", (2, "阶段"): "签约",
        (2, "签约日期"): dt.date(2021, 3, 1),
    })  # fmt: skip
    assert imports.import_investment(users["nanguan"], _upload(filled)).created == 1
    project = InvestmentProject.objects.get()
    assert (project.stage, project.contracted_amount) == (Stage.SIGNED, Decimal("5000000"))
    assert AuditRecord.objects.filter(object_type="projects.investmentproject", action="create").count() == 1
    again = imports.import_investment(users["nanguan"], _upload(_export_investment()))
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


def test_investment_detail_page_shows_the_code(login, signed):
    page = login("nanguan").get(signed.get_absolute_url()).content.decode()
    assert f"ZS-{signed.pk:06d}" in page


# --- the import page -----------------------------------------------------------------------------


def test_import_page_previews_then_confirms(login, three):
    content = _export_construction()
    edited = _edit(content, {(_row_of(content, "T-002"), "位置"): "东大街"}, "项目")
    client = login("leader")
    page = client.post("/projects/import/construction/", {"file": _upload(edited), "check_only": "1"})
    html = page.content.decode()
    assert 'data-testid="count-update">1<' in html and 'data-testid="count-unchanged">2<' in html
    assert "东大街" in html and 'data-testid="import-apply"' in html
    assert ConstructionProject.objects.get(code="T-002").location == ""
    import re

    stage = re.search(r'name="stage" value="([^"]+)"', html).group(1)
    response = client.post("/projects/import/construction/", {"stage": stage})
    assert response.status_code == 302
    assert ConstructionProject.objects.get(code="T-002").location == "东大街"
    assert client.get("/projects/import/investment/?template=1")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_other_street_cannot_update_or_duplicate_projects_it_cannot_see(three, users):
    content = _edit(_export_construction(), {(2, "位置"): "别处"}, "项目")
    with pytest.raises(ImportRefused) as exc:
        imports.import_construction(users["beixiajie"], _upload(content))
    assert {e.row for e in exc.value.errors} == {2, 3, 4}  # each row refused, none created as a copy
    assert ConstructionProject.objects.count() == 3
    assert not ConstructionProject.objects.filter(location="别处").exists()
    # The lead street's own staff may update their project.
    preview = imports.import_construction(users["nanguan"], _upload(content))
    assert preview.updated == 1 and ConstructionProject.objects.filter(location="别处").count() == 1
