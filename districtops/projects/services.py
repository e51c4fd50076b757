"""Every write to projects: conferences, investment projects and their stages, construction
projects, nodes, progress, money and documents.

Each function takes the acting person first (``None`` = the system), checks the gate,
validates, writes audit rows through ``gate.services`` and runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from districtops.core import clock, uploads
from districtops.core.codes import validate_credit_code
from districtops.gate import permissions, services
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_ROLES

from . import ledger, policies
from .models import (
    STAGE_DATE_FIELD,
    STAGE_TRANSITIONS,
    ArchiveDocument,
    ArchiveRequirement,
    Baseline,
    BaselineKind,
    BaselineNode,
    CapitalArrival,
    Conference,
    ConstructionCategory,
    ConstructionProject,
    FundEntry,
    FundEntryKind,
    FundRecord,
    FundSource,
    InvestmentProject,
    MissingDocumentsPolicy,
    MonthlyInvestment,
    NodePlanChange,
    NodeTemplate,
    ProgressReport,
    ProjectNode,
    ProjectSettings,
    Sector,
    Stage,
    StageTransition,
)

LEAD_KINDS = {UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT, UnitKind.PARK, UnitKind.OFFICE}


# --- checks shared by several writes -------------------------------------------------------------


def _not_future(field: str, value: dt.date | None, label: str) -> None:
    if value is not None and value > clock.today():
        raise ValidationError({field: f"{label}（{value}）不能晚于今天（{clock.today()}）。"})


def _not_negative(field: str, value, label: str) -> None:
    if value is not None and Decimal(value) < 0:
        raise ValidationError({field: f"{label}不能为负数。"})


def _first_of_month(field: str, month: dt.date) -> dt.date:
    if month is None:
        raise ValidationError({field: "请填写月份。"})
    month = month.replace(day=1)
    if month > clock.today().replace(day=1):
        raise ValidationError({field: f"月份 {month:%Y-%m} 尚未到来。"})
    return month


def check_units(lead_unit: Unit, supporting_units, command_post: Unit | None = None) -> None:
    if lead_unit.kind not in LEAD_KINDS or lead_unit.district_id is None:
        raise ValidationError({"lead_unit": "牵头单位应为本区的街道（乡）或部门。"})
    for unit in supporting_units:
        if unit.district_id != lead_unit.district_id:
            raise ValidationError({"supporting_units": f"配合单位“{unit}”不属于牵头单位所在的区。"})
    if command_post is not None:
        if command_post.kind != UnitKind.COMMAND_POST:
            raise ValidationError({"command_post": f"“{command_post}”不是指挥部。"})
        if command_post.district_id != lead_unit.district_id:
            raise ValidationError({"command_post": "指挥部不属于牵头单位所在的区。"})


def _require_acting_in(actor, units: list[Unit], district_id: int) -> None:
    """Someone creating a project must belong to one of its units or oversee its district."""
    if actor is None:
        return
    scope = permissions.scope_of(actor)
    oversight = scope.districts_with(OVERSIGHT_ROLES)
    if oversight == permissions.ALL or district_id in oversight:
        return
    if scope.units_with(UNIT_ROLES) & {u.pk for u in units if u is not None}:
        return
    raise PermissionDenied("只有牵头、配合单位或本区领导、督查人员可以登记项目。")


def _upload(file, field: str, kinds=("pdf", "image", "office")) -> str:
    if not file:
        raise ValidationError({field: "请上传文件。"})
    return uploads.validate_upload(file, kinds=kinds, field=field)


# --- configuration (the settings screen) ----------------------------------------------------------
#
# Sectors, construction categories with their node templates and document checklists, and the
# thresholds are shared by every district of the deployment (one list, one meaning city-wide),
# so they carry no data scope: the system administrator keeps them (docs/projects.md, 设置).


def _create_config(actor, obj):
    """Configuration rows carry no data scope: validate, save, audit."""
    services.validate(obj)
    obj.save()
    services.record(actor, "create", obj, after=services.snapshot(obj))
    return obj


def _update_config(actor, obj, changes: dict, check=None, expected_version=None):
    """The shared write path (lock, version, validate, audit) with the configurer's check in
    place of the data scope."""
    return services.update_object(
        actor,
        obj,
        changes,
        expected_version=expected_version,
        validate_with=check,
        authorize=policies.require_configurer,
    )


def _strip(changes: dict, *fields) -> dict:
    for field in fields:
        if isinstance(changes.get(field), str):
            changes[field] = changes[field].strip()
    return changes


def ensure_sector(actor, name: str, sort_order: int = 0) -> Sector:
    """Add a sector to the configurable list unless it is there (the demo loader, the system)."""
    policies.require_configurer(actor)
    existing = Sector.objects.filter(name=name).first()
    if existing:
        return existing
    with transaction.atomic():
        return _create_config(actor, Sector(name=name, sort_order=sort_order))


SECTOR_FIELDS = {"name", "sort_order", "is_active"}


def save_sector(actor, sector: Sector | None = None, **changes) -> Sector:
    """Create a sector or edit one (rename, reorder, switch off: an inactive sector stays on its
    projects but is no longer offered for new ones)."""
    policies.require_configurer(actor)
    unknown = set(changes) - SECTOR_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "未知字段。"})
    _strip(changes, "name")
    with transaction.atomic():
        if sector is None:
            return _create_config(actor, Sector(**changes))
        return _update_config(actor, sector, changes)


CATEGORY_FIELDS = {"code", "name", "missing_documents_policy", "sort_order"}


def save_category(actor, category: ConstructionCategory | None = None, **changes) -> ConstructionCategory:
    """Create a construction category or edit its name, order and missing-documents policy
    (block or warn when a node is completed with its required documents missing)."""
    policies.require_configurer(actor)
    unknown = set(changes) - CATEGORY_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "未知字段。"})
    _strip(changes, "code", "name")
    policy = changes.get("missing_documents_policy")
    if policy is not None and policy not in MissingDocumentsPolicy.values:
        raise ValidationError({"missing_documents_policy": "请选择“阻止”或“仅提醒”。"})
    with transaction.atomic():
        if category is None:
            return _create_config(actor, ConstructionCategory(**changes))
        if "code" in changes and changes["code"] != category.code:
            raise ValidationError({"code": "类别代码创建后不能修改（导入模板据此识别类别）。"})
        return _update_config(actor, category, changes)


NODE_TEMPLATE_FIELDS = {"sequence", "name", "offset_days", "duration_days"}


def _check_template(template: NodeTemplate) -> None:
    if template.sequence is None or template.sequence < 1:
        raise ValidationError({"sequence": "顺序应为正整数。"})
    if template.duration_days is None or template.duration_days < 1:
        raise ValidationError({"duration_days": "工期至少 1 天。"})
    if not (template.name or "").strip():
        raise ValidationError({"name": "请填写节点名称。"})
    clash = NodeTemplate.objects.filter(category_id=template.category_id).exclude(pk=template.pk)
    if clash.filter(sequence=template.sequence).exists():
        raise ValidationError({"sequence": f"该类别已有顺序为 {template.sequence} 的节点。"})
    if clash.filter(name=template.name).exists():
        raise ValidationError({"name": f"该类别已有名为“{template.name}”的节点。"})
    earlier = clash.filter(sequence__lt=template.sequence).order_by("-sequence").first()
    if earlier is not None and template.offset_days < earlier.offset_days:
        raise ValidationError(
            {"offset_days": f"不能早于前一节点“{earlier.name}”的开始（第 {earlier.offset_days} 天）。"}
        )
    later = clash.filter(sequence__gt=template.sequence).order_by("sequence").first()
    if later is not None and template.offset_days > later.offset_days:
        raise ValidationError(
            {"offset_days": f"不能晚于后一节点“{later.name}”的开始（第 {later.offset_days} 天）。"}
        )


def save_node_template(
    actor, template: NodeTemplate | None = None, *, category: ConstructionCategory | None = None, **changes
) -> NodeTemplate:
    """Add a node to a category's plan template or edit one. Projects already laid out keep their
    nodes; a renamed node takes its checklist items along (they are matched by node name)."""
    policies.require_configurer(actor)
    unknown = set(changes) - NODE_TEMPLATE_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "未知字段。"})
    _strip(changes, "name")
    with transaction.atomic():
        if template is None:
            if category is None:
                raise ValidationError({"category": "请选择工程类别。"})
            new = NodeTemplate(category=category, **changes)
            _check_template(new)
            return _create_config(actor, new)
        old_name = NodeTemplate.objects.select_for_update().get(pk=template.pk).name
        updated = _update_config(actor, template, changes, check=_check_template)
        if updated.name != old_name:
            for requirement in ArchiveRequirement.objects.filter(
                category_id=updated.category_id, node_name=old_name
            ):
                _update_config(actor, requirement, {"node_name": updated.name})
        return updated


REQUIREMENT_FIELDS = {"node_name", "name", "sort_order"}


def _check_requirement(requirement: ArchiveRequirement) -> None:
    if not (requirement.name or "").strip():
        raise ValidationError({"name": "请填写档案名称。"})
    nodes = list(
        NodeTemplate.objects.filter(category_id=requirement.category_id).values_list("name", flat=True)
    )
    if requirement.node_name not in nodes:
        raise ValidationError(
            {
                "node_name": f"“{requirement.node_name}”不是该类别模板中的节点（可选：{'、'.join(nodes) or '无'}）。"
            }
        )


def save_requirement(
    actor,
    requirement: ArchiveRequirement | None = None,
    *,
    category: ConstructionCategory | None = None,
    **changes,
) -> ArchiveRequirement:
    """Add a required document to a category's checklist (held by the end of a node) or edit one."""
    policies.require_configurer(actor)
    unknown = set(changes) - REQUIREMENT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "未知字段。"})
    _strip(changes, "node_name", "name")
    with transaction.atomic():
        if requirement is None:
            if category is None:
                raise ValidationError({"category": "请选择工程类别。"})
            new = ArchiveRequirement(category=category, **changes)
            _check_requirement(new)
            return _create_config(actor, new)
        return _update_config(actor, requirement, changes, check=_check_requirement)


