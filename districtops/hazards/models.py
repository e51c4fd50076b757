"""双重预防 (dual prevention): graded risk points and hidden hazards with the 五定 and a
closure loop 排查 → 登记 → 整改 → 验收 → 销号 (docs/domain.md §3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core import clock
from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopedQuerySet, ScopeRules


class RiskGrade(models.TextChoices):
    RED = "red", _("重大风险（红）")
    ORANGE = "orange", _("较大风险（橙）")
    YELLOW = "yellow", _("一般风险（黄）")
    BLUE = "blue", _("低风险（蓝）")

    @property
    def css(self) -> str:
        """The grade's badge colour: the four-colour risk map (红橙黄蓝)."""
        return {
            "red": "bg-red text-white",
            "orange": "bg-orange text-white",
            "yellow": "bg-yellow text-dark",
        }.get(self.value, "bg-blue text-white")


class HazardGrade(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")

    @property
    def css(self) -> str:
        """A major hazard wears a red badge; a general one none."""
        return "bg-red text-white" if self == HazardGrade.MAJOR else ""


class HazardState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    RECTIFYING = "rectifying", _("整改中")
    RECTIFIED = "rectified", _("待验收")
    CLOSED = "closed", _("已销号")


H = HazardState
# action → (gate action, {from: to}, label). Closure only through verification.
TRANSITIONS = {
    "start": ("change", {H.REGISTERED: H.RECTIFYING}, _("开始整改")),
    "submit": ("change", {H.RECTIFYING: H.RECTIFIED}, _("整改完成，申请验收")),
    "verify": ("change", {H.RECTIFIED: H.CLOSED}, _("验收销号")),
    "reject": ("change", {H.RECTIFIED: H.RECTIFYING}, _("验收不通过")),
}


class RiskPoint(VersionedModel):
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="risk_points"
    )
    name = models.CharField(_("风险点"), max_length=120)
    location = models.CharField(_("位置"), max_length=200, blank=True)
    grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices)
    controls = models.TextField(_("管控措施"), blank=True)
    responsible_person = models.CharField(_("管控责任人"), max_length=60, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("unit",))

    class Meta:
        ordering = ["unit", "grade", "name"]

    def __str__(self):
        return self.name

    @property
    def grade_css(self) -> str:
        return RiskGrade(self.grade).css


class HazardQuerySet(ScopedQuerySet):
    """The one definition of an open (未销号) and an overdue hazard: the list filters, the quarterly
    statistics, the cockpit and ``Hazard.is_overdue`` ask here."""

    @staticmethod
    def open_q() -> models.Q:
        return ~models.Q(state=HazardState.CLOSED)

    @staticmethod
    def overdue_q(today) -> models.Q:
        """Not closed and past its rectification deadline on ``today``."""
        return ~models.Q(state=HazardState.CLOSED) & models.Q(deadline__lt=today)

    def open(self):
        return self.filter(self.open_q())

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today or clock.today()))


class Hazard(VersionedModel):
    code = models.CharField(_("编号"), max_length=30, unique=True)
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="hazards"
    )
    risk_point = models.ForeignKey(
        RiskPoint, verbose_name=_("风险点"), null=True, blank=True, on_delete=models.SET_NULL
    )
    title = models.CharField(_("隐患名称"), max_length=200)
    location = models.CharField(_("位置"), max_length=200)
    grade = models.CharField(_("隐患等级"), max_length=10, choices=HazardGrade.choices)
    description = models.TextField(_("隐患描述"), blank=True)
    photo = models.FileField(_("照片"), upload_to="hazards/%Y/%m/", blank=True)
    found_on = models.DateField(_("发现日期"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 五定: person, deadline, responsibility, standard, measures.
    responsible_person = models.CharField(_("整改责任人"), max_length=60)
    deadline = models.DateField(_("整改时限"))
    responsibility = models.CharField(_("整改责任"), max_length=200)
    standard = models.CharField(_("整改标准"), max_length=200)
    measures = models.TextField(_("整改措施"))
    reported_to_regulator = models.BooleanField(_("已报告监管部门"), default=False)
    state = models.CharField(_("状态"), max_length=12, choices=HazardState.choices, default=H.REGISTERED)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rectified_on = models.DateField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    log = models.TextField(blank=True, editable=False)  # appended lines: date, person, action, note

    objects = models.Manager.from_queryset(HazardQuerySet)()
    scope_rules = ScopeRules(district="district", lead=("unit",))

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["district", "state"], name="hazard_district_state")]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("hazards:hazard_detail", args=[self.pk])

    def is_overdue_on(self, today) -> bool:
        """This row's answer to ``HazardQuerySet.overdue_q(today)`` (a test holds them equal)."""
        return self.state != H.CLOSED and self.deadline < today

    @property
    def is_overdue(self):
        return self.is_overdue_on(clock.today())

    @property
    def grade_css(self) -> str:
        return HazardGrade(self.grade).css


class RectificationPlan(VersionedModel):
    """Required for a major hazard before rectification starts (goal, measures, funds,
    people, deadline, safeguards)."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="plan")
    goal = models.TextField(_("整改目标"))
    measures = models.TextField(_("整改措施"))
    funds = models.DecimalField(_("整改资金（元）"), max_digits=14, decimal_places=2)
    people = models.CharField(_("整改人员"), max_length=200)
    deadline = models.DateField(_("整改时限"))
    safeguards = models.TextField(_("安全防范措施"))

    objects = ScopedManager()
    scope_rules = ScopeRules(district="hazard__district", lead=("hazard__unit",))

    def __str__(self):
        return f"{self.hazard} 整改方案"


class HazardAttachment(models.Model):
    """A photo or document sent with a step of the rectification loop (整改照片, 验收材料)."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="attachments"
    )
    action = models.CharField(_("环节"), max_length=10, choices=[(a, t[2]) for a, t in TRANSITIONS.items()])
    file = models.FileField(_("文件"), upload_to="hazards/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = ScopedManager()
    scope_rules = ScopeRules(district="hazard__district", lead=("hazard__unit",))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("整改附件")
        verbose_name_plural = _("整改附件")

    def __str__(self):
        return self.name

    @property
    def is_image(self) -> bool:
        from districtops.core.uploads import KINDS

        return self.kind in KINDS["image"]

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("hazards:attachment", args=[self.pk])
