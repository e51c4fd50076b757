"""Cockpit fixtures: a small district with known figures in every module, a city-level leader."""

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    # Tests change data between requests; the page's 60-second cache would hide that.
    from districtops.cockpit import services

    monkeypatch.setattr(services, "CACHE_SECONDS", 0)


@pytest.fixture
def city_leader(org):
    from districtops.org import demo
    from districtops.org.roles import Role

    return demo.ensure_person("city_leader", "市领导（测试）", org["city"], Role.LEADER)


@pytest.fixture
def units(org):
    from districtops.org.models import Unit

    return {u.name: u for u in Unit.objects.filter(district=org["districts"]["410104"])}


def add_matter(units, title, lead, *, state, deadline, closed_on=None, escalation=0, district=None):
    """A matter in a given state, written directly: the cockpit only reads them."""
    from districtops.supervision.models import Matter

    lead_unit = units[lead]
    return Matter.objects.create(
        code=f"T-{Matter.objects.count() + 1:04d}",
        title=title,
        source="instruction",
        district_id=district or lead_unit.district_id,
        lead_unit=lead_unit,
        assigned_on=dt.date(2021, 1, 4),
        deadline=deadline,
        state=state,
        closed_on=closed_on,
        escalation=escalation,
    )


def add_hazard(units, code, grade, *, state="registered", deadline=dt.date(2021, 4, 30)):
    from districtops.hazards.models import Hazard

    unit = units["南关街街道"]
    return Hazard.objects.create(
        code=code,
        district_id=unit.district_id,
        unit=unit,
        title=f"隐患{code}",
        location="测试路1号",
        grade=grade,
        found_on=dt.date(2021, 3, 1),
        responsible_person="张三",
        deadline=deadline,
        responsibility="街道",
        standard="消除",
        measures="整改",
        state=state,
    )


def add_suggestion(units, number, state, reply_due, satisfaction=""):
    """A deputy's suggestion handled by 城建局, written directly."""
    from districtops.deputies.models import Suggestion

    return Suggestion.objects.create(
        number=number,
        district=units["南关街街道"].district,
        title=f"建议{number}",
        content="内容",
        handling_unit=units["城建局"],
        assigned_on=dt.date(2021, 1, 5),
        reply_due=reply_due,
        state=state,
        satisfaction=satisfaction,
    )


@pytest.fixture
def district_data(org, units):
    """Known figures for 管城: matters (2 overdue, 1 in progress, 2 closed of which 1 on time,
    1 listed), hazards (1 major open, 1 overdue), one investment and one road project."""
    from districtops.projects import demo as projects_demo
    from districtops.projects import services as projects
    from districtops.projects.models import ConstructionCategory, Sector, Stage

    add_matter(units, "逾期一", "北下街街道", state="in_progress", deadline=dt.date(2021, 3, 1))
    add_matter(units, "逾期二", "城建局", state="acknowledged", deadline=dt.date(2021, 3, 15), escalation=2)
    add_matter(units, "在办", "南关街街道", state="in_progress", deadline=dt.date(2021, 6, 30))
    add_matter(
        units,
        "按时办结",
        "南关街街道",
        state="closed",
        deadline=dt.date(2021, 2, 28),
        closed_on=dt.date(2021, 2, 20),
    )
    add_matter(
        units,
        "超期办结",
        "城建局",
        state="closed",
        deadline=dt.date(2021, 1, 31),
        closed_on=dt.date(2021, 3, 2),
    )
    add_hazard(units, "H-1", "major")
    add_hazard(units, "H-2", "general", deadline=dt.date(2021, 3, 10))
    add_hazard(units, "H-3", "general", state="closed")
    projects_demo.ensure_configuration()
    projects.create_investment_project(
        None,
        name="测试数据中心项目",
        investor_name="测试科技有限公司",
        sector=Sector.objects.get(name="新一代信息技术"),
        contracted_amount=Decimal("500000000"),
        lead_unit=units["南关街街道"],
        stage=Stage.SIGNED,
        signed_on=dt.date(2020, 10, 1),
        register_due=dt.date(2021, 1, 31),
    )
    projects.create_construction_project(
        None,
        code="T-001",
        name="测试道路工程",
        category=ConstructionCategory.objects.get(code="road"),
        lead_unit=units["南关街街道"],
        command_post=units["城市道路改造指挥部"],
        budget=Decimal("10000000"),
        planned_start=dt.date(2020, 10, 1),
        planned_end=dt.date(2021, 6, 30),
    )
    return org


def figure(summary, key):
    return next(f for s in summary["sections"] for f in s["figures"] if f["key"] == key)


@pytest.fixture
def economy_data(district_data):
    """Two indicators for 管城 at 1-2月 2021: industry on target (green), retail far below (red)."""
    from districtops.economy.models import Indicator, IndicatorValue, Target
    from districtops.economy.reference import ensure_reference_data

    ensure_reference_data()
    district = district_data["districts"]["410104"]
    rows = [
        ("industrial_output", Decimal("10000000000"), Decimal("1372000000"), Decimal("30.1"), Decimal("8.0")),
        ("retail_sales", Decimal("4000000000"), Decimal("776000000"), Decimal("2.0"), Decimal("10.0")),
    ]
    for code, last_december, cumulative, growth, target in rows:
        indicator = Indicator.objects.get(code=code)
        common = {"indicator": indicator, "district": district, "unit": district}
        # Last year's 1-2月 share of its total is the "time elapsed" for 时间过半、任务过半.
        IndicatorValue.objects.create(**common, period=dt.date(2020, 2, 1), cumulative=last_december / 10)
        IndicatorValue.objects.create(**common, period=dt.date(2020, 12, 1), cumulative=last_december)
        IndicatorValue.objects.create(
            **common, period=dt.date(2021, 2, 1), cumulative=cumulative, growth=growth
        )
        Target.objects.create(**common, year=2021, kind="annual", growth=target)
    # The bureau has published these periods (economy month lifecycle): leaders see them.
    from districtops.economy import releases
    from districtops.economy.periods import Period

    for day in (dt.date(2020, 2, 1), dt.date(2020, 12, 1), dt.date(2021, 2, 1)):
        releases.publish(None, district, Period.from_date(day))
    return district_data