THRESHOLD_LIMITS = {
    "stalled_days": (1, 3650, "招商项目停滞天数应在 1 到 3650 天之间。"),
    "fund_lag_points": (0, 100, "资金拨付滞后容差应在 0 到 100 个百分点之间。"),
}


def update_thresholds(actor, *, expected_version: int | None = None, **values) -> ProjectSettings:
    """Edit the stalled-days and funds-lag thresholds (one row; the first edit stores the defaults)."""
    policies.require_configurer(actor)
    unknown = set(values) - set(THRESHOLD_LIMITS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "未知字段。"})
    for field, value in values.items():
        low, high, message = THRESHOLD_LIMITS[field]
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({field: message}) from None
        if not low <= number <= high:
            raise ValidationError({field: message})
    with transaction.atomic():
        if not ProjectSettings.objects.filter(pk=1).exists():
            # The first edit stores the defaults row; the update below audits the change.
            ProjectSettings.current().save()
        return _update_config(
            actor,
            ProjectSettings(pk=1),
            {k: int(v) for k, v in values.items()},
            expected_version=expected_version,
        )


# --- conferences ---------------------------------------------------------------------------------


def create_conference(
    actor, *, name, held_on, organiser: Unit, venue="", attendance=0, notes=""
) -> Conference:
    """Record a promotion conference; its district is the organiser's."""
    _require_acting_in(actor, [organiser], organiser.district_id)
    conference = Conference(
        name=name.strip(),
        held_on=held_on,
        organiser=organiser,
        district_id=organiser.district_id,
        venue=venue,
        attendance=attendance or 0,
        notes=notes,
    )
    return services.create_object(actor, conference, scope_action="change")


