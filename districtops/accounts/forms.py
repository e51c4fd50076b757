from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext_lazy as _

from .models import SecurityPolicy


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        """One answer for every failure (unknown name, wrong password, a locked account, a blocked
        address) and the same work for each: the password hasher always runs, so neither the text
        nor the time tells which accounts exist (accounts.throttle explains the locks)."""
        from districtops.core.middleware import client_ip

        from . import throttle

        username = self.cleaned_data.get("username", "").strip()
        password = self.cleaned_data.get("password", "")
        if not username or not password:
            return self.cleaned_data
        ip = client_ip(self.request) if self.request is not None else None
        refused = throttle.address_blocked(ip) or throttle.pair_locked(username, ip)
        candidate = get_user_model().objects.filter(username__iexact=username).first()
        # ModelBackend runs the hasher for an unknown name too; a locked account checks its password
        # before it is refused. A failure fires user_login_failed, which counts it.
        user = authenticate(
            self.request, username=candidate.username if candidate else username, password=password
        )
        if user is None or refused:
            policy = SecurityPolicy.current()
            raise forms.ValidationError(
                _("用户名或密码不正确。连续多次失败后，须等待 %(m)s 分钟再试，或联系安全管理员。")
                % {"m": policy.lockout_minutes},
                code="invalid_login",
            )
        self.user = user
        return self.cleaned_data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput,
        help_text=_("至少 10 位，含大写、小写、数字、符号中的三类。"),
    )
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class TotpForm(forms.Form):
    code = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\s*\d{6}\s*$",
        max_length=8,
        error_messages={"invalid": _("请输入 6 位数字验证码。")},
    )


class SecondFactorForm(forms.Form):
    """The 6-digit TOTP code, or (after enrolment) one of the person's backup codes."""

    code = forms.CharField(
        label=_("动态验证码或备用验证码"),
        max_length=20,
        help_text=_("手机不在身边时，可输入一个备用验证码（形如 abcd-efgh，每个只能用一次）。"),
    )

    def clean_code(self):
        import re

        from .services import BACKUP_CODE_PATTERN

        code = self.cleaned_data["code"].strip()
        if re.fullmatch(r"\d{6}", code):
            self.kind = "totp"
        elif re.fullmatch(BACKUP_CODE_PATTERN, code):
            self.kind = "backup"
        else:
            raise forms.ValidationError(_("请输入 6 位数字验证码，或 8 位备用验证码。"))
        return code


class BackupCodesForm(TotpForm):
    """Issuing new backup codes asks for the current TOTP code: a borrowed session is not enough."""


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=60)
    expires_days = forms.IntegerField(
        label=_("有效天数"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("留空表示长期有效（可随时吊销）。"),
    )


class PolicyForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = SecurityPolicy
        fields = ["lockout_threshold", "lockout_minutes", "idle_timeout_minutes", "password_max_age_days"]
