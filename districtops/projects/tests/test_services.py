"""Writes: transition rules, date and money rules, uploads, archives policy, audit rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.audit.models import AuditRecord
from districtops.gate.services import ConflictError
from districtops.projects import services
from districtops.projects.models import (
    ConstructionCategory,
    FundSource,
    InvestmentProject,
    MissingDocumentsPolicy,
    ProjectNode,
    Stage,
    StageTransition,
)

from .conftest import pdf

pytestmark = pytest.mark.django_db
D = dt.date


def _transition(user, project, to_stage, day=D(2021, 3, 10), evidence=None):
    return services.transition_stage(
        user, project, to_stage=to_stage, happened_on=day, evidence=evidence or pdf(), note="测试"
    )


# --- stage transitions ---------------------------------------------------------------------------


def test_transition_moves_one_step_with_date_and_evidence(signed, users):
    project = _transition(users["nanguan"], signed, Stage.REGISTERED)
    assert project.stage == Stage.REGISTERED and project.registered_on == D(2021, 3, 10)
    assert project.stage_changed_on == D(2021, 3, 10) and project.version == signed.version + 1
    transition = StageTransition.objects.get(project=signed)
    assert transition.evidence.read().startswith(b"%PDF")
    assert AuditRecord.objects.filter(object_type="projects.investmentproject", action="transition").exists()


def test_supporting_department_may_transition(signed, users, units):
    from districtops.org.demo import ensure_person
    from districtops.org.roles import Role

    commerce = ensure_person("shangwu", "商务局员工", units["商务局"], Role.UNIT_STAFF)
    assert _transition(commerce, signed, Stage.REGISTERED).stage == Stage.REGISTERED


def test_illegal_jump_is_refused_and_nothing_changes(signed, users):
    with pytest.raises(ValidationError) as exc:
        _transition(users["nanguan"], signed, Stage.PRODUCING)
    assert "签约" in str(exc.value) and "投产" in str(exc.value)
    signed.refresh_from_db()
    assert signed.stage == Stage.SIGNED and signed.version == 1
    assert not StageTransition.objects.exists()


@pytest.mark.parametrize("username", ["beixiajie", "jinshui", "tongji"])
def test_transition_by_someone_outside_lead_and_support_is_refused(signed, users, username):
    with pytest.raises(PermissionDenied):
        _transition(users[username], signed, Stage.REGISTERED)
    signed.refresh_from_db()
    assert signed.stage == Stage.SIGNED and not StageTransition.objects.exists()


def test_transition_date_rules(signed, users):
    with pytest.raises(ValidationError) as exc:
        _transition(users["nanguan"], signed, Stage.REGISTERED, day=D(2021, 4, 1))
    assert "happened_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _transition(users["nanguan"], signed, Stage.REGISTERED, day=D(2021, 2, 24))
    assert "上一阶段" in exc.value.message_dict["happened_on"][0]


@pytest.mark.parametrize(
    "upload, fragment",
    [
        (None, "请上传"),
        (SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\x00" * 60), "可执行程序"),
        (SimpleUploadedFile("x.pdf", b""), "0 字节"),
    ],
)
def test_bad_evidence_is_refused(signed, users, upload, fragment):
    with pytest.raises(ValidationError) as exc:
        services.transition_stage(
            users["nanguan"], signed, to_stage=Stage.REGISTERED, happened_on=D(2021, 3, 1), evidence=upload
        )
    assert fragment in exc.value.message_dict["evidence"][0]
    signed.refresh_from_db()
    assert signed.stage == Stage.SIGNED


def test_upload_over_the_limit_is_refused(signed, users, settings):
    settings.UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 200)
    with pytest.raises(ValidationError) as exc:
        _transition(users["nanguan"], signed, Stage.REGISTERED, evidence=big)
    assert "上限" in exc.value.message_dict["evidence"][0]


def test_domestic_investor_needs_credit_code_to_register(sector, units, users):
    project = services.create_investment_project(
        None,
        name="无代码项目",
        investor_name="某公司",
        sector=sector,
        contracted_amount=Decimal(1),
        lead_unit=units["南关街街道"],
        stage=Stage.SIGNED,
        signed_on=D(2021, 3, 1),
    )
    with pytest.raises(ValidationError) as exc:
        _transition(users["nanguan"], project, Stage.REGISTERED)
    assert "investor_credit_code" in exc.value.message_dict
    assert InvestmentProject.objects.get(pk=project.pk).stage == Stage.SIGNED
    assert not StageTransition.objects.exists()


def test_wrong_credit_code_and_negative_amount_are_refused(sector, units):
    base = dict(
        name="x",
        investor_name="y",
        sector=sector,
        lead_unit=units["南关街街道"],
        contracted_amount=Decimal(1),
    )
    with pytest.raises(ValidationError) as exc:
        services.create_investment_project(None, **{**base, "investor_credit_code": "91350100M000100Y44"})
    assert "校验位" in exc.value.message_dict["investor_credit_code"][0]
    with pytest.raises(ValidationError) as exc:
        services.create_investment_project(None, **{**base, "contracted_amount": Decimal(-1)})
    assert "contracted_amount" in exc.value.message_dict
    foreign = services.create_investment_project(
        None, **{**base, "investor_domestic": False, "investor_credit_code": "hk-12345"}
    )
    assert foreign.investor_credit_code == "HK-12345"


def test_new_project_cannot_start_beyond_signed(sector, units):
    with pytest.raises(ValidationError) as exc:
        services.create_investment_project(
            None,
            name="x",
            investor_name="y",
            sector=sector,
            lead_unit=units["南关街街道"],
            contracted_amount=Decimal(1),
            stage=Stage.STARTED,
        )
    assert "stage" in exc.value.message_dict


def test_street_staff_cannot_register_a_project_for_another_street(sector, units, users):
    with pytest.raises(PermissionDenied):
        services.create_investment_project(
            users["nanguan"],
            name="x",
            investor_name="y",
            sector=sector,
            lead_unit=units["北下街街道"],
            contracted_amount=Decimal(1),
        )


def test_capital_arrival_one_figure_a_month(signed, users):
    services.record_capital_arrival(users["nanguan"], signed, month=D(2021, 3, 15), amount=Decimal(100))
    arrival = services.record_capital_arrival(
        users["nanguan"], signed, month=D(2021, 3, 1), amount=Decimal(250)
    )
    assert arrival.month == D(2021, 3, 1) and arrival.amount == 250 and signed.arrivals.count() == 1
    with pytest.raises(ValidationError):
        services.record_capital_arrival(users["nanguan"], signed, month=D(2021, 4, 1), amount=Decimal(1))
    with pytest.raises(ValidationError):
        services.record_capital_arrival(users["nanguan"], signed, month=D(2021, 3, 1), amount=Decimal(-1))


# --- construction ------------------------------------------------------------------------------


def test_node_plan_follows_category_template_over_project_span(road):
    nodes = list(road.nodes.order_by("sequence"))
    assert [n.name for n in nodes] == list(road.category.node_templates.values_list("name", flat=True))
    assert nodes[0].planned_start == road.planned_start
    assert nodes[-1].planned_end <= road.planned_end
    assert all(a.planned_start <= b.planned_start for a, b in zip(nodes, nodes[1:], strict=False))


def test_command_post_must_be_a_command_post(category, units):
    with pytest.raises(ValidationError) as exc:
        services.create_construction_project(
            None,
            name="x",
            category=category,
            lead_unit=units["南关街街道"],
            command_post=units["城建局"],
            planned_start=D(2021, 1, 1),
            planned_end=D(2021, 2, 1),
        )
    assert "command_post" in exc.value.message_dict


def test_node_date_before_predecessor_is_refused(road, users):
    second = road.nodes.get(sequence=2)
    first = road.nodes.get(sequence=1)
    with pytest.raises(ValidationError) as exc:
        services.update_node(
            users["nanguan"],
            second,
            expected_version=second.version,
            planned_start=first.planned_start - dt.timedelta(days=1),
        )
    assert "前一节点" in exc.value.message_dict["planned_start"][0]


def test_actual_date_in_future_is_refused(road, users):
    node = road.nodes.get(sequence=1)
    with pytest.raises(ValidationError) as exc:
        services.update_node(
            users["nanguan"], node, expected_version=node.version, actual_start=D(2021, 4, 1)
        )
    assert "不能晚于今天" in exc.value.message_dict["actual_start"][0]


def test_completing_a_node_reports_missing_documents_when_policy_warns(road, users):
    node = road.nodes.get(name="规划设计")
    updated = services.update_node(
        users["nanguan"],
        node,
        expected_version=node.version,
        actual_start=D(2021, 1, 2),
        actual_end=D(2021, 2, 10),
    )
    assert updated.progress == 100 and [r.name for r in updated.missing_documents] == ["设计方案批复"]


def test_completing_a_node_is_blocked_without_documents_when_policy_blocks(road, users):
    ConstructionCategory.objects.filter(pk=road.category_id).update(
        missing_documents_policy=MissingDocumentsPolicy.BLOCK
    )
    node = ProjectNode.objects.select_related("project__category").get(project=road, name="规划设计")
    with pytest.raises(ValidationError) as exc:
        services.update_node(
            users["nanguan"],
            node,
            expected_version=node.version,
            actual_start=D(2021, 1, 2),
            actual_end=D(2021, 2, 10),
        )
    assert "设计方案批复" in exc.value.message_dict["actual_end"][0]
    requirement = road.category.requirements.get(name="设计方案批复")
    services.upload_document(users["nanguan"], road, title="", file=pdf("批复.pdf"), requirement=requirement)
    node.refresh_from_db()
    done = services.update_node(
        users["nanguan"],
        node,
        expected_version=node.version,
        actual_start=D(2021, 1, 2),
        actual_end=D(2021, 2, 10),
    )
    assert done.actual_end == D(2021, 2, 10) and done.missing_documents == []


def test_stale_version_is_a_conflict(road, users):
    node = road.nodes.get(sequence=1)
    services.update_node(users["nanguan"], node, expected_version=node.version, owner="甲")
    with pytest.raises(ConflictError):
        services.update_node(users["nanguan"], node, expected_version=node.version, owner="乙")


def test_plan_change_needs_change_right_actuals_need_report(road, users):
    node = road.nodes.get(sequence=1)
    # 城建局 supports: it may report actual dates but not move the plan.
    services.update_node(users["chengjian"], node, expected_version=node.version, actual_start=D(2021, 1, 5))
    node.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.update_node(users["chengjian"], node, expected_version=node.version, owner="换人")


def test_progress_report_sets_progress_and_actual_start(road, users):
    node = road.nodes.get(sequence=1)
    services.report_progress(users["chengjian"], node, reported_on=D(2021, 1, 20), percent=40, text="设计中")
    node.refresh_from_db()
    assert node.progress == 40 and node.actual_start == D(2021, 1, 20)
    with pytest.raises(ValidationError) as exc:
        services.report_progress(users["chengjian"], node, reported_on=D(2021, 1, 21), percent=101, text="x")
    assert "percent" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.report_progress(users["beixiajie"], node, reported_on=D(2021, 1, 21), percent=50, text="x")


def test_fund_rules(road, users):
    add = services.add_fund_entry
    for kind, amount in (("applied", 100), ("approved", 80), ("allocated", 60), ("disbursed", 50)):
        add(users["nanguan"], road, source=FundSource.CITY, kind=kind, date=D(2021, 3, 1), amount=amount)
    assert road.funds.get(source=FundSource.CITY).disbursed == Decimal(50)
    with pytest.raises(ValidationError) as exc:
        add(users["nanguan"], road, source=FundSource.CITY, kind="disbursed", date=D(2021, 3, 2), amount=11)
    assert "超过拨付累计" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        add(users["nanguan"], road, source=FundSource.DISTRICT, kind="applied", date=D(2021, 3, 1), amount=-1)
    assert "amount" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        add(users["jinshui"], road, source=FundSource.DISTRICT, kind="applied", date=D(2021, 3, 1), amount=1)


def test_monthly_investment_rules(road, users):
    services.record_monthly_investment(users["nanguan"], road, month=D(2021, 3, 1), amount=Decimal(5))
    with pytest.raises(ValidationError):
        services.record_monthly_investment(users["nanguan"], road, month=D(2021, 3, 1), amount=Decimal(-5))
    assert road.monthly_investments.get().amount == 5


def test_document_upload_checks_content_and_category(road, users, category):
    with pytest.raises(ValidationError) as exc:
        services.upload_document(
            users["nanguan"], road, title="x", file=SimpleUploadedFile("a.pdf", b"MZ" + b"\0" * 80)
        )
    assert "file" in exc.value.message_dict
    other = ConstructionCategory.objects.get(code="village").requirements.first()
    with pytest.raises(ValidationError) as exc:
        services.upload_document(users["nanguan"], road, title="x", file=pdf(), requirement=other)
    assert "requirement" in exc.value.message_dict
    doc = services.upload_document(
        users["nanguan"],
        road,
        title="照片",
        file=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40),
    )
    assert doc.content_type == "png" and doc.size == 48