def update_conference(actor, conference: Conference, *, expected_version, **changes) -> Conference:
    organiser = changes.get("organiser")
    if organiser is not None:
        if organiser.district_id != conference.district_id:
            raise ValidationError({"organiser": "主办单位不能改到其他区。"})
    return services.update_object(actor, conference, changes, expected_version=expected_version)


# --- investment projects -----------------------------------------------------------------------


def check_investor(project: InvestmentProject) -> None:
    if project.investor_domestic and project.investor_credit_code:
        try:
            project.investor_credit_code = validate_credit_code(project.investor_credit_code)
        except ValidationError as exc:
            raise ValidationError({"investor_credit_code": exc.messages}) from exc
    elif not project.investor_domestic:
        project.investor_credit_code = (project.investor_credit_code or "").strip().upper()
    reached = list(Stage.values).index(project.stage)
    if project.investor_domestic and not project.investor_credit_code and reached >= 2:
        raise ValidationError({"investor_credit_code": "境内企业注册后须填写统一社会信用代码。"})
    for field, label in (("contracted_amount", "签约金额"), ("planned_investment", "计划投资")):
        _not_negative(field, getattr(project, field), label)
    if project.conference_id and project.conference.district_id != project.district_id:
        raise ValidationError({"conference": "推介会与项目落地街道不在同一个区。"})
    if project.register_due and project.start_due and project.start_due < project.register_due:
        raise ValidationError({"start_due": "约定开工日期不能早于约定注册日期。"})


def create_investment_project(
    actor,
    *,
    supporting_units=(),
    stage: str = Stage.NEGOTIATING,
    signed_on=None,
    negotiating_since=None,
    **fields,
) -> InvestmentProject:
    """Register a project, negotiating (since ``negotiating_since``, default today) or already
    signed (then ``signed_on`` is required)."""
    lead_unit: Unit = fields["lead_unit"]
    supporting_units = list(supporting_units)
    check_units(lead_unit, supporting_units)
    _require_acting_in(actor, [lead_unit, *supporting_units], lead_unit.district_id)
    if stage not in (Stage.NEGOTIATING, Stage.SIGNED):
        raise ValidationError({"stage": "新项目只能处于洽谈或签约阶段，之后的阶段须逐级变更并附佐证。"})
    if stage == Stage.SIGNED and signed_on is None:
        raise ValidationError({"signed_on": "签约项目须填写签约日期。"})
    _not_future("signed_on", signed_on, "签约日期")
    _not_future("negotiating_since", negotiating_since, "洽谈开始日期")
    project = InvestmentProject(
        district_id=lead_unit.district_id,
        stage=stage,
        signed_on=signed_on,
        stage_changed_on=signed_on or negotiating_since or clock.today(),
        **fields,
    )
    check_investor(project)
    return services.create_object(
        actor, project, scope_action="report", m2m={"supporting_units": [u.pk for u in supporting_units]}
    )


INVESTMENT_EDITABLE = {
    "name", "conference", "signing_mode", "investor_name", "investor_domestic", "investor_credit_code",
    "sector", "contracted_amount", "planned_investment", "lead_unit", "responsible_leader",
    "register_due", "start_due",
}  # fmt: skip


def update_investment_project(
    actor, project: InvestmentProject, *, expected_version, supporting_units=None, **changes
) -> InvestmentProject:
    """Edit a project's own fields; its stage only moves through ``transition_stage``."""
    unknown = set(changes) - INVESTMENT_EDITABLE
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "该字段不能在此修改（阶段须通过阶段变更）。"})
    lead_unit = changes.get("lead_unit", project.lead_unit)
    support = list(supporting_units) if supporting_units is not None else list(project.supporting_units.all())
    check_units(lead_unit, support)
    if lead_unit.district_id != project.district_id:
        raise ValidationError({"lead_unit": "落地街道不能改到其他区。"})
    m2m = {"supporting_units": [u.pk for u in support]} if supporting_units is not None else None
    return services.update_object(
        actor, project, changes, expected_version=expected_version, m2m=m2m, validate_with=check_investor
    )


