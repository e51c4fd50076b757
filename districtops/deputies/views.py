from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import clock, excel
from districtops.gate import permissions
from districtops.gate.listing import export_refused, page_status
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors, excel_import_page

from . import excel_io, services
from .filters import SuggestionFilters
from .forms import ActivityForm, EvaluateForm, ReplyForm, SuggestionForm
from .models import LiaisonStation, Suggestion, SuggestionState


def _error(request, exc):
    messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))


@login_required
def suggestion_list(request):
    filters = SuggestionFilters.from_params(request.GET)
    items = filters.rows(request.user).select_related("handling_unit")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "deputies/suggestion_list.html", {
        "page": page, "states": SuggestionState.choices, "state": filters.state or "",
        "params": request.GET, "narrow": filters.active(request.user),
        "filters": filters, "can_assign": permissions.is_overseer(request.user),
    }, status=page_status(request, filters))  # fmt: skip


@login_required
def suggestion_export(request):
    """The list's filters, as an Excel file (importable again)."""
    filters = SuggestionFilters.from_params(request.GET)
    if refused := export_refused(filters):
        return refused
    items = filters.rows(request.user).order_by("reply_due", "id")
    return excel.xlsx_response(excel_io.export(items), "代表建议.xlsx")


@login_required
def suggestion_import(request):
    """交办 suggestions from a filled template (leaders and supervisors); "check only" writes nothing."""
    district = permissions.oversight_districts(request.user).first()
    if district is None:
        raise PermissionDenied
    return excel_import_page(
        request,
        title=_("Excel 导入代表建议"),
        template=lambda: excel_io.template(request.user, district),
        template_name="代表建议导入模板.xlsx",
        run=lambda file, check_only: excel_io.import_suggestions(
            request.user, file, district=district, check_only=check_only
        ),
        done_message=_("已导入 %(n)d 件代表建议。"),
        list_url="deputies:suggestion_list",
    )


@login_required
def suggestion_create(request):
    if not permissions.is_overseer(request.user):
        raise PermissionDenied
    form = SuggestionForm(request.POST or None, user=request.user, initial={"assigned_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            s = services.assign_suggestion(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(s)
    return render(request, "deputies/form.html", {"form": form, "title": _("交办代表建议")})


@login_required
def suggestion_detail(request, pk):
    s = get_object_or_404(
        Suggestion.objects.restrict(request.user, "view")
        .select_related("handling_unit")
        .prefetch_related("deputies", "supporting_units"),
        pk=pk,
    )
    can_reply = s.state in (SuggestionState.ASSIGNED, SuggestionState.REOPENED) and permissions.can(
        request.user, "change", s
    )
    can_evaluate = s.state == SuggestionState.REPLIED and permissions.can(request.user, "manage", s)
    return render(request, "deputies/suggestion_detail.html", {
        "s": s, "reply_form": ReplyForm(initial={"version": s.version}) if can_reply else None,
        "evaluate_form": EvaluateForm() if can_evaluate else None,
    })  # fmt: skip


@login_required
@require_POST
def suggestion_reply(request, pk):
    s = get_object_or_404(Suggestion.objects.restrict(request.user, "change"), pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply(request.user, s, text=form.cleaned_data["text"], reply_class=form.cleaned_data["reply_class"],
                           expected_version=form.cleaned_data["version"])  # fmt: skip
            messages.success(request, _("已答复。"))
        except (ValidationError, ConflictError) as exc:
            _error(request, exc)
    else:
        messages.error(request, _("请填写答复内容并选择答复类别。"))
    return redirect(s)


@login_required
@require_POST
def suggestion_evaluate(request, pk):
    s = get_object_or_404(Suggestion.objects.restrict(request.user, "manage"), pk=pk)
    form = EvaluateForm(request.POST)
    if form.is_valid():
        try:
            services.evaluate(request.user, s, **form.cleaned_data)
            messages.success(request, _("已记录代表评价。"))
        except ValidationError as exc:
            _error(request, exc)
    else:
        messages.error(request, _("请选择满意度。"))
    return redirect(s)


@login_required
def station_list(request):
    stations = (
        LiaisonStation.objects.restrict(request.user, "view")
        .select_related("host_unit")
        .prefetch_related("deputies")
    )
    return render(request, "deputies/station_list.html", {"stations": stations})


@login_required
def station_detail(request, pk):
    station = get_object_or_404(
        LiaisonStation.objects.restrict(request.user, "view").select_related("host_unit"), pk=pk
    )
    can_change = permissions.can(request.user, "change", station)
    form = ActivityForm(request.POST or None, station=station, initial={"held_on": clock.today()})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.log_activity(request.user, station, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已登记进站活动。"))
                return redirect("deputies:station_detail", pk=pk)
    activities = station.activities.prefetch_related("deputies")[:100]
    return render(request, "deputies/station_detail.html", {
        "station": station, "deputies": station.deputies.all(), "activities": activities,
        "form": form if can_change else None,
    })  # fmt: skip
