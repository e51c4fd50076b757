from django import forms
from django.utils.translation import gettext_lazy as _

from districtops.supervision.forms import DATE, assignable_units

from .models import ActivityKind, Deputy, ReplyClass, Satisfaction


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    deputies = forms.ModelMultipleChoiceField(label=_("提出代表"), queryset=None)
    handling_unit = forms.ModelChoiceField(label=_("主办单位"), queryset=None)
    supporting_units = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=None, required=False)
    assigned_on = forms.DateField(label=_("交办日期"), widget=DATE)
    complex_case = forms.BooleanField(label=_("复杂建议（6 个月内答复）"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = Deputy.objects.restrict(user, "view")
        self.fields["handling_unit"].queryset = assignable_units(user)
        self.fields["supporting_units"].queryset = assignable_units(user)


class ReplyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reply_class = forms.ChoiceField(label=_("答复类别"), choices=ReplyClass.choices)
    text = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}))


class EvaluateForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("代表满意度"), choices=Satisfaction.choices)
    note = forms.CharField(label=_("代表意见"), required=False)


class ActivityForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    summary = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}))
    constituents = forms.IntegerField(label=_("接待群众人次"), min_value=0, initial=0)
    deputies = forms.ModelMultipleChoiceField(label=_("参加代表"), queryset=None, required=False)

    def __init__(self, *args, station=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = Deputy.objects.filter(station=station)