def transition_stage(
    actor, project: InvestmentProject, *, to_stage: str, happened_on: dt.date, evidence, note: str = "",
    expected_version: int | None = None,
) -> InvestmentProject:  # fmt: skip
    """Move one step along STAGE_TRANSITIONS, with the date and an evidence file.

    Refused, with nothing written: a jump (签约 → 投产), a date in the future or before
    the previous stage, missing or unacceptable evidence, or a person outside the lead
    and supporting units (and the district's oversight).
    """
    with transaction.atomic():
        current = InvestmentProject.objects.select_for_update().get(pk=project.pk)
        if actor is not None:
            permissions.require(actor, "report", current)
        if to_stage not in STAGE_TRANSITIONS[current.stage]:
            allowed = (
                "、".join(str(Stage(s).label) for s in STAGE_TRANSITIONS[current.stage]) or "无（已投产）"
            )
            raise ValidationError(
                {
                    "to_stage": f"不能从“{Stage(current.stage).label}”直接变更为“{Stage(to_stage).label if to_stage in Stage.values else to_stage}”；"
                    f"下一步只能是：{allowed}。"
                }
            )
        if happened_on is None:
            raise ValidationError({"happened_on": "请填写阶段变更日期。"})
        _not_future("happened_on", happened_on, "阶段变更日期")
        if happened_on < current.stage_changed_on and current.stage != Stage.NEGOTIATING:
            raise ValidationError(
                {"happened_on": f"日期不能早于上一阶段的日期（{current.stage_changed_on}）。"}
            )
        _upload(evidence, "evidence")
        from_stage = current.stage
        changes = {
            "stage": to_stage,
            "stage_changed_on": happened_on,
            STAGE_DATE_FIELD[to_stage]: happened_on,
        }
        # The project is validated first so a refusal (e.g. no credit code at 注册) stores no file.
        updated = services.update_object(
            actor,
            current,
            changes,
            expected_version=expected_version,
            action="report",
            audit_action="transition",
            message=f"{Stage(from_stage).label} → {Stage(to_stage).label}",
            validate_with=check_investor,
        )
        services.create_object(
            actor,
            StageTransition(
                project=updated,
                from_stage=from_stage,
                to_stage=to_stage,
                happened_on=happened_on,
                evidence=evidence,
                note=note,
                actor=actor,
            ),
            scope_action="report",
        )
    return updated


def _monthly_figure(actor, model, project, month: dt.date, amount, label: str):
    """Set one month's figure of ``model`` (one a month; a new entry replaces it)."""
    month = _first_of_month("month", month)
    _not_negative("amount", amount, label)
    if actor is not None:
        permissions.require(actor, "report", project)
    with transaction.atomic():
        existing = model.objects.filter(project=project, month=month).first()
        if existing:
            return services.update_object(
                actor, existing, {"amount": amount}, expected_version=None, action="report"
            )
        return services.create_object(
            actor, model(project=project, month=month, amount=amount), scope_action="report"
        )


def record_capital_arrival(actor, project: InvestmentProject, *, month: dt.date, amount) -> CapitalArrival:
    """Set the capital arrived in ``month`` (one figure a month; a second entry replaces it)."""
    return _monthly_figure(actor, CapitalArrival, project, month, amount, "到位金额")


# --- construction projects ---------------------------------------------------------------------


def plan_nodes(project: ConstructionProject) -> list[ProjectNode]:
    """The category's node template stretched over the project's planned span."""
    templates = list(project.category.node_templates.order_by("sequence"))
    if not templates:
        return []
    template_span = max(t.offset_days + t.duration_days for t in templates)
    project_span = (project.planned_end - project.planned_start).days + 1
    factor = project_span / template_span
    nodes = []
    for t in templates:
        start = project.planned_start + dt.timedelta(days=int(t.offset_days * factor))
        end = project.planned_start + dt.timedelta(
            days=max(0, int((t.offset_days + t.duration_days) * factor) - 1)
        )
        nodes.append(
            ProjectNode(
                project=project,
                sequence=t.sequence,
                name=t.name,
                planned_start=start,
                planned_end=max(start, end),
            )
        )
    return nodes


def check_construction(project: ConstructionProject) -> None:
    if project.planned_end < project.planned_start:
        raise ValidationError({"planned_end": "计划完成日期不能早于计划开始日期。"})
    _not_negative("budget", project.budget, "总投资")


def create_construction_project(actor, *, supporting_units=(), **fields) -> ConstructionProject:
    """Register a construction project and lay out its node plan from the category template."""
    lead_unit: Unit = fields["lead_unit"]
    supporting_units = list(supporting_units)
    command_post = fields.get("command_post")
    check_units(lead_unit, supporting_units, command_post)
    _require_acting_in(actor, [lead_unit, command_post, *supporting_units], lead_unit.district_id)
    project = ConstructionProject(district_id=lead_unit.district_id, **fields)
    check_construction(project)
    with transaction.atomic():
        services.create_object(
            actor, project, scope_action="report", m2m={"supporting_units": [u.pk for u in supporting_units]}
        )
        nodes = ProjectNode.objects.bulk_create([n.refresh_pace() for n in plan_nodes(project)])
        services.record(
            actor,
            "create",
            project,
            after={"nodes": [[n.sequence, n.name, str(n.planned_start), str(n.planned_end)] for n in nodes]},
            message="按类别模板生成节点计划",
        )
        record_approval_baseline(actor, [project])
    return project


CONSTRUCTION_EDITABLE = {
    "code", "name", "category", "lead_unit", "command_post", "responsible_leader", "location", "scale",
    "budget", "showcase_group", "planned_start", "planned_end",
}  # fmt: skip


def update_construction_project(
    actor, project: ConstructionProject, *, expected_version, supporting_units=None, **changes
) -> ConstructionProject:
    unknown = set(changes) - CONSTRUCTION_EDITABLE
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "该字段不能修改。"})
    lead_unit = changes.get("lead_unit", project.lead_unit)
    support = list(supporting_units) if supporting_units is not None else list(project.supporting_units.all())
    check_units(lead_unit, support, changes.get("command_post", project.command_post))
    if lead_unit.district_id != project.district_id:
        raise ValidationError({"lead_unit": "牵头街道不能改到其他区。"})
    m2m = {"supporting_units": [u.pk for u in support]} if supporting_units is not None else None
    return services.update_object(
        actor, project, changes, expected_version=expected_version, m2m=m2m, validate_with=check_construction
    )


