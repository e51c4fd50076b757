from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from districtops.core import dictionary
from districtops.gate import permissions
from districtops.gate.listing import page_status
from districtops.org.roles import Role

from . import chain
from .filters import AuditFilters
from .models import AuditRecord

# Account-security events: who signed in, failed, was locked, changed or was given a
# password or second factor. They belong to the security and audit administrators only,
# never to the history tab another district member can open (issue 11, 4c).
SECURITY_ACTIONS = frozenset(
    {
        "login",
        "logout",
        "login_failed",
        "lock",
        "unlock",
        "password_change",
        "password_reset",
        "totp_failed",
        "totp_enrol_start",
        "totp_enrol_confirm",
        "totp_reset",
        "revoke",
    }
)
SECURITY_READERS = (Role.SEC_ADMIN, Role.AUDIT_ADMIN)
HISTORY_LIMIT = 200


def history_records(user, obj):
    """The change records of ``obj`` that ``user`` may read — the one query of the history tab."""
    rows = AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if not permissions.has_role(user, *SECURITY_READERS):
        rows = rows.exclude(action__in=SECURITY_ACTIONS)
    return rows.order_by("-seq")[:HISTORY_LIMIT]


def _audit_admin_only(request):
    if not permissions.has_role(request.user, Role.AUDIT_ADMIN):
        raise PermissionDenied


@login_required
def record_list(request):
    _audit_admin_only(request)
    filters = AuditFilters.from_params(request.GET)
    rows = filters.rows(request.user)
    page = Paginator(rows.order_by("-seq"), 50).get_page(request.GET.get("page"))
    actions = AuditRecord.objects.order_by().values_list("action", flat=True).distinct()
    object_types = (
        AuditRecord.objects.order_by().exclude(object_type="").values_list("object_type", flat=True)
    )
    context = {
        "page": page,
        "entries": dictionary.present_records(page.object_list, changes=False),
        "actions": dictionary.all_actions(actions),
        "object_types": dictionary.all_object_types(object_types.distinct()),
        "outcomes": list(dictionary.OUTCOMES.items()),
        "params": request.GET,
        "filters": filters,
    }
    template = "audit/_record_rows.html" if request.htmx else "audit/record_list.html"
    return render(request, template, context, status=page_status(request, filters))


@login_required
def record_detail(request, seq):
    _audit_admin_only(request)
    record = get_object_or_404(AuditRecord, seq=seq)
    (entry,) = dictionary.present_records([record])
    return render(request, "audit/record_detail.html", {"record": record, "entry": entry})


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
    entries = dictionary.present_records(history_records(request.user, obj))
    return render(request, "audit/object_history.html", {"object": obj, "entries": entries})
