from django import forms
from django.utils.translation import gettext_lazy as _

from districtops.core.attachments import files_field, photo_field
from districtops.core.widgets import IsoDateInput
from districtops.gate import permissions
from districtops.org.models import UnitKind

from .models import HazardGrade, RectificationPlan, RiskGrade, RiskPoint

DATE = IsoDateInput()


def _units(user):
    return (
        permissions.units_for_choice(user)
        .exclude(kind__in=[UnitKind.CITY, UnitKind.DISTRICT])
        .order_by("path")
    )


class RiskPointForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    name = forms.CharField(label=_("风险点"), max_length=120)
    grade = forms.ChoiceField(label=_("风险等级"), choices=RiskGrade.choices)
    location = forms.CharField(label=_("位置"), max_length=200, required=False)
    controls = forms.CharField(label=_("管控措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    responsible_person = forms.CharField(label=_("管控责任人"), max_length=60, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class HazardForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    risk_point = forms.ModelChoiceField(label=_("风险点"), queryset=None, required=False)
    title = forms.CharField(label=_("隐患名称"), max_length=200)
    location = forms.CharField(label=_("位置"), max_length=200)
    grade = forms.ChoiceField(label=_("隐患等级"), choices=HazardGrade.choices)
    found_on = forms.DateField(label=_("发现日期"), widget=DATE)
    description = forms.CharField(
        label=_("隐患描述"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    responsible_person = forms.CharField(label=_("定人：整改责任人"), max_length=60)
    deadline = forms.DateField(label=_("定时：整改时限"), widget=DATE)
    responsibility = forms.CharField(label=_("定责：整改责任"), max_length=200)
    standard = forms.CharField(label=_("定标：整改标准"), max_length=200)
    measures = forms.CharField(label=_("定措施：整改措施"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        self.fields["risk_point"].queryset = RiskPoint.objects.restrict(user, "change")


class PlanForm(forms.ModelForm):
    class Meta:
        model = RectificationPlan
        fields = ["goal", "measures", "funds", "people", "deadline", "safeguards"]
        widgets = {"deadline": DATE, "goal": forms.Textarea(attrs={"rows": 2}),
                   "measures": forms.Textarea(attrs={"rows": 2}), "safeguards": forms.Textarea(attrs={"rows": 2})}  # fmt: skip


class RectificationStepForm(forms.Form):
    """One step of the loop on the hazard page: a note and the step's photos and documents."""

    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("验收不通过时必填：写明不通过的原因。"),
    )  # fmt: skip
    photos = photo_field()
    files = files_field()
