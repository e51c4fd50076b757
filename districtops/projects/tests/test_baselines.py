"""Plan baselines (计划基线): taken at registration (立项), at a command post's dispatch meeting
(调度会) and by hand; never edited. A planned date moved after a baseline needs a reason; a node
postponed twice is red until made up. The battle map compares the plan with a baseline."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.core import clock
from districtops.gate import services as core_services
from districtops.projects import measures, services
from districtops.projects.models import (
    Baseline,
    BaselineKind,
    BaselineNode,
    ConstructionProject,
    NodePlanChange,
    ProjectNode,
)

pytestmark = pytest.mark.django_db
D = dt.date
BASE = "/api/v1/projects"


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.fixture
def post_staff(units):
    """A member of 城市道路改造指挥部, the road project's command post."""
    from districtops.org.demo import ensure_person
    from districtops.org.roles import Role

    return ensure_person("zhihuibu", "指挥部员工", units["城市道路改造指挥部"], Role.UNIT_STAFF)


def _postpone(node, days, reason="征迁未完成"):
    node.refresh_from_db()
    return services.update_node(
        None,
        node,
        expected_version=None,
        reason=reason,
        planned_end=node.planned_end + dt.timedelta(days=days),
    )


def _warnings(project, kind):
    return [
        w
        for w in measures.construction_warnings(
            ConstructionProject.objects.filter(pk=project.pk), clock.today()
        )
        if w.kind == kind
    ]


# --- taking baselines ----------------------------------------------------------------------------


def test_registration_records_the_approval_baseline(road):
    baseline = Baseline.objects.get(project=road)
    assert baseline.kind == BaselineKind.APPROVAL and baseline.unit == road.lead_unit
    nodes = list(road.nodes.order_by("sequence"))
    assert baseline.node_count == len(nodes) == BaselineNode.objects.filter(baseline=baseline).count()
    rows = {r.node_id: r for r in baseline.nodes.all()}
    assert all(
        (rows[n.pk].planned_start, rows[n.pk].planned_end) == (n.planned_start, n.planned_end) for n in nodes
    )
    assert all(n.baseline_end == n.planned_end and n.plan_slips == 0 for n in nodes)
    from districtops.audit.models import AuditRecord

    assert AuditRecord.objects.filter(object_type="projects.baseline", object_id=str(baseline.pk)).exists()


