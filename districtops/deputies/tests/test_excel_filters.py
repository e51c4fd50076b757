"""Deputies' suggestions in and out of Excel (template, check-only, row errors, all or nothing,
round trip) and the list filters the cockpit links with (page, export and API)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from districtops.deputies import services
from districtops.deputies.models import Suggestion

URL = "/deputies/suggestions/import/"
HEAD = ["标题", "内容", "提出代表", "主办单位", "协办单位", "交办日期", "复杂建议"]


@pytest.fixture
def station(org):
    st = services.create_station(None, host_unit=org["units"]["南关街街道"], name="南关街联络站")
    other = services.create_station(None, host_unit=org["units"]["北下街街道"], name="北下街联络站")
    services.add_deputy(None, st, name="刘代表")
    services.add_deputy(None, st, name="陈代表")
    services.add_deputy(None, st, name="王代表")
    services.add_deputy(None, other, name="王代表")  # a shared name
    return st


def _xlsx(rows, head=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("s.xlsx", buf.getvalue())


def good(title="停车难", deputies="刘代表", unit="南关街街道", support="", day="2021-03-01", complex_="否"):
    return [title, title + "的建议内容", deputies, unit, support, day, complex_]


def test_template(org, login):
    wb = load_workbook(io.BytesIO(login("supervisor").get(URL + "?template=1").content))
    ws = wb["代表建议"]
    assert [c.value for c in ws[1]][:4] == ["标题*", "内容*", "提出代表*", "主办单位*"]
    assert any(str(dv.sqref).startswith("G2") for dv in ws.data_validations.dataValidation)  # 复杂建议 是/否


def test_one_bad_row_among_many_imports_nothing_and_every_bad_row_reported(org, login, station):
    rows = [good(f"建议{i}") for i in range(10)]
    rows[2] = good("重名", deputies="王代表")
    rows[4] = good("无此代表", deputies="刘代表、赵代表")
    rows[6] = good("单位错", unit="不存在局")
    rows[8] = good("协办错", support="城建局，没有的局")
    rows[9] = good("日期错", day="2021-13-45")
    r = login("supervisor").post(URL, {"file": _xlsx(rows)})
    assert Suggestion.objects.count() == 0
    assert [(e.row, e.column) for e in r.context["errors"]] == [
        (4, "提出代表"), (6, "提出代表"), (8, "主办单位"), (10, "协办单位"), (11, "交办日期")
    ]  # fmt: skip
    body = r.content.decode()
    assert "姓名（联络站）" in body and "赵代表" in body and "不是日期" in body


def test_check_only_then_for_real_and_qualified_name(org, login, station):
    c = login("supervisor")
    rows = [good(deputies="王代表（北下街联络站）、陈代表", complex_="是"), good("第二件")]
    r = c.post(URL, {"file": _xlsx(rows), "check_only": "1"}, follow=True)
    assert "检查通过" in r.content.decode() and Suggestion.objects.count() == 0
    assert c.post(URL, {"file": _xlsx(rows)}).status_code == 302
    s = Suggestion.objects.get(title="停车难")
    assert s.complex_case and s.reply_due == dt.date(2021, 9, 1)
    assert {d.station.name for d in s.deputies.all()} == {"北下街联络站", "南关街联络站"}


def test_import_is_for_leaders_and_supervisors(org, login):
    assert login("nanguan").get(URL).status_code == 403
    assert login("sysadmin").get(URL).status_code == 403


# --- filters -------------------------------------------------------------------------------


@pytest.fixture
def spread(org, station):
    """As of 2021-03-31: one due in 10 days, one due in 45 days, one overdue, one overdue but
    answered, one in 金水."""
    deputies = list(station.deputies.all()[:1])
    unit = org["units"]["南关街街道"]

    def make(title, assigned_on):
        return services.assign_suggestion(
            None, title=title, content="x", deputies=deputies, handling_unit=unit, assigned_on=assigned_on
        )

    soon = make("十天后到期", dt.date(2021, 1, 10))  # due 2021-04-10
    later = make("四十五天后到期", dt.date(2021, 2, 14))  # due 2021-05-14
    overdue = make("已逾期", dt.date(2020, 12, 1))  # due 2021-03-01
    answered = services.reply(
        None, make("逾期但已答复", dt.date(2020, 12, 1)), text="已答复", reply_class="A"
    )
    jinshui = org["districts"]["410105"]
    st = services.create_station(None, host_unit=org["jinshui_street"], name="经八路联络站")
    other = services.assign_suggestion(
        None, title="金水建议", content="x", deputies=[services.add_deputy(None, st, name="金代表")],
        handling_unit=org["jinshui_street"], assigned_on=dt.date(2021, 1, 10),
    )  # fmt: skip
    assert other.district_id == jinshui.pk
    return {"soon": soon, "later": later, "overdue": overdue, "answered": answered, "other": other}


def _ids(response):
    return {s.pk for s in response.context["page"].object_list}


def test_filter_due_soon(org, login, spread):
    assert _ids(login("supervisor").get("/deputies/suggestions/", {"due": "soon"})) == {spread["soon"].pk}


def test_filter_due_soon_boundaries(org, login, station):
    deputies = list(station.deputies.all()[:1])
    unit = org["units"]["南关街街道"]
    # due today (2021-03-31), due in exactly 30 days (2021-04-30), due in 31 days (2021-05-01)
    made = {
        day: services.assign_suggestion(
            None, title=str(day), content="x", deputies=deputies, handling_unit=unit, assigned_on=day
        )
        for day in (dt.date(2020, 12, 31), dt.date(2021, 1, 30), dt.date(2021, 2, 1))
    }
    assert [s.reply_due for s in made.values()] == [
        dt.date(2021, 3, 31),
        dt.date(2021, 4, 30),
        dt.date(2021, 5, 1),
    ]
    got = _ids(login("supervisor").get("/deputies/suggestions/", {"due": "soon"}))
    assert got == {made[dt.date(2020, 12, 31)].pk, made[dt.date(2021, 1, 30)].pk}


def test_filter_overdue_unanswered(org, login, spread):
    assert _ids(login("supervisor").get("/deputies/suggestions/", {"overdue": "1"})) == {spread["overdue"].pk}


def test_filter_open_is_every_unanswered_suggestion(org, login, api_client, spread):
    got = _ids(login("supervisor").get("/deputies/suggestions/", {"open": "1"}))
    assert got == {spread["soon"].pk, spread["later"].pk, spread["overdue"].pk}
    body = api_client("supervisor").get("/api/v1/deputies/suggestions", {"open": "1"}).json()
    assert {row["id"] for row in body["items"]} == got


def test_filter_district(org, login, spread):
    c = login("supervisor")
    mine = {spread[k].pk for k in ("soon", "later", "overdue", "answered")}
    assert _ids(c.get("/deputies/suggestions/", {"district": org["districts"]["410104"].pk})) == mine
    assert _ids(c.get("/deputies/suggestions/", {"district": org["districts"]["410105"].pk})) == set()
    leader = login("jinshui_leader")
    assert _ids(leader.get("/deputies/suggestions/", {"district": org["districts"]["410105"].pk})) == {
        spread["other"].pk
    }


@pytest.mark.parametrize("params", [{"district": "x"}, {"due": "later"}, {"overdue": "2"}, {"state": "?"}])
def test_invalid_value_named_on_the_page_refused_by_export_and_api(org, login, api_client, spread, params):
    r = login("supervisor").get("/deputies/suggestions/", params)
    assert r.status_code == 400 and len(_ids(r)) == 4
    assert len(r.context["filters"].errors) == 1 and "未按它筛选" in r.context["filters"].errors[0]
    assert login("supervisor").get("/deputies/suggestions/export/", params).status_code == 400
    # the API refuses it (422), naming the parameter
    r = api_client("supervisor").get("/api/v1/deputies/suggestions", params)
    assert r.status_code == 422 and [e["loc"] for e in r.json()["detail"]] == [["query", *params]]
    assert api_client("supervisor").get("/api/v1/deputies/suggestions").json()["count"] == 4


def test_filters_shared_by_export_and_api(org, login, api_client, spread):
    params = {"district": org["districts"]["410104"].pk, "overdue": "1"}
    ws = load_workbook(io.BytesIO(login("supervisor").get("/deputies/suggestions/export/", params).content))
    assert [r[0].value for r in ws["代表建议"].iter_rows(min_row=2)] == [spread["overdue"].number]
    body = api_client("supervisor").get("/api/v1/deputies/suggestions", {"due": "soon"}).json()
    assert [s["id"] for s in body["items"]] == [spread["soon"].pk]


def test_export_is_gated_per_persona(org, login, spread):
    def numbers(username):
        ws = load_workbook(io.BytesIO(login(username).get("/deputies/suggestions/export/").content))[
            "代表建议"
        ]
        return {r[0].value for r in ws.iter_rows(min_row=2)}

    mine = {spread[k].number for k in ("soon", "later", "overdue", "answered")}
    assert numbers("supervisor") == mine and numbers("nanguan") == mine
    assert numbers("beixiajie") == set()
    assert numbers("jinshui_leader") == {spread["other"].number}
