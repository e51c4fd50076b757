"""The funds page across projects (资金总览): totals by source, street and month from the ledger,
execution rate, lagging disbursement against physical progress, drill-through to the rows,
万元 on the page with exact 元 on hover and in the export; gated like the project lists."""

import datetime as dt
import json
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from districtops.projects import services

pytestmark = pytest.mark.django_db
D = dt.date


def _ledger(project, source, figures, day=D(2021, 2, 1)):
    for kind in ("applied", "approved", "allocated", "disbursed", "audited"):
        if figures.get(kind):
            services.add_fund_entry(
                None, project, source=source, kind=kind, date=day, amount=Decimal(figures[kind])
            )


@pytest.fixture
def money(road, units, category):
    """road (南关街): city 1,234,567.89 applied … ; a 北下街 project with district money in March."""
    _ledger(
        road,
        "city",
        {"applied": "1234567.89", "approved": "1000000", "allocated": "800000", "disbursed": "80000"},
    )
    other = services.create_construction_project(
        None,
        name="北下街背街小巷",
        category=category,
        lead_unit=units["北下街街道"],
        planned_start=D(2021, 1, 1),
        planned_end=D(2021, 12, 31),
    )
    _ledger(
        other,
        "district",
        {
            "applied": "500000",
            "approved": "500000",
            "allocated": "400000",
            "disbursed": "300000",
            "audited": "100000",
        },
        day=D(2021, 3, 5),
    )
    return road, other


def test_totals_by_source_street_and_month(login, money):
    road, other = money
    response = login("leader").get("/projects/funds/")
    data = response.context["data"]
    assert data["totals"]["applied"] == Decimal("1734567.89")
    assert data["totals"]["disbursed"] == Decimal("380000")
    assert data["totals"]["rate"] == pytest.approx(380000 / 1200000)
    assert [(s["source"], s["allocated"]) for s in data["by_source"]] == [
        ("city", Decimal("800000")),
        ("district", Decimal("400000")),
    ]
    assert {s["label"]: s["audited"] for s in data["by_street"]} == {
        "南关街街道": Decimal(0),
        "北下街街道": Decimal("100000"),
    }
    assert [(m["key"], m["approved"]) for m in data["by_month"]] == [
        ("2021-02", Decimal("1000000")),
        ("2021-03", Decimal("500000")),
    ]
    page = response.content.decode()
    # 万元 on the page, the exact yuan on hover.
    assert 'title="1,234,567.89 元"' in page and "123.46" in page
    assert 'data-testid="funds-by-month"' in page


def test_each_figure_opens_the_rows_behind_it(login, money):
    road, other = money
    client = login("leader")
    page = client.get("/projects/funds/").content.decode()
    link = f"street={other.lead_unit_id}&amp;kind=disbursed"
    assert link in page
    rows = client.get(f"/projects/funds/entries/?street={other.lead_unit_id}&kind=disbursed")
    entries = list(rows.context["page"])
    assert [(e.project_id, e.amount) for e in entries] == [(other.pk, Decimal("300000"))]
    assert rows.context["total"] == Decimal("300000")
    by_month = client.get("/projects/funds/entries/?month=2021-02&kind=applied").context
    assert by_month["total"] == Decimal("1234567.89") and by_month["month"] == "2021-02"
    by_source = client.get("/projects/funds/entries/?source=district").context
    assert by_source["count"] == 5
    # A malformed month or kind narrows nothing (never a 500).
    assert client.get("/projects/funds/entries/?month=2021-13&kind=x").context["count"] == 9


def test_lagging_disbursement_against_physical_progress(login, money):
    road, other = money
    # road: 10 % of its allocation spent; its progress is raised to 40 % on the first two nodes.
    for node in road.nodes.order_by("sequence")[:3]:
        services.update_node(
            None, node, expected_version=None, actual_start=D(2021, 1, 1), actual_end=D(2021, 3, 1)
        )
    client = login("leader")
    lagging = client.get("/projects/funds/").context["lagging"]
    assert [r["id"] for r in lagging] == [road.pk]
    row = lagging[0]
    assert row["spent"] == pytest.approx(10.0) and row["lag"] == pytest.approx(row["progress"] - 10.0)
    wide = client.get(f"/projects/funds/?gap={int(row['lag']) + 1}").context
    assert wide["lagging"] == [] and wide["gap"] == int(row["lag"]) + 1
    # The default gap is the settings screen's tolerance.
    services.update_thresholds(None, fund_lag_points=90)
    assert client.get("/projects/funds/").context["lagging"] == []
    assert client.get("/projects/funds/?gap=abc").context["gap"] == 90


