from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

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


def favicon(request):
    """/favicon.ico, which a browser asks for on any page without an icon link (a JSON answer,
    /healthz, a file it shows itself): the platform's icon, rather than a 404 in its console."""
    return HttpResponsePermanentRedirect(static("districtops/favicon.svg"))
