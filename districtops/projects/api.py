"""REST API for projects: the same filters, gate and services as the pages.

Amounts are yuan (decimal strings); dates ISO. Writes carry ``version`` where the object
is edited in place (409 on a stale one). Uploads (stage evidence, documents, photos) are
multipart forms.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from districtops.core import clock
from districtops.gate import permissions
from districtops.gate.api_utils import Limit, Offset, gated_get, page, page_schema

from . import battlemap, measures, policies, services
from .filters import ConstructionFilters, FundsFilters, InvestmentFilters, WarningFilters
from .models import (
    ArchiveDocument,
    ArchiveRequirement,
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
    NodeTemplate,
    ProjectNode,
    ProjectSettings,
    Sector,
    SigningMode,
    Stage,
)

router = Router(tags=["projects"])

# A construction project's worst node state (``filters.construction``), or the battle map's node state.


def _unit(user, pk, field):
    """A unit the person may pick (else 422 naming the field)."""
    unit = permissions.units_for_choice(user).filter(pk=pk).first()
    if unit is None:
        raise ValidationError({field: f"单位 {pk} 不存在或不在您的可选范围内。"})
    return unit


def _units(user, pks, field):
    return [_unit(user, pk, field) for pk in pks]


def _acting_on(model, user, pk, action):
    """Invisible objects are a 404; visible ones the person may not ``action`` are a 403."""
    obj = gated_get(model, user, pk, "view")
    permissions.require(user, action, obj)
    return obj


def _ref(model, pk, field, queryset=None):
    obj = (queryset if queryset is not None else model.objects.all()).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: f"{model._meta.verbose_name} {pk} 不存在。"})
    return obj


# --- schemas -------------------------------------------------------------------------------------


class ConferenceOut(Schema):
    id: int
    name: str
    held_on: dt.date
    venue: str
    organiser_id: int
    attendance: int
    district_id: int
    version: int


class ConferenceIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    held_on: dt.date
    organiser_id: int
    venue: str = ""
    attendance: int = Field(0, ge=0)


class InvestmentOut(Schema):
    id: int
    name: str
    conference_id: int | None
    signing_mode: str
    investor_name: str
    investor_domestic: bool
    investor_credit_code: str
    sector_id: int
    sector_name: str = Field(..., alias="sector.name")
    contracted_amount: Decimal
    planned_investment: Decimal
    lead_unit_id: int
    lead_unit_name: str = Field(..., alias="lead_unit.name")
    responsible_leader: str
    stage: str
    stage_changed_on: dt.date
    signed_on: dt.date | None
    registered_on: dt.date | None
    started_on: dt.date | None
    producing_on: dt.date | None
    register_due: dt.date | None
    start_due: dt.date | None
    district_id: int
    version: int


class InvestmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InvestmentOut]


class InvestmentIn(Schema):
    name: str = Field(..., min_length=1, max_length=150)
    conference_id: int | None = None
    signing_mode: SigningMode = SigningMode.OTHER
    investor_name: str = Field(..., min_length=1, max_length=150)
    investor_domestic: bool = True
    investor_credit_code: str = ""
    sector_id: int
    contracted_amount: Decimal
    planned_investment: Decimal = Decimal(0)
    lead_unit_id: int
    supporting_unit_ids: list[int] = []
    responsible_leader: str = ""
    stage: Stage = Stage.NEGOTIATING
    signed_on: dt.date | None = None
    register_due: dt.date | None = None
    start_due: dt.date | None = None


class InvestmentPatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=150)
    investor_name: str | None = None
    investor_domestic: bool | None = None
    investor_credit_code: str | None = None
    sector_id: int | None = None
    contracted_amount: Decimal | None = None
    planned_investment: Decimal | None = None
    responsible_leader: str | None = None
    register_due: dt.date | None = None
    start_due: dt.date | None = None
    supporting_unit_ids: list[int] | None = None


class TransitionOut(Schema):
    id: int
    from_stage: str
    to_stage: str
    happened_on: dt.date
    note: str


class ArrivalIn(Schema):
    month: dt.date
    amount: Decimal


class ArrivalOut(Schema):
    id: int
    month: dt.date
    amount: Decimal


class ConstructionOut(Schema):
    id: int
    code: str
    name: str
    category_id: int
    category_name: str = Field(..., alias="category.name")
    lead_unit_id: int
    lead_unit_name: str = Field(..., alias="lead_unit.name")
    command_post_id: int | None
    responsible_leader: str
    location: str
    scale: str
    budget: Decimal
    showcase_group: str
    planned_start: dt.date
    planned_end: dt.date
    district_id: int
    version: int


class ConstructionDetail(ConstructionOut):
    progress: float
    worst_state: str
    execution_rate: float | None
    archive_completeness: float | None


class ConstructionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ConstructionOut]


class ConstructionIn(Schema):
    code: str = ""
    name: str = Field(..., min_length=1, max_length=150)
    category_id: int
    lead_unit_id: int
    supporting_unit_ids: list[int] = []
    command_post_id: int | None = None
    responsible_leader: str = ""
    location: str = ""
    scale: str = ""
    budget: Decimal = Decimal(0)
    showcase_group: str = ""
    planned_start: dt.date
    planned_end: dt.date


class ConstructionPatch(Schema):
    version: int
    code: str | None = None
    name: str | None = Field(None, min_length=1, max_length=150)
    command_post_id: int | None = None
    responsible_leader: str | None = None
    location: str | None = None
    scale: str | None = None
    budget: Decimal | None = None
    showcase_group: str | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    supporting_unit_ids: list[int] | None = None


class NodeOut(Schema):
    id: int
    project_id: int
    sequence: int
    name: str
    owner: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    progress: int
    state: str
    version: int


class NodePatch(Schema):
    version: int
    name: str | None = None
    owner: str | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    reason: str = Field("", description="调整原因：节点纳入计划基线后调整计划日期时必填", max_length=300)


class NodeUpdated(NodeOut):
    missing_documents: list[str]


class ProgressReportOut(Schema):
    id: int
    node_id: int
    reported_on: dt.date
    percent: int
    text: str


class FundEntryIn(Schema):
    source: FundSource
    kind: FundEntryKind
    date: dt.date
    amount: Decimal = Field(..., gt=0)
    reference: str = ""
    counterparty: str = ""
    node_id: int | None = None
    contract: str = ""
    questioned: Decimal = Field(Decimal(0), ge=0)
    opinion: str = ""


class FundEntryOut(Schema):
    id: int
    source: str
    kind: str
    date: dt.date
    amount: Decimal
    reference: str
    counterparty: str
    node_id: int | None
    contract: str
    questioned: Decimal
    opinion: str
    is_opening: bool
    reverses_id: int | None


class FundReverseIn(Schema):
    date: dt.date
    reason: str


class FundOut(Schema):
    id: int
    source: str
    applied: Decimal
    approved: Decimal
    allocated: Decimal
    disbursed: Decimal
    audited: Decimal
    version: int


class DocumentOut(Schema):
    id: int
    title: str
    requirement_id: int | None
    content_type: str
    size: int
    created_at: dt.datetime


class MonthlyOut(Schema):
    id: int
    month: dt.date
    amount: Decimal


class WarningOut(Schema):
    kind: str
    severity: str
    project_id: int
    project_name: str
    lead_unit: str
    node: str
    message: str


class OptionOut(Schema):
    id: int
    name: str


# --- conferences ---------------------------------------------------------------------------------


@router.get("/sectors", response=page_schema(OptionOut, "SectorOptionPage"))
def list_sectors(request, limit: Limit = 500, offset: Offset = 0):
    return page(list(Sector.objects.filter(is_active=True)), limit, offset)


@router.get("/categories", response=page_schema(OptionOut, "CategoryOptionPage"))
def list_categories(request, limit: Limit = 500, offset: Offset = 0):
    return page(list(ConstructionCategory.objects.all()), limit, offset)


@router.get("/conferences", response=page_schema(ConferenceOut, "ConferencePage"))
def list_conferences(request, limit: Limit = 500, offset: Offset = 0):
    return page(list(Conference.objects.restrict(request.auth, "view")), limit, offset)


@router.post("/conferences", response={201: ConferenceOut})
def create_conference(request, payload: ConferenceIn):
    organiser = _unit(request.auth, payload.organiser_id, "organiser_id")
    data = payload.dict(exclude={"organiser_id"})
    return Status(201, services.create_conference(request.auth, organiser=organiser, **data))


# --- investment projects -----------------------------------------------------------------------


@router.get("/investment", response=InvestmentPage)
def list_investment(request, filters: InvestmentFilters = Query(...), limit: Limit = 100, offset: Offset = 0):
    """The investment list's filters (``projects.filters.InvestmentFilters``), typed."""
    projects = filters.rows(request.auth)
    return page(projects.select_related("sector", "lead_unit").order_by("-id"), limit, offset)


