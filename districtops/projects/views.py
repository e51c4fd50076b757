from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from districtops.core import attachments, clock, excel
from districtops.core.templatetags.units import share, wan
from districtops.gate import permissions
from districtops.gate.listing import export_refused, page_status
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors, excel_import_page
from districtops.org.models import UnitKind

from . import (
    baselines,
    battlemap,
    filters,
    funds,
    imports,
    ledger,
    measures,
    pace,
    panels,
    policies,
    services,
    statements,
)
from .forms import (
    BaselineForm,
    CategoryForm,
    ConferenceForm,
    ConstructionProjectForm,
    DocumentForm,
    FundEntryForm,
    FundReverseForm,
    InvestmentProjectForm,
    MonthAmountForm,
    NodeForm,
    NodeTemplateForm,
    ProgressReportForm,
    RequirementForm,
    SectorForm,
    ThresholdsForm,
    TransitionForm,
)
from .models import (
    ArchiveDocument,
    ArchiveRequirement,
    BaselineKind,
    BaselineNode,
    Conference,
    ConstructionCategory,
    ConstructionProject,
    FundEntry,
    FundEntryKind,
    FundRecord,
    FundSource,
    InvestmentProject,
    NodePlanChange,
    NodeTemplate,
    ProgressReport,
    ProjectNode,
    ProjectSettings,
    Sector,
    SigningMode,
    Stage,
    StageTransition,
)

SERVICE_ERRORS = (ValidationError, ConflictError, PermissionDenied)
PAGE_SIZE = 50


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return _("无权执行此操作。")
    return str(exc)


def _acting_on(request, queryset, pk, action):
    """Invisible objects are a 404; visible ones the person may not ``action`` are a 403."""
    obj = get_object_or_404(queryset.restrict(request.user, "view"), pk=pk)
    if not permissions.can(request.user, action, obj):
        raise PermissionDenied
    return obj


def _form_errors(form) -> str:
    """A compact form-error message for the POST-only actions that redirect back to the page."""
    return "；".join(
        f"{form.fields[name].label}：{errors[0]}" if name in form.fields else errors[0]
        for name, errors in form.errors.items()
    )


def _street_choices(user):
    return permissions.units_for_choice(user).filter(
        kind__in=[UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT, UnitKind.PARK]
    )


# --- conferences ---------------------------------------------------------------------------------


@login_required
def conference_list(request):
    conferences = Conference.objects.restrict(request.user, "view").select_related("organiser")
    totals = measures._group(
        InvestmentProject.objects.restrict(request.user, "view").filter(conference__in=conferences),
        "conference_id",
        "conference__name",
    )
    by_conference = {row["conference_id"]: row for row in totals}
    rows = [(c, by_conference.get(c.pk)) for c in conferences]
    can_add = permissions.units_for_choice(request.user).exists()
    return render(request, "projects/conference_list.html", {"rows": rows, "can_add": can_add})


@login_required
def conference_detail(request, pk):
    conference = get_object_or_404(
        Conference.objects.restrict(request.user, "view").select_related("organiser", "district"), pk=pk
    )
    projects = InvestmentProject.objects.restrict(request.user, "view").filter(conference=conference)
    summary = measures.investment_summary(projects, clock.today())
    by_mode = {
        mode: projects.filter(signing_mode=mode).count() for mode in (SigningMode.ON_SITE, SigningMode.BEFORE)
    }
    return render(
        request,
        "projects/conference_detail.html",
        {
            "conference": conference,
            "summary": summary,
            "by_mode": by_mode,
            "projects": projects.select_related("sector", "lead_unit").order_by(
                "signing_mode", "-contracted_amount"
            ),
            "can_change": permissions.can(request.user, "change", conference),
        },
    )


