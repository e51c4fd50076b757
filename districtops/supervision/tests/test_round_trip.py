"""Matters: export → edit two rows → import again updates them (the 编号 is no longer ignored)."""

import io

import pytest
from openpyxl import load_workbook

from districtops.audit.models import AuditRecord
from districtops.core import excel
from districtops.core.tests.xlsx_tools import edit
from districtops.supervision import excel_io, services
from districtops.supervision.models import Matter, Priority
from districtops.supervision.states import MatterState as S

from .factories import matter

URL = "/supervision/matters/import/"


@pytest.fixture
def five(org):
    units = org["units"]
    made = [matter(units, title=f"事项{i}") for i in range(4)] + [
        matter(units, title="已办结", state=S.CLOSED)
    ]
    return {m.code: m for m in made}


def _open(five):
    return sorted(c for c, m in five.items() if m.state != S.CLOSED)


def test_export_edit_two_rows_reimport(org, users, login, five):
    c = login("supervisor")
    exported = c.get("/supervision/matters/export/").content
    a, b = _open(five)[:2]
    upload = edit(
        exported,
        "督办事项",
        "编号",
        {a: {"事项名称": "背街小巷整治（二期）"}, b: {"配合单位": "城建局、城管局", "优先级": "重要"}},
    )
    r = c.post(URL, {"file": upload, "check_only": "1"})
    preview = r.context["preview"]
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 3, "error": 0}
    changes = {p.code: {ch.column: (ch.old, ch.new) for ch in p.changes} for p in preview.changed_rows}
    assert (
        changes[a] == {"事项名称": ("事项0", "背街小巷整治（二期）")}
        or changes[a]["事项名称"][1] == "背街小巷整治（二期）"
    )
    assert changes[b]["配合单位"] == ("城建局", "城建局、城管局") and changes[b]["优先级"][1] == "重要"
    assert Matter.objects.count() == 5 and not Matter.objects.filter(title="背街小巷整治（二期）").exists()
    assert c.post(URL, {"stage": r.context["stage"]}).status_code == 302
    assert Matter.objects.count() == 5
    assert Matter.objects.get(code=a).title == "背街小巷整治（二期）"
    mb = Matter.objects.get(code=b)
    assert {u.name for u in mb.supporting_units.all()} == {
        "城建局",
        "城管局",
    } and mb.priority == Priority.HIGH
    audits = AuditRecord.objects.filter(action="update", object_type="supervision.matter", object_id__in=[
        str(five[a].pk), str(five[b].pk)])  # fmt: skip
    assert audits.count() == 2
    assert sorted(AuditRecord.objects.filter(object_id=str(mb.pk), action="update").get().after["supporting_units"]) == sorted(
        u.pk for u in mb.supporting_units.all())  # fmt: skip
    closed = next(m for m in five.values() if m.state == S.CLOSED)
    assert Matter.objects.get(pk=closed.pk).state == S.CLOSED


def test_closed_matter_refused_and_deadline_not_changed_by_import(org, users, five):
    closed = next(m for m in five.values() if m.state == S.CLOSED)
    a = _open(five)[0]
    content = excel_io.export(Matter.objects.all())
    district = org["units"]["南关街街道"].district
    upload = edit(
        content, "督办事项", "编号", {closed.code: {"交办依据": "重新交办"}, a: {"办理时限": "2021-12-31"}}
    )
    with pytest.raises(excel.ImportRefused) as refused:
        excel_io.import_matters(users["supervisor"], upload, district=district)
    messages = [str(e) for e in refused.value.errors]
    assert len(messages) == 2
    assert "已办结" in messages[0] or "已办结" in messages[1]
    assert any("不能修改已有督办事项的「办理时限」" in m for m in messages)
    assert Matter.objects.get(pk=closed.pk).state == S.CLOSED and Matter.objects.get(pk=closed.pk).basis == ""


def test_stale_version_refused(org, users, five):
    district = org["units"]["南关街街道"].district
    content = excel_io.export(Matter.objects.all())
    a = _open(five)[0]
    services.acknowledge(None, five[a])  # the lead unit signs in between: version moves on
    upload = edit(content, "督办事项", "编号", {a: {"事项名称": "改名"}})
    with pytest.raises(excel.ImportRefused) as refused:
        excel_io.import_matters(users["supervisor"], upload, district=district)
    assert [(e.column, e.rule) for e in refused.value.errors] == [("版本", "conflict")]
    assert Matter.objects.get(code=a).title != "改名"


def test_unit_staff_cannot_update_matters(org, users, five):
    """The lead unit may see its matters but not rewrite them by import."""
    district = org["units"]["南关街街道"].district
    a = _open(five)[0]
    upload = edit(excel_io.export(Matter.objects.all()), "督办事项", "编号", {a: {"事项名称": "改名"}})
    with pytest.raises(excel.ImportRefused) as refused:
        excel_io.import_matters(users["nanguan"], upload, district=district)
    assert refused.value.errors[0].rule == "permission"
    assert Matter.objects.get(code=a).title != "改名"


def test_template_round_trip(org, login):
    c = login("supervisor")
    wb = load_workbook(io.BytesIO(c.get(URL + "?template=1").content))
    ws = wb["督办事项"]
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert validations["D2"].type == "list" and validations["D2"].formula1.startswith("=_lists!")  # 牵头单位
    assert validations["F2"].type == "date" and validations["G2"].type == "date"
    ws.append(
        [
            "模板事项",
            "会议议定",
            "依据",
            "南关街街道",
            "城建局",
            "2021-03-01",
            "2021-04-30",
            None,
            "一般",
            "每月",
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(URL, {"file": SimpleUploadedFile("t.xlsx", buffer.getvalue())})
    assert r.status_code == 302, [str(e) for e in r.context["errors"]]
    m = Matter.objects.get(title="模板事项")
    assert m.lead_unit.name == "南关街街道" and [u.name for u in m.supporting_units.all()] == ["城建局"]
