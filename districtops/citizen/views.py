from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import attachments
from districtops.gate import permissions
from districtops.gate.listing import page_status
from districtops.gate.views_helpers import apply_service_errors
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import Role

from . import services
from .filters import ReportFilters
from .forms import DeclineForm, JoinForm, MergeForm, PartnerKeyForm, PublicReportForm, TriageForm
from .models import PartnerClient, Report, ReportStatus, ServiceCategory
from .open311 import client_address


def _public_district(request):
    code = request.GET.get("jurisdiction", "")
    served = Unit.objects.filter(
        kind=UnitKind.DISTRICT, pk__in=ServiceCategory.objects.filter(is_active=True).values("district_id")
    ).order_by("division_code")
    if code:
        return served.filter(division_code=code).first(), served
    return (served.first() if served.count() == 1 else None), served


def public_report(request):
    """The no-login page where a resident reports a problem."""
    district, served = _public_district(request)
    if district is None:
        return render(request, "citizen/public_choose.html", {"districts": served})
    system = services.web_coordinate_system()
    form = PublicReportForm(
        request.POST or None, request.FILES or None, district=district, coordinate_system=system
    )
    nearby = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["coordinate_system"] = data.get("coordinate_system") or system
        confirm_new = data.pop("confirm_new")
        try:
            lat, long = services.to_wgs84(data["lat"], data["long"], data["coordinate_system"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
            lat = long = None
        if not form.errors and not confirm_new:
            # Before filing: the same problem may already be reported close by (我也遇到).
            nearby = services.nearby_open_reports(data["service"], lat, long)
        if not form.errors and not nearby:
            if not services.allow_post(client_address(request)):
                return render(request, "citizen/public_throttled.html", status=429)
            try:
                report = services.file_report(photo=data.pop("photo"), channel="web", **data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "media" in exc.error_dict:
                    exc = ValidationError({"photo": exc.error_dict["media"]})
                apply_service_errors(form, exc)
            else:
                return redirect("citizen_public:status", tracking_number=report.tracking_number)
    if nearby:
        form = PublicReportForm(
            {**request.POST.dict(), "confirm_new": "on"}, district=district, coordinate_system=system
        )
        form.is_valid()
    return render(
        request,
        "citizen/public_report.html",
        {"form": form, "district": district, "nearby": nearby, "radius": int(services.duplicate_radius_m())},
    )


@require_POST
def public_join(request, tracking_number):
    """我也遇到 from the public page: counted on the open report, the contact kept privately."""
    report = Report.objects.filter(tracking_number=tracking_number.strip().upper()).first()
    if report is None:
        raise Http404
    form = JoinForm(request.POST)
    if not form.is_valid():
        return redirect("citizen_public:status", tracking_number=report.tracking_number)
    if not services.allow_post(client_address(request)):
        return render(request, "citizen/public_throttled.html", status=429)
    try:
        services.join_report(report, channel="web", **form.cleaned_data)
    except ValidationError as exc:
        return render(
            request, "citizen/public_status.html", {"report": report, "join_error": "；".join(exc.messages)},
            status=400,
        )  # fmt: skip
    return redirect(reverse("citizen_public:status", args=[report.tracking_number]) + "?joined=1")


def public_status(request, tracking_number):
    report = (
        Report.objects.select_related(
            "service",
            "matter",
            "matter__lead_unit",
            "district",
            "merged_into",
            "merged_into__matter",
            "merged_into__matter__lead_unit",
        )  # fmt: skip
        .filter(tracking_number=tracking_number.strip().upper())
        .first()
    )
    if report is None:
        raise Http404
    return render(
        request, "citizen/public_status.html", {"report": report, "joined": request.GET.get("joined") == "1"}
    )


def public_lookup(request):
    number = request.GET.get("number", "").strip().upper()
    if number and Report.objects.filter(tracking_number=number).exists():
        return redirect("citizen_public:status", tracking_number=number)
    return render(request, "citizen/public_lookup.html", {"number": number, "not_found": bool(number)})


@login_required
def report_list(request):
    filters = ReportFilters.from_params(request.GET)
    reports = filters.rows(request.user).select_related("service", "matter")
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "citizen/report_list.html",
        {"page": page, "statuses": ReportStatus.choices, "status": filters.status or "", "filters": filters},
        status=page_status(request, filters),
    )


@login_required
def report_detail(request, pk):
    report = get_object_or_404(
        Report.objects.restrict(request.user, "view").select_related(
            "service", "matter", "matter__lead_unit", "merged_into"
        ),
        pk=pk,
    )
    can_triage = report.status == ReportStatus.RECEIVED and permissions.can(request.user, "manage", report)
    candidates = []
    if can_triage:
        near = [(r, d) for r, d in services.nearby_open_reports(report.service, report.lat, report.long)
                if r.pk != report.pk]  # fmt: skip
        manageable = set(
            Report.objects.restrict(request.user, "manage")
            .filter(pk__in=[r.pk for r, _d in near])
            .values_list("pk", flat=True)
        )
        candidates = [(r, d) for r, d in near if r.pk in manageable]
    return render(
        request,
        "citizen/report_detail.html",
        {
            "report": report,
            "can_triage": can_triage,
            "triage_form": TriageForm(user=request.user) if can_triage else None,
            "decline_form": DeclineForm() if can_triage else None,
            "merge_form": MergeForm() if can_triage else None,
            "merge_candidates": candidates,
            "supporters": report.supporters.select_related("partner"),
            "merged_reports": report.merged_reports.all(),
        },
    )


@login_required
@require_POST
def report_merge(request, pk):
    """Staff merge this report into an original (by its tracking number)."""
    report = get_object_or_404(Report.objects.restrict(request.user, "manage"), pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写原反映的查询编号。"))
        return redirect(reverse("citizen:report_detail", args=[pk]))
    number = form.cleaned_data["into"].strip().upper()
    target = Report.objects.restrict(request.user, "view").filter(tracking_number=number).first()
    if target is None:
        messages.error(request, _("未找到查询编号为 %(number)s 的反映。") % {"number": number})
        return redirect(reverse("citizen:report_detail", args=[pk]))
    try:
        services.merge_report(request.user, report, into=target)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", None) or [_("无权并入该反映。")]))
    else:
        messages.success(
            request,
            _("已并入 %(number)s；反映人在查询页可看到并入说明。") % {"number": target.tracking_number},
        )
    return redirect(reverse("citizen:report_detail", args=[pk]))


@login_required
def report_photo(request, pk):
    """The citizen's photo, to staff who may see the report (never from a public URL)."""
    report = get_object_or_404(Report.objects.restrict(request.user, "view"), pk=pk)
    if not report.photo:
        raise Http404
    name = report.photo.name.rsplit("/", 1)[-1]
    return attachments.serve(report.photo, name=name, kind=name.rsplit(".", 1)[-1].lower())


@login_required
@require_POST
def report_triage(request, pk):
    report = get_object_or_404(Report.objects.restrict(request.user, "manage"), pk=pk)
    form = TriageForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.triage_to_matter(request.user, report, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已转为督办事项。"))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
    return redirect(reverse("citizen:report_detail", args=[pk]))


@login_required
@require_POST
def report_decline(request, pk):
    report = get_object_or_404(Report.objects.restrict(request.user, "manage"), pk=pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.decline_report(request.user, report, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已不予立案，理由对反映人可见。"))
    else:
        messages.error(request, _("请填写不予立案理由。"))
    return redirect(reverse("citizen:report_detail", args=[pk]))


def _partner_districts(user):
    """Districts whose partner keys ``user`` administers: system administrators only (else 403)."""
    if not permissions.has_role(user, Role.SYS_ADMIN):
        raise PermissionDenied
    return Unit.objects.restrict(user, "manage").filter(kind=UnitKind.DISTRICT, is_active=True)


@login_required
def partner_list(request):
    """Partner systems' Open311 keys: list, issue (the key is shown once), revoke."""
    districts = _partner_districts(request.user)
    form = PartnerKeyForm(request.POST or None, districts=districts)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            client, new_key = services.issue_partner_key(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已发放密钥“%(name)s”。") % {"name": client.name})
            form = PartnerKeyForm(districts=districts)
    partners = (
        PartnerClient.objects.restrict(request.user, "manage")
        .select_related("district", "created_by", "revoked_by")
        .annotate(report_count=Count("report"))
    )
    return render(
        request,
        "citizen/partner_list.html",
        {"form": form, "partners": partners, "new_key": new_key},
    )


@login_required
@require_POST
def partner_revoke(request, pk):
    _partner_districts(request.user)
    client = get_object_or_404(PartnerClient.objects.restrict(request.user, "manage"), pk=pk)
    try:
        services.revoke_partner_key(request.user, client)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已吊销密钥“%(name)s”，Open311 将拒绝该密钥。") % {"name": client.name})
    return redirect("citizen:partner_list")
