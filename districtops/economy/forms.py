from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from districtops.core import dictionary
from districtops.gate import permissions

from .models import ImportKind, Indicator


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=ImportKind.choices)
    file = forms.FileField(label=_("Excel 文件"))
    check_only = forms.BooleanField(label=_("只检查，不导入"), required=False)


class ExplainForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    explanation = forms.CharField(
        label=_("情况说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明原因，如新增订单、新产线投产、价格变化；“核实无误”不能作为说明。"),
    )


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("accept", _("认可")), ("reject", _("退回"))], widget=forms.HiddenInput
    )
    review_comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RuleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    is_enabled = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["weight"] = forms.DecimalField(
            label=_("风险权重"), initial=rule.weight, min_value=0, max_digits=5, decimal_places=2
        )
        for key, value in (rule.params or {}).items():
            if isinstance(value, list | dict):
                # Periods whose base is broken, tax-rate events, targets: data the statistician edits
                # as JSON; services.update_rule checks every item and refuses with a Chinese message.
                self.fields[f"param_{key}"] = forms.JSONField(
                    label=dictionary.rule_param_label(key),
                    initial=value,
                    widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
                )
            else:
                self.fields[f"param_{key}"] = forms.DecimalField(
                    label=dictionary.rule_param_label(key), initial=value, min_value=0
                )
        if not self.is_bound:
            self.fields["version"].initial = rule.version
            self.fields["is_enabled"].initial = rule.is_enabled

    def params(self) -> dict:
        return {k[len("param_") :]: v for k, v in self.cleaned_data.items() if k.startswith("param_")}


class ReviewCapacityForm(forms.Form):
    """The bureau's review capacity: the score that raises findings and how many firms a period's
    queue holds for review."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    risk_threshold = forms.DecimalField(label=_("风险分阈值"), min_value=0, max_digits=6, decimal_places=2)
    review_capacity = forms.IntegerField(label=_("每期核查能力（家）"), min_value=0)


class TargetForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("指标"), queryset=Indicator.objects.all())
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("期限"),
        choices=[
            ("", _("全年")),
            ("1", _("一季度（开门红）")),
            ("2", _("二季度")),
            ("3", _("三季度")),
            ("4", _("四季度")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )
    growth = forms.DecimalField(label=_("目标增速（%）"), max_digits=7, decimal_places=2)
    label = forms.CharField(label=_("名称"), max_length=40, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = permissions.units_for_choice(user).filter(
            kind__in=["district", "subdistrict"]
        )


class IndicatorValueForm(forms.Form):
    # Aggregates too: a peer district's published value of any indicator is entered by hand.
    indicator = forms.ModelChoiceField(label=_("指标"), queryset=Indicator.objects.all())
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None)
    period = forms.CharField(label=_("报告期"), help_text=_("如 2021-02（即1-2月）、2021-03"))
    cumulative = forms.DecimalField(
        label=_("本年累计（亿元）"), required=False, max_digits=14, decimal_places=4
    )
    growth = forms.DecimalField(label=_("累计增速（%）"), required=False, max_digits=9, decimal_places=2)
    published = forms.BooleanField(label=_("公开（供各区对比）"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = permissions.units_for_choice(user).filter(
            kind__in=["district", "subdistrict"]
        )


class PriceIndexForm(forms.Form):
    """工业生产者出厂价格指数: one division (or all industry) and period; same period last year = 100."""

    district = forms.ModelChoiceField(label=_("区"), queryset=None)
    division = forms.CharField(
        label=_("行业大类代码"),
        max_length=2,
        required=False,
        help_text=_("GB/T 4754 两位代码，如 34；留空为全部工业（无本行业指数时使用）"),
    )
    period = forms.CharField(label=_("报告期"), help_text=_("如 2021-02（即1-2月）、2021-03"))
    index = forms.DecimalField(
        label=_("价格指数（上年同期=100）"),
        max_digits=7,
        decimal_places=2,
        help_text=_("累计指数，如 101.30"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = permissions.units_for_choice(user).filter(kind="district")

    def clean_period(self):
        from django.core.exceptions import ValidationError

        from .periods import parse_period

        try:
            return parse_period(self.cleaned_data["period"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from exc


class PriceIndexEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    index = forms.DecimalField(label=_("价格指数（上年同期=100）"), max_digits=7, decimal_places=2)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class PriceIndexImportForm(forms.Form):
    district = forms.ModelChoiceField(label=_("区"), queryset=None)
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("列：行业大类代码（空或“全部工业”为全部工业）、报告期、价格指数、备注"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = permissions.units_for_choice(user).filter(kind="district")


class ReleaseMoveForm(forms.Form):
    """One move of a statistics period's state (数据审定与发布)."""

    ACTIONS = [
        ("review", _("进入审核")),
        ("collect", _("退回采集")),
        ("publish", _("审定发布")),
        ("reopen", _("重新打开")),
    ]
    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS)
    period = forms.CharField(label=_("报告期"), max_length=10)
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("重新打开原因"), required=False, max_length=500)

    def clean_period(self):
        from .periods import parse_period

        try:
            return parse_period(self.cleaned_data["period"])
        except (ValidationError, ValueError) as exc:
            raise forms.ValidationError(_("报告期格式有误，应为 YYYY-MM，例如 2021-03")) from exc
