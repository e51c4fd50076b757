from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from districtops.org.models import Membership
from districtops.org.roles import Role

from . import home_panels


@login_required
def home(request):
    memberships = list(Membership.objects.filter(user=request.user).select_related("unit", "unit__district"))
    roles = {m.role for m in memberships}
    panels = home_panels.panels_for(request.user)
    return render(
        request,
        "portal/home.html",
        {
            "memberships": memberships,
            "is_sys_admin": Role.SYS_ADMIN in roles,
            "is_sec_admin": Role.SEC_ADMIN in roles,
            "is_audit_admin": Role.AUDIT_ADMIN in roles,
            "panels": panels,
        },
    )
