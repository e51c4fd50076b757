"""Every cockpit figure links to the module's list behind it, filtered to the figure and the district."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from districtops.cockpit import services
from districtops.cockpit.figures import Month

from .conftest import add_suggestion, figure


def _query(url):
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def _summary(users, period=Month(2021, 2)):
    district = services.resolve_district(users["leader"], "410104")
    return district, services.district_summary(users["leader"], district, period)


@pytest.fixture
def suggestions(district_data, units):
    add_suggestion(units, "S1", "assigned", dt.date(2021, 3, 20))
    add_suggestion(units, "S2", "assigned", dt.date(2021, 4, 15))


def test_links_carry_the_district_and_the_figures_filter(district_data, users, suggestions):
    district, summary = _summary(users)
    pk = str(district.pk)
    expected = {
        "matters_in_progress": ("/supervision/matters/", {"state": "in_progress"}),
        "matters_overdue": ("/supervision/matters/", {"overdue": "1"}),
        "matters_closed_in_period": ("/supervision/matters/", {"state": "closed", "closed_in": "2021-02"}),
        "matters_listed": ("/supervision/matters/", {"escalation": "2", "open": "1"}),
        "on_time_rate": ("/supervision/matters/", {"state": "closed"}),
        "hazards_open": ("/hazards/", {"open": "1"}),
        "hazards_major_open": ("/hazards/", {"grade": "major", "open": "1"}),
        "hazards_overdue": ("/hazards/", {"overdue": "1"}),
        "suggestions_waiting": ("/deputies/suggestions/", {"open": "1"}),
        "suggestions_due_soon": ("/deputies/suggestions/", {"due": "soon"}),
        "suggestions_overdue": ("/deputies/suggestions/", {"overdue": "1"}),
        "suggestions_satisfaction": ("/deputies/suggestions/", {"state": "closed"}),
        "investment_count": ("/projects/investment/", {}),
        "stalled": ("/projects/investment/", {"stalled": "1"}),
        "construction_count": ("/projects/", {}),
        "nodes_overdue": ("/projects/warnings/", {"kind": "node_overdue"}),
        "nodes_at_risk": ("/projects/warnings/", {"kind": "progress_behind"}),
    }
    for key, (path, params) in expected.items():
        assert _query(figure(summary, key)["url"]) == (path, {**params, "district": pk}), key
    # The closed-in-month link follows the reporting month.
    _, march = _summary(users, Month(2021, 3))
    assert _query(figure(march, "matters_closed_in_period")["url"])[1]["closed_in"] == "2021-03"
    # Tables: every cell that links to a module's list carries the district too.
    for section in summary["sections"]:
        if section["key"] in ("supervision", "projects"):
            for t in section["tables"]:
                for row in t["rows"]:
                    for cell in row:
                        if cell["url"] and not cell["url"].startswith("/supervision/scorecards/"):
                            assert _query(cell["url"])[1]["district"] == pk, cell


@pytest.mark.parametrize(
    "key",
    [
        "matters_in_progress",
        "matters_overdue",
        "matters_listed",
        "hazards_open",
        "hazards_major_open",
        "hazards_overdue",
        "suggestions_waiting",
        "suggestions_due_soon",
        "suggestions_overdue",
    ],
)
def test_count_equals_the_lists_total(district_data, users, login, suggestions, key):
    """Where the list already has the figure's filter, the list behind the number holds that many."""
    _, summary = _summary(users)
    f = figure(summary, key)
    response = login("leader").get(f["url"])
    assert response.status_code == 200
    assert response.context["page"].paginator.count == f["value"] > 0


def test_ranking_cells_equal_the_lists_totals(district_data, users, login):
    _, summary = _summary(users)
    ranking = next(t for s in summary["sections"] for t in s["tables"] if t["key"] == "unit_ranking")
    client = login("leader")
    for row in ranking["rows"]:
        for cell in (row[3], row[4]):  # overdue, closed
            assert client.get(cell["url"]).context["page"].paginator.count == int(cell["text"])


def test_battle_map_counts_are_the_projects_modules_warnings(district_data, users, units):
    """Overdue and behind-schedule nodes: the same count as the projects module's own warnings."""
    from districtops.projects import measures
    from districtops.projects.models import ConstructionProject, ProjectNode

    project = ConstructionProject.objects.get(code="T-001")
    ProjectNode.objects.filter(project=project).delete()
    for seq, (start, end, actual_end, progress) in enumerate(
        [
            (dt.date(2021, 1, 1), dt.date(2021, 3, 1), None, 50),  # overdue
            (dt.date(2021, 1, 1), dt.date(2021, 3, 20), None, 100),  # overdue though at 100 %: not closed
            (dt.date(2021, 3, 1), dt.date(2021, 4, 30), None, 0),  # behind: half the time gone, nothing done
            (dt.date(2021, 3, 1), dt.date(2021, 4, 30), None, 90),  # on track
            (dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 2, 3), 100),  # done
            (dt.date(2021, 5, 1), dt.date(2021, 6, 30), None, 0),  # not started
        ],
        start=1,
    ):
        ProjectNode.objects.create(
            project=project,
            sequence=seq,
            name=f"节点{seq}",
            planned_start=start,
            planned_end=end,
            actual_end=actual_end,
            progress=progress,
        )
    _, summary = _summary(users)
    warnings = measures.construction_warnings(
        ConstructionProject.objects.filter(pk=project.pk), dt.date(2021, 3, 31)
    )
    kinds = [w.kind for w in warnings]
    assert figure(summary, "nodes_overdue")["value"] == kinds.count("node_overdue") == 2
    assert figure(summary, "nodes_at_risk")["value"] == kinds.count("progress_behind") == 1
    by_street = next(t for s in summary["sections"] for t in s["tables"] if t["key"] == "battle_by_street")
    assert [[c["text"] for c in row] for row in by_street["rows"]] == [["南关街街道", "2", "1"]]
    by_post = next(t for s in summary["sections"] for t in s["tables"] if t["key"] == "battle_by_post")
    assert [[c["text"] for c in row] for row in by_post["rows"]] == [["城市道路改造指挥部", "2", "1"]]
