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
    assert 'data-testid="count-matters-on_time">2<' in body
    assert (
        'data-testid="count-hazards-open_overdue">1<' in body
        and 'data-testid="count-suggestions-good">1<' in body
    )


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
    rows = api_client("supervisor").get(f"/api/v1/supervision/schemes/{example.pk}/scores").json()["items"]
    nanguan = next(r for r in rows if r["unit_name"] == "南关街街道")
    assert nanguan["score"] == 60.0 and nanguan["rates"]["matters"] == [2, 4] and nanguan["black"]
    assert api_client("nanguan").get(f"/api/v1/supervision/schemes/{example.pk}/scores").status_code == 404
    assert api_client("nanguan").get("/api/v1/supervision/schemes").json()["items"] == []
    assert len(api_client("supervisor").get("/api/v1/supervision/schemes").json()["items"]) == 1


# --- project nodes and indicator attainment -------------------------------------------------


@pytest.fixture
def nodes_and_targets(org, users):
    """南关街 leads a project with nodes around the period's edges; 北下街 one node on time;
    南关街 has four annual targets (one met exactly at time progress, one just short, two that
    cannot be evaluated)."""
    from districtops.economy.models import Indicator, IndicatorValue, Target
    from districtops.projects.models import ConstructionCategory, ConstructionProject, ProjectNode

    u = org["units"]
    district = org["districts"]["410104"]
    category = ConstructionCategory.objects.create(code="t-road", name="测试道路")

    def project(name, lead, nodes):
        p = ConstructionProject.objects.create(
            district=district, code=name, name=name, category=category, lead_unit=u[lead],
            planned_start=D(2020, 10, 1), planned_end=D(2021, 12, 31),
        )  # fmt: skip
        for i, (planned_end, actual_end) in enumerate(nodes, start=1):
            ProjectNode.objects.create(
                project=p, sequence=i, name=f"N{i}", planned_start=D(2020, 10, 1), planned_end=planned_end,
                actual_end=actual_end,
            )  # fmt: skip
        return p

    project("P1", "南关街街道", [
        (D(2021, 3, 10), D(2021, 3, 10)),  # N1 done on the planned day → on time
        (D(2021, 3, 15), D(2021, 3, 16)),  # N2 one day late
        (D(2021, 3, 30), None),            # N3 open, planned end passed → open and overdue
        (D(2021, 3, 31), None),            # N4 open, planned end is the as-of day → not counted
        (D(2020, 12, 31), None),           # N5 planned end before the period → outside
        (D(2021, 4, 1), None),             # N6 planned end after the period → outside
        (D(2021, 1, 1), D(2020, 12, 20)),  # N7 first day of the period, done early → on time
    ])  # fmt: skip
    project("P2", "北下街街道", [(D(2021, 2, 1), D(2021, 2, 1))])

    nanguan = u["南关街街道"]

    def indicator(code, sort):
        return Indicator.objects.create(code=code, name=f"指标{code}", source="entered", sort_order=sort)

    def value(ind, period, cumulative):
        IndicatorValue.objects.create(indicator=ind, district=district, unit=nanguan, period=period,
                                      cumulative=Decimal(cumulative))  # fmt: skip

    def target(ind, growth, year=2021):
        Target.objects.create(
            indicator=ind, district=district, unit=nanguan, year=year, growth=Decimal(growth)
        )

    x, y, z, w = indicator("tx", 901), indicator("ty", 902), indicator("tz", 903), indicator("tw", 904)
    # X: goal 1000 × 1.10 = 1100; 220 ÷ 1100 = 20.0 % reached; elapsed = 200 ÷ 1000 = 20.0 % → met (equal)
    value(x, D(2020, 12, 1), 1000)
    value(x, D(2020, 3, 1), 200)
    value(x, D(2021, 3, 1), 220)
    target(x, 10)
    # Y: goal 1000; 249 ÷ 1000 = 24.9 %; no 2020-03 figure → elapsed = 3 ÷ 12 = 25 % → not met
    value(y, D(2020, 12, 1), 1000)
    value(y, D(2021, 3, 1), 249)
    target(y, 0)
    # Z: a target but no figure this year → cannot be evaluated
    value(z, D(2020, 12, 1), 500)
    target(z, 5)
    # W: the only 2021 figure is for April, after the as-of day → cannot be evaluated
    value(w, D(2020, 12, 1), 500)
    value(w, D(2021, 4, 1), 400)
    target(w, 5)
    # a 2020 target is not this year's
    target(y, 1, year=2020)
    return services.create_scheme(
        users["supervisor"], district=district, name="节点与指标", period_start=D(2021, 1, 1),
        period_end=D(2021, 3, 31), weights={"subdistrict": {"nodes": 60, "indicators": 40}},
    )  # fmt: skip


