from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from districtops.core.attachments import files_field, photo_field
from districtops.core.widgets import IsoDateInput
from districtops.gate import permissions
from districtops.org.models import Membership
from districtops.org.roles import Role

from .models import Frequency, Priority, Source
from .services import ASSIGNABLE_KINDS

DATE = IsoDateInput()


def assignable_units(user):
    return permissions.units_for_choice(user).filter(kind__in=ASSIGNABLE_KINDS).order_by("path")


class MatterTermsForm(forms.Form):
    """The terms every new matter takes: a deadline in working days, priority, the responsible
    leader, the reporting frequency. ``MatterForm`` (交办) and ``MeetingAssignForm`` (会议议定
    事项转办) both use these fields, so the two ways of creating a matter ask the same things."""

    responsible_leader = forms.ModelChoiceField(label=_("分管领导"), queryset=None, required=False)
    working_days = forms.IntegerField(
        label=_("或：工作日天数"), min_value=1, max_value=500, required=False,
        help_text=_("按国家法定节假日及调休计算；超出日历数据的年份按周末及节假日表推算，并在事项上注明。"),
    )  # fmt: skip
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)
    frequency = forms.ChoiceField(label=_("报送频次"), choices=Frequency.choices, initial=Frequency.MONTHLY)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = assignable_units(user)
        leaders = Membership.objects.filter(
            role=Role.LEADER, unit__in=self.units.model.objects.restrict(user, "view")
        )
        self.fields["responsible_leader"].queryset = get_user_model().objects.filter(
            pk__in=leaders.values("user_id")
        )


