from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Channel, Weekday


class SubscriptionForm(forms.Form):
    district = forms.ModelChoiceField(label=_("区"), queryset=None)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)
    target = forms.CharField(label=_("收件邮箱或 Webhook 地址"), max_length=500)
    secret = forms.CharField(
        label=_("加签密钥（钉钉，可选）"), max_length=100, required=False, widget=forms.PasswordInput
    )
    weekday = forms.TypedChoiceField(label=_("每周发送日"), choices=Weekday.choices, coerce=int, initial=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only districts whose cockpit the person may open.
        self.fields["district"].queryset = services.districts_for(user)


class BriefingSettingsForm(forms.ModelForm):
    """How the district's monthly briefing is headed and signed (版头, 发文字号, 署名, 版记)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        from .models import BriefingSettings

        model = BriefingSettings
        fields = list(services.BRIEFING_SETTING_FIELDS)
        widgets = {
            "copy_to": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
        }