@router.get("/investment/{project_id}", response=InvestmentOut)
def get_investment(request, project_id: int):
    return gated_get(
        InvestmentProject,
        request.auth,
        project_id,
        queryset=InvestmentProject.objects.select_related("sector", "lead_unit"),
    )


@router.post("/investment", response={201: InvestmentOut})
def create_investment(request, payload: InvestmentIn):
    user = request.auth
    data = payload.dict(exclude={"conference_id", "sector_id", "lead_unit_id", "supporting_unit_ids"})
    project = services.create_investment_project(
        user,
        conference=_ref(Conference, payload.conference_id, "conference_id", Conference.objects.restrict(user))
        if payload.conference_id
        else None,
        sector=_ref(Sector, payload.sector_id, "sector_id"),
        lead_unit=_unit(user, payload.lead_unit_id, "lead_unit_id"),
        supporting_units=_units(user, payload.supporting_unit_ids, "supporting_unit_ids"),
        **data,
    )
    return Status(201, project)


@router.patch("/investment/{project_id}", response=InvestmentOut)
def update_investment(request, project_id: int, payload: InvestmentPatch):
    user = request.auth
    project = _acting_on(InvestmentProject, user, project_id, "change")
    changes = payload.dict(exclude_unset=True, exclude={"version", "sector_id", "supporting_unit_ids"})
    if payload.sector_id is not None:
        changes["sector"] = _ref(Sector, payload.sector_id, "sector_id")
    supporting = (
        _units(user, payload.supporting_unit_ids, "supporting_unit_ids")
        if payload.supporting_unit_ids is not None
        else None
    )
    return services.update_investment_project(
        user, project, expected_version=payload.version, supporting_units=supporting, **changes
    )


