from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from districtops.core.widgets import IsoDateInput, IsoMonthInput
from districtops.gate import permissions
from districtops.org.models import UnitKind

from .models import (
    STAGE_TRANSITIONS,
    ArchiveRequirement,
    BaselineKind,
    Conference,
    ConstructionCategory,
    ConstructionProject,
    FundEntryKind,
    FundSource,
    InvestmentProject,
    NodeTemplate,
    ProjectNode,
    ProjectSettings,
    Sector,
    Stage,
)
from .services import LEAD_KINDS

DATE = IsoDateInput()
MONTH = IsoMonthInput()


class Styled:
    """Tabler classes on every widget, so templates can render fields as they come; amounts
    of money are never negative, said on the field itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.validators.append(MinValueValidator(0, message=_("金额不能为负数。")))
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class VersionedForm(Styled, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


def _units(user, kinds):
    return permissions.units_for_choice(user).filter(kind__in=list(kinds)).order_by("sort_order", "name")


class ConferenceForm(VersionedForm):
    class Meta:
        model = Conference
        fields = ["name", "held_on", "venue", "organiser", "attendance", "notes"]
        widgets = {"held_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = _units(user, LEAD_KINDS | {UnitKind.LEADERSHIP})


class InvestmentProjectForm(VersionedForm):
    class Meta:
        model = InvestmentProject
        fields = [
            "name", "conference", "signing_mode", "investor_name", "investor_domestic", "investor_credit_code",
            "sector", "contracted_amount", "planned_investment", "lead_unit", "supporting_units",
            "responsible_leader", "register_due", "start_due",
        ]  # fmt: skip
        widgets = {"register_due": DATE, "start_due": DATE}

    stage = forms.ChoiceField(
        label=_("初始阶段"),
        choices=[(Stage.NEGOTIATING, Stage.NEGOTIATING.label), (Stage.SIGNED, Stage.SIGNED.label)],
    )
    signed_on = forms.DateField(label=_("签约日期"), required=False, widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conference"].queryset = Conference.objects.restrict(user, "view")
        # A switched-off sector is not offered, except as the project's own when editing it.
        self.fields["sector"].queryset = Sector.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.sector_id)
        )
        self.fields["lead_unit"].queryset = _units(user, LEAD_KINDS)
        self.fields["supporting_units"].queryset = _units(user, LEAD_KINDS)
        self.fields["supporting_units"].required = False
        if self.instance.pk:
            del self.fields["stage"]
            del self.fields["signed_on"]


class TransitionForm(Styled, forms.Form):
    to_stage = forms.ChoiceField(label=_("变更为"), choices=Stage.choices)
    happened_on = forms.DateField(label=_("日期"), widget=DATE)
    evidence = forms.FileField(label=_("佐证材料"), help_text=_("PDF、图片或 Office 文件"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["to_stage"].choices = [(s, Stage(s).label) for s in STAGE_TRANSITIONS[project.stage]]
            self.fields["version"].initial = project.version


class MonthAmountForm(Styled, forms.Form):
    month = forms.DateField(label=_("月份"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH)
    amount = forms.DecimalField(label=_("金额（万元）"), max_digits=14, decimal_places=4)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount < 0:
            raise forms.ValidationError(_("金额不能为负数。"))
        return amount * 10000


class ConstructionProjectForm(VersionedForm):
    class Meta:
        model = ConstructionProject
        fields = [
            "code", "name", "category", "lead_unit", "supporting_units", "command_post", "responsible_leader",
            "location", "scale", "budget", "showcase_group", "planned_start", "planned_end",
        ]  # fmt: skip
        widgets = {"planned_start": DATE, "planned_end": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ConstructionCategory.objects.all()
        self.fields["lead_unit"].queryset = _units(user, LEAD_KINDS)
        self.fields["supporting_units"].queryset = _units(user, LEAD_KINDS)
        self.fields["supporting_units"].required = False
        self.fields["command_post"].queryset = _units(user, {UnitKind.COMMAND_POST})


class NodeForm(VersionedForm):
    # Not a model field: kept on the NodePlanChange the service appends (the node's plan history).
    reason = forms.CharField(
        label=_("调整原因"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("节点已纳入计划基线后，调整计划开始或计划完成日期须说明原因"),
    )

    class Meta:
        model = ProjectNode
        fields = ["name", "owner", "planned_start", "planned_end", "actual_start", "actual_end"]
        widgets = {f: DATE for f in ["planned_start", "planned_end", "actual_start", "actual_end"]}

    def clean(self):
        data = super().clean()
        node = self.instance
        moved = any(
            f in data and data[f] is not None and data[f] != getattr(node, f)
            for f in ("planned_start", "planned_end")
        )
        if moved and node.baseline_end is not None and not (data.get("reason") or "").strip():
            self.add_error("reason", _("该节点已纳入计划基线，调整计划日期须填写调整原因。"))
        return data


class BaselineForm(Styled, forms.Form):
    """Record a baseline of a unit's project plans: at its dispatch meeting or by hand."""

    unit = forms.ModelChoiceField(label=_("记录单位"), queryset=None)
    kind = forms.ChoiceField(
        label=_("基线类型"),
        choices=[
            (BaselineKind.DISPATCH, BaselineKind.DISPATCH.label),
            (BaselineKind.MANUAL, BaselineKind.MANUAL.label),
        ],
    )
    name = forms.CharField(
        label=_("基线名称"), max_length=120, required=False, help_text=_("调度会可留空（按单位和日期命名）")
    )
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        from districtops.org.models import Unit

        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by(
            "kind", "sort_order", "name"
        )
        self.fields["unit"].label_from_instance = lambda u: (
            _("%(name)s（全区）") % {"name": u.name} if u.kind == UnitKind.DISTRICT else u.name
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == BaselineKind.MANUAL and not (data.get("name") or "").strip():
            self.add_error("name", _("手动记录基线须填写名称。"))
        return data


class ProgressReportForm(Styled, forms.Form):
    reported_on = forms.DateField(label=_("报告日期"), widget=DATE)
    percent = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(
        label=_("现场照片"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})
    )  # fmt: skip