@login_required
def conference_create(request):
    form = ConferenceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            conference = services.create_conference(request.user, **data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记推介会。"))
            return redirect(conference)
    return render(request, "projects/form.html", {"form": form, "title": _("登记推介会")})


@login_required
def conference_edit(request, pk):
    conference = _acting_on(request, Conference.objects.all(), pk, "change")
    form = ConferenceForm(request.POST or None, instance=conference, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in ConferenceForm.Meta.fields}
        try:
            conference = services.update_conference(
                request.user,
                Conference.objects.get(pk=pk),
                expected_version=form.cleaned_data["version"],
                **changes,
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(conference)
    return render(request, "projects/form.html", {"form": form, "title": _("编辑推介会"), "obj": conference})


# --- investment projects -----------------------------------------------------------------------


def _investment_queryset(request, chosen):
    return chosen.rows(request.user).select_related("sector", "lead_unit", "conference")


INVESTMENT_LIST_FIELDS = (
    "id", "name", "investor_name", "sector__name", "lead_unit__name", "contracted_amount", "stage",
    "stage_changed_on", "conference__name", "signing_mode",
)  # fmt: skip


@login_required
def investment_list(request):
    chosen = filters.InvestmentFilters.from_params(request.GET)
    projects = _investment_queryset(request, chosen).order_by("-contracted_amount", "pk")
    if request.GET.get("export") == "xlsx":
        return export_refused(chosen) or excel.xlsx_response(
            imports.export_investment(projects), "招商项目.xlsx"
        )
    today = clock.today()
    # Rows as dicts, like the construction list (no model instances).
    # The count runs on the bare queryset (no joins); the page's rows are fetched as dicts.
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list.values(*INVESTMENT_LIST_FIELDS))
    stalled_days = pace.stalled_days()
    url = reverse("projects:investment_detail", args=[0])
    stage_labels, mode_labels = dict(Stage.choices), dict(SigningMode.choices)
    for p in rows:
        p["url"] = url.replace("/0/", f"/{p['id']}/")
        p["stalled"] = pace.is_stalled(p["stage"], p["stage_changed_on"], today, stalled_days)
        p["stage_label"] = stage_labels[p["stage"]]
        p["signing_mode_label"] = mode_labels[p["signing_mode"]]
    context = {
        "page": page,
        "rows": rows,
        "filters": request.GET,
        "list_filters": chosen,
        "qs": chosen.querystring(),
        "conferences": Conference.objects.restrict(request.user, "view"),
        "sectors": Sector.objects.all(),
        "streets": _street_choices(request.user),
        "stages": Stage.choices,
        "modes": SigningMode.choices,
        "stalled_days": stalled_days,
    }
    template = "projects/_investment_rows.html" if request.htmx else "projects/investment_list.html"
    return render(request, template, context, status=page_status(request, chosen))


@login_required
def investment_summary(request):
    chosen = filters.InvestmentFilters.from_params(request.GET)
    projects = chosen.rows(request.user)
    today = clock.today()
    return render(
        request,
        "projects/investment_summary.html",
        {
            "summary": measures.investment_summary(projects, today),
            "stalled": measures.stalled_projects(projects, today)
            .select_related("lead_unit")
            .order_by("stage_changed_on")[:200],
            "stalled_days": pace.stalled_days(),
            "today": today,
            "list_filters": chosen,
        },
        status=chosen.http_status,
    )


@login_required
def investment_detail(request, pk):
    project = get_object_or_404(
        InvestmentProject.objects.restrict(request.user, "view").select_related(
            "sector", "lead_unit", "conference", "district"
        ),
        pk=pk,
    )
    can_report = permissions.can(request.user, "report", project)
    arrivals = list(project.arrivals.all())
    arrived = sum((a.amount for a in arrivals), 0)
    today = clock.today()
    return render(
        request,
        "projects/investment_detail.html",
        {
            "project": project,
            "supporting": project.supporting_units.all(),
            "transitions": StageTransition.objects.filter(project=project).select_related("actor"),
            "arrivals": arrivals,
            "arrived": arrived,
            "arrived_ratio": pace.ratio(arrived, project.contracted_amount),
            "stalled": pace.is_stalled(project.stage, project.stage_changed_on, today),
            "stages": Stage.choices,
            "stage_index": list(Stage.values).index(project.stage),
            "can_report": can_report,
            "can_change": permissions.can(request.user, "change", project),
            "transition_form": TransitionForm(project=project)
            if can_report and project.next_stages
            else None,
            "arrival_form": MonthAmountForm() if can_report else None,
        },
    )


def _create_project(request, form_class, create, title, done):
    """The create page of either kind of project (the form's supporting units go to the service
    as a list; the person's permission is the service's to check)."""
    form = form_class(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        supporting = data.pop("supporting_units")
        try:
            project = create(request.user, supporting_units=supporting, **data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(project)
    return render(request, "projects/form.html", {"form": form, "title": title})


def _edit_project(request, pk, model, form_class, update, title):
    """The edit page of either kind of project, with the optimistic version check."""
    project = _acting_on(request, model.objects.all(), pk, "change")
    form = form_class(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form_class.Meta.fields if f != "supporting_units"}
        try:
            project = update(
                request.user,
                model.objects.get(pk=pk),
                expected_version=form.cleaned_data["version"],
                supporting_units=form.cleaned_data["supporting_units"],
                **changes,
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(project)
    return render(request, "projects/form.html", {"form": form, "title": title, "obj": project})


@login_required
def investment_create(request):
    return _create_project(
        request,
        InvestmentProjectForm,
        services.create_investment_project,
        _("登记招商项目"),
        _("已登记招商项目。"),
    )


@login_required
def investment_edit(request, pk):
    return _edit_project(
        request,
        pk,
        InvestmentProject,
        InvestmentProjectForm,
        services.update_investment_project,
        _("编辑招商项目"),
    )


@login_required
@require_POST
def investment_transition(request, pk):
    project = _acting_on(request, InvestmentProject.objects.all(), pk, "report")
    form = TransitionForm(request.POST, request.FILES, project=project)
    if form.is_valid():
        try:
            services.transition_stage(
                request.user,
                project,
                to_stage=form.cleaned_data["to_stage"],
                happened_on=form.cleaned_data["happened_on"],
                evidence=form.cleaned_data["evidence"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("阶段已变更。"))
        except SERVICE_ERRORS as exc:
            messages.error(request, _("阶段未变更：") + _error_text(exc))
    else:
        messages.error(request, _("阶段未变更：") + _form_errors(form))
    return redirect(project)


def _month_amount(request, pk, model, record, done):
    """POST one monthly figure (capital arrived, completed investment) and go back to the project."""
    project = _acting_on(request, model.objects.all(), pk, "report")
    form = MonthAmountForm(request.POST)
    if form.is_valid():
        try:
            record(request.user, project, **form.cleaned_data)
            messages.success(request, done)
        except SERVICE_ERRORS as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _form_errors(form))
    return redirect(project)


@login_required
@require_POST
def capital_arrival_add(request, pk):
    return _month_amount(
        request, pk, InvestmentProject, services.record_capital_arrival, _("已记录资金到位。")
    )


# --- construction projects ---------------------------------------------------------------------


def _construction_options(user):
    visible = ConstructionProject.objects.restrict(user, "view")
    return {
        "categories": ConstructionCategory.objects.all(),
        "streets": _street_choices(user),
        "command_posts": permissions.units_for_choice(user).filter(kind=UnitKind.COMMAND_POST),
        "leaders": visible.exclude(responsible_leader="")
        .values_list("responsible_leader", flat=True)
        .distinct()
        .order_by("responsible_leader"),
        "showcases": visible.exclude(showcase_group="")
        .values_list("showcase_group", flat=True)
        .distinct()
        .order_by("showcase_group"),
        "states": list(pace.NODE_STATE_LABELS.items()),
    }


def _construction_queryset(request, chosen, node_state_filter=False):
    """The list's projects. On the battle map ``state`` selects nodes, not projects."""
    projects = chosen.projects(request.user) if node_state_filter else chosen.rows(request.user)
    return projects.select_related("category", "lead_unit", "command_post")


LIST_FIELDS = (
    "id", "code", "name", "showcase_group", "category_id", "category__name", "lead_unit__name",
    "command_post__name", "budget", "planned_start", "planned_end",
)  # fmt: skip


@login_required
def construction_list(request):
    chosen = filters.ConstructionFilters.from_params(request.GET)
    projects = _construction_queryset(request, chosen).order_by("planned_start", "pk")
    today = clock.today()
    if request.GET.get("export") == "xlsx":
        return export_refused(chosen) or excel.xlsx_response(
            imports.export_construction(projects, today), "建设项目.xlsx"
        )
    # Rows as dicts (no model instances for 50 projects and their three related rows).
    # The count runs on the bare queryset (no joins); the page's rows are fetched as dicts.
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list.values(*LIST_FIELDS))
    figures = measures.project_figures([(p["id"], p["category_id"]) for p in rows], today)
    url = reverse("projects:construction_detail", args=[0])
    # Cells formatted here with the template's own filters: 50 rows × 5 filter calls in the
    # template engine were a visible share of the page's time.
    for p in rows:
        fig = figures[p["id"]]
        p["url"] = url.replace("/0/", f"/{p['id']}/")
        p["budget_wan"] = wan(p["budget"], 0)
        p["span"] = f"{p['planned_start']:%Y-%m-%d} ~ {p['planned_end']:%Y-%m-%d}"
        p["progress"] = floatformat(fig.progress, 0)
        p["execution"] = share(fig.execution_rate, 0)
        p["completeness"] = share(fig.completeness, 0)
        p["state_label"] = pace.NODE_STATE_LABELS[fig.worst]
        p["state_colour"] = pace.NODE_STATE_COLOURS[fig.worst]
    context = {
        "page": page,
        "rows": rows,
        "filters": request.GET,
        "list_filters": chosen,
        "qs": chosen.querystring(),
        **_construction_options(request.user),
    }
    template = "projects/_construction_rows.html" if request.htmx else "projects/construction_list.html"
    return render(request, template, context, status=page_status(request, chosen))


@login_required
def construction_detail(request, pk):
    project = get_object_or_404(
        ConstructionProject.objects.restrict(request.user, "view").select_related(
            "category", "lead_unit", "command_post", "district"
        ),
        pk=pk,
    )
    today = clock.today()
    nodes = list(project.nodes.all())
    for node in nodes:
        node.status = pace.status_of(node, today)
    figures = measures.project_figures([(project.pk, project.category_id)], today)[project.pk]
    funds = list(FundRecord.objects.filter(project=project))
    entries = list(FundEntry.objects.filter(project=project).select_related("node"))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    fund_ledger = []
    for source, label in FundSource.choices:
        rows = ledger.running(e for e in entries if e.source == source)
        if rows:
            fund_ledger.append({"source": label, "rows": rows})
    fund_totals = ledger.totals(entries)
    can_report = permissions.can(request.user, "report", project)
    warnings = measures.construction_warnings(ConstructionProject.objects.filter(pk=project.pk), today)
    checklist = measures.archive_checklist(project)
    reverse_form = FundReverseForm(initial={"date": today}) if can_report else None
    # The 冲销 control repeats on every ledger row: its two widgets are rendered once, not per row
    # (at 70 rows the widget templates were 40 % of the page's time).
    reverse_fields = format_html("{}{}", reverse_form["date"], reverse_form["reason"]) if reverse_form else ""
    # The progress form repeats, collapsed, on every open node's row: rendered once too (10 nodes ×
    # 4 widgets were 40 of the page's 46 widget renders at city scale).
    report_form = ProgressReportForm(initial={"reported_on": today}) if can_report else None
    report_widgets = (
        {name: report_form[name].as_widget() for name in ("reported_on", "percent", "text", "photo")}
        if report_form
        else {}
    )
    plan_changes = list(
        NodePlanChange.objects.filter(node__project=project).select_related("node", "changed_by")[:50]
    )
    project_baselines = list(
        baselines.visible(request.user)
        .filter(pk__in=BaselineNode.objects.filter(project=project).values("baseline_id"))
        .select_related("taken_by")
        .order_by("-taken_at", "-id")[:20]
    )
    return render(
        request,
        "projects/construction_detail.html",
        {
            "project": project,
            "supporting": project.supporting_units.all(),
            "nodes": nodes,
            "fig": figures,
            "funds": funds,
            "fund_totals": fund_totals,
            "fund_rate": (fund_totals["disbursed"] / fund_totals["allocated"] * 100)
            if fund_totals["allocated"]
            else None,
            "fund_ledger": fund_ledger,
            "monthly": project.monthly_investments.all(),
            "reports": ProgressReport.objects.filter(node__project=project).select_related(
                "node", "reporter"
            )[:30],
            "checklist": checklist,
            "checklist_held": sum(1 for item in checklist if item["documents"]),
            "other_documents": project.documents.filter(requirement=None),
            "warnings": warnings,
            "can_report": can_report,
            "can_change": permissions.can(request.user, "change", project),
            "report_form": report_form,
            "report_widgets": report_widgets,
            "fund_form": FundEntryForm(project=project, initial={"date": today}) if can_report else None,
            "reverse_form": reverse_form,
            "reverse_fields": reverse_fields,
            "reversed_ids": reversed_ids,
            "month_form": MonthAmountForm() if can_report else None,
            "document_form": DocumentForm(project=project) if can_report else None,
            "fund_sources": FundSource.choices,
            "plan_changes": plan_changes,
            "project_baselines": project_baselines,
        },
    )


@login_required
def construction_create(request):
    return _create_project(
        request,
        ConstructionProjectForm,
        services.create_construction_project,
        _("登记建设项目"),
        _("已登记建设项目，并按类别模板生成了节点计划。"),
    )


@login_required
def construction_edit(request, pk):
    return _edit_project(
        request,
        pk,
        ConstructionProject,
        ConstructionProjectForm,
        services.update_construction_project,
        _("编辑建设项目"),
    )


@login_required
def node_edit(request, pk):
    node = _acting_on(request, ProjectNode.objects.select_related("project"), pk, "report")
    form = NodeForm(request.POST or None, instance=node)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in NodeForm.Meta.fields}
        try:
            updated = services.update_node(
                request.user,
                ProjectNode.objects.select_related("project__category").get(pk=pk),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                **changes,
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            if updated.missing_documents:
                messages.warning(
                    request,
                    _("节点已完成，但缺少必备档案：") + "、".join(r.name for r in updated.missing_documents),
                )
            else:
                messages.success(request, _("节点已保存。"))
            return redirect(node.project)
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": _("编辑节点") + f" · {node}",
            "obj": node,
            "back": node.project,
            "reports": ProgressReport.objects.filter(node=node).select_related("reporter"),
            "plan_changes": node.plan_changes.select_related("changed_by"),
        },  # fmt: skip
    )


@login_required
@require_POST
def progress_report_add(request, pk):
    node = _acting_on(request, ProjectNode.objects.select_related("project"), pk, "report")
    form = ProgressReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_progress(request.user, node, **form.cleaned_data)
            messages.success(request, _("已报送进度。"))
        except SERVICE_ERRORS as exc:
            messages.error(request, _("进度未报送：") + _error_text(exc))
    else:
        messages.error(request, _form_errors(form))
    return redirect(node.project)


@login_required
@require_POST
def monthly_investment_add(request, pk):
    return _month_amount(
        request, pk, ConstructionProject, services.record_monthly_investment, _("已记录月度完成投资。")
    )


@login_required
def fund_ledger_export(request, pk):
    project = get_object_or_404(ConstructionProject.objects.restrict(request.user, "view"), pk=pk)
    entries = list(FundEntry.objects.filter(project=project).select_related("node"))
    return excel.xlsx_response(imports.export_fund_ledger(project, entries), f"资金台账-{project.pk}.xlsx")


@login_required
@require_POST
def fund_entry_add(request, pk):
    project = _acting_on(request, ConstructionProject.objects.all(), pk, "report")
    form = FundEntryForm(request.POST, request.FILES, project=project)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.add_fund_entry(request.user, project, **data)
            messages.success(request, _("资金台账已登记。"))
        except SERVICE_ERRORS as exc:
            messages.error(request, _("资金台账未登记：") + _error_text(exc))
    else:
        messages.error(request, _form_errors(form))
    return redirect(project)


@login_required
@require_POST
def fund_entry_reverse(request, pk):
    entry = _acting_on(request, FundEntry.objects.select_related("project"), pk, "report")
    form = FundReverseForm(request.POST)
    if form.is_valid():
        try:
            services.reverse_fund_entry(
                request.user, entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已冲销。"))
        except SERVICE_ERRORS as exc:
            messages.error(request, _("未冲销：") + _error_text(exc))
    else:
        messages.error(request, _form_errors(form))
    return redirect(entry.project)


@login_required
@require_POST
def document_upload(request, pk):
    project = _acting_on(request, ConstructionProject.objects.all(), pk, "report")
    form = DocumentForm(request.POST, request.FILES, project=project)
    if form.is_valid():
        try:
            services.upload_document(request.user, project, **form.cleaned_data)
            messages.success(request, _("档案已上传。"))
        except SERVICE_ERRORS as exc:
            messages.error(request, _("档案未上传：") + _error_text(exc))
    else:
        messages.error(request, _form_errors(form))
    return redirect(project)


@login_required
def document_download(request, pk):
    document = get_object_or_404(ArchiveDocument.objects.restrict(request.user, "view"), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


@login_required
def report_photo(request, pk):
    """A node progress report's site photo, to someone who may see the project (inline)."""
    report = get_object_or_404(ProgressReport.objects.restrict(request.user, "view"), pk=pk)
    if not report.photo:
        raise Http404
    name = report.photo.name.rsplit("/", 1)[-1]
    return attachments.serve(report.photo, name=name, kind=name.rsplit(".", 1)[-1].lower())


@login_required
def evidence_download(request, pk):
    transition = get_object_or_404(StageTransition.objects.restrict(request.user, "view"), pk=pk)
    try:
        handle = transition.evidence.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=transition.evidence.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def document_delete(request, pk):
    document = get_object_or_404(ArchiveDocument.objects.restrict(request.user, "view"), pk=pk)
    try:
        services.delete_document(request.user, document)
        messages.success(request, _("档案已删除。"))
    except SERVICE_ERRORS as exc:
        messages.error(request, _error_text(exc))
    return redirect("projects:construction_detail", pk=document.project_id)


# --- battle map, warnings, import --------------------------------------------------------------


def _battle_data(request, today, chosen):
    """The battle map's data with the chosen baseline (default: the latest dispatch meeting's)."""
    last_meeting = baselines.latest_meeting(request.user, request.GET)
    baseline = baselines.chosen(request.user, request.GET, last_meeting)
    data = battlemap.build(
        _construction_queryset(request, chosen, node_state_filter=True),
        chosen.state,
        today,
        baseline_id=baseline.pk if baseline else None,
        last_meeting_id=last_meeting.pk if last_meeting else None,
    )
    data["baseline"] = baselines.describe(baseline)
    data["last_meeting"] = baselines.describe(last_meeting)
    return data, baseline, last_meeting


def _slip_rows(data) -> list[dict]:
    """The print view's slip table: nodes moved since the last meeting first, then by slip."""
    rows = []
    for bar in battlemap.bar_dicts(data):
        if not (bar["moved"] or bar["slip"] or bar["slip_red"]):
            continue
        head = data["rows"][bar["row"]]
        rows.append({**bar, "project_name": head["name"], "street": head["street"]})
    rows.sort(key=lambda b: (not b["moved"], -abs(b["slip"] or 0), b["project_name"]))
    return rows


@login_required
def battle_map(request):
    today = clock.today()
    units = baselines.recordable_units(request.user)
    chosen = filters.ConstructionFilters.from_params(request.GET)
    baseline = request.GET.get("baseline", "")  # the plan baseline shown, not a project filter
    qs = urlencode({**chosen.query(), **({"baseline": baseline} if baseline else {})})
    context = {
        "filters": request.GET,
        "list_filters": chosen,
        "qs": qs,
        "today": today,
        "legend": [(pace.NODE_STATE_LABELS[s], pace.NODE_STATE_COLOURS[s]) for s in pace.NODE_STATE_LABELS],
        "print_view": request.GET.get("print") == "1",
        "baseline_choices": baselines.choices(request.user, request.GET),
        "baseline_form": BaselineForm(units=units, initial={"kind": BaselineKind.DISPATCH})
        if units
        else None,
        **_construction_options(request.user),
    }
    last_meeting = baselines.latest_meeting(request.user, request.GET)
    context["baseline"] = baselines.chosen(request.user, request.GET, last_meeting)
    context["last_meeting"] = last_meeting
    if context["baseline"] is not None and context["baseline"] not in context["baseline_choices"]:
        context["baseline_choices"].insert(0, context["baseline"])
    if context["print_view"]:
        data, _baseline, _last = _battle_data(request, today, chosen)
        bars = battlemap.bar_dicts(data)
        for bar in bars:
            head = data["rows"][bar["row"]]
            bar.update(
                project_name=head["name"],
                street=head["street"],
                colour=data["states"][bar["state"]]["colour"],
                state_label=data["states"][bar["state"]]["label"],
            )
        context["data"] = {**data, "bars": bars}
        context["slip_rows"] = _slip_rows(data)
    return render(request, "projects/battle_map.html", context, status=chosen.http_status)


@login_required
def battle_map_data(request):
    chosen = filters.ConstructionFilters.from_params(request.GET)
    if refused := export_refused(chosen):
        return refused
    data, _baseline, _last = _battle_data(request, clock.today(), chosen)
    return JsonResponse(data)


@login_required
def battle_map_export(request):
    chosen = filters.ConstructionFilters.from_params(request.GET)
    if refused := export_refused(chosen):
        return refused
    data, _baseline, _last = _battle_data(request, clock.today(), chosen)
    return excel.xlsx_response(imports.export_battle_map(data), "挂图作战.xlsx")


@login_required
@require_POST
def baseline_record(request):
    """The battle map's 记录基线 action: a command post's dispatch meeting, or a named baseline."""
    units = baselines.recordable_units(request.user)
    if not units:
        raise PermissionDenied
    form = BaselineForm(request.POST, units=units)
    if form.is_valid():
        try:
            baseline = services.record_baseline(request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            messages.error(request, _("基线未记录：") + _error_text(exc))
        else:
            messages.success(
                request,
                _("已记录基线“%(name)s”（%(n)d 个节点）。")
                % {"name": baseline.name, "n": baseline.node_count},
            )
            return redirect(f"{reverse('projects:battle_map')}?baseline={baseline.pk}")
    else:
        messages.error(request, _("基线未记录：") + _form_errors(form))
    return redirect("projects:battle_map")


# --- funds across projects (资金总览) ------------------------------------------------------------


@login_required
def funds_overview(request):
    chosen = filters.FundsFilters.from_params(request.GET)
    projects = chosen.rows(request.user)
    gap = funds.gap_of(chosen)
    data = funds.summary(projects, chosen)
    lag_rows = funds.lagging(projects, gap)
    if request.GET.get("export") == "xlsx":
        return export_refused(chosen) or excel.xlsx_response(
            funds.export(data, lag_rows, gap), "资金总览.xlsx"
        )
    qs = urlencode(chosen.project_query())
    return render(
        request,
        "projects/funds.html",
        {
            "data": data,
            "lagging": lag_rows,
            "gap": gap,
            "steps": [(s, FundEntryKind(s).label) for s in funds.STEPS],
            "filters": request.GET,
            "list_filters": chosen,
            "qs": qs,
            "export_qs": urlencode(
                {**chosen.project_query(), **({"gap": chosen.gap} if chosen.gap is not None else {})}
            ),
            "entries_url": reverse("projects:funds_entries") + "?" + (qs + "&" if qs else ""),
            "may_reconcile": statements.may_reconcile(request.user),
            **_construction_options(request.user),
        },
        status=chosen.http_status,
    )


@login_required
def funds_entries(request):
    """The ledger rows behind one figure of the funds page (the same filters, plus source, kind,
    month and project)."""
    chosen = filters.FundsFilters.from_params(request.GET)
    rows = funds.entry_rows(funds.entries(chosen.rows(request.user), chosen))
    if request.GET.get("export") == "xlsx":
        return export_refused(chosen) or excel.xlsx_response(funds.export_entries(rows), "资金台账明细.xlsx")
    total = rows.aggregate(total=Sum("amount"), n=Count("id"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/funds_entries.html",
        {
            "page": page,
            "total": total["total"] or 0,
            "count": total["n"],
            "filters": request.GET,
            "list_filters": chosen,
            "qs": urlencode({k: v for k, v in chosen.query().items() if k != "gap"}),
            "source_label": FundSource(chosen.source).label if chosen.source else "",
            "kind_label": FundEntryKind(chosen.kind).label if chosen.kind else "",
            "month": funds.month_label(chosen),
        },
        status=chosen.http_status,
    )


@login_required
def warning_list(request):
    chosen = filters.WarningFilters.from_params(request.GET)
    warnings = panels.warnings_for(request.user, chosen, clock.today())
    # The tabs count every kind under the other filters, also while one kind is shown.
    counts = {}
    for w in warnings:
        counts[w.kind] = counts.get(w.kind, 0) + 1
    kind = chosen.kind
    if kind:
        warnings = [w for w in warnings if w.kind == kind]
    if request.GET.get("export") == "xlsx":
        return export_refused(chosen) or excel.xlsx_response(
            imports.export_warnings(warnings), "项目预警.xlsx"
        )
    return render(
        request,
        "projects/warning_list.html",
        {
            "warnings": warnings[:1000],
            "total": len(warnings),
            "kinds": [(k, label, counts.get(k, 0)) for k, label in measures.WARNING_KINDS.items()],
            "kind": kind,
            "filters": request.GET,
            "list_filters": chosen,
            # The kind buttons keep the other filters (district, mine, street …).
            "qs": urlencode({k: v for k, v in chosen.query().items() if k != "kind"}),
        },
        status=chosen.http_status,
    )


IMPORTS = {
    # kind: (import, template file, title, list)
    "construction": (
        imports.import_construction, "建设项目导入模板.xlsx", gettext_lazy("Excel 导入建设项目"),
        "projects:construction_list",
    ),
    "investment": (
        imports.import_investment, "招商项目导入模板.xlsx", gettext_lazy("Excel 导入招商项目"),
        "projects:investment_list",
    ),
}  # fmt: skip


@login_required
def import_template(request, kind):
    if kind not in IMPORTS:
        raise Http404
    return excel.xlsx_response(imports.template(kind, request.user), IMPORTS[kind][1])


@login_required
def import_view(request, kind):
    """The shared import page (gate.views_helpers.excel_import_page): check-only preview with
    新增/修改/不变/错误 and every change, then 确认导入; rows with a known 编号 update."""
    if kind not in IMPORTS:
        raise Http404
    run, template_name, title, list_url = IMPORTS[kind]
    return excel_import_page(
        request,
        title=str(title),
        template=lambda: imports.template(kind, request.user),
        template_name=template_name,
        run=lambda file, check_only: run(request.user, file, check_only=check_only),
        done_message=_("已导入 %(n)d 个项目。"),
        list_url=list_url,
    )


# --- settings (system administrator): the configurable lists and thresholds --------------------


SETTINGS_OBJECTS = {
    # kind: (model, form, service, belongs to a category)
    "sector": (Sector, SectorForm, services.save_sector, False),
    "category": (ConstructionCategory, CategoryForm, services.save_category, False),
    "node": (NodeTemplate, NodeTemplateForm, services.save_node_template, True),
    "requirement": (ArchiveRequirement, RequirementForm, services.save_requirement, True),
}
SETTINGS_TITLES = {
    "sector": (gettext_lazy("新增产业领域"), gettext_lazy("编辑产业领域")),
    "category": (gettext_lazy("新增工程类别"), gettext_lazy("编辑工程类别")),
    "node": (gettext_lazy("新增模板节点"), gettext_lazy("编辑模板节点")),
    "requirement": (gettext_lazy("新增必备档案"), gettext_lazy("编辑必备档案")),
}


@login_required
def settings_index(request):
    policies.require_configurer(request.user)
    categories = list(
        ConstructionCategory.objects.prefetch_related("node_templates", "requirements").order_by(
            "sort_order", "name"
        )
    )
    return render(
        request,
        "projects/settings.html",
        {
            "sectors": Sector.objects.all(),
            "categories": categories,
            "thresholds": ProjectSettings.current(),
        },
    )


@login_required
def settings_thresholds(request):
    policies.require_configurer(request.user)
    current = ProjectSettings.current()
    form = ThresholdsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_thresholds(
                request.user,
                expected_version=form.cleaned_data["version"],
                stalled_days=form.cleaned_data["stalled_days"],
                fund_lag_points=form.cleaned_data["fund_lag_points"],
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("预警阈值已保存。"))
            return redirect("projects:settings")
    return render(request, "projects/settings_form.html", {"form": form, "title": _("预警阈值")})


@login_required
def settings_object(request, kind, pk=None):
    """Create (no ``pk``) or edit one row of a configurable list through its service."""
    policies.require_configurer(request.user)
    if kind not in SETTINGS_OBJECTS:
        raise Http404
    model, form_class, save, in_category = SETTINGS_OBJECTS[kind]
    obj = get_object_or_404(model, pk=pk) if pk is not None else None
    category = None
    if in_category:
        category = (
            obj.category
            if obj
            else get_object_or_404(ConstructionCategory, pk=request.GET.get("category") or 0)
        )
    extra = {"category": category} if in_category else {}
    form = form_class(request.POST or None, instance=obj, **extra)
    if request.method == "POST" and form.is_valid():
        data = {
            f: form.cleaned_data[f] for f in form_class.Meta.fields if f in form.changed_data or obj is None
        }
        if obj is None and in_category:
            data["category"] = category
        try:
            save(request.user, obj, **data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(reverse("projects:settings") + (f"#category-{category.pk}" if category else ""))
    title = SETTINGS_TITLES[kind][obj is not None]
    if category is not None:
        title = f"{title} · {category.name}"
    return render(request, "projects/settings_form.html", {"form": form, "title": title})
