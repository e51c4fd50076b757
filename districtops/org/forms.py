from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from districtops.gate import permissions

from .models import Unit
from .policies import grantable_roles
from .roles import Role


class UnitForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Unit
        fields = ["name", "short_name", "kind", "division_code", "parent", "sort_order", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Unit.objects.restrict(user, "manage")
        self.fields["parent"].required = True
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_division_code(self):
        code = self.cleaned_data["division_code"].strip()
        if code and (not code.isdigit() or len(code) not in (6, 9, 12)):
            raise forms.ValidationError(_("区划代码应为 6、9 或 12 位数字。"))
        return code


class PersonCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.-]{3,40}$",
        max_length=40,
        error_messages={"invalid": _("用户名为 3–40 位字母、数字或 _ . -")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.ModelChoiceField(label=_("所属单位"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.restrict(user, "manage")
        self.fields["role"].choices = grantable_roles(user)


class PersonEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        help_text=_("用于钉钉、企业微信提醒中 @ 本人；加密保存。留空则不变，填“-”清除。"),
    )

    class Meta:
        model = get_user_model()
        fields = ["display_name", "email", "phone", "is_active"]
        labels = {"is_active": _("账号启用")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if self.instance.mobile_encrypted:
                self.fields["mobile"].help_text = _("当前：%(mobile)s。留空则不变，填“-”清除。") % {
                    "mobile": self.instance.mobile_masked
                }


class MembershipForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = permissions.units_for_choice(user, "manage")
        self.fields["role"].choices = grantable_roles(user)
