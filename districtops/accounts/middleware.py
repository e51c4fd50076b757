"""Session security: idle time-out, forced password change, pending second factor."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from .models import SecurityPolicy

# Paths a signed-in person may reach while a password change or second factor is pending.
# The API checks the same flags in its own session authentication (districtops.api).
_OPEN_PREFIXES = (
    "/accounts/login/", "/accounts/logout/", "/accounts/second-factor/", "/accounts/password/",
    "/static/", "/i18n/", "/healthz", "/api/", "/open311/", "/public/",
)  # fmt: skip


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        now = int(time.time())
        last = request.session.get("last_activity")
        idle = SecurityPolicy.current().idle_timeout_minutes * 60
        if last is not None and now - int(last) > idle:
            request.logout_reason = "空闲超时"
            logout(request)
            messages.warning(request, f"您已超过 {idle // 60} 分钟未操作，请重新登录。")
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        # Write the session at most once a minute: the idle check needs no finer grain.
        if last is None or now - int(last) >= 60:
            request.session["last_activity"] = now
        if request.path.startswith(_OPEN_PREFIXES):
            return None
        if request.session.get("second_factor_pending"):
            return redirect("accounts:second_factor")
        if user.must_change_password or user.password_expired():
            return redirect("accounts:password_change")
        return None
