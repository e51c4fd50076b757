"""Account security: logins and lock-out, passwords, TOTP, API tokens, the security policy."""

from __future__ import annotations

import datetime as dt
import secrets

import pyotp
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from districtops.core.crypto import digest
from districtops.gate import permissions, services
from districtops.org.roles import ADMIN_ROLES, Role

from .models import ApiToken, BackupCode, SecurityPolicy

TOKEN_PREFIX = "dop_"


# --- logins ---------------------------------------------------------------------------------


def register_failed_login(username: str) -> None:
    """Count a failure for the account from this address and for the address (accounts.throttle);
    lock the account for that address at the policy's threshold, and for everyone only at
    ``LOGIN_GLOBAL_FACTOR`` times it. Always audited, with the address."""
    from django.conf import settings

    from districtops.core import context

    from . import throttle

    User = get_user_model()
    policy = SecurityPolicy.current()
    ip = context.current().client_ip
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username__iexact=username).first()
        pair_locked = throttle.record_failure(
            username, ip, threshold=policy.lockout_threshold, minutes=policy.lockout_minutes
        )
        locked = False
        if user is not None:
            user.failed_login_count = F("failed_login_count") + 1
            user.save(update_fields=["failed_login_count"])
            user.refresh_from_db(fields=["failed_login_count"])
            if user.failed_login_count >= policy.lockout_threshold * settings.LOGIN_GLOBAL_FACTOR:
                user.locked_until = timezone.now() + dt.timedelta(minutes=policy.lockout_minutes)
                user.failed_login_count = 0
                user.save(update_fields=["locked_until", "failed_login_count"])
                locked = True
        if locked:
            message = "账号已锁定（所有地址）"
        elif pair_locked:
            message = f"该账号已对地址 {ip or '未知'} 锁定"
        else:
            message = ""
        services.record(
            None,
            "login_failed",
            user,
            object_type="accounts.user",
            object_repr=username[:150],
            outcome="failure",
            message=message,
            actor_fields={
                "actor_id": user.pk if user else None,
                "actor_username": username[:150],
                "actor_unit": "",
            },
        )


def register_login(user) -> None:
    from districtops.core import context

    from . import throttle

    throttle.clear_pair(user.username, context.current().client_ip)
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        services.record(user, "login", user)


def register_logout(user, reason: str = "") -> None:
    services.record(user, "logout", user, message=reason)


def needs_second_factor(user) -> bool:
    return permissions.has_role(user, *ADMIN_ROLES)


# --- passwords -----------------------------------------------------------------------------


def change_password(actor, *, old_password: str, new_password: str) -> None:
    if not actor.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确。"})
    if old_password == new_password:
        raise ValidationError({"new_password": "新密码不能与原密码相同。"})
    validate_password(new_password, actor)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.must_change_password = False
        actor.password_changed_at = timezone.now()
        actor.version += 1
        actor.save(update_fields=["password", "must_change_password", "password_changed_at", "version"])
        services.record(actor, "password_change", actor)


def _require_security_admin(actor, person) -> None:
    if actor is None:
        return
    if not permissions.people_administered(actor, Role.SEC_ADMIN).filter(pk=person.pk).exists():
        raise PermissionDenied("security administrator of the person's district required")


def unlock_account(actor, person) -> None:
    with transaction.atomic():
        _require_security_admin(actor, person)
        before = {"locked_until": person.locked_until.isoformat() if person.locked_until else None}
        get_user_model().objects.filter(pk=person.pk).update(locked_until=None, failed_login_count=0)
        services.record(actor, "unlock", person, before=before, after={"locked_until": None})


def lock_account(actor, person, *, minutes: int | None = None) -> None:
    with transaction.atomic():
        _require_security_admin(actor, person)
        until = timezone.now() + dt.timedelta(minutes=minutes or SecurityPolicy.current().lockout_minutes)
        get_user_model().objects.filter(pk=person.pk).update(locked_until=until)
        services.record(actor, "lock", person, after={"locked_until": until.isoformat()})


def reset_password(actor, person) -> str:
    """Give the person a one-time password they must change at next login; returns it once."""
    from districtops.org.services import generate_initial_password

    password = generate_initial_password()
    with transaction.atomic():
        _require_security_admin(actor, person)
        if actor is not None and permissions.has_role(person, *ADMIN_ROLES):
            # 三员分立: whoever resets an administrator's password could log in as them.
            raise PermissionDenied(
                "管理员账号的密码不能在平台内重置，须在服务器上执行 districtops reset-password。"
            )
        person.set_password(password)
        person.must_change_password = True
        person.password_changed_at = timezone.now()
        person.save(update_fields=["password", "must_change_password", "password_changed_at"])
        services.record(actor, "password_reset", person)
    return password


def reset_second_factor(actor, person) -> None:
    with transaction.atomic():
        _require_security_admin(actor, person)
        get_user_model().objects.filter(pk=person.pk).update(totp_secret_encrypted="", totp_confirmed=False)
        BackupCode.objects.filter(user=person).delete()
        services.record(actor, "totp_reset", person)


