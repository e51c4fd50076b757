import datetime as dt
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.gate import permissions
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors
from districtops.org.roles import Role

from . import services
from .forms import (
    BackupCodesForm,
    LoginForm,
    PasswordChangeForm,
    PolicyForm,
    SecondFactorForm,
    TokenForm,
    TotpForm,
)
from .models import ApiToken, SecurityPolicy


def _safe_next(request, default="portal:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        login(request, user)
        if services.needs_second_factor(user) and not settings.DEMO_MODE:
            request.session["second_factor_pending"] = True
            return redirect("accounts:second_factor")
        return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@login_required
def second_factor(request):
    user = request.user
    if not request.session.get("second_factor_pending"):
        return redirect("portal:home")
    enrolling = not user.totp_confirmed
    uri = None
    if enrolling:
        # Keep one secret for the whole enrolment: a mistyped code must not change the QR code.
        uri = services.totp_uri(user) if user.totp_secret else services.start_totp_enrolment(user)
    form = (TotpForm if enrolling else SecondFactorForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if enrolling or form.kind == "totp":
            passed = services.verify_totp(user, code, confirm=enrolling)
        else:
            passed = services.use_backup_code(user, code)
        if passed:
            request.session.pop("second_factor_pending", None)
            request.session.cycle_key()
            if enrolling:
                # The backup codes are issued with the enrolment and shown once, on the next page.
                request.session["new_backup_codes"] = services.issue_backup_codes(user, user)
                return redirect("accounts:backup_codes")
            if not enrolling and form.kind == "backup":
                left = services.backup_codes_left(user)
                messages.warning(
                    request,
                    _("已用一个备用验证码登录，还剩 %(n)d 个。请尽快在“备用验证码”页重新生成。")
                    % {"n": left},
                )
            return redirect(_safe_next(request))
        form.add_error(
            "code",
            _("验证码不正确或已过期。")
            if enrolling or form.kind == "totp"
            else _("备用验证码不正确或已用过。"),
        )
    qr_svg = None
    if uri:
        buf = io.BytesIO()
        segno.make(uri, error="m").save(buf, kind="svg", scale=5, xmldecl=False, svgns=True)
        qr_svg = buf.getvalue().decode()
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "enrolling": enrolling,
            "qr_svg": qr_svg,
            "secret": user.totp_secret if enrolling else "",
        },
    )


@login_required
def backup_codes(request):
    """The person's backup codes: how many are left, new ones (shown once) after the current
    TOTP code is typed."""
    user = request.user
    if not user.totp_confirmed:
        raise PermissionDenied
    codes = request.session.pop("new_backup_codes", None)
    form = BackupCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.verify_totp(user, form.cleaned_data["code"]):
            request.session["new_backup_codes"] = services.issue_backup_codes(user, user)
            return redirect("accounts:backup_codes")
        form.add_error("code", _("验证码不正确或已过期。"))
    return render(
        request,
        "accounts/backup_codes.html",
        {"form": form, "codes": codes, "left": services.backup_codes_left(user)},
    )


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_service_errors(form, exc)
            else:
                for m in exc.messages:
                    form.add_error("new_password", m)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("portal:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.create_token(
                request.user,
                request.user,
                name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "new_secret": new_secret})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(request.user, token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:tokens")


# --- security administrator -----------------------------------------------------------------


def _security_admin_only(request):
    if not permissions.has_role(request.user, Role.SEC_ADMIN):
        raise PermissionDenied


@login_required
def security_accounts(request):
    _security_admin_only(request)
    people = permissions.people_administered(request.user, Role.SEC_ADMIN).order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        people = people.filter(username__icontains=q) | people.filter(display_name__icontains=q)
    return render(request, "accounts/security_accounts.html", {"people": people[:200], "q": q})


@login_required
@require_POST
def security_action(request, pk, action):
    _security_admin_only(request)
    person = get_object_or_404(permissions.people_administered(request.user, Role.SEC_ADMIN), pk=pk)
    if action == "unlock":
        services.unlock_account(request.user, person)
        messages.success(request, _("已解锁 %(u)s。") % {"u": person})
    elif action == "lock":
        services.lock_account(request.user, person)
        messages.success(request, _("已锁定 %(u)s。") % {"u": person})
    elif action == "reset-password":
        password = services.reset_password(request.user, person)
        messages.warning(
            request, _("%(u)s 的临时密码：%(p)s（仅显示一次，首次登录须修改）") % {"u": person, "p": password}
        )
    elif action == "reset-totp":
        services.reset_second_factor(request.user, person)
        messages.success(request, _("已重置 %(u)s 的动态验证码，下次登录时重新绑定。") % {"u": person})
    else:
        raise PermissionDenied
    return redirect("accounts:security_accounts")


@login_required
def security_policy(request):
    _security_admin_only(request)
    policy = SecurityPolicy.current()
    form = PolicyForm(request.POST or None, instance=policy, initial={"version": policy.version})
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in PolicyForm.Meta.fields}
        try:
            services.update_policy(request.user, expected_version=form.cleaned_data["version"], **values)
        except (ValidationError, ConflictError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("安全策略已保存。"))
            return redirect("accounts:security_policy")
    return render(request, "accounts/security_policy.html", {"form": form})


ATTEMPT_ACTIONS = ("login_failed", "totp_failed", "backup_code_failed")
ATTEMPT_WINDOWS = {"1": 1, "24": 24, "168": 168}


@login_required
def security_attempts(request):
    """Failed logins and second factors the security admin watches: by address, by account, the
    newest ones, and the accounts locked now. Attempts on names that match no account belong to
    no district and are shown to every security admin (they carry no business data)."""
    from django.db.models import Count, Max, Q

    from districtops.audit.models import AuditRecord

    _security_admin_only(request)
    window = request.GET.get("hours", "24")
    hours = ATTEMPT_WINDOWS.get(window, 24)
    since = timezone.now() - dt.timedelta(hours=hours)
    people = permissions.people_administered(request.user, Role.SEC_ADMIN)
    attempts = AuditRecord.objects.filter(action__in=ATTEMPT_ACTIONS, created_at__gte=since).filter(
        Q(actor_id__in=people.values("pk")) | Q(actor_id__isnull=True)
    )
    by_address = list(
        attempts.values("client_ip")
        .annotate(n=Count("id"), accounts=Count("actor_username", distinct=True), last=Max("created_at"))
        .order_by("-n", "client_ip")[:50]
    )
    by_account = list(
        attempts.values("actor_username", "actor_id")
        .annotate(n=Count("id"), addresses=Count("client_ip", distinct=True), last=Max("created_at"))
        .order_by("-n", "actor_username")[:50]
    )
    recent = list(attempts.order_by("-seq")[:100])
    locked = people.filter(locked_until__gt=timezone.now()).order_by("username")
    return render(
        request,
        "accounts/security_attempts.html",
        {
            "hours": hours,
            "windows": [(k, v) for k, v in ATTEMPT_WINDOWS.items()],
            "total": attempts.count(),
            "by_address": by_address,
            "by_account": by_account,
            "recent": recent,
            "locked": locked,
            "threshold": SecurityPolicy.current().lockout_threshold,
            "ip_limit": settings.LOGIN_IP_LIMIT,
            "net_limit": settings.LOGIN_NET_LIMIT,
            "window_minutes": settings.LOGIN_WINDOW_MINUTES,
        },
    )
