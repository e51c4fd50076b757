"""Warnings in the responsible unit's to-do (core.todo → /supervision/todo/), and the
``district`` filter the cockpit links with."""

import datetime as dt
import json
import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def _overdue(project, sequence=1):
    from districtops.projects import services

    node = project.nodes.get(sequence=sequence)
    services.update_node(
        None, node, expected_version=None, reason="测试调整计划", planned_end=dt.date(2021, 3, 1)
    )


def test_street_sees_its_projects_warnings_on_the_todo_page(login, road):
    _overdue(road)
    page = login("nanguan").get(reverse("supervision:todo")).content.decode()
    assert 'data-testid="todo-section-projects"' in page
    assert road.name in page and "节点逾期" in page
    assert "/projects/warnings/?mine=1" in page
    other = login("beixiajie").get(reverse("supervision:todo")).content.decode()
    assert road.name not in other and 'data-testid="todo-section-projects"' not in other


def test_todo_section_lists_only_projects_the_persons_units_lead(users, road):
    """城建局 supports the road project: it sees the project but the warning is the street's to-do."""
    from districtops.projects.panels import todo_section

    _overdue(road)
    section = todo_section(users["nanguan"])
    assert section["key"] == "projects" and section["total"] >= 1
    assert all(road.name in item["text"] for item in section["items"])
    assert section["items"][0]["url"] == road.get_absolute_url()
    assert todo_section(users["chengjian"]) is None
    assert todo_section(users["leader"]) is None  # a leader leads no project: not their to-do


def test_todo_section_query_count_does_not_grow_with_projects(users, org, config, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from districtops.projects.panels import todo_section
    from districtops.projects.tests.conftest import road_project

    _overdue(road_project(org))
    todo_section(users["nanguan"])  # the person's scope is cached on the user after the first call
    with CaptureQueriesContext(connection) as one:
        first = todo_section(users["nanguan"])
    for _ in range(12):
        _overdue(road_project(org))
    with django_assert_num_queries(len(one.captured_queries)):
        many = todo_section(users["nanguan"])
    assert first["total"] >= 1 and many["total"] == 13 * first["total"] and len(many["items"]) == 10


def test_warnings_page_mine_filter(login, road, category, units):
    from districtops.projects import services

    _overdue(road)
    other = services.create_construction_project(
        None,
        code="T-002",
        name="北下街测试工程",
        category=category,
        lead_unit=units["北下街街道"],
        supporting_units=[units["城建局"]],
        planned_start=dt.date(2021, 1, 1),
        planned_end=dt.date(2021, 12, 31),
    )
    _overdue(other)
    client = login("chengjian")  # supports both: sees both, leads neither
    assert other.name in client.get("/projects/warnings/").content.decode()
    mine = client.get("/projects/warnings/?mine=1").content.decode()
    assert road.name not in mine and other.name not in mine
    street = login("nanguan").get("/projects/warnings/?mine=1&kind=node_overdue").content.decode()
    assert road.name in street and other.name not in street


def test_district_filter_on_lists_map_warnings_and_exports(login, org, road, signed, jinshui_road):
    guancheng, jinshui = org["districts"]["410104"], org["districts"]["410105"]
    _overdue(road)
    client = login("leader")
    own = client.get(f"/projects/?district={guancheng.pk}").content.decode()
    assert road.name in own and f"district={guancheng.pk}" in own  # export link keeps it
    # Another district's pk narrows to nothing: the filter never widens the gate.
    assert road.name not in client.get(f"/projects/?district={jinshui.pk}").content.decode()
    assert jinshui_road.name not in client.get(f"/projects/?district={jinshui.pk}").content.decode()
    investment = client.get(f"/projects/investment/?district={guancheng.pk}").content.decode()
    assert signed.name in investment
    assert signed.name not in client.get(f"/projects/investment/?district={jinshui.pk}").content.decode()
    data = json.loads(client.get(f"/projects/battle-map/data/?district={jinshui.pk}").content)
    assert data["rows"] == []
    warnings = client.get(f"/projects/warnings/?district={guancheng.pk}").content.decode()
    assert road.name in warnings and f"?district={guancheng.pk}&kind=node_overdue" in warnings
    assert road.name not in client.get(f"/projects/warnings/?district={jinshui.pk}").content.decode()
    export = client.get(f"/projects/?district={jinshui.pk}&export=xlsx")
    sheet = load_workbook(BytesIO(export.content))["项目"]
    assert sheet.max_row == 1  # headers only
    export = client.get(f"/projects/investment/?district={guancheng.pk}&export=xlsx")
    names = [  # column A is the 编号 (ZS-000123), B the name
        r[1] for r in load_workbook(BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert signed.name in names
    api = login("jinshui_leader").get(f"/projects/?district={guancheng.pk}").content.decode()
    assert road.name not in api


def test_district_filter_in_the_api(api_client, org, road, signed):
    guancheng, jinshui = org["districts"]["410104"], org["districts"]["410105"]
    client = api_client("leader")
    base = "/api/v1/projects"
    assert client.get(f"{base}/construction?district={guancheng.pk}").json()["count"] == 1
    assert client.get(f"{base}/construction?district={jinshui.pk}").json()["count"] == 0
    assert client.get(f"{base}/investment?district={guancheng.pk}").json()["count"] == 1
    assert client.get(f"{base}/investment?district={jinshui.pk}").json()["count"] == 0
    assert client.get(f"{base}/battle-map?district={jinshui.pk}").json()["rows"] == []
    _overdue(road)
    assert client.get(f"{base}/warnings?district={guancheng.pk}&kind=node_overdue").json()["items"]
    assert client.get(f"{base}/warnings?district={jinshui.pk}").json()["items"] == []
    assert api_client("nanguan").get(f"{base}/warnings?mine=true&kind=node_overdue").json()["items"]


def test_battle_map_data_for_a_person_the_gate_gives_nothing(login, road):
    """An administrator holds no business role: the gate's queryset is empty, the map too."""
    data = json.loads(login("sysadmin").get("/projects/battle-map/data/").content)
    assert data["rows"] == [] and data["bars"] == []


def test_warning_tabs_count_every_kind_while_one_is_shown(org, login):
    from districtops.projects import demo

    demo.load()
    client = login("supervisor")
    everything = client.get("/projects/warnings/").context["kinds"]
    shown = [k for k, _label, n in everything if n]
    assert shown, everything
    one = client.get(f"/projects/warnings/?kind={shown[0]}").context
    assert one["kinds"] == everything
    assert one["total"] == dict((k, n) for k, _label, n in everything)[shown[0]]


def test_archive_header_says_how_many_documents_are_held(org, login):
    from districtops.projects import demo
    from districtops.projects.models import ConstructionProject

    demo.load()
    project = next(p for p in ConstructionProject.objects.all() if p.category.requirements.exists())
    html = login("supervisor").get(f"/projects/construction/{project.pk}/").content.decode()
    assert "档案清单（档案完备）" not in html
    assert re.search(r"已有 \d+ / \d+ 项", html)