def _require_policy_admin(actor, policy=None) -> None:
    if actor is not None and not permissions.has_role(actor, Role.SEC_ADMIN):
        raise PermissionDenied("security administrator required")


def update_policy(actor, *, expected_version: int | None, **values) -> SecurityPolicy:
    _require_policy_admin(actor)
    threshold = values.get("lockout_threshold", 5)
    if not 3 <= threshold <= 10:
        raise ValidationError({"lockout_threshold": "允许失败次数应在 3 到 10 之间。"})
    idle = values.get("idle_timeout_minutes", 30)
    if not 5 <= idle <= 30:
        raise ValidationError(
            {"idle_timeout_minutes": "空闲超时应在 5 到 30 分钟之间（等保要求不超过 30 分钟）。"}
        )
    with transaction.atomic():
        if not SecurityPolicy.objects.filter(pk=1).exists():
            # The first edit materialises the defaults row; the update below audits the change.
            SecurityPolicy.current().save()
        return services.update_object(
            actor,
            SecurityPolicy(pk=1),
            values,
            expected_version=expected_version,
            authorize=_require_policy_admin,
        )


# --- second factor -------------------------------------------------------------------------


def start_totp_enrolment(user) -> str:
    """Create (but do not yet confirm) a TOTP secret; returns the otpauth:// URI for the QR code."""
    with transaction.atomic():
        secret = pyotp.random_base32()
        user.totp_secret = secret
        user.totp_confirmed = False
        user.save(update_fields=["totp_secret_encrypted", "totp_confirmed"])
        services.record(user, "totp_enrol_start", user)
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="DistrictOps")


def totp_uri(user) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="DistrictOps")


def verify_totp(user, code: str, *, confirm: bool = False) -> bool:
    secret = user.totp_secret
    ok = bool(secret) and pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1)
    if ok and confirm and not user.totp_confirmed:
        with transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).update(totp_confirmed=True)
            user.totp_confirmed = True
            services.record(user, "totp_enrol_confirm", user)
    if not ok:
        services.record(user, "totp_failed", user, outcome="failure")
    return ok


# --- backup codes ---------------------------------------------------------------------------

BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper must not be misread.
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_PATTERN = r"^\s*[A-Za-z0-9]{4}[-\s]?[A-Za-z0-9]{4}\s*$"


def _normalise_backup_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _backup_digest(user, code: str) -> str:
    from districtops.core.crypto import derived_key, keyed_digest

    payload = f"districtops:backup-code:{user.pk}:{_normalise_backup_code(code)}".encode()
    return keyed_digest(derived_key("backup-code"), payload)


def issue_backup_codes(actor, user) -> list[str]:
    """Replace the person's backup codes with ten new ones and return them (shown once).

    Only the person themself, with a confirmed second factor, or the system (actor None)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("a person issues only their own backup codes")
    if not user.totp_confirmed:
        raise ValidationError("须先绑定动态验证码，才能生成备用验证码。")
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        if code not in codes:
            codes.append(code)
    with transaction.atomic():
        replaced = BackupCode.objects.filter(user=user).delete()[0]
        BackupCode.objects.bulk_create(
            [BackupCode(user=user, code_digest=_backup_digest(user, c)) for c in codes]
        )
        services.record(
            actor or user,
            "backup_codes_issued",
            user,
            after={"count": len(codes), "replaced": replaced},
        )
    return codes


def backup_codes_left(user) -> int:
    return BackupCode.objects.filter(user=user, used_at__isnull=True).count()


def use_backup_code(user, code: str) -> bool:
    """Spend one backup code in place of the TOTP code; each code works once."""
    if not user.totp_confirmed:
        return False
    with transaction.atomic():
        row = (
            BackupCode.objects.select_for_update()
            .filter(user=user, code_digest=_backup_digest(user, code), used_at__isnull=True)
            .first()
        )
        if row is None:
            services.record(user, "backup_code_failed", user, outcome="failure")
            return False
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
        services.record(user, "backup_code_used", user, after={"left": backup_codes_left(user)})
    return True


# --- API tokens ----------------------------------------------------------------------------


def create_token(actor, owner, *, name: str, expires_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal token for ``owner`` (only the owner themself, or the system). Returns (token, secret)."""
    if actor is not None and actor.pk != owner.pk:
        raise PermissionDenied("a person creates only their own tokens")
    if not name.strip():
        raise ValidationError({"name": "请填写令牌名称。"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(
            user=owner,
            name=name.strip()[:60],
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=digest(secret.encode()),
            expires_at=timezone.now() + dt.timedelta(days=expires_days) if expires_days else None,
        )
        token.save()
        services.record(actor, "create", token, after=services.snapshot(token))
    return token, secret


def revoke_token(actor, token: ApiToken) -> None:
    if actor is not None and actor.pk != token.user_id:
        raise PermissionDenied("a person revokes only their own tokens")
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        services.record(actor, "revoke", token)


def authenticate_token(secret: str):
    """The active user behind a bearer secret, or None. Touches last_used_at at most once a minute."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret.encode())).first()
    if token is None or not token.is_active or not token.user.is_active or token.user.is_locked():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
