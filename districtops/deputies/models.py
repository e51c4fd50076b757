"""People's Congress deputies (人大代表): liaison stations, activities, suggestions (docs/domain.md §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core import clock
from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules
from districtops.org.roles import UNIT_WORKERS


class LiaisonStation(VersionedModel):
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    host_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("所在街道"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("联络站"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("host_unit",), district_view_roles=UNIT_WORKERS)

    def __str__(self):
        return self.name


class Deputy(models.Model):
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(LiaisonStation, on_delete=models.PROTECT, related_name="deputies")
    name = models.CharField(_("姓名"), max_length=40)
    level = models.CharField(_("代表层级"), max_length=20, default="区人大代表")
    occupation = models.CharField(_("工作单位及职务"), max_length=100, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="district",
        lead=("station__host_unit",),
        district_view_roles=UNIT_WORKERS,
    )

    class Meta:
        ordering = ["station", "name"]

    def __str__(self):
        return self.name


class ActivityKind(models.TextChoices):
    RECEPTION = "reception", _("接待选民")
    RESEARCH = "research", _("调研")
    INSPECTION = "inspection", _("视察")


class StationActivity(models.Model):
    station = models.ForeignKey(LiaisonStation, on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=12, choices=ActivityKind.choices)
    summary = models.TextField(_("内容"))
    deputies = models.ManyToManyField(Deputy, verbose_name=_("参加代表"), blank=True)
    constituents = models.PositiveIntegerField(_("接待群众人次"), default=0)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="station__district",
        lead=("station__host_unit",),
        district_view_roles=UNIT_WORKERS,
    )

    class Meta:
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.station} {self.held_on}"


class SuggestionState(models.TextChoices):
    ASSIGNED = "assigned", _("办理中")
    REPLIED = "replied", _("已答复，待代表评价")
    REOPENED = "reopened", _("代表不满意，重新办理")
    CLOSED = "closed", _("已办结")


class ReplyClass(models.TextChoices):
    A = "A", _("A 类：已解决或基本解决")
    B = "B", _("B 类：正在解决或列入计划解决")
    C = "C", _("C 类：因条件限制留待以后解决")
    D = "D", _("D 类：留作参考")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


S = SuggestionState
# action → (gate action, {from: to})
TRANSITIONS = {
    "reply": ("change", {S.ASSIGNED: S.REPLIED, S.REOPENED: S.REPLIED}),
    "evaluate": ("manage", {S.REPLIED: None}),  # to CLOSED or REOPENED, by the deputy's satisfaction
}


class Suggestion(VersionedModel):
    number = models.CharField(_("建议编号"), max_length=20, unique=True)
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    deputies = models.ManyToManyField(Deputy, verbose_name=_("提出代表"), related_name="suggestions")
    handling_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+"
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("协办单位"), blank=True, related_name="+"
    )
    assigned_on = models.DateField(_("交办日期"))
    complex_case = models.BooleanField(_("复杂建议（6 个月）"), default=False)
    reply_due = models.DateField(_("答复期限"))
    state = models.CharField(max_length=10, choices=SuggestionState.choices, default=S.ASSIGNED)
    round = models.PositiveSmallIntegerField(default=1)
    reply_text = models.TextField(_("答复内容"), blank=True)
    reply_class = models.CharField(_("答复类别"), max_length=1, choices=ReplyClass.choices, blank=True)
    replied_on = models.DateField(null=True, blank=True)
    first_replied_on = models.DateField(null=True, blank=True)
    satisfaction = models.CharField(_("代表满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    evaluated_on = models.DateField(null=True, blank=True)
    history = models.TextField(blank=True, editable=False)  # earlier rounds' replies and evaluations

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("handling_unit",), support="supporting_units")

    class Meta:
        ordering = ["reply_due", "id"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("deputies:suggestion_detail", args=[self.pk])

    @property
    def is_overdue(self):
        return self.state in (S.ASSIGNED, S.REOPENED) and self.reply_due < clock.today()
