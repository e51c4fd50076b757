from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from districtops.org.models import Membership
from districtops.org.roles import Role

from . import home_panels


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    memberships = list(Membership.objects.filter(user=request.user).select_related("unit", "unit__district"))
    roles = {m.role for m in memberships}
    panels = home_panels.panels_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "is_sys_admin": Role.SYS_ADMIN in roles,
            "is_sec_admin": Role.SEC_ADMIN in roles,
            "is_audit_admin": Role.AUDIT_ADMIN in roles,
            "panels": panels,
        },
    )
