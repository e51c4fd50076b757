from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone
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
        username = self.cleaned_data.get("username", "").strip()
        password = self.cleaned_data.get("password", "")
        if not username or not password:
            return self.cleaned_data
        candidate = get_user_model().objects.filter(username__iexact=username).first()
        if candidate is not None and candidate.is_locked():
            minutes = max(1, int((candidate.locked_until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                _("账号因连续登录失败已被锁定，请 %(m)s 分钟后再试，或联系安全管理员解锁。") % {"m": minutes},
                code="locked",
            )
        user = authenticate(
            self.request, username=candidate.username if candidate else username, password=password
        )
        if user is None:
            candidate = get_user_model().objects.filter(username__iexact=username).first()
            if candidate is not None and candidate.is_locked():
                raise forms.ValidationError(
                    _("连续 %(n)s 次登录失败，账号已锁定 %(m)s 分钟。")
                    % {
                        "n": SecurityPolicy.current().lockout_threshold,
                        "m": SecurityPolicy.current().lockout_minutes,
                    },
                    code="locked",
                )
            raise forms.ValidationError(_("用户名或密码不正确。"), code="invalid_login")
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