def missing_documents(project: ConstructionProject, node_names=None) -> list[ArchiveRequirement]:
    """Checklist items of the project's category (for ``node_names`` if given) with no upload."""
    required = ArchiveRequirement.objects.filter(category_id=project.category_id)
    if node_names is not None:
        required = required.filter(node_name__in=list(node_names))
    held = set(project.documents.exclude(requirement=None).values_list("requirement_id", flat=True))
    return [r for r in required if r.pk not in held]


NODE_PLAN_FIELDS = {"name", "owner", "planned_start", "planned_end"}
NODE_ACTUAL_FIELDS = {"actual_start", "actual_end"}


def node_errors(node: ProjectNode, previous: ProjectNode | None, following: ProjectNode | None) -> dict:
    """Date rules of one node against its neighbours in the plan: {field: message}."""
    today = clock.today()
    if node.planned_end < node.planned_start:
        return {"planned_end": "节点计划完成日期不能早于计划开始日期。"}
    for field, label in (("actual_start", "实际开始日期"), ("actual_end", "实际完成日期")):
        value = getattr(node, field)
        if value is not None and value > today:
            return {field: f"{label}（{value}）不能晚于今天（{today}）。"}
    if node.actual_end and not node.actual_start:
        return {"actual_start": "填写实际完成日期前须先填写实际开始日期。"}
    if node.actual_end and node.actual_end < node.actual_start:
        return {"actual_end": "实际完成日期不能早于实际开始日期。"}
    if not 0 <= (node.progress or 0) <= 100:
        return {"progress": "进度应在 0 到 100 之间。"}
    if previous is not None:
        if node.planned_start < previous.planned_start:
            return {
                "planned_start": f"计划开始日期不能早于前一节点“{previous.name}”的计划开始（{previous.planned_start}）。"
            }
        if node.actual_start and previous.actual_start and node.actual_start < previous.actual_start:
            return {
                "actual_start": f"实际开始日期不能早于前一节点“{previous.name}”的实际开始（{previous.actual_start}）。"
            }
    if following is not None and node.planned_start > following.planned_start:
        return {
            "planned_start": f"计划开始日期不能晚于后一节点“{following.name}”的计划开始（{following.planned_start}）。"
        }
    return {}


def _check_node(node: ProjectNode) -> None:
    siblings = ProjectNode.objects.filter(project_id=node.project_id).exclude(pk=node.pk)
    previous = siblings.filter(sequence__lt=node.sequence).order_by("-sequence").first()
    following = siblings.filter(sequence__gt=node.sequence).order_by("sequence").first()
    errors = node_errors(node, previous, following)
    if errors:
        raise ValidationError(errors)


def update_node(actor, node: ProjectNode, *, expected_version, reason: str = "", **changes) -> ProjectNode:
    """Change a node's plan (needs ``change`` on the project) or record its actual dates
    (``report``: lead and supporting units). Completing a node whose required documents are
    missing is blocked or allowed with a warning, as the category says; the missing items are
    returned on ``node.missing_documents``.

    Once the node is in a baseline, moving its planned dates needs ``reason``: the change is
    kept as a NodePlanChange (the node's plan history) and a later planned end counts as one
    more postponement (``plan_slips``; twice is red, pace.slip_red_q)."""
    unknown = set(changes) - NODE_PLAN_FIELDS - NODE_ACTUAL_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "该字段不能修改。"})
    plan_changed = any(
        changes.get(f, getattr(node, f)) != getattr(node, f) for f in NODE_PLAN_FIELDS & set(changes)
    )
    reason = (reason or "").strip()
    dates_moved: list[tuple] = []  # (old start, old end) of the locked row, set by the check

    def check(current: ProjectNode) -> None:
        _check_node(current)
        stored = ProjectNode.objects.filter(pk=current.pk).values_list(
            "planned_start", "planned_end", "baseline_end", "plan_slips"
        )[0]
        old_start, old_end, in_baseline, slips = stored
        if (current.planned_start, current.planned_end) == (old_start, old_end) or in_baseline is None:
            return
        if not reason:
            raise ValidationError({"reason": "该节点已纳入计划基线，调整计划日期须填写调整原因。"})
        if len(reason) > 300:
            raise ValidationError({"reason": "调整原因不能超过 300 字。"})
        if current.planned_end > old_end:
            current.plan_slips = slips + 1
        dates_moved.append((old_start, old_end))

    action = "change" if plan_changed else "report"
    missing: list[ArchiveRequirement] = []
    if changes.get("actual_end") and not node.actual_end:
        changes["progress"] = 100
        project = node.project
        missing = missing_documents(project, [changes.get("name", node.name)])
        if missing and project.category.missing_documents_policy == MissingDocumentsPolicy.BLOCK:
            raise ValidationError(
                {"actual_end": "缺少必备档案，不能完成该节点：" + "、".join(r.name for r in missing)}
            )
    with transaction.atomic():
        updated = services.update_object(
            actor,
            node,
            changes,
            expected_version=expected_version,
            action=action,
            validate_with=check,
            message=f"调整计划：{reason}" if reason else "",
        )
        if dates_moved:
            old_start, old_end = dates_moved[0]
            services.create_object(
                actor,
                NodePlanChange(
                    node=updated,
                    old_start=old_start,
                    old_end=old_end,
                    new_start=updated.planned_start,
                    new_end=updated.planned_end,
                    reason=reason,
                    changed_by=actor if getattr(actor, "pk", None) else None,
                ),
                scope_action=action,  # the plan change is as much the actor's as the node's edit
            )
    updated.missing_documents = missing
    return updated


