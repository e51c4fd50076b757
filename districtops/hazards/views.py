from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import attachments as files
from districtops.core import clock, excel
from districtops.gate import permissions
from districtops.gate.listing import export_refused, page_status
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors, excel_import_page
from districtops.org.roles import UNIT_ROLES

from . import excel_io, services
from .filters import HazardFilters
from .forms import HazardForm, PlanForm, RectificationStepForm, RiskPointForm
from .models import (
    TRANSITIONS,
    Hazard,
    HazardAttachment,
    HazardGrade,
    HazardState,
    RectificationPlan,
    RiskPoint,
)


@login_required
def hazard_list(request):
    filters = HazardFilters.from_params(request.GET)
    hazards = filters.rows(request.user).select_related("unit")
    page = Paginator(hazards, 50).get_page(request.GET.get("page"))
    return render(
        request, "hazards/hazard_list.html",
        {"page": page, "states": HazardState.choices, "grades": HazardGrade.choices, "params": request.GET,
         "filters": filters, "narrow": filters.active(request.user)},
        status=page_status(request, filters),
    )  # fmt: skip


@login_required
def hazard_export(request):
    """The list's filters, as an Excel file (importable again)."""
    filters = HazardFilters.from_params(request.GET)
    if refused := export_refused(filters):
        return refused
    hazards = filters.rows(request.user).order_by("deadline", "id")
    return excel.xlsx_response(excel_io.export(hazards), "隐患.xlsx")


@login_required
def hazard_import(request):
    """Upload a filled template; "check only" runs every check and writes nothing."""
    if not permissions.has_role(request.user, *UNIT_ROLES):
        raise PermissionDenied
    return excel_import_page(
        request,
        title=_("Excel 导入隐患"),
        template=lambda: excel_io.template(request.user),
        template_name="隐患导入模板.xlsx",
        run=lambda file, check_only: excel_io.import_hazards(request.user, file, check_only=check_only),
        done_message=_("已导入 %(n)d 条隐患。"),
        list_url="hazards:hazard_list",
    )


@login_required
def hazard_create(request):
    form = HazardForm(
        request.POST or None, request.FILES or None, user=request.user, initial={"found_on": clock.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.register_hazard(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记隐患 %(code)s。") % {"code": hazard.code})
            return redirect(hazard)
    return render(request, "hazards/form.html", {"form": form, "title": _("登记隐患"), "multipart": True})


@login_required
def hazard_detail(request, pk):
    hazard = get_object_or_404(
        Hazard.objects.restrict(request.user, "view").select_related(
            "unit", "risk_point", "rectified_by", "verified_by"
        ),
        pk=pk,
    )
    plan = RectificationPlan.objects.filter(hazard=hazard).first()
    can_change = permissions.can(request.user, "change", hazard)
    actions = [
        {"name": a, "label": label, "form": RectificationStepForm(auto_id=f"id_{a}_%s")}
        for a, (_perm, table, label) in TRANSITIONS.items()
        if hazard.state in table and can_change
    ]
    plan_form = None
    if can_change and hazard.grade == HazardGrade.MAJOR and hazard.state == HazardState.REGISTERED:
        plan_form = PlanForm(instance=plan)
    attachments = HazardAttachment.objects.filter(hazard=hazard)
    steps = [
        {"label": label, "items": [a for a in attachments if a.action == code]}
        for code, (_perm, _table, label) in TRANSITIONS.items()
    ]
    return render(
        request, "hazards/hazard_detail.html",
        {"hazard": hazard, "plan": plan, "actions": actions, "plan_form": plan_form,
         "attachment_steps": [s for s in steps if s["items"]]},
    )  # fmt: skip


@login_required
def hazard_attachment(request, pk):
    """A rectification file, to someone who may see the hazard (images inline)."""
    attachment = get_object_or_404(HazardAttachment.objects.restrict(request.user, "view"), pk=pk)
    return files.serve(attachment.file, name=attachment.name, kind=attachment.kind)


@login_required
def hazard_photo(request, pk):
    """The photo taken when the hazard was registered."""
    hazard = get_object_or_404(Hazard.objects.restrict(request.user, "view"), pk=pk)
    if not hazard.photo:
        raise Http404
    kind = hazard.photo.name.rsplit(".", 1)[-1].lower()
    return files.serve(hazard.photo, name=hazard.photo.name.rsplit("/", 1)[-1], kind=kind)


@login_required
@require_POST
def hazard_action(request, pk, action):
    hazard = get_object_or_404(Hazard.objects.restrict(request.user, "change"), pk=pk)
    try:
        services.transition(
            request.user, hazard, action, note=request.POST.get("note", ""),
            expected_version=request.POST.get("version") or None,
            attachments=request.FILES.getlist("photos") + request.FILES.getlist("files"),
        )  # fmt: skip
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已%(a)s。") % {"a": TRANSITIONS[action][2]})
    return redirect(hazard)


@login_required
@require_POST
def plan_save(request, pk):
    hazard = get_object_or_404(Hazard.objects.restrict(request.user, "change"), pk=pk)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            services.save_plan(request.user, hazard, **form.cleaned_data)
            messages.success(request, _("整改方案已保存。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
    return redirect(hazard)


@login_required
def risk_point_list(request):
    points = RiskPoint.objects.restrict(request.user, "view").select_related("unit")
    form = RiskPointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_risk_point(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已添加风险点。"))
            return redirect("hazards:risk_point_list")
    return render(request, "hazards/risk_point_list.html", {"points": points[:500], "form": form})


@login_required
def statistics(request):
    today = clock.today()
    try:
        year = int(request.GET.get("year", today.year))
        quarter = int(request.GET.get("quarter", (today.month - 1) // 3 + 1))
    except ValueError:
        year, quarter = today.year, (today.month - 1) // 3 + 1
    quarter = min(max(quarter, 1), 4)
    rows = services.quarterly_statistics(request.user, year, quarter)
    return render(request, "hazards/statistics.html", {"rows": rows, "year": year, "quarter": quarter})
