"""Supervised matters (督办事项), their transitions, meetings and decisions, reminders.

The state machine itself lives in ``states.py`` as a table; this module only stores.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core import clock
from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopedQuerySet, ScopeRules
from districtops.org.roles import STATISTICIANS, UNIT_HEADS, UNIT_WORKERS

from .states import OPEN_STATES, MatterState


class Source(models.TextChoices):
    MEETING = "meeting", _("会议议定")
    INSTRUCTION = "instruction", _("领导批示")
    SUGGESTION = "suggestion", _("代表建议")
    INSPECTION = "inspection", _("督查发现")
    HAZARD = "hazard", _("安全隐患")
    REPORT = "report", _("群众反映")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    HIGH = "high", _("重要")
    URGENT = "urgent", _("紧急")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    NODE = "node", _("按节点")
    ONCE = "once", _("办结时")


class Escalation(models.IntegerChoices):
    NONE = 0, _("无")
    REMINDED = 1, _("催办")
    LISTED = 2, _("挂牌督办")

    @property
    def badge(self) -> tuple[str, str] | None:
        """(colour, text) of the badge a matter at this level wears; None for no badge."""
        return ESCALATION_BADGES.get(self)


ESCALATION_BADGES = {
    Escalation.REMINDED: ("bg-yellow-lt", _("已催办")),
    Escalation.LISTED: ("bg-red text-red-fg", _("挂牌督办")),  # white on red (grey on red was unreadable)
}


class CalendarYear(models.Model):
    """The State Council's notice of a year's holidays, entered by the system administrator.

    When a year has one, its ``HolidayEntry`` rows ARE that year's calendar and override the
    ``chinesecalendar`` package (which only knows the years up to its release).
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    notice = models.CharField(_("通知文号或标题"), max_length=120)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")

    def __str__(self):
        return f"{self.year} {self.notice}"


class HolidayEntry(models.Model):
    """A row of the administrator's holiday table: a date is a holiday (``is_workday=False``)
    or a 调休 working day (``is_workday=True``). For a year with a ``CalendarYear`` the rows
    are the whole calendar of that year; otherwise they adjust the fallback."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("名称"), max_length=40)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self):
        return f"{self.date} {self.name}"


class Meeting(VersionedModel):
    """A meeting whose decisions become matters (the 三项工程 一项管理 推进会 …)."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(
        "org.Unit", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="organised_meetings"
    )
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("召开日期"))
    chaired_by = models.CharField(_("主持人"), max_length=60, blank=True)
    summary = models.TextField(_("会议纪要"), blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("organiser",))

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("supervision:meeting_detail", args=[self.pk])


class Decision(VersionedModel):
    """One decision (议定事项) of a meeting; ``matter`` is set once it has been assigned."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    seq = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("议定内容"))
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合单位"), blank=True, related_name="+"
    )
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    matter = models.OneToOneField(
        "Matter", null=True, blank=True, on_delete=models.SET_NULL, related_name="decision"
    )

    objects = ScopedManager()
    scope_rules = ScopeRules(district="meeting__district", lead=("meeting__organiser",))

    class Meta:
        ordering = ["meeting", "seq"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seq"], name="decision_seq_unique")]
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")

    def __str__(self):
        return f"{self.meeting} #{self.seq}"


class MatterQuerySet(ScopedQuerySet):
    """The one definition of an open and an overdue matter: the lists' filters, the home panel,
    the to-do lists, the cockpit and ``Matter.is_overdue`` all ask here. The ``*_q`` forms are
    for counting several kinds in one aggregate (``Count("pk", filter=Matter.objects.overdue_q(d))``)."""

    @staticmethod
    def open_q() -> models.Q:
        return models.Q(state__in=OPEN_STATES)

    @staticmethod
    def overdue_q(today) -> models.Q:
        """Open and past its deadline on ``today`` (the deadline day itself is not overdue)."""
        return models.Q(state__in=OPEN_STATES, deadline__lt=today)

    def open(self):
        return self.filter(self.open_q())

    def overdue(self, today=None):
        return self.filter(self.overdue_q(today or clock.today()))


class Matter(VersionedModel):
    """A supervised matter: one lead unit answers for it, supporting units help."""

    code = models.CharField(_("编号"), max_length=30, unique=True)
    title = models.CharField(_("事项名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    basis = models.TextField(_("交办依据"), blank=True)
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_matters"
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合单位"), blank=True, related_name="supported_matters"
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_on = models.DateField(_("交办日期"))
    working_days = models.PositiveSmallIntegerField(_("办理工作日"), null=True, blank=True)
    deadline = models.DateField(_("办理时限"), db_index=True)
    deadline_fallback = models.BooleanField(default=False)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    frequency = models.CharField(
        _("报送频次"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=MatterState.choices, default=MatterState.ASSIGNED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    escalation = models.PositiveSmallIntegerField(
        _("督办级别"), choices=Escalation.choices, default=Escalation.NONE
    )
    overdue_reason = models.TextField(_("逾期原因"), blank=True)
    first_acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True, db_index=True)

    objects = models.Manager.from_queryset(MatterQuerySet)()
    scope_rules = ScopeRules(district="district", lead=("lead_unit",), support="supporting_units")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        indexes = [
            models.Index(fields=["district", "state", "deadline"], name="matter_district_state"),
            models.Index(fields=["lead_unit", "state"], name="matter_lead_state"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("supervision:matter_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue_on(self, today) -> bool:
        """This row's answer to ``MatterQuerySet.overdue_q(today)`` (a test holds them equal)."""
        return self.is_open and self.deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(clock.today())

    @property
    def closed_on_time(self) -> bool | None:
        if self.closed_on is None:
            return None
        return self.closed_on <= self.deadline


