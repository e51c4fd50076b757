"""Scorecard arithmetic on a hand-computed example."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from openpyxl import load_workbook

from districtops.deputies import services as deputies
from districtops.hazards import services as hazards
from districtops.supervision import scorecards, services
from districtops.supervision.models import Matter
from districtops.supervision.states import MatterState as S

from .factories import matter

D = dt.date
WEIGHTS = {"subdistrict": {"matters": 50, "hazards": 30, "suggestions": 20}, "department": {"matters": 100}}


def _closed_on(m, day):
    # History: the matter was closed on ``day`` (services always close "today").
    Matter.objects.filter(pk=m.pk).update(closed_on=day)


@pytest.fixture
def example(org, users):
    u = org["units"]
    # 南关街: A on time, B late, C open & overdue, D not yet due, E due later but closed early.
    a = matter(u, title="A", assigned_on=D(2021, 1, 5), deadline=D(2021, 3, 10), state=S.CLOSED)
    _closed_on(a, D(2021, 3, 5))
    b = matter(u, title="B", assigned_on=D(2021, 1, 5), deadline=D(2021, 3, 15), state=S.CLOSED)
    _closed_on(b, D(2021, 3, 20))
    matter(u, title="C", assigned_on=D(2021, 1, 5), deadline=D(2021, 3, 20), state=S.IN_PROGRESS)
    matter(u, title="D", assigned_on=D(2021, 1, 5), deadline=D(2021, 4, 30), state=S.IN_PROGRESS)
    e = matter(u, title="E", assigned_on=D(2021, 1, 5), deadline=D(2021, 4, 15), state=S.CLOSED)
    _closed_on(e, D(2021, 3, 25))
    # 北下街: one matter, closed on time → 100 on the only indicator with data.
    matter(
        u,
        title="F",
        lead="北下街街道",
        support=(),
        assigned_on=D(2021, 1, 5),
        deadline=D(2021, 3, 31),
        state=S.CLOSED,
    )
    # 城建局 (department): one open and overdue → 0.
    matter(
        u,
        title="G",
        lead="城建局",
        support=(),
        assigned_on=D(2021, 1, 5),
        deadline=D(2021, 2, 1),
        state=S.IN_PROGRESS,
    )
    # 南关街 hazards: one closed on time, one open overdue → 1/2.
    kw = dict(unit=u["南关街街道"], title="h", location="x", grade="general", found_on=D(2021, 3, 1),
              responsible_person="p", responsibility="r", standard="s", measures="m")  # fmt: skip
    h = hazards.register_hazard(None, deadline=D(2021, 4, 10), **kw)
    for step in ("start", "submit", "verify"):
        h = hazards.transition(None, h, step)
    hazards.register_hazard(None, deadline=D(2021, 3, 15), **kw)
    # 南关街 suggestions: one satisfied → 1/1.
    station = deputies.create_station(None, host_unit=u["南关街街道"], name="站")
    dep = deputies.add_deputy(None, station, name="代表")
    s = deputies.assign_suggestion(
        None, title="t", content="c", deputies=[dep], handling_unit=u["南关街街道"], assigned_on=D(2021, 1, 4)
    )
    s = deputies.reply(None, s, text="r", reply_class="A")
    deputies.evaluate(None, s, satisfaction="satisfied")
    return services.create_scheme(
        users["supervisor"], district=org["districts"]["410104"], name="2021 年一季度督查考核",
        period_start=D(2021, 1, 1), period_end=D(2021, 3, 31), weights=WEIGHTS, red_size=1, black_size=1,
    )  # fmt: skip


def test_hand_computed_scores(org, example):
    tables = scorecards.compute(example)
    streets = {c.unit.name: c for c in tables["subdistrict"]}
    nanguan = streets["南关街街道"]
    assert nanguan.rates["matters"] == (2, 4)  # A, E on time ÷ (A, B, E closed + C open & overdue)
    assert nanguan.rates["hazards"] == (1, 2)
    assert nanguan.rates["suggestions"] == (1, 1)
    assert nanguan.score == Decimal("60.00")  # (50×0.5 + 30×0.5 + 20×1) ÷ 100
    assert streets["北下街街道"].score == Decimal("100.00")
    assert [c.unit.name for c in tables["subdistrict"][:2]] == ["北下街街道", "南关街街道"]
    assert streets["西大街街道"].score is None and streets["西大街街道"].rank is None
    red, black = scorecards.red_black(example, tables["subdistrict"])
    assert [c.unit.name for c in red] == ["北下街街道"] and [c.unit.name for c in black] == ["南关街街道"]
    depts = {c.unit.name: c for c in tables["department"]}
    assert depts["城建局"].score == Decimal("0.00") and depts["城建局"].rank == 1


def test_drill_down_lists_the_matters(org, example, login):
    groups = scorecards.drill_down(example, org["units"]["南关街街道"])
    assert {k: [m.title for m in v] for k, v in groups.items()} == {
        "on_time": ["A", "E"], "late": ["B"], "open_overdue": ["C"], "not_counted": [],  # D is due after the period
    }  # fmt: skip
    body = (
        login("supervisor")
        .get(f"/supervision/scorecards/{example.pk}/units/{org['units']['南关街街道'].pk}/")
        .content.decode()
    )
    assert 'data-testid="count-on_time">2<' in body


def test_views_exports_and_publication(org, example, login):
    office = login("supervisor")
    body = office.get(example.get_absolute_url()).content.decode()
    assert "60.00" in body and "北下街街道" in body
    # Unpublished: a street cannot see it; the other district never.
    assert login("nanguan").get(example.get_absolute_url()).status_code == 404
    assert login("jinshui_leader").get(example.get_absolute_url()).status_code == 404
    assert login("nanguan").post(f"/supervision/scorecards/{example.pk}/publish/").status_code == 404
    office.post(f"/supervision/scorecards/{example.pk}/publish/")
    assert login("nanguan").get(example.get_absolute_url()).status_code == 200
    xlsx = office.get(f"/supervision/scorecards/{example.pk}/notice.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content))["街道（乡）"]
    assert [c.value for c in ws[2]][:2] == [1, "北下街街道"] and ws[3][-1].value == 60
    docx = office.get(f"/supervision/scorecards/{example.pk}/notice.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "红榜：北下街街道" in text and "黑榜：南关街街道" in text
    assert office.get(f"/supervision/scorecards/{example.pk}/notice.pdf").status_code == 404


def test_scheme_bad_input(org, users):
    district = org["districts"]["410104"]
    with pytest.raises(ValidationError):
        services.create_scheme(
            users["supervisor"],
            district=district,
            name="x",
            period_start=D(2021, 3, 1),
            period_end=D(2021, 1, 1),
            weights=WEIGHTS,
        )
    with pytest.raises(ValidationError):
        services.create_scheme(
            users["supervisor"],
            district=district,
            name="x",
            period_start=D(2021, 1, 1),
            period_end=D(2021, 3, 1),
            weights={"subdistrict": {"bogus": 1}},
        )
    with pytest.raises(PermissionDenied):
        services.create_scheme(
            users["nanguan"],
            district=district,
            name="x",
            period_start=D(2021, 1, 1),
            period_end=D(2021, 3, 1),
            weights=WEIGHTS,
        )


def test_create_form(org, login):
    data = {
        "name": "一季度",
        "period_start": "2021-01-01",
        "period_end": "2021-03-31",
        "red_size": 3,
        "black_size": 3,
    }
    for kind in ("subdistrict", "department"):
        for name in scorecards.LABELS:
            data[f"w_{kind}_{name}"] = 10
    r = login("supervisor").post("/supervision/scorecards/new/", data)
    assert r.status_code == 302
    assert login("nanguan").get("/supervision/scorecards/new/").status_code == 403


def test_scores_api(org, example, api_client):
    rows = api_client("supervisor").get(f"/api/v1/supervision/schemes/{example.pk}/scores").json()
    nanguan = next(r for r in rows if r["unit_name"] == "南关街街道")
    assert nanguan["score"] == 60.0 and nanguan["rates"]["matters"] == [2, 4] and nanguan["black"]
    assert api_client("nanguan").get(f"/api/v1/supervision/schemes/{example.pk}/scores").status_code == 404
    assert api_client("nanguan").get("/api/v1/supervision/schemes").json() == []
    assert len(api_client("supervisor").get("/api/v1/supervision/schemes").json()) == 1
