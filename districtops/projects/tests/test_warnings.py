"""Warnings at their boundaries, with the clock pinned (DISTRICTOPS_TODAY=2021-03-31)."""

import datetime as dt
from decimal import Decimal

import pytest

from districtops.core import clock
from districtops.projects import measures, services
from districtops.projects.models import ConstructionProject, FundSource, InvestmentProject, Stage

from .conftest import pdf

pytestmark = pytest.mark.django_db
D = dt.date


def _kinds(project):
    return sorted(
        (w.kind, w.node)
        for w in measures.construction_warnings(
            ConstructionProject.objects.filter(pk=project.pk), clock.today()
        )
    )


def _set_node(node, **values):
    """Put a node in a given state through the service, as the system."""
    return services.update_node(None, node, expected_version=None, reason="测试调整计划", **values)


def test_clock_is_pinned():
    assert clock.today() == D(2021, 3, 31)


def test_node_overdue_from_the_day_after_planned_end(road):
    node = road.nodes.get(sequence=1)
    services.update_node(None, node, expected_version=None, reason="测试调整计划", planned_end=D(2021, 3, 31))
    assert ("node_overdue", node.name) not in _kinds(road)
    node.refresh_from_db()
    services.update_node(None, node, expected_version=None, reason="测试调整计划", planned_end=D(2021, 3, 30))
    assert ("node_overdue", node.name) in _kinds(road)


def test_progress_behind_at_half_time(road):
    # Node 1: 2021-01-01 .. 2021-04-10 (100 days); on 2021-03-31 ninety days have gone.
    node = road.nodes.get(sequence=1)
    node = _set_node(node, planned_start=D(2021, 1, 1), planned_end=D(2021, 4, 10))
    services.report_progress(None, node, reported_on=D(2021, 3, 30), percent=90, text="按期")
    assert ("progress_behind", node.name) not in _kinds(road)
    services.report_progress(None, node, reported_on=D(2021, 3, 31), percent=89, text="滞后")
    warning = next(
        w
        for w in measures.construction_warnings(ConstructionProject.objects.filter(pk=road.pk), clock.today())
        if w.kind == "progress_behind" and w.node == node.name
    )
    assert warning.severity == "yellow"
    services.report_progress(None, node, reported_on=D(2021, 3, 31), percent=62, text="严重滞后")
    severities = [
        w.severity
        for w in measures.construction_warnings(ConstructionProject.objects.filter(pk=road.pk), clock.today())
        if w.kind == "progress_behind" and w.node == node.name
    ]
    assert severities == ["red"]  # 62 < 0.7 × 90


def test_funds_lagging_beyond_margin(road, settings):
    settings.PROJECTS_FUND_LAG_POINTS = 20
    first = road.nodes.get(sequence=1)
    # Average progress over 7 nodes: one node at 100 % after completion → 100/7 ≈ 14.3 %.
    _set_node(first, actual_start=D(2021, 1, 2), actual_end=D(2021, 2, 1))
    for kind in ("applied", "approved", "allocated"):
        services.add_fund_entry(
            None, road, source=FundSource.CITY, kind=kind, date=D(2021, 1, 5), amount=1000
        )
    assert not [k for k, _ in _kinds(road) if k == "funds_lagging"]  # 14.3 points behind: within the margin
    settings.PROJECTS_FUND_LAG_POINTS = 14
    assert [k for k, _ in _kinds(road) if k == "funds_lagging"] == ["funds_lagging"]


def _missing(project):
    return [
        w.message
        for w in measures.construction_warnings(
            ConstructionProject.objects.filter(pk=project.pk), clock.today()
        )
        if w.kind == "archives_incomplete"
    ]


def test_archives_incomplete_once_a_node_is_due(road):
    # 规划设计 and 立项审批 have passed their planned end by 2021-03-31; 招标 has not.
    assert _missing(road) == ["缺少：设计方案批复、立项批复"]
    for requirement in road.category.requirements.filter(node_name__in=["规划设计", "立项审批"]):
        services.upload_document(None, road, title="", file=pdf(), requirement=requirement)
    assert _missing(road) == []


def test_investment_stalled_after_ninety_days(sector, units, settings):
    settings.PROJECTS_STALLED_DAYS = 90
    base = dict(
        investor_name="甲", sector=sector, contracted_amount=Decimal(1), lead_unit=units["南关街街道"]
    )
    services.create_investment_project(
        None, name="边界", stage=Stage.SIGNED, signed_on=D(2020, 12, 31), **base
    )
    services.create_investment_project(
        None, name="停滞", stage=Stage.SIGNED, signed_on=D(2020, 12, 30), **base
    )
    names = [
        w.project_name for w in measures.investment_warnings(InvestmentProject.objects.all(), clock.today())
    ]
    assert names == ["停滞"]


def test_warning_counts_agree_with_the_warning_list_on_the_demo_data(org):
    """The home page's counters (SQL) and the warnings page (every warning built) agree, on the
    demo's projects with nodes in every state, lagging funds and partly complete archives."""
    from collections import Counter

    from districtops.projects import demo

    demo.load()
    projects = ConstructionProject.objects.all()
    listed = Counter(w.kind for w in measures.construction_warnings(projects, clock.today()))
    counts = measures.warning_counts(projects, clock.today())
    assert all(listed[kind] for kind in counts)  # the demo has each kind
    assert counts == {kind: listed[kind] for kind in counts}
    one_street = projects.filter(lead_unit__name="南关街街道")
    listed = Counter(w.kind for w in measures.construction_warnings(one_street, clock.today()))
    assert measures.warning_counts(one_street, clock.today()) == {k: listed[k] for k in counts}