# --- baselines (计划基线) --------------------------------------------------------------------------


def _take_baseline(actor, *, district_id, unit, kind, name, reason, projects, project=None) -> Baseline:
    """Copy the planned dates of every node of ``projects`` into a new, immutable baseline and
    give the nodes that enter their first baseline its planned end (``baseline_end``)."""
    rows = list(
        ProjectNode.objects.filter(project__in=projects)
        .order_by("project_id", "sequence")
        .values_list("id", "project_id", "planned_start", "planned_end")
    )
    baseline = Baseline(
        district_id=district_id,
        unit=unit,
        project=project,
        kind=kind,
        name=name,
        reason=reason,
        taken_at=clock.now(),
        taken_by=actor if getattr(actor, "pk", None) else None,
        node_count=len(rows),
    )
    with transaction.atomic():
        # The 立项 baseline is the platform's own record of what was just registered (the actor's
        # right was checked on the projects themselves): written as the system, ``taken_by`` names
        # the person. A baseline someone takes by hand or at a meeting is theirs and re-checked.
        automatic = kind == BaselineKind.APPROVAL
        services.create_object(None if automatic else actor, baseline, scope_action="report")
        BaselineNode.objects.bulk_create(
            [
                BaselineNode(
                    baseline=baseline, node_id=nid, project_id=pid, planned_start=start, planned_end=end
                )
                for nid, pid, start, end in rows
            ],
            batch_size=5000,
        )
        # A derived column like the pace dates: set once, when the node first enters a baseline.
        ProjectNode.objects.filter(pk__in=[r[0] for r in rows], baseline_end__isnull=True).update(
            baseline_end=F("planned_end")
        )
    return baseline


def record_approval_baseline(actor, projects: list[ConstructionProject]) -> list[Baseline]:
    """立项 baselines: the plan of newly registered projects as laid out. One baseline per project
    created by hand; one per district for an import (its projects together)."""
    if len(projects) == 1:
        p = projects[0]
        return [
            _take_baseline(
                actor,
                district_id=p.district_id,
                unit=p.lead_unit,
                kind=BaselineKind.APPROVAL,
                name=f"立项：{p.name}"[:120],
                reason="登记项目时按节点计划自动记录",
                projects=[p.pk],
                project=p,
            )
        ]
    by_district: dict[int, list[int]] = {}
    for p in projects:
        by_district.setdefault(p.district_id, []).append(p.pk)
    return [
        _take_baseline(
            actor,
            district_id=district_id,
            unit=None,
            kind=BaselineKind.APPROVAL,
            name=f"立项：导入 {len(pks)} 个项目（{clock.today():%Y-%m-%d}）",
            reason="导入项目时按节点计划自动记录",
            projects=pks,
        )
        for district_id, pks in by_district.items()
    ]


def baseline_projects(unit: Unit):
    """The projects a baseline taken for ``unit`` covers: the whole district, a command post's
    projects, or those a street or department leads."""
    if unit.kind == UnitKind.DISTRICT:
        return ConstructionProject.objects.filter(district_id=unit.pk)
    if unit.kind == UnitKind.COMMAND_POST:
        return ConstructionProject.objects.filter(command_post=unit)
    return ConstructionProject.objects.filter(lead_unit=unit)


def may_record_baseline(actor, unit: Unit) -> bool:
    """The unit's own people (a command post's staff for its dispatch meeting) or the district's
    leaders and supervisors; the whole district only for the latter."""
    if actor is None:
        return True
    scope = permissions.scope_of(actor)
    district_id = unit.pk if unit.kind == UnitKind.DISTRICT else unit.district_id
    oversight = scope.districts_with(OVERSIGHT_ROLES)
    if oversight == permissions.ALL or district_id in oversight:
        return True
    return unit.kind != UnitKind.DISTRICT and unit.pk in scope.units_with(UNIT_ROLES)


def record_baseline(actor, *, unit: Unit, kind: str, name: str = "", reason: str = "") -> Baseline:
    """Record a baseline of the plan of ``unit``'s projects: at a dispatch meeting (调度会, usually a
    command post's; the name defaults to the meeting and today) or by hand (手动, named)."""
    if kind not in (BaselineKind.DISPATCH, BaselineKind.MANUAL):
        raise ValidationError({"kind": "只能记录调度会基线或手动基线（立项基线在登记项目时自动记录）。"})
    if unit is None or unit.kind not in (*LEAD_KINDS, UnitKind.COMMAND_POST, UnitKind.DISTRICT):
        raise ValidationError({"unit": "请选择指挥部、街道、部门或全区。"})
    if not may_record_baseline(actor, unit):
        raise PermissionDenied("只有该单位人员或本区领导、督查人员可以记录计划基线。")
    name = (name or "").strip()
    if kind == BaselineKind.MANUAL and not name:
        raise ValidationError({"name": "手动记录基线须填写名称。"})
    if not name:
        name = f"{unit.name}调度会（{clock.today():%Y-%m-%d}）"
    reason = (reason or "").strip()
    district_id = unit.pk if unit.kind == UnitKind.DISTRICT else unit.district_id
    return _take_baseline(
        actor,
        district_id=district_id,
        unit=None if unit.kind == UnitKind.DISTRICT else unit,
        kind=kind,
        name=name[:120],
        reason=reason[:300],
        projects=baseline_projects(unit).values("pk"),
    )