class MatterForm(MatterTermsForm):
    title = forms.CharField(label=_("事项名称"), max_length=200)
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices)
    basis = forms.CharField(label=_("交办依据"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=None)
    supporting_units = forms.ModelMultipleChoiceField(label=_("配合单位"), queryset=None, required=False)
    assigned_on = forms.DateField(label=_("交办日期"), widget=DATE)
    deadline = forms.DateField(label=_("办理时限（日期）"), widget=DATE, required=False)

    field_order = [
        "title", "source", "basis", "lead_unit", "supporting_units", "responsible_leader", "assigned_on",
        "deadline", "working_days", "priority", "frequency",
    ]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["lead_unit"].queryset = self.units
        self.fields["supporting_units"].queryset = self.units

    def clean(self):
        data = super().clean()
        if (data.get("deadline") is None) == (data.get("working_days") is None):
            self.add_error("deadline", _("请填写办理时限：具体日期或工作日天数，二者选其一。"))
        return data


class MeetingAssignForm(MatterTermsForm):
    """议定事项转为督办事项: the new matter's terms; the responsible leader defaults to the
    meeting's chair when the chair is one of the district's leaders."""

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_days"].label = _("办理工作日天数（议定事项未定完成时限的）")
        self.fields["working_days"].help_text = _(
            "有完成时限的议定事项按其时限；没有的，自交办日起按此工作日天数计算（法定节假日及调休除外）。"
        )
        if meeting is not None and meeting.chaired_by and not self.is_bound:
            chair = (
                self.fields["responsible_leader"]
                .queryset.filter(display_name=meeting.chaired_by.strip())
                .first()
            )
            if chair is not None:
                self.initial.setdefault("responsible_leader", chair.pk)


def note_field(label, *, required=True, help_text="", rows=3):
    return forms.CharField(
        label=label, required=required, help_text=help_text, strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": format_lazy(_("请填写{what}。"), what=label)},
    )  # fmt: skip


class ActionForm(forms.Form):
    """One action of the matter page's panel. ``version`` is the matter's version when the page
    was read (a stale form or a second click is refused, see ``services._apply``)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(widget=forms.HiddenInput, required=False)
    with_files = False

    def attachments(self) -> list:
        data = self.cleaned_data
        return [*data.get("photos", []), *data.get("files", [])]


class AcknowledgeForm(ActionForm):
    note = note_field(_("签收说明"), required=False, rows=2, help_text=_("可选，如：已安排专人负责。"))


class ProgressForm(ActionForm):
    progress = forms.IntegerField(
        label=_("进度（%）"), min_value=0, max_value=100,
        help_text=_("事项整体完成的比例，0 到 100。"),
        error_messages={"required": _("请填写进度（0 到 100）。")},
    )  # fmt: skip
    note = note_field(_("进展情况"), help_text=_("本期做了什么、完成到哪一步、下一步安排。"))
    photos = photo_field()
    files = files_field()
    with_files = True


class ClosureForm(ActionForm):
    note = note_field(_("办结情况说明"), help_text=_("完成情况和成效；督查室据此审核，可附佐证材料。"))
    photos = photo_field()
    files = files_field()
    with_files = True


class VerifyForm(ActionForm):
    note = note_field(
        _("审核意见"), required=False, rows=2, help_text=_("可选；留空记为“审核通过，同意办结。”")
    )


class ReturnForm(ActionForm):
    note = note_field(_("退回理由"), help_text=_("写明须补充或重办的内容；牵头单位会在事项页顶部看到。"))


class ExtensionForm(ActionForm):
    new_deadline = forms.DateField(
        label=_("申请延至"), widget=DATE, help_text=_("须晚于现有办理时限；由交办方审批。"),
        error_messages={"required": _("请填写申请延至的日期。")},
    )  # fmt: skip
    reason = note_field(_("延期理由"))


class RemindForm(ActionForm):
    note = note_field(_("催办意见"), required=False, rows=2, help_text=_("可选；留空记为“请加快办理进度。”"))


class ListForm(ActionForm):
    note = note_field(_("挂牌督办的理由"), help_text=_("挂牌后事项在领导驾驶舱中标红显示。"))


class OverdueReasonForm(ActionForm):
    reason = note_field(
        _("逾期原因"), help_text=_("说明未按期完成的原因及补救措施；逾期事项申请办结前须先说明。")
    )
    photos = photo_field()
    files = files_field()
    with_files = True


class OpinionForm(ActionForm):
    note = note_field(_("审核意见"), help_text=_("记入办理记录，牵头单位可见。"))


class SupportFeedbackForm(ActionForm):
    note = note_field(_("协办情况"), help_text=_("本单位承担部分的完成情况；牵头单位申请办结时可见。"))
    photos = photo_field()
    files = files_field()
    with_files = True


ACTION_FORMS = {
    "acknowledge": AcknowledgeForm,
    "report_progress": ProgressForm,
    "request_closure": ClosureForm,
    "verify_close": VerifyForm,
    "return_for_rework": ReturnForm,
    "request_extension": ExtensionForm,
    "remind": RemindForm,
    "list_for_supervision": ListForm,
    "record_overdue_reason": OverdueReasonForm,
    "add_opinion": OpinionForm,
    "support_feedback": SupportFeedbackForm,
}


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"), choices=[("1", _("批准")), ("0", _("不予批准"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    organiser = forms.ModelChoiceField(label=_("承办单位"), queryset=None)
    held_on = forms.DateField(label=_("召开日期"), widget=DATE)
    chaired_by = forms.CharField(label=_("主持人"), max_length=60, required=False)
    summary = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = assignable_units(user)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("议定内容"), widget=forms.Textarea(attrs={"rows": 2}))
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=None, required=False)
    supporting_units = forms.ModelMultipleChoiceField(label=_("配合单位"), queryset=None, required=False)
    deadline = forms.DateField(label=_("完成时限"), widget=DATE, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = assignable_units(user)
        self.fields["supporting_units"].queryset = assignable_units(user)


WEIGHT_KINDS = (("subdistrict", _("街道")), ("department", _("部门")))


class SchemeForm(forms.Form):
    name = forms.CharField(label=_("考核名称"), max_length=100)
    period_start = forms.DateField(label=_("考核期起"), widget=DATE)
    period_end = forms.DateField(label=_("考核期止"), widget=DATE)
    red_size = forms.IntegerField(label=_("红榜数量"), min_value=0, max_value=20, initial=3)
    black_size = forms.IntegerField(label=_("黑榜数量"), min_value=0, max_value=20, initial=3)

    def __init__(self, *args, **kwargs):
        from .models import default_weights
        from .scorecards import LABELS

        super().__init__(*args, **kwargs)
        defaults = default_weights()
        for kind, kind_label in WEIGHT_KINDS:
            for name, label in LABELS.items():
                self.fields[f"w_{kind}_{name}"] = forms.IntegerField(
                    label=f"{kind_label} · {label} {_('权重')}", min_value=0, max_value=100,
                    initial=defaults.get(kind, {}).get(name, 0),
                )  # fmt: skip

    def weights(self) -> dict:
        from .scorecards import LABELS

        return {
            kind: {name: self.cleaned_data[f"w_{kind}_{name}"] for name in LABELS}
            for kind, _l in WEIGHT_KINDS
        }


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    name = forms.CharField(label=_("名称"), max_length=40)
    is_workday = forms.BooleanField(label=_("调休上班（勾选表示该日上班）"), required=False)


class CalendarNoticeForm(forms.Form):
    """The State Council's notice of a year's holidays: the days from a file or typed lines."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("通知文号或标题"),
        max_length=120,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"),
    )
    published_on = forms.DateField(label=_("发布日期"), required=False, widget=IsoDateInput())
    file = forms.FileField(
        label=_("节假日表（Excel 或 CSV）"),
        required=False,
        help_text=_("列：日期、名称、类型（放假/调休上班）；可下载模板"),
    )
    lines = forms.CharField(
        label=_("或逐行填写"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "2027-01-01 元旦 放假\n2027-02-20 春节 调休上班"}
        ),
        help_text=_("每行：日期 名称 类型，类型为“放假”或“调休上班”"),
    )

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("lines") or "").strip():
            raise forms.ValidationError(_("请上传节假日表，或逐行填写放假和调休上班日期。"))
        return data


class ReminderSettingsForm(forms.Form):
    """The robot's URL and secret are write-only: the stored ones are shown masked in the help
    text, never as a value; a field left empty keeps what is stored."""

    email_enabled = forms.BooleanField(label=_("邮件提醒"), required=False, initial=True)
    webhook_kind = forms.ChoiceField(
        label=_("群机器人"),
        required=False,
        choices=[("", "—"), ("dingtalk", _("钉钉")), ("wecom", _("企业微信"))],
    )
    webhook_url = forms.CharField(
        label=_("Webhook 地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "url"}),
        help_text=_("须为 https 公网地址。"),
    )
    webhook_secret = forms.CharField(
        label=_("加签密钥（钉钉；留空则不变）"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_webhook = forms.BooleanField(label=_("删除群机器人设置（地址与密钥）"), required=False)

    def __init__(self, *args, current=None, **kwargs):
        from districtops.core.webhooks import mask_secret, mask_url

        super().__init__(*args, **kwargs)
        if current is not None and current.webhook_url:
            self.fields["webhook_url"].help_text = _("当前：%(url)s。留空则不变；须为 https 公网地址。") % {
                "url": mask_url(current.webhook_url)
            }
        if current is not None and current.webhook_secret:
            self.fields["webhook_secret"].help_text = _("已设置 %(mask)s。") % {
                "mask": mask_secret(current.webhook_secret)
            }
