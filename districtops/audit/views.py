import datetime as dt

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from districtops.core import permissions
from districtops.org.roles import Role

from . import chain
from .models import AuditRecord

SECURITY_ACTIONS = (
    "login",
    "logout",
    "login_failed",
    "totp_failed",
    "totp_enrol_start",
    "totp_enrol_confirm",
)


def _audit_admin_only(request):
    if not permissions.has_role(request.user, Role.AUDIT_ADMIN):
        raise PermissionDenied


def filtered_records(params):
    rows = AuditRecord.objects.all()
    if params.get("actor"):
        rows = rows.filter(actor_username__icontains=params["actor"].strip())
    if params.get("action"):
        rows = rows.filter(action=params["action"].strip())
    if params.get("object_type"):
        rows = rows.filter(object_type=params["object_type"].strip())
    if params.get("object_id"):
        rows = rows.filter(object_id=params["object_id"].strip())
    if params.get("request_id"):
        rows = rows.filter(request_id=params["request_id"].strip())
    if params.get("outcome"):
        rows = rows.filter(outcome=params["outcome"].strip())
    for key, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        if params.get(key):
            try:
                rows = rows.filter(**{lookup: dt.date.fromisoformat(params[key])})
            except ValueError:
                pass
    return rows


@login_required
def record_list(request):
    _audit_admin_only(request)
    rows = filtered_records(request.GET)
    page = Paginator(rows.order_by("-seq"), 50).get_page(request.GET.get("page"))
    actions = AuditRecord.objects.order_by().values_list("action", flat=True).distinct()
    template = "audit/_record_rows.html" if request.htmx else "audit/record_list.html"
    return render(request, template, {"page": page, "actions": sorted(set(actions)), "params": request.GET})


@login_required
def record_detail(request, seq):
    _audit_admin_only(request)
    record = get_object_or_404(AuditRecord, seq=seq)
    return render(request, "audit/record_detail.html", {"record": record})


@login_required
def verify_view(request):
    _audit_admin_only(request)
    result = chain.verify()
    return render(request, "audit/verify.html", {"result": result, "algorithm": chain.HASH_ALGORITHM})


@login_required
def object_history(request, app_label, model_name, pk):
    """The history tab of any object: its change records, to those who may view the object."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    if not hasattr(model, "scope_rules"):
        raise Http404
    obj = get_object_or_404(permissions.restrict(model._default_manager.all(), request.user, "view"), pk=pk)
    # Security events (logins, failed second factors) stay with the audit administrator.
    rows = AuditRecord.objects.filter(object_type=model._meta.label_lower, object_id=str(obj.pk)).exclude(
        action__in=SECURITY_ACTIONS
    )
    return render(
        request, "audit/object_history.html", {"object": obj, "records": rows.order_by("-seq")[:200]}
    )
