from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import clock
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors
from districtops.jobs.services import start_job, visible_jobs

from . import briefing, delivery, services
from .figures import Month
from .forms import BriefingSettingsForm, SubscriptionForm
from .models import Subscription

# The big screen polls once a minute, matching the summary cache: a faster poll shows nothing new.
BIGSCREEN_REFRESH_SECONDS = 60


def _period(request) -> Month | None:
    raw = request.GET.get("period", "").strip()
    if not raw:
        return None
    try:
        return Month.parse(raw)
    except ValueError as exc:
        messages.error(request, str(exc))
        return None


def _districts_or_403(user):
    districts = list(services.districts_for(user))
    if not districts:
        raise PermissionDenied
    return districts


@login_required
def home(request):
    """The person's first district (a city-level leader picks another from the switcher)."""
    return redirect("cockpit:district", code=_districts_or_403(request.user)[0].division_code)


@login_required
def district(request, code):
    unit = services.resolve_district(request.user, code)
    period = _period(request)
    summary = services.cached_summary(request.user, unit, period)
    return render(
        request,
        "cockpit/cockpit.html",
        {
            "summary": summary,
            "charts": services.charts_of(summary),
            "district": unit,
            "districts": services.districts_for(request.user),
            "period_param": request.GET.get("period", "") if period else "",
            "issued_briefings": services.issued_briefings(request.user, unit),
        },
    )


@login_required
def forecasts(request, code):
    """The 全年预测 table with the forecasts fitted (seconds when not cached): loaded by the page
    after it is shown, as the economy dashboard loads its own."""
    unit = services.resolve_district(request.user, code)
    table = services.forecast_table(request.user, unit, _period(request))
    if table is None:
        raise Http404
    return render(request, "cockpit/_table.html", {"t": table})


@login_required
def bigscreen(request, code):
    """The meeting-room screen: a 1920×1080 dark canvas scaled to the display, charts and the map,
    the alerts in rotation; its script refreshes the data from ``bigscreen_data``."""
    unit = services.resolve_district(request.user, code)
    period = _period(request)
    summary = services.cached_summary(request.user, unit, period)
    return render(
        request,
        "cockpit/bigscreen.html",
        {
            "summary": summary,
            "screen": services.screen_of(summary),
            "district": unit,
            "refresh_seconds": BIGSCREEN_REFRESH_SECONDS,
            "period_param": str(period) if period else "",
        },
    )


@login_required
def bigscreen_data(request, code):
    """The big screen's data (figures, alerts, charts) as JSON, for its refresh."""
    unit = services.resolve_district(request.user, code)
    summary = services.cached_summary(request.user, unit, _period(request))
    return JsonResponse(services.screen_of(summary), json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def briefing_start(request, code):
    """Start the monthly briefing as a recorded job; its page offers the files when done."""
    unit = services.resolve_district(request.user, code)
    try:
        period = Month.parse(request.POST.get("period", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("cockpit:district", code=code)
    job = start_job(
        request.user,
        "cockpit.briefing",
        {"district_code": unit.division_code, "period": str(period), "user_id": request.user.pk},
    )
    messages.success(request, _("通报生成任务已提交，完成后可在任务页面下载。"))
    return redirect("jobs:job_detail", pk=job.pk)


@login_required
def briefing_settings(request, code):
    """The district's 版头, 发文字号 代字, 主送, 抄送, 印发机关, 密级 and 份号 for its briefings."""
    unit = services.resolve_district(request.user, code)
    current = services.settings_for(unit)
    form = BriefingSettingsForm(
        request.POST or None, instance=current, initial={"version": current.version if current.pk else None}
    )
    if request.method == "POST" and form.is_valid():
        changes = {k: form.cleaned_data[k] for k in services.BRIEFING_SETTING_FIELDS}
        try:
            services.update_briefing_settings(
                request.user, unit, changes, expected_version=form.cleaned_data.get("version")
            )
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("月度通报的版头和版记已保存，下次生成时使用。"))
            return redirect("cockpit:district", code=code)
    preview = services.doc_number(current.number_prefix, clock.today().year, 1)
    return render(
        request,
        "cockpit/briefing_settings.html",
        {"form": form, "district": unit, "doc_number_example": preview},
    )


@login_required
def briefing_file(request, pk, kind):
    """The Excel annex or the PDF of a briefing job (the Word file is the job's own result)."""
    job = get_object_or_404(visible_jobs(request.user), pk=pk, name="cockpit.briefing")
    path = ((job.result or {}).get("files") or {}).get(kind)
    if not path:
        raise Http404
    return FileResponse(briefing.open_artifact(path), as_attachment=True, filename=path.rsplit("/", 1)[-1])


@login_required
def subscription_list(request):
    _districts_or_403(request.user)
    form = SubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_subscription(request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已订阅周报。"))
            return redirect("cockpit:subscription_list")
    subscriptions = (
        Subscription.objects.restrict(request.user, "view")
        .filter(user=request.user)
        .select_related("district")
    )
    subscriptions = list(subscriptions)
    latest = delivery.last_messages(subscriptions)
    for subscription in subscriptions:
        subscription.last_message = latest.get(subscription.pk)
    return render(request, "cockpit/subscription_list.html", {"form": form, "subscriptions": subscriptions})


@login_required
@require_POST
def subscription_delete(request, pk):
    subscription = get_object_or_404(
        Subscription.objects.restrict(request.user, "view").filter(user=request.user), pk=pk
    )
    services.delete_subscription(request.user, subscription)
    messages.success(request, _("已取消订阅。"))
    return redirect("cockpit:subscription_list")