class MatterEvent(models.Model):
    """Append-only log of a matter: every transition, progress report and reviewer opinion."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    # The unit the actor spoke for, when it is not the lead unit (a supporting unit's 协办反馈).
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("反馈单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()
    scope_rules = ScopeRules(district="matter__district", lead=("matter__lead_unit",))

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.matter_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class MatterAttachment(models.Model):
    """A file sent with one entry of a matter's log (a progress report's photo, the closure
    request's material, an overdue explanation's proof, a supporting unit's feedback).
    Checked by ``core.uploads`` before it is stored; served only through the gate."""

    event = models.ForeignKey(
        MatterEvent, verbose_name=_("办理记录"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="supervision/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小（字节）"))

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="event__matter__district",
        lead=("event__matter__lead_unit",),
        support="event__matter__supporting_units",
    )

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("事项附件")
        verbose_name_plural = _("事项附件")

    def __str__(self):
        return self.name

    @property
    def is_image(self) -> bool:
        from districtops.core.uploads import KINDS

        return self.kind in KINDS["image"]

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:attachment", args=[self.pk])


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class ExtensionRequest(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    old_deadline = models.DateField()
    new_deadline = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="matter__district", lead=("matter__lead_unit",))

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=models.Q(status="pending"), name="one_pending_extension"
            )
        ]

    def __str__(self):
        return f"{self.matter_id} → {self.new_deadline}"

    @property
    def is_pending(self) -> bool:
        """Still to be decided (the only state in which 审批 is offered and accepted)."""
        return self.status == ExtensionStatus.PENDING


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("3日内到期")
    DUE_TODAY = "due_today", _("今日到期")
    OVERDUE = "overdue", _("已逾期")


class Reminder(models.Model):
    """A reminder sent (in-app row, plus e-mail/webhook). Unique per matter, kind and
    ``key_date`` so the daily job never sends the same one twice."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="reminders")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    key_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    channels = models.CharField(max_length=60, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="matter__district", lead=("unit",))

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "unit", "kind", "key_date"], name="reminder_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.matter_id} {self.key_date}"


class ReminderSettings(VersionedModel):
    """Per-unit reminder channels. Webhook secrets sign DingTalk/WeCom robot calls."""

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, related_name="reminder_settings")
    email_enabled = models.BooleanField(_("邮件提醒"), default=True)
    webhook_kind = models.CharField(
        _("群机器人"),
        max_length=10,
        blank=True,
        choices=[("dingtalk", _("钉钉")), ("wecom", _("企业微信"))],
    )
    webhook_url = models.URLField(_("Webhook 地址"), blank=True)
    # SM4-encrypted (core.crypto); the plain secret is only ever in memory when signing.
    webhook_secret = models.CharField(_("加签密钥"), max_length=300, blank=True)

    objects = ScopedManager()
    # Set (change) by the unit's head or the district's leaders and supervisors, not its staff.
    scope_rules = ScopeRules(district="unit__district", lead=("unit",), unit_roles={"change": UNIT_HEADS})

    def __str__(self):
        return f"{self.unit_id} reminders"


def default_weights() -> dict:
    return {
        "subdistrict": {"matters": 40, "hazards": 20, "suggestions": 10, "nodes": 20, "indicators": 10},
        "department": {"matters": 55, "hazards": 15, "suggestions": 20, "nodes": 10, "indicators": 0},
    }


class ScoreScheme(VersionedModel):
    """A scorecard (督导考核) for one period: weights per unit kind and per indicator, the sizes
    of the red and black lists, and whether it has been published as a notice (通报)."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("考核名称"), max_length=100)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    weights = models.JSONField(_("权重"), default=default_weights)
    red_size = models.PositiveSmallIntegerField(_("红榜数量"), default=3)
    black_size = models.PositiveSmallIntegerField(_("黑榜数量"), default=3)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    # Every unit of the district reads a published scorecard; the view hides unpublished ones.
    scope_rules = ScopeRules(district="district", district_view_roles=UNIT_WORKERS | STATISTICIANS)

    class Meta:
        ordering = ["-period_end", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("supervision:scheme_detail", args=[self.pk])
