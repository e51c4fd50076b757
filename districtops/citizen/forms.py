from django import forms
from django.utils.translation import gettext_lazy as _

from districtops.supervision.forms import DATE, assignable_units

from .models import CoordinateSystem, ServiceCategory


class PublicReportForm(forms.Form):
    service = forms.ModelChoiceField(label=_("问题类别"), queryset=ServiceCategory.objects.none())
    description = forms.CharField(
        label=_("问题描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("地点"), max_length=200)
    photo = forms.FileField(
        label=_("照片（可选，jpg/png，5 MB 以内）"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )  # fmt: skip
    lat = forms.CharField(label=_("纬度（可选）"), max_length=20, required=False)
    long = forms.CharField(label=_("经度（可选）"), max_length=20, required=False)
    coordinate_system = forms.ChoiceField(
        label=_("坐标系"), choices=CoordinateSystem.choices, required=False,
        help_text=_("从国内地图（高德、腾讯）取的点为 GCJ-02；“使用当前位置”取到的是 WGS-84。"),
    )  # fmt: skip
    contact_name = forms.CharField(label=_("您的称呼（可选，不公开）"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话（可选，不公开）"), max_length=30, required=False)
    # Set once the resident has seen the nearby reports and still files a new one.
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, district=None, coordinate_system="gcj02", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = ServiceCategory.objects.filter(district=district, is_active=True)
        self.fields["coordinate_system"].initial = coordinate_system
        for name in ("lat", "long"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "data-geo": name})
        self.fields["coordinate_system"].widget.attrs["data-geo"] = "coordinate_system"


class JoinForm(forms.Form):
    """我也遇到 on the public page: the contact is optional and never published."""

    contact_name = forms.CharField(label=_("您的称呼（可选，不公开）"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话（可选，不公开）"), max_length=30, required=False)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("并入（原反映的查询编号）"), max_length=20,
        help_text=_("同一区、同一类别、尚未办结的反映；本条的人数计入原反映。"),
    )  # fmt: skip


class TriageForm(forms.Form):
    title = forms.CharField(label=_("事项名称（可选）"), max_length=200, required=False)
    lead_unit = forms.ModelChoiceField(label=_("承办单位"), queryset=None)
    supporting_units = forms.ModelMultipleChoiceField(label=_("配合单位"), queryset=None, required=False)
    deadline = forms.DateField(label=_("办理时限（日期）"), widget=DATE, required=False)
    working_days = forms.IntegerField(label=_("或：工作日天数"), min_value=1, max_value=500, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = assignable_units(user)
        self.fields["supporting_units"].queryset = assignable_units(user)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("不予立案理由（反映人可见）"), widget=forms.Textarea(attrs={"rows": 2}))


class PartnerKeyForm(forms.Form):
    name = forms.CharField(
        label=_("合作系统名称"), max_length=60, help_text=_("例如：12345 政务服务便民热线")
    )
    district = forms.ModelChoiceField(label=_("所属区（jurisdiction）"), queryset=None)

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        only = list(districts[:2]) if districts is not None else []
        if len(only) == 1:
            self.fields["district"].initial = only[0].pk