def report_progress(
    actor, node: ProjectNode, *, reported_on: dt.date, percent: int, text: str, photo=None
) -> ProgressReport:
    """Append a progress report; the node's progress follows it and its actual start is set
    on the first report."""
    if reported_on is None:
        raise ValidationError({"reported_on": "请填写报告日期。"})
    _not_future("reported_on", reported_on, "报告日期")
    if percent is None or not 0 <= int(percent) <= 100:
        raise ValidationError({"percent": "进度应在 0 到 100 之间。"})
    if not (text or "").strip():
        raise ValidationError({"text": "请填写进展情况。"})
    if photo:
        _upload(photo, "photo", kinds=("image",))
    with transaction.atomic():
        current = ProjectNode.objects.select_for_update().get(pk=node.pk)
        if actor is not None:
            permissions.require(actor, "report", current)
        if current.actual_end:
            raise ValidationError({"percent": "该节点已完成，不能再报送进度。"})
        report = services.create_object(
            actor,
            ProgressReport(
                node=current,
                reported_on=reported_on,
                percent=percent,
                text=text.strip(),
                photo=photo or "",
                reporter=actor,
            ),
            scope_action="report",
        )
        changes = {"progress": int(percent)}
        if current.actual_start is None:
            changes["actual_start"] = reported_on
        services.update_object(
            actor, current, changes, expected_version=None, action="report", validate_with=_check_node
        )
    return report


def record_monthly_investment(
    actor, project: ConstructionProject, *, month: dt.date, amount
) -> MonthlyInvestment:
    """Set the investment completed in ``month`` (one figure a month; a new entry replaces it)."""
    return _monthly_figure(actor, MonthlyInvestment, project, month, amount, "完成投资")


FUND_LABELS = {
    "applied": "申请金额",
    "approved": "批复金额",
    "allocated": "拨付金额",
    "disbursed": "支出金额",
    "audited": "审计金额",
}


def _refresh_fund_totals(actor, project: ConstructionProject, source: str) -> FundRecord:
    """Rewrite the derived totals of one source from its ledger rows (never typed by hand)."""
    sums = ledger.totals(FundEntry.objects.filter(project=project, source=source))
    existing = FundRecord.objects.filter(project=project, source=source).first()
    if existing is None:
        return services.create_object(
            actor, FundRecord(project=project, source=source, **sums), scope_action="report", clean=False
        )
    changes = {k: v for k, v in sums.items() if getattr(existing, k) != v}
    if not changes:
        return existing
    return services.update_object(actor, existing, changes, expected_version=None, action="report")


def add_fund_entry(
    actor,
    project: ConstructionProject,
    *,
    source: str,
    kind: str,
    date: dt.date,
    amount,
    reference: str = "",
    counterparty: str = "",
    node: ProjectNode | None = None,
    contract: str = "",
    questioned=0,
    opinion: str = "",
    document=None,
    reverses: FundEntry | None = None,
    is_opening: bool = False,
) -> FundEntry:
    """Append one row to the funds ledger after checking every balance at its date and later."""
    if source not in FundSource.values:
        raise ValidationError({"source": f"未知的资金来源“{source}”。"})
    if kind not in FundEntryKind.values:
        raise ValidationError({"kind": f"未知的台账类型“{kind}”。"})
    if date is None:
        raise ValidationError({"date": "请填写日期。"})
    amount = Decimal(amount)
    questioned = Decimal(questioned or 0)
    if reverses is None and amount <= 0 and not (is_opening and amount == 0):
        raise ValidationError({"amount": "金额必须大于零；更正请使用冲销。"})
    if questioned < 0:
        raise ValidationError({"questioned": "审计存疑金额不能为负数。"})
    if questioned and kind != FundEntryKind.AUDITED:
        raise ValidationError({"questioned": "只有审计记录可以填写存疑金额。"})
    if node is not None and node.project_id != project.pk:
        raise ValidationError({"node": "该节点不属于本项目。"})
    if actor is not None:
        permissions.require(actor, "report", project)
    if document:
        _upload(document, "document")
    entry = FundEntry(
        project=project,
        source=source,
        kind=kind,
        date=date,
        amount=amount,
        reference=(reference or "").strip()[:80],
        counterparty=(counterparty or "").strip()[:120],
        node=node,
        contract=(contract or "").strip()[:120],
        questioned=questioned,
        opinion=(opinion or "").strip(),
        reverses=reverses,
        is_opening=is_opening,
        entered_by=actor if getattr(actor, "pk", None) else None,
    )
    if document:
        entry.document = document
    with transaction.atomic():
        # Lock the totals row so two entries of one source are checked one after the other.
        list(FundRecord.objects.select_for_update().filter(project=project, source=source))
        existing = list(FundEntry.objects.filter(project=project, source=source))
        broken = ledger.violation(existing, entry)
        if broken:
            source_label = FundSource(source).label
            raise ValidationError({broken[0]: f"{source_label}：{broken[1]}"})
        services.create_object(actor, entry, scope_action="report")
        _refresh_fund_totals(actor, project, source)
    return entry


