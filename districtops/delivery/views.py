from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from districtops.gate import permissions
from districtops.gate.views_helpers import apply_service_errors
from districtops.org.roles import Role

from . import services
from .forms import CorpAppForm, FailureFilterForm
from .models import CorpApp


@login_required
def failure_list(request):
    """What did not go out: a unit's own messages, the district's for its oversight."""
    form = FailureFilterForm(request.GET or None)
    receipt = form.cleaned_data["receipt"] if form.is_valid() else ""
    qs = services.failures(request.user, receipt=receipt)
    if form.is_valid() and form.cleaned_data["status"]:
        qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "delivery/failure_list.html", {"page": page, "form": form})


@login_required
def corp_app_list(request):
    """The district's corp apps (system admin): ids and secret typed here, never shown again."""
    if not permissions.has_role(request.user, Role.SYS_ADMIN):
        raise PermissionDenied
    form = CorpAppForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_corp_app(
                request.user,
                data["district"],
                platform=data["platform"],
                corp_id=data["corp_id"],
                agent_id=data["agent_id"],
                secret=data["secret"],
                is_active=data["is_active"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存企业应用配置。"))
            return redirect("delivery:corp_app_list")
    apps = CorpApp.objects.restrict(request.user, "manage").select_related("district")
    return render(request, "delivery/corp_app_list.html", {"form": form, "apps": apps})
