"""Hazards in and out of Excel (template, check-only, row errors, all or nothing, round trip)
and the list filters the cockpit links with (shared by the page, the export and the API)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from districtops.hazards import excel_io, services
from districtops.hazards.models import Hazard

from .test_hazards import make

URL = "/hazards/import/"
FIELDS = ["title", "unit_id", "risk_point_id", "location", "grade", "found_on", "responsible_person",
          "deadline", "responsibility", "standard", "measures", "description"]  # fmt: skip
HEAD = ["隐患名称", "责任单位", "风险点", "位置", "隐患等级", "发现日期", "整改责任人", "整改时限", "整改责任",
        "整改标准", "整改措施"]  # fmt: skip


def _xlsx(rows, head=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.append(["隐患导入"])  # a title row above the header
    ws.append(head)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("hazards.xlsx", buf.getvalue())


def good(title="消防通道堵塞", unit="南关街街道", point="", grade="一般隐患", deadline="2021-04-30"):
    return [title, unit, point, "南关街 5 号", grade, "2021-03-20", "李四", deadline, "物业负责", "通道畅通",
            "清理杂物"]  # fmt: skip


def test_template_has_chinese_headers_and_drop_downs(org, login):
    wb = load_workbook(io.BytesIO(login("nanguan").get(URL + "?template=1").content))
    ws = wb["隐患"]
    assert [c.value for c in ws[1]][:3] == ["隐患名称*", "责任单位*", "风险点"]
    lists = [dv.sqref for dv in ws.data_validations.dataValidation]
    assert any(str(ref).startswith("E2") for ref in lists)  # 隐患等级 drop-down
    assert "说明" in wb.sheetnames


def test_one_bad_row_among_many_imports_nothing_and_every_bad_row_reported(org, login):
    rows = [good(f"隐患{i}") for i in range(12)]
    rows[3] = good("单位错", unit="不存在街道")
    rows[7] = good("时限早", deadline="2021-03-01")
    rows[9] = good("等级错", grade="特大隐患")
    rows[10] = good("风险点错", point="没有的风险点")
    r = login("nanguan").post(URL, {"file": _xlsx(rows)})
    body = r.content.decode()
    assert r.status_code == 200 and Hazard.objects.count() == 0
    errors = r.context["errors"]
    assert [(e.row, e.column) for e in errors] == [
        (6, "责任单位"), (10, "整改时限"), (12, "隐患等级"), (13, "风险点")
    ]  # fmt: skip
    assert "早于发现日期" in body and "不在可选范围内" in body and "第 6 行「责任单位」" in body


def test_street_cannot_import_for_another_street(org, login):
    r = login("nanguan").post(URL, {"file": _xlsx([good(), good("别人的", unit="北下街街道")])})
    assert [(e.row, e.column) for e in r.context["errors"]] == [(4, "责任单位")]
    assert Hazard.objects.count() == 0


def test_check_only_then_for_real(org, login):
    c = login("nanguan")
    r = c.post(URL, {"file": _xlsx([good(), good("第二条")]), "check_only": "1"}, follow=True)
    assert "检查通过" in r.content.decode() and Hazard.objects.count() == 0
    assert c.post(URL, {"file": _xlsx([good(), good("第二条")])}).status_code == 302
    assert Hazard.objects.count() == 2 and Hazard.objects.filter(found_by__username="nanguan").count() == 2


def test_import_refusals(org, login):
    assert login("sysadmin").get(URL).status_code == 403
    r = login("nanguan").post(URL, {"file": SimpleUploadedFile("x.xlsx", b"MZ\x00\x00")})
    assert r.context["errors"] and Hazard.objects.count() == 0
    r = login("nanguan").post(URL, {"file": _xlsx([good()], head=["名称", "单位"])})
    assert "找不到表头行" in str(r.context["errors"][0])


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
def spread(org, users):
    """Four 管城 hazards (open general not due, open general overdue, open major, closed major)
    and one in 金水."""
    not_due = make(org, users)
    overdue = make(org, users, deadline=dt.date(2021, 3, 20))
    major_open = make(org, users, grade="major", state="registered")
    major_closed = make(org, users, grade="major", state="registered")
    Hazard.objects.filter(pk=major_closed.pk).update(state="closed", closed_on=dt.date(2021, 3, 30))
    other = services.register_hazard(
        None, unit=org["jinshui_street"], title="金水隐患", location="x", grade="major",
        found_on=dt.date(2021, 3, 1), responsible_person="x", deadline=dt.date(2021, 3, 2),
        responsibility="x", standard="x", measures="x",
    )  # fmt: skip
    return {"not_due": not_due, "overdue": overdue, "major_open": major_open, "closed": major_closed,
            "other": other}  # fmt: skip


def _ids(response):
    return {h.pk for h in response.context["page"].object_list}


def test_filter_district(org, login, spread):
    c = login("supervisor")
    guancheng = org["districts"]["410104"].pk
    assert _ids(c.get("/hazards/", {"district": guancheng})) == {
        spread[k].pk for k in ("not_due", "overdue", "major_open", "closed")
    }
    # another district's id: nothing of it becomes visible
    assert _ids(c.get("/hazards/", {"district": org["districts"]["410105"].pk})) == set()


def test_filter_major_open(org, login, spread):
    c = login("supervisor")
    assert _ids(c.get("/hazards/", {"grade": "major", "open": "1"})) == {spread["major_open"].pk}
    assert _ids(c.get("/hazards/", {"grade": "major"})) == {spread["major_open"].pk, spread["closed"].pk}


def test_filter_overdue(org, login, spread):
    assert _ids(login("supervisor").get("/hazards/", {"overdue": "1"})) == {spread["overdue"].pk}


@pytest.mark.parametrize(
    "params",
    [{"district": "abc"}, {"district": "-3"}, {"grade": "huge"}, {"open": "maybe"}, {"overdue": "x"}],
)
def test_invalid_value_named_on_the_page_refused_by_export(org, login, spread, params):
    c = login("supervisor")
    r = c.get("/hazards/", params)
    assert r.status_code == 400 and len(_ids(r)) == 4
    assert len(r.context["filters"].errors) == 1 and "未按它筛选" in r.context["filters"].errors[0]
    assert 'data-testid="filter-errors"' in r.content.decode()
    assert c.get("/hazards/export/", params).status_code == 400
    assert login("supervisor").get("/hazards/", {**params, "page": "x"}).status_code == 400


def test_filters_shared_by_export_and_api(org, login, api_client, spread):
    guancheng = org["districts"]["410104"].pk
    params = {"district": guancheng, "grade": "major", "open": "1"}
    wb = load_workbook(io.BytesIO(login("supervisor").get("/hazards/export/", params).content))
    assert [r[0].value for r in wb["隐患"].iter_rows(min_row=2)] == [spread["major_open"].code]
    api = api_client("supervisor")
    body = api.get("/api/v1/hazards/", params).json()
    assert [h["id"] for h in body["items"]] == [spread["major_open"].pk]
    assert api.get("/api/v1/hazards/", {"overdue": "1"}).json()["count"] == 1
    assert api.get("/api/v1/hazards/", {"overdue": "true", "open": "false"}).json()["count"] == 1
    # The page names a value it cannot read; the API refuses it, naming what it takes.
    assert login("supervisor").get("/hazards/", {"district": "x", "grade": "?"}).status_code == 400
    r = api.get("/api/v1/hazards/", {"district": "x", "grade": "?", "overdue": "maybe"})
    assert r.status_code == 422
    assert {tuple(e["loc"]) for e in r.json()["detail"]} == {
        ("query", "district"),
        ("query", "grade"),
        ("query", "overdue"),
    }
    grade = next(e["msg"] for e in r.json()["detail"] if e["loc"] == ["query", "grade"])
    assert grade.startswith("字段 query.grade：须为以下之一：") and "major" in grade


def test_active_filter_named_and_kept_in_form(org, login, spread):
    r = login("supervisor").get("/hazards/", {"district": org["districts"]["410104"].pk, "open": "1"})
    body = r.content.decode()
    assert "管城回族区" in body and 'name="open" value="1"' in body and "未销号" in body
    assert excel_io.HEADERS["unit"] == "责任单位"


def test_export_is_gated_per_persona(org, login, spread):
    def codes(username):
        wb = load_workbook(io.BytesIO(login(username).get("/hazards/export/").content))
        return {r[0].value for r in wb["隐患"].iter_rows(min_row=2)}

    guancheng = {spread[k].code for k in ("not_due", "overdue", "major_open", "closed")}
    assert codes("supervisor") == guancheng
    assert codes("nanguan") == guancheng  # all four are 南关街's
    assert codes("beixiajie") == set()
    assert codes("jinshui_leader") == {spread["other"].code}