def reverse_fund_entry(actor, entry: FundEntry, *, date: dt.date, reason: str) -> FundEntry:
    """Cancel a ledger row with a reversing row of the opposite amount (the original stays)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"opinion": "请填写冲销原因。"})
    if entry.reverses_id is not None:
        raise ValidationError({"reverses": "冲销记录本身不能再冲销。"})
    if FundEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"reverses": "该笔已被冲销。"})
    if date is None or date < entry.date:
        raise ValidationError({"date": "冲销日期不能早于原记录日期。"})
    return add_fund_entry(
        actor,
        entry.project,
        source=entry.source,
        kind=entry.kind,
        date=date,
        amount=-entry.amount,
        reference=entry.reference,
        counterparty=entry.counterparty,
        node=entry.node,
        contract=entry.contract,
        opinion=f"冲销：{reason}",
        reverses=entry,
    )


def upload_document(
    actor, project: ConstructionProject, *, title: str, file, requirement=None
) -> ArchiveDocument:
    """Store a document through Django's storage API after checking its type by content."""
    if actor is not None:
        permissions.require(actor, "report", project)
    if requirement is not None and requirement.category_id != project.category_id:
        raise ValidationError({"requirement": "该清单项不属于本项目的工程类别。"})
    kind = _upload(file, "file")
    title = (title or "").strip() or (requirement.name if requirement else file.name)
    document = ArchiveDocument(
        project=project,
        requirement=requirement,
        title=title[:120],
        file=file,
        content_type=kind,
        size=file.size,
        uploaded_by=actor,
    )
    return services.create_object(actor, document, scope_action="report")


def delete_document(actor, document: ArchiveDocument) -> None:
    """Remove a document (lead unit or the district's oversight); the audit row keeps its record."""
    if actor is not None:
        permissions.require(actor, "change", document.project)
    services.delete_object(actor, document, action="report")


def ensure_category(
    actor, *, code: str, name: str, nodes, requirements=(), policy=MissingDocumentsPolicy.WARN, sort_order=0
):
    """Create a construction category with its node template and document checklist (idempotent).

    ``nodes``: (name, offset_days, duration_days); ``requirements``: (node name, document name).
    """
    policies.require_configurer(actor)
    existing = ConstructionCategory.objects.filter(code=code).first()
    if existing:
        return existing
    with transaction.atomic():
        category = _create_config(
            actor,
            ConstructionCategory(
                code=code, name=name, missing_documents_policy=policy, sort_order=sort_order
            ),
        )
        for i, (node_name, offset, duration) in enumerate(nodes, start=1):
            _create_config(
                actor,
                NodeTemplate(
                    category=category, sequence=i, name=node_name, offset_days=offset, duration_days=duration
                ),
            )
        for i, (node_name, doc_name) in enumerate(requirements):
            _create_config(
                actor, ArchiveRequirement(category=category, node_name=node_name, name=doc_name, sort_order=i)
            )
    return category


# --- Excel imports (projects/imports.py) -----------------------------------------------------------


def import_construction_projects(actor, items) -> list[ConstructionProject]:
    """Create the construction projects of an Excel import, each already validated row by row by
    the importer (units and the person's right to act for them, dates, amounts, node dates):
    ``items`` are (unsaved project, supporting units, nodes — or None for the category's
    template). Bulk inserts keep a first load of thousands of projects within seconds; every
    project still gets its own ``create`` record in the hash chain (its fields, supporting units
    and node plan; written together by ``record_many``), and the person's scope is re-checked
    for all of them before the transaction ends."""
    if actor is not None:
        for project, supporting, _nodes in items:
            _require_acting_in(
                actor, [project.lead_unit, project.command_post, *supporting], project.district_id
            )
    with transaction.atomic():
        created = ConstructionProject.objects.bulk_create([p for p, _, _ in items], batch_size=1000)
        through = ConstructionProject.supporting_units.through
        through.objects.bulk_create(
            [
                through(constructionproject_id=p.pk, unit_id=u.pk)
                for p, (_, units, _) in zip(created, items, strict=True)
                for u in units
            ],
            batch_size=2000,
        )
        plans = []
        for project, (_, _, given) in zip(created, items, strict=True):
            if given:
                for node in given:
                    node.project = project
                plans.append(given)
            else:
                plans.append(plan_nodes(project))
        ProjectNode.objects.bulk_create([n.refresh_pace() for nodes in plans for n in nodes], batch_size=2000)
        entries = []
        for project, (_, units, _), nodes in zip(created, items, plans, strict=True):
            after = services.snapshot(project, m2m=False)
            after["supporting_units"] = sorted(u.pk for u in units)
            after["nodes"] = [
                [n.sequence, n.name, str(n.planned_start), str(n.planned_end), n.progress] for n in nodes
            ]
            entries.append({"action": "create", "obj": project, "after": after, "message": "Excel 导入"})
        services.record_many(actor, entries)  # one chained record per project, in one insert
        if actor is not None:
            ids = [p.pk for p in created]
            allowed = ConstructionProject.objects.restrict(actor, "report").filter(pk__in=ids).count()
            if allowed != len(ids):
                raise PermissionDenied("导入的项目超出了您的数据权限范围，已回滚。")
    return created


def import_investment_project(actor, *, supporting_units=(), **fields) -> InvestmentProject:
    """Register an investment project read from an Excel import at the stage it has reached, with
    the dates of the stages (checked by the importer). Its history starts with the import: no
    evidence files — the import's own audit record names the file; later stages go through
    ``transition_stage``."""
    lead_unit: Unit = fields["lead_unit"]
    supporting_units = list(supporting_units)
    check_units(lead_unit, supporting_units)
    _require_acting_in(actor, [lead_unit, *supporting_units], lead_unit.district_id)
    project = InvestmentProject(district_id=lead_unit.district_id, **fields)
    check_investor(project)
    return services.create_object(
        actor, project, scope_action="report", m2m={"supporting_units": [u.pk for u in supporting_units]}
    )