@router.post("/investment/{project_id}/transitions", response={201: InvestmentOut})
def transition_investment(
    request,
    project_id: int,
    evidence: File[UploadedFile],
    to_stage: Form[Stage],
    happened_on: Form[dt.date],
    note: Form[str] = "",
    version: Form[int | None] = None,
):
    project = _acting_on(InvestmentProject, request.auth, project_id, "report")
    updated = services.transition_stage(
        request.auth,
        project,
        to_stage=to_stage,
        happened_on=happened_on,
        evidence=evidence,
        note=note,
        expected_version=version,
    )
    return Status(201, InvestmentProject.objects.select_related("sector", "lead_unit").get(pk=updated.pk))


@router.get("/investment/{project_id}/transitions", response=page_schema(TransitionOut, "TransitionPage"))
def list_transitions(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(InvestmentProject, request.auth, project_id)
    return page(list(project.transitions.all()), limit, offset)


@router.get("/investment/{project_id}/arrivals", response=page_schema(ArrivalOut, "ArrivalPage"))
def list_arrivals(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(InvestmentProject, request.auth, project_id)
    return page(list(CapitalArrival.objects.filter(project=project)), limit, offset)


@router.post("/investment/{project_id}/arrivals", response={201: ArrivalOut})
def add_arrival(request, project_id: int, payload: ArrivalIn):
    project = _acting_on(InvestmentProject, request.auth, project_id, "report")
    return Status(
        201,
        services.record_capital_arrival(request.auth, project, month=payload.month, amount=payload.amount),
    )


# --- construction projects ---------------------------------------------------------------------


@router.get("/construction", response=ConstructionPage)
def list_construction(
    request, filters: ConstructionFilters = Query(...), limit: Limit = 100, offset: Offset = 0
):
    """The construction list's filters (``projects.filters.ConstructionFilters``), typed."""
    projects = filters.rows(request.auth)
    return page(projects.select_related("category", "lead_unit").order_by("-id"), limit, offset)


@router.get("/construction/{project_id}", response=ConstructionDetail)
def get_construction(request, project_id: int):
    project = gated_get(
        ConstructionProject,
        request.auth,
        project_id,
        queryset=ConstructionProject.objects.select_related("category", "lead_unit"),
    )
    fig = measures.project_figures([(project.pk, project.category_id)], clock.today())[project.pk]
    project.progress = fig.progress
    project.worst_state = fig.worst
    project.execution_rate = fig.execution_rate
    project.archive_completeness = fig.completeness
    return project


@router.post("/construction", response={201: ConstructionOut})
def create_construction(request, payload: ConstructionIn):
    user = request.auth
    data = payload.dict(exclude={"category_id", "lead_unit_id", "supporting_unit_ids", "command_post_id"})
    project = services.create_construction_project(
        user,
        category=_ref(ConstructionCategory, payload.category_id, "category_id"),
        lead_unit=_unit(user, payload.lead_unit_id, "lead_unit_id"),
        command_post=_unit(user, payload.command_post_id, "command_post_id")
        if payload.command_post_id
        else None,
        supporting_units=_units(user, payload.supporting_unit_ids, "supporting_unit_ids"),
        **data,
    )
    return Status(201, project)


@router.patch("/construction/{project_id}", response=ConstructionOut)
def update_construction(request, project_id: int, payload: ConstructionPatch):
    user = request.auth
    project = _acting_on(ConstructionProject, user, project_id, "change")
    changes = payload.dict(exclude_unset=True, exclude={"version", "command_post_id", "supporting_unit_ids"})
    if "command_post_id" in payload.model_fields_set:
        changes["command_post"] = (
            _unit(user, payload.command_post_id, "command_post_id") if payload.command_post_id else None
        )
    supporting = (
        _units(user, payload.supporting_unit_ids, "supporting_unit_ids")
        if payload.supporting_unit_ids is not None
        else None
    )
    return services.update_construction_project(
        user, project, expected_version=payload.version, supporting_units=supporting, **changes
    )


def _node_out(node, today):
    from . import pace

    node.state = pace.status_of(node, today).state
    return node


@router.get("/construction/{project_id}/nodes", response=page_schema(NodeOut, "NodePage"))
def list_nodes(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(ConstructionProject, request.auth, project_id)
    today = clock.today()
    return page([_node_out(n, today) for n in project.nodes.all()], limit, offset)


@router.patch("/nodes/{node_id}", response=NodeUpdated)
def update_node(request, node_id: int, payload: NodePatch):
    node = _acting_on(ProjectNode, request.auth, node_id, "report")
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    updated = services.update_node(request.auth, node, expected_version=payload.version, **changes)
    _node_out(updated, clock.today())
    updated.missing_documents = [r.name for r in updated.missing_documents]
    return updated


@router.post("/nodes/{node_id}/reports", response={201: ProgressReportOut})
def add_report(
    request,
    node_id: int,
    reported_on: Form[dt.date],
    percent: Form[int],
    text: Form[str],
    photo: File[UploadedFile] = None,
):
    node = _acting_on(ProjectNode, request.auth, node_id, "report")
    return Status(
        201,
        services.report_progress(
            request.auth, node, reported_on=reported_on, percent=percent, text=text, photo=photo
        ),
    )


@router.get("/construction/{project_id}/funds", response=page_schema(FundOut, "FundPage"))
def list_funds(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(ConstructionProject, request.auth, project_id)
    return page(list(FundRecord.objects.filter(project=project)), limit, offset)


@router.get("/construction/{project_id}/fund-entries", response=page_schema(FundEntryOut, "FundEntryPage"))
def list_fund_entries(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(ConstructionProject, request.auth, project_id)
    return page(list(FundEntry.objects.filter(project=project)), limit, offset)


@router.post("/construction/{project_id}/fund-entries", response={201: FundEntryOut})
def add_fund_entry(request, project_id: int, payload: FundEntryIn):
    project = _acting_on(ConstructionProject, request.auth, project_id, "report")
    data = payload.dict()
    node_id = data.pop("node_id")
    node = (
        _ref(ProjectNode, node_id, "node", ProjectNode.objects.filter(project=project)) if node_id else None
    )
    return 201, services.add_fund_entry(request.auth, project, node=node, **data)


@router.post("/fund-entries/{entry_id}/reverse", response={201: FundEntryOut})
def reverse_fund_entry(request, entry_id: int, payload: FundReverseIn):
    entry = _acting_on(FundEntry, request.auth, entry_id, "report")
    return 201, services.reverse_fund_entry(request.auth, entry, date=payload.date, reason=payload.reason)


@router.get("/construction/{project_id}/monthly", response=page_schema(MonthlyOut, "MonthlyPage"))
def list_monthly(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(ConstructionProject, request.auth, project_id)
    return page(list(project.monthly_investments.all()), limit, offset)


@router.post("/construction/{project_id}/monthly", response={201: MonthlyOut})
def add_monthly(request, project_id: int, payload: ArrivalIn):
    project = _acting_on(ConstructionProject, request.auth, project_id, "report")
    return Status(
        201,
        services.record_monthly_investment(request.auth, project, month=payload.month, amount=payload.amount),
    )


@router.get("/construction/{project_id}/documents", response=page_schema(DocumentOut, "DocumentPage"))
def list_documents(request, project_id: int, limit: Limit = 500, offset: Offset = 0):
    project = gated_get(ConstructionProject, request.auth, project_id)
    return page(list(ArchiveDocument.objects.filter(project=project)), limit, offset)


@router.post("/construction/{project_id}/documents", response={201: DocumentOut})
def upload_document(
    request,
    project_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    requirement_id: Form[int | None] = None,
):
    project = _acting_on(ConstructionProject, request.auth, project_id, "report")
    requirement = (
        _ref(ArchiveRequirement, requirement_id, "requirement_id") if requirement_id is not None else None
    )
    return Status(
        201, services.upload_document(request.auth, project, title=title, file=file, requirement=requirement)
    )


@router.delete("/documents/{document_id}", response={204: None})
def delete_document(request, document_id: int):
    document = gated_get(ArchiveDocument, request.auth, document_id)
    services.delete_document(request.auth, document)
    return Status(204, None)


@router.get("/battle-map")
def battle_map(request, filters: ConstructionFilters = Query(...)):
    """The battle map over the construction list's filters; ``state`` selects nodes, not projects."""
    return battlemap.build(filters.projects(request.auth), filters.state, clock.today())


@router.get("/warnings", response=page_schema(WarningOut, "WarningPage"))
def list_warnings(request, filters: WarningFilters = Query(...), limit: Limit = 500, offset: Offset = 0):
    """The warnings page's filters (``projects.filters.WarningFilters``): the construction list's,
    ``mine`` and ``kind``."""
    from .panels import warnings_for

    warnings = warnings_for(request.auth, filters, clock.today())
    return page([w for w in warnings if not filters.kind or w.kind == filters.kind], limit, offset)


# --- settings (system administrator): configurable lists and thresholds -------------------------


class SectorOut(Schema):
    id: int
    name: str
    sort_order: int
    is_active: bool


class SectorIn(Schema):
    name: str
    sort_order: int = 0
    is_active: bool = True


class SectorPatch(Schema):
    name: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class NodeTemplateOut(Schema):
    id: int
    sequence: int
    name: str
    offset_days: int
    duration_days: int


class NodeTemplateIn(Schema):
    sequence: int
    name: str
    offset_days: int = 0
    duration_days: int = 30


class NodeTemplatePatch(Schema):
    sequence: int | None = None
    name: str | None = None
    offset_days: int | None = None
    duration_days: int | None = None


class RequirementOut(Schema):
    id: int
    category_id: int
    node_name: str
    name: str
    sort_order: int


class RequirementIn(Schema):
    node_name: str
    name: str
    sort_order: int = 0


class RequirementPatch(Schema):
    node_name: str | None = None
    name: str | None = None
    sort_order: int | None = None


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    missing_documents_policy: str
    sort_order: int
    node_templates: list[NodeTemplateOut]
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_node_templates(obj):
        return list(obj.node_templates.all())

    @staticmethod
    def resolve_requirements(obj):
        return list(obj.requirements.all())


class CategoryIn(Schema):
    code: str
    name: str
    missing_documents_policy: MissingDocumentsPolicy = MissingDocumentsPolicy.WARN
    sort_order: int = 0


class CategoryPatch(Schema):
    name: str | None = None
    missing_documents_policy: MissingDocumentsPolicy | None = None
    sort_order: int | None = None


class ThresholdsOut(Schema):
    stalled_days: int
    fund_lag_points: int
    version: int


class ThresholdsPatch(Schema):
    stalled_days: int | None = None
    fund_lag_points: int | None = None
    version: int | None = None


def _configurer(request):
    policies.require_configurer(request.auth)


def _set(payload) -> dict:
    return payload.dict(exclude_unset=True)


def _config_create(request, save, payload, category_id: int | None = None):
    """201 with the new configuration row; ``category_id`` for rows that belong to a category."""
    _configurer(request)
    extra = {}
    if category_id is not None:
        extra["category"] = get_object_or_404(ConstructionCategory, pk=category_id)
    return Status(201, save(request.auth, None, **extra, **payload.dict()))


def _config_update(request, model, pk: int, save, payload):
    """Change only the fields the client sent."""
    _configurer(request)
    return save(request.auth, get_object_or_404(model, pk=pk), **_set(payload))


@router.get("/settings/thresholds", response=ThresholdsOut)
def get_thresholds(request):
    return ProjectSettings.current()


@router.patch("/settings/thresholds", response=ThresholdsOut)
def update_thresholds(request, payload: ThresholdsPatch):
    _configurer(request)
    data = _set(payload)
    version = data.pop("version", None)
    return services.update_thresholds(request.auth, expected_version=version, **data)


@router.get("/settings/sectors", response=page_schema(SectorOut, "SectorPage"))
def list_all_sectors(request, limit: Limit = 500, offset: Offset = 0):
    _configurer(request)
    return page(list(Sector.objects.all()), limit, offset)


@router.post("/settings/sectors", response={201: SectorOut})
def create_sector(request, payload: SectorIn):
    return _config_create(request, services.save_sector, payload)


@router.patch("/settings/sectors/{sector_id}", response=SectorOut)
def update_sector(request, sector_id: int, payload: SectorPatch):
    return _config_update(request, Sector, sector_id, services.save_sector, payload)


@router.get("/settings/categories", response=page_schema(CategoryOut, "CategoryPage"))
def list_category_settings(request, limit: Limit = 500, offset: Offset = 0):
    _configurer(request)
    return page(
        list(ConstructionCategory.objects.prefetch_related("node_templates", "requirements")), limit, offset
    )


@router.post("/settings/categories", response={201: CategoryOut})
def create_category(request, payload: CategoryIn):
    return _config_create(request, services.save_category, payload)


@router.patch("/settings/categories/{category_id}", response=CategoryOut)
def update_category(request, category_id: int, payload: CategoryPatch):
    return _config_update(request, ConstructionCategory, category_id, services.save_category, payload)


@router.post("/settings/categories/{category_id}/nodes", response={201: NodeTemplateOut})
def create_node_template(request, category_id: int, payload: NodeTemplateIn):
    return _config_create(request, services.save_node_template, payload, category_id)


@router.patch("/settings/nodes/{template_id}", response=NodeTemplateOut)
def update_node_template(request, template_id: int, payload: NodeTemplatePatch):
    return _config_update(request, NodeTemplate, template_id, services.save_node_template, payload)


@router.post("/settings/categories/{category_id}/requirements", response={201: RequirementOut})
def create_requirement(request, category_id: int, payload: RequirementIn):
    return _config_create(request, services.save_requirement, payload, category_id)


@router.patch("/settings/requirements/{requirement_id}", response=RequirementOut)
def update_requirement(request, requirement_id: int, payload: RequirementPatch):
    return _config_update(request, ArchiveRequirement, requirement_id, services.save_requirement, payload)


# --- plan baselines (计划基线) and the funds summary -------------------------------------------
# Appended as new functions (other work edits the filters and operation ids above). A baseline
# has no PATCH or DELETE: it is immutable (the model refuses a second save).


class BaselineOut(Schema):
    id: int
    name: str
    kind: str
    reason: str
    district_id: int
    unit_id: int | None
    project_id: int | None
    taken_at: dt.datetime
    taken_by_id: int | None
    node_count: int


BaselinePage = page_schema(BaselineOut, "BaselinePage")


class BaselineIn(Schema):
    unit_id: int = Field(description="指挥部、街道、部门，或区（全区）")
    kind: str = Field("dispatch", description="dispatch 调度会 | manual 手动")
    name: str = Field("", max_length=120, description="手动基线必填；调度会留空按单位和日期命名")
    reason: str = Field("", max_length=300)


class BaselineNodeOut(Schema):
    node_id: int
    project_id: int
    planned_start: dt.date
    planned_end: dt.date


@router.get("/baselines", response=BaselinePage)
def list_baselines(
    request, district: int | None = None, kind: str = "", limit: Limit = 100, offset: Offset = 0
):
    from .models import Baseline, BaselineKind

    rows = Baseline.objects.restrict(request.auth, "view")
    if district is not None:
        rows = rows.filter(district_id=district)
    if kind:
        if kind not in BaselineKind.values:
            raise ValidationError(
                {"kind": f"未知的基线类型“{kind[:20]}”，可选：{'、'.join(BaselineKind.values)}。"}
            )
        rows = rows.filter(kind=kind)
    return page(rows.order_by("-taken_at", "-id"), limit, offset)


@router.post("/baselines", response={201: BaselineOut})
def create_baseline(request, payload: BaselineIn):
    baseline = services.record_baseline(
        request.auth,
        unit=_unit(request.auth, payload.unit_id, "unit_id"),
        kind=payload.kind,
        name=payload.name,
        reason=payload.reason,
    )
    return Status(201, baseline)


@router.get("/baselines/{baseline_id}/nodes", response=page_schema(BaselineNodeOut, "BaselineNodePage"))
def list_baseline_nodes(
    request, baseline_id: int, project: int | None = None, limit: Limit = 500, offset: Offset = 0
):
    """The nodes of one baseline the person may see (their projects' gate applies), paged."""
    from .models import Baseline, BaselineNode

    baseline = gated_get(Baseline, request.auth, baseline_id)
    rows = BaselineNode.objects.restrict(request.auth, "view").filter(baseline=baseline)
    if project is not None:
        rows = rows.filter(project_id=project)
    return page(rows.order_by("project_id", "node_id"), limit, offset, max_limit=5000)


class FundFigures(Schema):
    label: str
    applied: Decimal
    approved: Decimal
    allocated: Decimal
    disbursed: Decimal
    audited: Decimal
    rate: float | None = Field(description="执行率：支出 ÷ 拨付")


class FundLagOut(Schema):
    id: int
    code: str
    name: str
    lead_unit__name: str
    progress: float
    spent: float
    lag: float
    allocated: Decimal
    disbursed: Decimal


class FundsSummaryOut(Schema):
    gap: int
    totals: FundFigures
    by_source: list[FundFigures]
    by_street: list[FundFigures]
    by_month: list[FundFigures]
    lagging: list[FundLagOut]


@router.get("/funds/summary", response=FundsSummaryOut)
def funds_summary(request, filters: FundsFilters = Query(...)):
    """The funds page's figures (yuan, decimal strings) over the projects the person may see,
    with the page's filters (``projects.filters.FundsFilters``)."""
    from . import funds

    projects = filters.rows(request.auth)
    data = funds.summary(projects, filters)
    used_gap = funds.gap_of(filters)
    return {
        "gap": used_gap,
        "totals": {**data["totals"], "label": "合计"},
        "by_source": data["by_source"],
        "by_street": data["by_street"],
        "by_month": data["by_month"],
        "lagging": funds.lagging(projects, used_gap),
    }


# --- bank / treasury statements (对账单) ---------------------------------------------------------


class StatementOut(Schema):
    file: str
    sha256: str
    check_only: bool
    accepted: bool
    written: bool
    counts: dict
    rows: list[dict]
    errors: list[dict]
    unmatched: list[dict]


@router.post("/statements/", response={200: StatementOut, 422: StatementOut})
def import_statement(request, file: File[UploadedFile], check_only: Form[bool] = False):
    """Reconcile a statement sheet (交易日期, 凭证号, 金额（元）, 项目编号, 摘要) against the funds
    ledger. 200 with the rows and their results (已匹配 / 金额不符 / 日期不符 / 未入账) and the
    ledger rows no statement row met (``unmatched``, 未到账); 422 with row/column errors when the
    file is refused — nothing is written then, nor with ``check_only``."""
    from districtops.core import excel
    from districtops.core.uploads import validate_upload

    from . import statements

    if not statements.may_reconcile(request.auth):
        raise PermissionDenied("您无权登记资金台账，不能导入对账单。")
    validate_upload(file, kinds=("office",))
    file.seek(0)
    try:
        result = statements.reconcile(request.auth, file, check_only=check_only, filename=file.name)
    except excel.ImportRefused as exc:
        return Status(422, exc.preview.as_dict())
    return Status(200, result.as_dict())