def test_import_records_one_approval_baseline_per_district(org, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from districtops.core.excel import write_workbook
    from districtops.projects import imports

    rows = [
        [f"IMP{i}", f"导入项目{i}", "城市道路改造", "南关街街道", "", "", "", "", "", 100, "", D(2021, 1, 1), D(2021, 12, 31)]
        for i in range(3)
    ]  # fmt: skip
    content = write_workbook(
        [("项目", imports.construction_columns(), rows), ("节点", imports.NODE_COLUMNS, [])]
    )
    try:
        imports.import_construction(_user("leader"), SimpleUploadedFile("p.xlsx", content))
    except imports.ImportRefused as exc:
        raise AssertionError([e.message for e in exc.errors]) from exc
    baseline = Baseline.objects.get(kind=BaselineKind.APPROVAL, project=None)
    imported = ProjectNode.objects.filter(project__code__startswith="IMP")
    assert baseline.node_count == imported.count() > 0
    assert not imported.filter(baseline_end=None).exists()


def test_command_post_records_its_dispatch_meeting_from_the_battle_map(login, road, post_staff, units):
    post = units["城市道路改造指挥部"]
    response = login("zhihuibu").post(
        "/projects/battle-map/baselines/",
        {"unit": post.pk, "kind": "dispatch", "name": "", "reason": "周调度"},
    )
    baseline = Baseline.objects.get(kind=BaselineKind.DISPATCH)
    assert response.status_code == 302 and response["Location"].endswith(f"?baseline={baseline.pk}")
    assert baseline.unit == post and baseline.taken_by.username == "zhihuibu"
    assert baseline.name == f"{post.name}调度会（2021-03-31）"
    assert baseline.node_count == road.nodes.count()


def test_recording_a_baseline_is_refused_outside_ones_units(login, road, units):
    post = units["城市道路改造指挥部"]
    # A street's staff may not record the command post's meeting: not offered, and refused.
    response = login("nanguan").post(
        "/projects/battle-map/baselines/", {"unit": post.pk, "kind": "dispatch"}, follow=True
    )
    assert "基线未记录" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.record_baseline(_user("nanguan"), unit=post, kind=BaselineKind.DISPATCH)
    with pytest.raises(PermissionDenied):
        services.record_baseline(_user("nanguan"), unit=units["北下街街道"], kind=BaselineKind.DISPATCH)
    district = post.district
    with pytest.raises(PermissionDenied):  # the whole district: leaders and supervisors only
        services.record_baseline(_user("nanguan"), unit=district, kind=BaselineKind.DISPATCH)
    assert login("jinshui").post("/projects/battle-map/baselines/", {"unit": post.pk}).status_code in (
        302,
        403,
    )
    assert not Baseline.objects.exclude(kind=BaselineKind.APPROVAL).exists()


def test_manual_baseline_needs_a_name_and_approval_is_not_taken_by_hand(road, units):
    leader = _user("leader")
    with pytest.raises(ValidationError) as exc:
        services.record_baseline(leader, unit=units["南关街街道"], kind=BaselineKind.MANUAL, name="  ")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_baseline(leader, unit=units["南关街街道"], kind=BaselineKind.APPROVAL, name="x")
    assert "kind" in exc.value.message_dict
    named = services.record_baseline(
        leader, unit=units["南关街街道"].district, kind="manual", name="年中复盘"
    )
    assert named.name == "年中复盘" and named.unit is None and named.node_count == road.nodes.count()


def test_baselines_are_immutable(road):
    baseline = Baseline.objects.get(project=road)
    with pytest.raises(ValidationError):
        core_services.update_object(None, baseline, {"name": "改过的名字"}, expected_version=None)
    baseline.refresh_from_db()
    assert baseline.name.startswith("立项")
    with pytest.raises(ValidationError):
        baseline.delete()
    row = baseline.nodes.first()
    row.planned_end = D(2030, 1, 1)
    with pytest.raises(ValidationError):
        row.save()
    assert BaselineNode.objects.get(pk=row.pk).planned_end != D(2030, 1, 1)


def test_the_api_lists_and_records_baselines_and_has_no_edit(api_client, road, jinshui_road, units):
    listed = api_client("nanguan").get(f"{BASE}/baselines").json()
    assert [b["project_id"] for b in listed["items"]] == [road.pk] and listed["count"] == 1
    assert [b["project_id"] for b in api_client("jinshui").get(f"{BASE}/baselines").json()["items"]] == [
        jinshui_road.pk
    ]
    leader = api_client("leader")
    created = leader.post(
        f"{BASE}/baselines",
        data=json.dumps({"unit_id": units["城市道路改造指挥部"].pk, "kind": "dispatch"}),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["node_count"] == road.nodes.count()
    bid = created.json()["id"]
    # No edit path: neither PATCH nor DELETE exists for a baseline (no route answers).
    patched = leader.patch(f"{BASE}/baselines/{bid}", data='{"name": "x"}', content_type="application/json")
    assert patched.status_code in (404, 405)
    assert leader.delete(f"{BASE}/baselines/{bid}").status_code in (404, 405)
    assert Baseline.objects.get(pk=bid).name.endswith("调度会（2021-03-31）")
    nodes = leader.get(f"{BASE}/baselines/{bid}/nodes").json()["items"]
    assert len(nodes) == road.nodes.count()
    assert api_client("jinshui").get(f"{BASE}/baselines/{bid}/nodes").status_code == 404
    refused = api_client("nanguan").post(
        f"{BASE}/baselines",
        data=json.dumps({"unit_id": units["城市道路改造指挥部"].pk, "kind": "dispatch"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    unnamed = leader.post(
        f"{BASE}/baselines",
        data=json.dumps({"unit_id": units["南关街街道"].pk, "kind": "manual"}),
        content_type="application/json",
    )
    assert unnamed.status_code == 422 and unnamed.json()["detail"][0]["loc"][-1] == "name"
    assert leader.get(f"{BASE}/baselines?kind=nonsense").status_code == 422


# --- plan changes after a baseline -----------------------------------------------------------------


def test_moving_a_planned_date_after_a_baseline_needs_a_reason(road):
    node = road.nodes.get(sequence=5)
    old_end = node.planned_end
    with pytest.raises(ValidationError) as exc:
        services.update_node(None, node, expected_version=None, planned_end=old_end + dt.timedelta(days=10))
    assert "reason" in exc.value.message_dict
    node.refresh_from_db()
    assert node.planned_end == old_end and not NodePlanChange.objects.exists()
    updated = services.update_node(
        None, node, expected_version=None, reason="  管线迁改  ", planned_end=old_end + dt.timedelta(days=10)
    )
    change = NodePlanChange.objects.get(node=node)
    assert (change.old_end, change.new_end, change.reason, change.slip_days) == (
        old_end, old_end + dt.timedelta(days=10), "管线迁改", 10,
    )  # fmt: skip
    assert updated.plan_slips == 1 and updated.baseline_end == old_end
    from districtops.audit.models import AuditRecord

    audit = AuditRecord.objects.filter(object_type="projects.projectnode", object_id=str(node.pk)).last()
    assert "管线迁改" in audit.message
    # Actual dates and a plan moved earlier need no reason / count no postponement.
    services.update_node(None, updated, expected_version=None, actual_start=D(2021, 3, 1))
    earlier = services.update_node(
        None, updated, expected_version=None, reason="提前", planned_end=old_end - dt.timedelta(days=3)
    )
    assert earlier.plan_slips == 1


def test_the_node_form_refuses_a_moved_date_without_a_reason(login, road):
    node = road.nodes.get(sequence=5)
    form = {
        "name": node.name, "planned_start": node.planned_start, "planned_end": node.planned_end + dt.timedelta(days=7),
        "version": node.version,
    }  # fmt: skip
    client = login("nanguan")
    response = client.post(f"/projects/nodes/{node.pk}/edit/", form)
    assert response.status_code == 200 and 'data-field-error="reason"' in response.content.decode()
    node.refresh_from_db()
    assert node.planned_end == form["planned_end"] - dt.timedelta(days=7)
    response = client.post(f"/projects/nodes/{node.pk}/edit/", {**form, "reason": "雨季停工"})
    assert response.status_code == 302
    page = client.get(f"/projects/nodes/{node.pk}/edit/").content.decode()
    assert 'data-testid="node-plan-changes"' in page and "雨季停工" in page
    detail = client.get(f"/projects/construction/{road.pk}/").content.decode()
    assert 'data-testid="plan-changes"' in detail and "雨季停工" in detail


def test_the_api_refuses_a_moved_date_without_a_reason(api_client, road):
    node = road.nodes.get(sequence=5)
    client = api_client("nanguan")
    new_end = str(node.planned_end + dt.timedelta(days=5))
    refused = client.patch(
        f"{BASE}/nodes/{node.pk}",
        data=json.dumps({"version": node.version, "planned_end": new_end}),
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "reason"
    ok = client.patch(
        f"{BASE}/nodes/{node.pk}",
        data=json.dumps({"version": node.version, "planned_end": new_end, "reason": "设计变更"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["planned_end"] == new_end


def test_a_node_postponed_twice_is_red_until_made_up(road):
    node = road.nodes.get(sequence=5)  # open, far from its end: on time against any of its plans
    first_end = node.planned_end
    _postpone(node, 10)
    assert not _warnings(road, "plan_slipped")
    node = _postpone(node, 10, "再次顺延")
    [warning] = _warnings(road, "plan_slipped")
    assert warning.severity == "red" and warning.node == node.name and "2 次" in warning.message
    assert not any(
        w.node == node.name for w in _warnings(road, "node_overdue") + _warnings(road, "progress_behind")
    )
    assert (
        measures.warning_counts(ConstructionProject.objects.filter(pk=road.pk), clock.today())["plan_slipped"]
        == 1
    )
    # Made up: finished on or before the first baseline's planned end.
    assert first_end >= D(2021, 3, 31)
    previous = road.nodes.filter(sequence__lt=5)
    for earlier in previous.order_by("sequence"):
        services.update_node(
            None, earlier, expected_version=None, actual_start=D(2021, 1, 1), actual_end=D(2021, 3, 1)
        )
    node.refresh_from_db()
    services.update_node(
        None, node, expected_version=None, actual_start=D(2021, 3, 2), actual_end=D(2021, 3, 30)
    )
    assert not _warnings(road, "plan_slipped")


def test_a_late_finish_keeps_the_red_on_record(road):
    node = road.nodes.get(sequence=1)  # first baseline: due in February
    _postpone(node, 60)
    node = _postpone(node, 30, "再次顺延")
    services.update_node(
        None, node, expected_version=None, actual_start=D(2021, 1, 5), actual_end=D(2021, 3, 30)
    )
    node.refresh_from_db()
    assert node.actual_end > node.baseline_end
    [warning] = _warnings(road, "plan_slipped")
    assert "实际 2021-03-30 完成" in warning.message
    assert (
        measures.warning_counts(ConstructionProject.objects.filter(pk=road.pk), clock.today())["plan_slipped"]
        == 1
    )


# --- the battle map against a baseline -------------------------------------------------------------


def test_battle_map_compares_with_the_latest_dispatch_meeting(login, road, units):
    leader = _user("leader")
    meeting = services.record_baseline(leader, unit=units["城市道路改造指挥部"], kind=BaselineKind.DISPATCH)
    moved = _postpone(road.nodes.get(sequence=4), 12)
    data = login("leader").get("/projects/battle-map/data/").json()
    assert data["baseline"]["id"] == meeting.pk and data["last_meeting"]["id"] == meeting.pk
    bars = {b[1]: dict(zip(data["fields"], b, strict=True)) for b in data["bars"]}
    assert bars[moved.pk]["slip"] == 12 and bars[moved.pk]["moved"] is True
    assert bars[moved.pk]["base_end"] == str(moved.planned_end - dt.timedelta(days=12))
    assert all(b["slip"] == 0 and not b["moved"] for pk, b in bars.items() if pk != moved.pk)
    # Against the 立项 baseline of the project, chosen explicitly; ?baseline=0 compares with none.
    approval = Baseline.objects.get(project=road)
    against = login("leader").get(f"/projects/battle-map/data/?baseline={approval.pk}").json()
    assert against["baseline"]["kind"] == "approval"
    assert {b[12] for b in against["bars"]} == {0, 12}
    plain = login("leader").get("/projects/battle-map/data/?baseline=0").json()
    assert plain["baseline"] is None and {b[10] for b in plain["bars"]} == {None}
    # The print view lists the moved node first in its slip table.
    page = login("leader").get("/projects/battle-map/?print=1").content.decode()
    assert 'data-testid="slip-print"' in page and moved.name in page.split('data-testid="slip-print"')[1]


def test_battle_map_refuses_a_baseline_of_another_district(login, road, jinshui_road):
    foreign = Baseline.objects.get(project=jinshui_road)
    assert login("leader").get(f"/projects/battle-map/data/?baseline={foreign.pk}").status_code == 404
    assert login("leader").get("/projects/battle-map/data/?baseline=abc").status_code == 404
    assert login("jinshui").get(f"/projects/battle-map/data/?baseline={foreign.pk}").status_code == 200


def test_a_street_sees_only_its_nodes_through_a_district_baseline(login, road, units, category):
    from .conftest import road_project  # noqa: F401  (the fixture's builder)

    other = services.create_construction_project(
        None, name="北下街道路", category=category, lead_unit=units["北下街街道"],
        planned_start=D(2021, 1, 1), planned_end=D(2021, 12, 31),
    )  # fmt: skip
    district_baseline = services.record_baseline(
        _user("leader"), unit=units["南关街街道"].district, kind=BaselineKind.MANUAL, name="全区"
    )
    assert district_baseline.node_count == road.nodes.count() + other.nodes.count()
    data = login("nanguan").get(f"/projects/battle-map/data/?baseline={district_baseline.pk}").json()
    assert {r["id"] for r in data["rows"]} == {road.pk}
    assert all(b[10] is not None for b in data["bars"])


def test_battle_map_with_a_baseline_has_no_n_plus_one(
    login, road, units, category, django_assert_max_num_queries
):
    client = login("leader")
    services.record_baseline(_user("leader"), unit=units["南关街街道"].district, kind="manual", name="全区")
    client.get("/projects/battle-map/data/")
    with django_assert_max_num_queries(12) as few:
        client.get("/projects/battle-map/data/")
    for i in range(5):
        services.create_construction_project(
            None, name=f"加项{i}", category=category, lead_unit=units["南关街街道"],
            planned_start=D(2021, 1, 1), planned_end=D(2021, 12, 31),
        )  # fmt: skip
    services.record_baseline(_user("leader"), unit=units["南关街街道"].district, kind="manual", name="全区二")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/projects/battle-map/data/")
    with django_assert_max_num_queries(len(few.captured_queries) + 14):
        # The page itself (filters, options, the baseline chooser and form) on top of the data.
        client.get("/projects/battle-map/")