def test_the_page_is_gated_like_the_project_lists(login, money, jinshui_road):
    road, other = money
    street = login("nanguan").get("/projects/funds/").context["data"]
    assert [s["label"] for s in street["by_street"]] == ["南关街街道"]
    assert street["totals"]["applied"] == Decimal("1234567.89")
    assert login("jinshui").get("/projects/funds/").context["data"]["totals"]["applied"] == 0
    rows = login("nanguan").get(f"/projects/funds/entries/?project={other.pk}").context
    assert rows["count"] == 0  # another street's project: its rows are not behind any figure
    assert login("beixiajie").get(f"/projects/funds/entries/?project={road.pk}").context["count"] == 0
    from django.test import Client

    assert Client().get("/projects/funds/").status_code == 302


def test_export_is_in_exact_yuan_with_number_formats(login, money):
    response = login("leader").get("/projects/funds/?export=xlsx")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["按资金来源", "按街道", "按月份", "拨付滞后"]
    sheet = book["按资金来源"]
    assert [c.value for c in sheet[1]][:2] == ["资金来源", "申请（元）"]
    city = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "市级资金")
    assert city[1].value == pytest.approx(1234567.89) and city[1].number_format == "#,##0.00"
    total = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "合计")
    assert total[1].value == pytest.approx(1734567.89)
    rows = login("leader").get("/projects/funds/entries/?source=city&export=xlsx")
    detail = load_workbook(BytesIO(rows.content)).active
    assert detail.max_row == 5 and detail["F2"].number_format == "#,##0.00"


def test_the_api_summary(api_client, money):
    body = api_client("leader").get("/api/v1/projects/funds/summary?gap=5").json()
    assert body["gap"] == 5 and Decimal(body["totals"]["applied"]) == Decimal("1734567.89")
    assert [s["label"] for s in body["by_source"]] == ["市级资金", "区级资金"]
    street = api_client("nanguan").get("/api/v1/projects/funds/summary").json()
    assert [s["label"] for s in street["by_street"]] == ["南关街街道"]
    assert api_client("leader").get("/api/v1/projects/funds/summary?gap=101").status_code == 422
    assert json.loads(api_client("jinshui").get("/api/v1/projects/funds/summary").content)["by_source"] == []


def test_funds_pages_have_no_n_plus_one(login, money, units, category, django_assert_max_num_queries):
    client = login("leader")
    client.get("/projects/funds/")
    with django_assert_max_num_queries(30) as few:
        client.get("/projects/funds/")
    with django_assert_max_num_queries(30) as few_rows:
        client.get("/projects/funds/entries/")
    for i in range(4):
        extra = services.create_construction_project(
            None,
            name=f"加项{i}",
            category=category,
            lead_unit=units["东大街街道"],
            planned_start=D(2021, 1, 1),
            planned_end=D(2021, 12, 31),
        )
        _ledger(
            extra,
            "city",
            {"applied": "100", "approved": "100", "allocated": "100", "disbursed": "1"},
            day=D(2021, 1 + i, 3),
        )
        services.update_node(
            None,
            extra.nodes.get(sequence=1),
            expected_version=None,
            actual_start=D(2021, 1, 1),
            actual_end=D(2021, 2, 1),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/projects/funds/")
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        client.get("/projects/funds/entries/")


def test_project_page_with_its_ledger_has_no_n_plus_one(login, money, django_assert_max_num_queries):
    road, _other = money
    client = login("nanguan")
    client.get(f"/projects/construction/{road.pk}/")
    with django_assert_max_num_queries(60) as few:
        client.get(f"/projects/construction/{road.pk}/")
    _ledger(road, "district", {"applied": "10", "approved": "10", "allocated": "10", "disbursed": "5"})
    node = road.nodes.get(sequence=6)
    for days in (3, 4):
        node.refresh_from_db()
        services.update_node(
            None,
            node,
            expected_version=None,
            reason="顺延",
            planned_end=node.planned_end + dt.timedelta(days=days),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/projects/construction/{road.pk}/")