def test_node_and_indicator_rates_hand_computed(org, nodes_and_targets):
    streets = {c.unit.name: c for c in scorecards.compute(nodes_and_targets)["subdistrict"]}
    nanguan = streets["南关街街道"]
    assert nanguan.rates["nodes"] == (2, 4)  # N1, N7 on time ÷ (N1, N2, N7 done + N3 open & past)
    assert nanguan.rates["indicators"] == (1, 2)  # X met ÷ (X, Y evaluable)
    assert nanguan.score == Decimal("50.00")  # (60 × 0.5 + 40 × 0.5) ÷ 100
    beixiajie = streets["北下街街道"]
    assert beixiajie.rates == {"nodes": (1, 1)} and beixiajie.score == Decimal(
        "100.00"
    )  # no targets: rescaled
    assert streets["西大街街道"].score is None


def test_node_rate_as_of_an_earlier_day(org, nodes_and_targets, settings, monkeypatch):
    from districtops.core import clock

    # As of 2021-03-16: N2 (done 03-16, late) counts; N3 (planned 03-30) is not yet due.
    monkeypatch.setattr(clock, "today", lambda: D(2021, 3, 16))
    nanguan = next(
        c for c in scorecards.compute(nodes_and_targets)["subdistrict"] if c.unit.name == "南关街街道"
    )
    assert nanguan.rates["nodes"] == (2, 3)


def test_drill_downs_match_the_rates(org, nodes_and_targets, login, api_client):
    nanguan = org["units"]["南关街街道"]
    sections = {s["name"]: s for s in scorecards.drill_downs(nodes_and_targets, nanguan)}
    nodes = {g["key"]: [r["title"] for r in g["records"]] for g in sections["nodes"]["groups"]}
    assert nodes == {
        "on_time": ["P1 · N7", "P1 · N1"], "late": ["P1 · N2"], "open_overdue": ["P1 · N3"],
        "not_counted": ["P1 · N4"],
    }  # fmt: skip
    assert (sections["nodes"]["numerator"], sections["nodes"]["denominator"]) == (2, 4)
    targets = {g["key"]: [r["code"] for r in g["records"]] for g in sections["indicators"]["groups"]}
    assert targets == {"met": ["tx"], "not_met": ["ty"], "not_evaluable": ["tz", "tw"]}
    assert (sections["indicators"]["numerator"], sections["indicators"]["denominator"]) == (1, 2)
    met = sections["indicators"]["groups"][0]["records"][0]["detail"]
    assert "20.0%" in met and "时间进度 20.0%" in met
    body = (
        login("supervisor")
        .get(f"/supervision/scorecards/{nodes_and_targets.pk}/units/{nanguan.pk}/")
        .content.decode()
    )
    assert (
        'data-testid="count-nodes-on_time">2<' in body
        and 'data-testid="count-indicators-not_evaluable">2<' in body
    )
    assert "2 ÷ 4 = 50%" in body
    api = api_client("supervisor").get(
        f"/api/v1/supervision/schemes/{nodes_and_targets.pk}/units/{nanguan.pk}/drill-down"
    )
    assert [s["name"] for s in api.json()["items"]] == ["nodes", "indicators"]
    assert (
        api_client("nanguan")
        .get(f"/api/v1/supervision/schemes/{nodes_and_targets.pk}/units/{nanguan.pk}/drill-down")
        .status_code
        == 404
    )  # unpublished


def test_default_weights_include_the_new_indicators():
    from districtops.supervision.models import default_weights

    weights = default_weights()
    assert weights["subdistrict"]["nodes"] and weights["subdistrict"]["indicators"]
    assert set(weights["subdistrict"]) <= set(scorecards.LABELS)
