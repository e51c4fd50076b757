"""Export → edit → import again: rows with a 编号 update that hazard (version-checked, audited,
a closed hazard stays closed), rows without one register; the preview says what would happen."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from districtops.audit.models import AuditRecord
from districtops.core import excel
from districtops.core.tests.xlsx_tools import edit, rows
from districtops.hazards import excel_io, services
from districtops.hazards.models import Hazard, HazardState

from .test_hazards import make

URL = "/hazards/import/"


@pytest.fixture
def five(org, users):
    hazards = [make(org, users) for _ in range(4)] + [make(org, users, state="closed")]
    return {h.code: h for h in hazards}


def _export(login, who="nanguan") -> bytes:
    return login(who).get("/hazards/export/").content


def test_export_edit_two_rows_reimport_updates_them(org, users, login, five):
    exported = _export(login)
    codes = sorted(c for c, h in five.items() if h.state != HazardState.CLOSED)
    a, b = codes[0], codes[1]
    upload = edit(
        exported, "隐患", "编号", {a: {"位置": "南关街 9 号院"}, b: {"整改时限": dt.date(2021, 5, 10)}}
    )
    c = login("nanguan")
    before_audit = AuditRecord.objects.filter(action="update", object_type="hazards.hazard").count()

    r = c.post(URL, {"file": upload, "check_only": "1"})
    preview = r.context["preview"]
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 3, "error": 0}
    changes = {p.code: [(ch.column, ch.old, ch.new) for ch in p.changes] for p in preview.changed_rows}
    assert changes == {
        a: [("位置", "南关街 3 号院", "南关街 9 号院")],
        b: [("整改时限", "2021-04-20", "2021-05-10")],
    }
    assert 'data-testid="count-update">2<' in r.content.decode()
    assert Hazard.objects.get(code=a).location == "南关街 3 号院"  # the preview wrote nothing

    r = c.post(URL, {"stage": r.context["stage"]})  # the apply step
    assert r.status_code == 302
    assert Hazard.objects.count() == 5
    assert Hazard.objects.get(code=a).location == "南关街 9 号院"
    assert Hazard.objects.get(code=b).deadline == dt.date(2021, 5, 10)
    assert Hazard.objects.get(code=a).version == five[a].version + 1
    closed = next(h for h in five.values() if h.state == HazardState.CLOSED)
    assert Hazard.objects.get(pk=closed.pk).state == HazardState.CLOSED
    audits = AuditRecord.objects.filter(action="update", object_type="hazards.hazard")
    assert audits.count() == before_audit + 2
    assert {x.object_id for x in audits.order_by("-seq")[:2]} == {str(five[a].pk), str(five[b].pk)}
    summary = AuditRecord.objects.filter(action="import", object_type="hazards.hazard").latest("seq")
    assert "修改 2" in summary.message and summary.after["updated"]
    # the same file again: its two edited rows now carry stale versions, refused, nothing written
    upload.seek(0)
    with pytest.raises(excel.ImportRefused) as refused:
        excel_io.import_hazards(users["nanguan"], SimpleUploadedFile("x.xlsx", upload.read()))
    assert [e.rule for e in refused.value.errors] == ["conflict", "conflict"]
    assert refused.value.preview.counts["error"] == 2 and refused.value.preview.unchanged == 3


def test_unchanged_export_reimports_as_unchanged(org, users, five):
    content = excel_io.export(Hazard.objects.all())
    preview = excel_io.import_hazards(users["nanguan"], io.BytesIO(content))
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 5, "error": 0}
    assert Hazard.objects.count() == 5


def test_closed_hazard_row_is_refused_not_reopened(org, users, login, five):
    closed = next(h for h in five.values() if h.state == HazardState.CLOSED)
    other = next(c for c, h in five.items() if h.state != HazardState.CLOSED)
    upload = edit(
        _export(login), "隐患", "编号", {closed.code: {"整改措施": "重新整改"}, other: {"位置": "新位置"}}
    )
    r = login("nanguan").post(URL, {"file": upload})
    errors = r.context["errors"]
    assert [(e.column, e.rule) for e in errors] == [("编号", "closed")]
    assert "已销号" in str(errors[0]) and "整改措施" in str(errors[0])
    fresh = Hazard.objects.get(pk=closed.pk)
    assert fresh.state == HazardState.CLOSED and fresh.measures == closed.measures
    assert Hazard.objects.get(code=other).location != "新位置"  # all or nothing


def test_stale_version_is_refused(org, users, login, five):
    exported = _export(login)
    code = sorted(c for c, h in five.items() if h.state != HazardState.CLOSED)[0]
    # somebody changes the hazard after the export
    services.update_hazard(
        users["nanguan"], five[code], expected_version=five[code].version, location="别人改的"
    )
    upload = edit(exported, "隐患", "编号", {code: {"整改标准": "我的修改"}})
    r = login("nanguan").post(URL, {"file": upload})
    errors = r.context["errors"]
    assert [(e.column, e.rule) for e in errors] == [("版本", "conflict")]
    assert "导出后已被修改" in str(errors[0])
    fresh = Hazard.objects.get(code=code)
    assert fresh.location == "别人改的" and fresh.standard != "我的修改"


def test_change_between_preview_and_apply_is_refused(org, users, login, five):
    code = sorted(c for c, h in five.items() if h.state != HazardState.CLOSED)[0]
    upload = edit(_export(login), "隐患", "编号", {code: {"整改标准": "我的修改"}})
    c = login("nanguan")
    stage = c.post(URL, {"file": upload, "check_only": "1"}).context["stage"]
    services.update_hazard(users["nanguan"], five[code], expected_version=five[code].version, location="插队")
    r = c.post(URL, {"stage": stage})
    assert r.status_code == 200 and r.context["errors"][0].rule == "conflict"
    assert Hazard.objects.get(code=code).standard != "我的修改"
    # a stage is used once
    r = c.post(URL, {"stage": stage})
    assert "已过期" in str(r.context["errors"][0])


def test_unit_cannot_be_moved_and_unknown_or_duplicate_codes_are_row_errors(org, login, five):
    codes = sorted(c for c, h in five.items() if h.state != HazardState.CLOSED)
    upload = edit(
        _export(login, "supervisor"), "隐患", "编号",
        {codes[0]: {"责任单位": "北下街街道"}, codes[1]: {"编号": "YH0-2021-99999"}, codes[2]: {"编号": codes[3]}},
    )  # fmt: skip
    r = login("supervisor").post(URL, {"file": upload})
    messages = sorted(str(e) for e in r.context["errors"])
    assert any("不能修改已有隐患的「责任单位」" in m for m in messages)
    assert any("没有编号为“YH0-2021-99999”" in m for m in messages)
    assert any("编号重复" in m for m in messages)
    assert Hazard.objects.count() == 5


def test_new_rows_and_edited_rows_together(org, users, login, five):
    code = sorted(c for c, h in five.items() if h.state != HazardState.CLOSED)[0]
    new = {"隐患名称": "新隐患", "责任单位": "南关街街道", "位置": "x", "隐患等级": "一般隐患", "发现日期": dt.date(2021, 3, 20),
           "整改责任人": "李四", "整改时限": dt.date(2021, 4, 30), "整改责任": "物业", "整改标准": "好", "整改措施": "修"}  # fmt: skip
    upload = edit(_export(login), "隐患", "编号", {code: {"隐患名称": "改名"}}, append=[new])
    preview = excel_io.import_hazards(users["nanguan"], upload)
    assert preview.counts == {"create": 1, "update": 1, "unchanged": 4, "error": 0}
    assert Hazard.objects.count() == 6 and Hazard.objects.filter(title="改名").count() == 1


def test_template_round_trip(org, users, login):
    c = login("nanguan")
    content = c.get(URL + "?template=1").content
    wb = load_workbook(io.BytesIO(content))
    ws = wb["隐患"]
    # 责任单位 offers the units the person may register for, from the hidden list sheet; dates validated
    kinds = {str(dv.sqref).split(":")[0]: (dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert kinds["B2"][0] == "list" and kinds["B2"][1].startswith("=_lists!")
    assert kinds["F2"][0] == "date" and kinds["H2"][0] == "date"
    assert wb["_lists"].sheet_state == "hidden"
    listed = [c.value for c in wb["_lists"][kinds["B2"][1].split("!")[1].split(":")[0].replace("$", "")[0]]]
    assert set(listed) == {
        n for n, same in excel_io.importable_units(users["nanguan"]).items() if len(same) == 1
    }
    assert "南关街街道" in listed and "城市" not in listed
    ws.append(["模板隐患", "南关街街道", "", "位置", "一般隐患", dt.date(2021, 3, 20), "李四", dt.date(2021, 4, 30),
               "物业", "标准", "措施", ""])  # fmt: skip
    buffer = io.BytesIO()
    wb.save(buffer)
    r = c.post(URL, {"file": SimpleUploadedFile("t.xlsx", buffer.getvalue())})
    assert r.status_code == 302
    assert Hazard.objects.get(title="模板隐患").deadline == dt.date(2021, 4, 30)
    assert rows(excel_io.export(Hazard.objects.all()), "隐患")[0]["版本"] == 1