class FundEntryForm(Styled, forms.Form):
    """One ledger row: 申请 / 批复 / 拨付 / 支出 / 审计 (never a cumulative figure)."""

    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=FundEntryKind.choices)
    date = forms.DateField(label=_("日期"), widget=DATE)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    reference = forms.CharField(label=_("文号/凭证号"), max_length=80, required=False)
    counterparty = forms.CharField(label=_("拨付账户/收款单位"), max_length=120, required=False)
    node = forms.ModelChoiceField(label=_("对应节点"), queryset=ProjectNode.objects.none(), required=False)
    contract = forms.CharField(label=_("对应合同"), max_length=120, required=False)
    questioned = forms.DecimalField(
        label=_("审计存疑（元）"), max_digits=16, decimal_places=2, min_value=0, required=False
    )
    opinion = forms.CharField(
        label=_("审计意见/说明"), required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    document = forms.FileField(label=_("附件"), required=False)

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["node"].queryset = ProjectNode.objects.filter(project=project)


class FundReverseForm(Styled, forms.Form):
    date = forms.DateField(label=_("冲销日期"), widget=DATE)
    reason = forms.CharField(label=_("冲销原因"), max_length=200)


class DocumentForm(Styled, forms.Form):
    requirement = forms.ModelChoiceField(
        label=_("对应清单项"), queryset=ArchiveRequirement.objects.none(), required=False
    )
    title = forms.CharField(label=_("标题"), max_length=120, required=False)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["requirement"].queryset = ArchiveRequirement.objects.filter(
                category_id=project.category_id
            )


class ImportForm(Styled, forms.Form):
    file = forms.FileField(label=_("Excel 文件"))
    check_only = forms.BooleanField(label=_("仅检查，不导入"), required=False)


# --- the settings screen (system administrator) ------------------------------------------------


class SectorForm(Styled, forms.ModelForm):
    class Meta:
        model = Sector
        fields = ["name", "sort_order", "is_active"]


class CategoryForm(Styled, forms.ModelForm):
    class Meta:
        model = ConstructionCategory
        fields = ["code", "name", "missing_documents_policy", "sort_order"]
        help_texts = {"code": _("英文字母、数字或连字符，创建后不能修改；导入模板据此识别类别")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class NodeTemplateForm(Styled, forms.ModelForm):
    class Meta:
        model = NodeTemplate
        fields = ["sequence", "name", "offset_days", "duration_days"]
        help_texts = {
            "offset_days": _("模板按项目工期等比例伸缩"),
        }

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration_days"].min_value = 1
        self.fields["duration_days"].validators.append(MinValueValidator(1, message=_("工期至少 1 天。")))
        self.fields["sequence"].validators.append(MinValueValidator(1, message=_("顺序应为正整数。")))


class RequirementForm(Styled, forms.ModelForm):
    node_name = forms.ChoiceField(label=_("节点"), help_text=_("该档案须在此节点完成时齐备"))

    class Meta:
        model = ArchiveRequirement
        fields = ["node_name", "name", "sort_order"]
        labels = {"sort_order": _("排序")}

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        category = category or self.instance.category
        self.fields["node_name"].choices = [
            (name, name) for name in category.node_templates.values_list("name", flat=True)
        ]


class ThresholdsForm(Styled, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProjectSettings
        fields = ["stalled_days", "fund_lag_points"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
