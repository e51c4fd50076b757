import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districtops.core.crypto import sm4_decrypt, sm4_encrypt
from districtops.core.scoping import ScopedQuerySet, ScopeRules


class PersonManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person with an account. Real name in ``display_name``; roles come from memberships."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    # The mobile that robots @-mention and corp apps look the person up by: personal data, so
    # SM4-encrypted at rest (core.crypto) and shown masked (``mobile_masked``).
    mobile_encrypted = models.CharField(_("手机号"), max_length=200, blank=True, editable=False)
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret_encrypted = models.CharField(max_length=200, blank=True)
    totp_confirmed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PersonManager()
    scope_rules = ScopeRules(district="memberships__unit__district", org=True, multi_district=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["username"]

    def __str__(self):
        return self.display_name or self.username

    def is_locked(self, at=None) -> bool:
        return bool(self.locked_until and self.locked_until > (at or timezone.now()))

    def password_expired(self) -> bool:
        if not self.password_changed_at:
            return False
        return timezone.now() - self.password_changed_at > dt.timedelta(
            days=SecurityPolicy.current().password_max_age_days
        )

    @property
    def mobile(self) -> str:
        return sm4_decrypt(self.mobile_encrypted, "mobile") if self.mobile_encrypted else ""

    @mobile.setter
    def mobile(self, value: str) -> None:
        value = "".join((value or "").split())
        self.mobile_encrypted = sm4_encrypt(value, "mobile") if value else ""

    @property
    def mobile_masked(self) -> str:
        mobile = self.mobile
        return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else ("••••" if mobile else "")

    @property
    def totp_secret(self) -> str:
        return sm4_decrypt(self.totp_secret_encrypted, "totp") if self.totp_secret_encrypted else ""

    @totp_secret.setter
    def totp_secret(self, value: str) -> None:
        self.totp_secret_encrypted = sm4_encrypt(value, "totp") if value else ""


class BackupCode(models.Model):
    """A one-time code that stands in for the TOTP code when the phone is lost (only its keyed
    digest is stored; the person sees the codes once, when they are issued)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="backup_codes",
        verbose_name=_("人员"),
    )
    code_digest = models.CharField(_("备用码摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("备用验证码")
        verbose_name_plural = _("备用验证码")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class SecurityPolicy(models.Model):
    """The security admin's policy (one row). Defaults come from settings (docs/domain.md §7)."""

    lockout_threshold = models.PositiveSmallIntegerField(_("锁定前允许失败次数"), default=5)
    lockout_minutes = models.PositiveSmallIntegerField(_("锁定时长（分钟）"), default=15)
    idle_timeout_minutes = models.PositiveSmallIntegerField(_("空闲超时（分钟）"), default=30)
    password_max_age_days = models.PositiveSmallIntegerField(_("密码有效期（天）"), default=90)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("安全策略")

    def __str__(self):
        return str(_("安全策略"))

    @classmethod
    def current(cls) -> "SecurityPolicy":
        policy = cls.objects.filter(pk=1).first()
        if policy is None:
            policy = cls(
                pk=1,
                lockout_threshold=settings.LOCKOUT_THRESHOLD,
                lockout_minutes=settings.LOCKOUT_MINUTES,
                idle_timeout_minutes=settings.IDLE_TIMEOUT_MINUTES,
                password_max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
            )
        return policy


class ApiToken(models.Model):
    """A personal API token. Only an SM3 digest of the secret is stored; it is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
