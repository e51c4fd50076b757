"""Suggestions: the export imports again — deputies whose names carry full-width parentheses
(the demo's 刘代表（示例）), shared names qualified by station, rows updated by 建议编号."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from districtops.audit.models import AuditRecord
from districtops.core import excel
from districtops.core.tests.xlsx_tools import edit, rows
from districtops.deputies import excel_io, services
from districtops.deputies.models import Deputy, Suggestion, SuggestionState
from districtops.gate.importing import NameLookup

URL = "/deputies/suggestions/import/"


@pytest.fixture
def five(org):
    units = org["units"]
    st = services.create_station(None, host_unit=units["南关街街道"], name="南关街联络站")
    other = services.create_station(None, host_unit=units["北下街街道"], name="北下街联络站")
    liu = services.add_deputy(None, st, name="刘代表（示例）")  # the demo's names carry （示例）
    wang = services.add_deputy(None, st, name="王代表（示例）")
    wang2 = services.add_deputy(None, other, name="王代表（示例）")  # shared: exported with its station
    made = []
    for i, deputies in enumerate([[liu], [wang], [wang2], [liu, wang2], [liu]]):
        made.append(services.assign_suggestion(
            None, title=f"建议{i}", content="内容", deputies=deputies, handling_unit=units["南关街街道"],
            supporting_units=[units["城建局"]] if i == 3 else [], assigned_on=dt.date(2021, 1, 8),
        ))  # fmt: skip
    closed = made[4]
    closed = services.reply(None, closed, text="已解决", reply_class="A")
    services.evaluate(None, closed, satisfaction="satisfied")
    return {s.number: Suggestion.objects.get(pk=s.pk) for s in made}


def test_export_reimports_unchanged_with_parenthesised_and_shared_names(org, users, five):
    content = excel_io.export(Suggestion.objects.all())
    labels = {r["建议编号"]: r["提出代表"] for r in rows(content, "代表建议")}
    assert "刘代表（示例）" in labels.values()
    assert any("王代表（示例）（北下街联络站）" in v for v in labels.values())
    district = org["units"]["南关街街道"].district
    preview = excel_io.import_suggestions(users["supervisor"], io.BytesIO(content), district=district)
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 5, "error": 0}


def test_export_edit_two_rows_reimport(org, users, login, five):
    c = login("supervisor")
    exported = c.get("/deputies/suggestions/export/").content
    numbers = sorted(n for n, s in five.items() if s.state != SuggestionState.CLOSED)
    a, b = numbers[0], numbers[1]
    upload = edit(exported, "代表建议", "建议编号", {
        a: {"内容": "新的内容"}, b: {"提出代表": "王代表（示例）（南关街联络站）、刘代表（示例）"}})  # fmt: skip
    r = c.post(URL, {"file": upload, "check_only": "1"})
    preview = r.context["preview"]
    assert preview.counts == {"create": 0, "update": 2, "unchanged": 3, "error": 0}
    by_code = {p.code: p.changes for p in preview.changed_rows}
    assert [(ch.column, ch.old, ch.new) for ch in by_code[a]] == [("内容", "内容", "新的内容")]
    assert by_code[b][0].column == "提出代表"
    assert c.post(URL, {"stage": r.context["stage"]}).status_code == 302
    assert Suggestion.objects.count() == 5
    assert Suggestion.objects.get(number=a).content == "新的内容"
    assert {d.name for d in Suggestion.objects.get(number=b).deputies.all()} == {
        "王代表（示例）",
        "刘代表（示例）",
    }
    assert AuditRecord.objects.filter(action="update", object_type="deputies.suggestion").count() == 2
    closed = next(s for s in five.values() if s.state == SuggestionState.CLOSED)
    assert Suggestion.objects.get(pk=closed.pk).state == SuggestionState.CLOSED


def test_closed_suggestion_refused_and_stale_version_refused(org, users, five):
    district = org["units"]["南关街街道"].district
    content = excel_io.export(Suggestion.objects.all())
    closed = next(s for s in five.values() if s.state == SuggestionState.CLOSED)
    a = sorted(n for n, s in five.items() if s.state != SuggestionState.CLOSED)[0]
    services.reply(None, five[a], text="答复", reply_class="B")  # changed after the export
    upload = edit(content, "代表建议", "建议编号", {closed.number: {"标题": "再议"}, a: {"标题": "改名"}})
    with pytest.raises(excel.ImportRefused) as refused:
        excel_io.import_suggestions(users["supervisor"], upload, district=district)
    assert sorted(e.rule for e in refused.value.errors) == ["closed", "conflict"]
    assert Suggestion.objects.get(pk=closed.pk).title == closed.title
    assert Suggestion.objects.get(number=a).title != "改名"


def test_name_lookup_prefers_whole_names():
    class D:
        def __init__(self, name, station):
            self.name, self.station = name, station

    a, b, c = D("刘代表（示例）", "甲站"), D("王代表", "甲站"), D("王代表", "乙站")
    names = NameLookup([a, b, c], name=lambda d: d.name, qualifier=lambda d: d.station, what="代表")
    assert names.get("刘代表（示例）") is a and names.get("刘代表(示例)") is a
    assert names.get("刘代表（示例）（甲站）") is a and names.get("王代表（乙站）") is c
    with pytest.raises(LookupError, match="重名"):
        names.get("王代表")
    with pytest.raises(LookupError, match="没有"):
        names.get("刘代表")


def test_template_round_trip(org, login, five):
    c = login("supervisor")
    wb = load_workbook(io.BytesIO(c.get(URL + "?template=1").content))
    ws = wb["代表建议"]
    kinds = {str(dv.sqref).split(":")[0]: dv.type for dv in ws.data_validations.dataValidation}
    assert kinds["D2"] == "list" and kinds["F2"] == "date" and kinds["G2"] == "list"
    ws.append(["模板建议", "内容", "刘代表（示例）", "南关街街道", "", dt.date(2021, 3, 1), "否"])
    buffer = io.BytesIO()
    wb.save(buffer)
    r = c.post(URL, {"file": SimpleUploadedFile("t.xlsx", buffer.getvalue())})
    assert r.status_code == 302, [str(e) for e in r.context["errors"]]
    s = Suggestion.objects.get(title="模板建议")
    assert [d.name for d in s.deputies.all()] == ["刘代表（示例）"] and Deputy.objects.count() == 3
