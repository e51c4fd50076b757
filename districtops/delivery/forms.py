from django import forms
from django.utils.translation import gettext_lazy as _

from districtops.gate import permissions
from districtops.org.models import UnitKind

from .models import Platform, Receipt, Status


class FailureFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("失败与重试中")),
            (Status.FAILED, Status.FAILED.label),
            (Status.RETRYING, Status.RETRYING.label),
        ],
    )
    receipt = forms.ChoiceField(
        label=_("送达确认"),
        required=False,
        choices=[("", _("全部")), *Receipt.choices],
        help_text=_("钉钉工作通知、企业微信应用消息是否送达本人"),
    )


class CorpAppForm(forms.Form):
    district = forms.ModelChoiceField(label=_("区"), queryset=None)
    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)
    corp_id = forms.CharField(
        label=_("企业标识"),
        max_length=100,
        required=False,
        help_text=_("钉钉填 AppKey，企业微信填 CorpID。修改已有配置时留空则不变。"),
    )
    agent_id = forms.CharField(label=_("应用 AgentId"), max_length=30, required=False)
    secret = forms.CharField(
        label=_("应用密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("钉钉填 AppSecret，企业微信填应用 Secret。只写不读：留空则不变。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = permissions.units_for_choice(user, "manage").filter(
            kind=UnitKind.DISTRICT
        )
