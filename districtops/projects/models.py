"""Investment projects (招商引资) from signing to production, and construction projects
run node by node on the battle map (挂图作战).

Scope: a project belongs to the district of its lead unit (the street where it lands);
the lead unit and, for construction, the command post lead it; supporting departments
see it and report on it. Child rows (nodes, funds, documents …) follow their project.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules
from districtops.org.roles import Role


class Sector(models.Model):
    """The configurable list of investment sectors (the seed's four plus any others)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("产业领域")
        verbose_name_plural = _("产业领域")

    def __str__(self):
        return self.name


class ProjectSettings(models.Model):
    """The module's thresholds (one row, edited on the settings screen). Until first edited the
    defaults come from the Django settings PROJECTS_STALLED_DAYS / PROJECTS_FUND_LAG_POINTS."""

    stalled_days = models.PositiveSmallIntegerField(
        _("招商项目停滞天数"), default=90, help_text=_("超过该天数没有阶段变更（且未投产）即为停滞")
    )
    fund_lag_points = models.PositiveSmallIntegerField(
        _("资金拨付滞后容差（百分点）"),
        default=20,
        help_text=_("形象进度减去资金支出占批复的比例，超过该值即预警"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("项目预警阈值")
        verbose_name_plural = _("项目预警阈值")

    def __str__(self):
        return str(_("项目预警阈值"))

    @classmethod
    def current(cls) -> "ProjectSettings":
        row = cls.objects.filter(pk=1).first()
        if row is None:
            row = cls(
                pk=1,
                stalled_days=int(getattr(settings, "PROJECTS_STALLED_DAYS", 90)),
                fund_lag_points=int(getattr(settings, "PROJECTS_FUND_LAG_POINTS", 20)),
            )
        return row


class Conference(VersionedModel):
    """A promotion conference (招商推介会) ending in a signing ceremony."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = models.CharField(_("名称"), max_length=120)
    held_on = models.DateField(_("举办日期"))
    venue = models.CharField(_("地点"), max_length=120, blank=True)
    organiser = models.ForeignKey(
        "org.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="organised_conferences"
    )
    attendance = models.PositiveIntegerField(_("参会人数"), default=0)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("organiser",))

    class Meta:
        ordering = ["-held_on", "name"]
        verbose_name = _("推介会")
        verbose_name_plural = _("推介会")

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.name}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("projects:conference_detail", args=[self.pk])


class Stage(models.TextChoices):
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    REGISTERED = "registered", _("注册")
    STARTED = "started", _("开工")
    PRODUCING = "producing", _("投产")


# The only moves a project may make; one step forward at a time, each with a date and evidence.
STAGE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.NEGOTIATING: (Stage.SIGNED,),
    Stage.SIGNED: (Stage.REGISTERED,),
    Stage.REGISTERED: (Stage.STARTED,),
    Stage.STARTED: (Stage.PRODUCING,),
    Stage.PRODUCING: (),
}
# Which date field on the project records reaching a stage.
STAGE_DATE_FIELD = {
    Stage.SIGNED: "signed_on",
    Stage.REGISTERED: "registered_on",
    Stage.STARTED: "started_on",
    Stage.PRODUCING: "producing_on",
}


class SigningMode(models.TextChoices):
    ON_SITE = "on_site", _("现场签约")
    BEFORE = "before", _("会前签约")
    OTHER = "other", _("其他")


class InvestmentProject(VersionedModel):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = models.CharField(_("项目名称"), max_length=150)
    conference = models.ForeignKey(
        Conference,
        verbose_name=_("签约推介会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    signing_mode = models.CharField(
        _("签约方式"), max_length=10, choices=SigningMode.choices, default=SigningMode.OTHER
    )
    investor_name = models.CharField(_("投资方"), max_length=150)
    investor_domestic = models.BooleanField(_("境内企业"), default=True)
    investor_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    sector = models.ForeignKey(Sector, verbose_name=_("产业领域"), on_delete=models.PROTECT)
    contracted_amount = models.DecimalField(_("签约金额（元）"), max_digits=16, decimal_places=2)
    planned_investment = models.DecimalField(_("计划投资（元）"), max_digits=16, decimal_places=2, default=0)
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("落地街道（牵头单位）"), on_delete=models.PROTECT, related_name="+"
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合单位"), blank=True, related_name="supported_investment_projects"
    )
    responsible_leader = models.CharField(_("分管领导"), max_length=50, blank=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default=Stage.NEGOTIATING)
    stage_changed_on = models.DateField(_("阶段变更日期"))
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    registered_on = models.DateField(_("注册日期"), null=True, blank=True)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    producing_on = models.DateField(_("投产日期"), null=True, blank=True)
    register_due = models.DateField(_("约定注册日期"), null=True, blank=True)
    start_due = models.DateField(_("约定开工日期"), null=True, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("lead_unit",), support="supporting_units")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        indexes = [
            models.Index(fields=["district", "stage"], name="invproj_district_stage"),
            models.Index(fields=["stage_changed_on"], name="invproj_stage_changed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contracted_amount__gte=0), name="invproj_amount_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_investment__gte=0), name="invproj_planned_nonneg"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("projects:investment_detail", args=[self.pk])

    @property
    def next_stages(self) -> tuple[str, ...]:
        return STAGE_TRANSITIONS[self.stage]


class StageTransition(models.Model):
    """One step along STAGE_TRANSITIONS, with its date and evidence. Never edited."""

    project = models.ForeignKey(InvestmentProject, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=Stage.choices)
    happened_on = models.DateField(_("日期"))
    evidence = models.FileField(_("佐证材料"), upload_to="projects/evidence/%Y/%m/", max_length=200)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="project__district", lead=("project__lead_unit",), support="project__supporting_units"
    )

    class Meta:
        ordering = ["happened_on", "id"]
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")

    def __str__(self):
        return f"{self.project} {self.get_from_stage_display()}→{self.get_to_stage_display()}"


class CapitalArrival(VersionedModel):
    """Capital actually arrived (资金到位) in one month."""

    project = models.ForeignKey(InvestmentProject, on_delete=models.CASCADE, related_name="arrivals")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    amount = models.DecimalField(_("到位金额（元）"), max_digits=16, decimal_places=2)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="project__district", lead=("project__lead_unit",), support="project__supporting_units"
    )

    class Meta:
        ordering = ["month"]
        verbose_name = _("资金到位")
        verbose_name_plural = _("资金到位")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="arrival_one_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="arrival_amount_nonneg"),
        ]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"


class MissingDocumentsPolicy(models.TextChoices):
    BLOCK = "block", _("阻止")
    WARN = "warn", _("仅提醒")


class ConstructionCategory(models.Model):
    """A kind of construction work: the three works of 三项工程, city management, others."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    missing_documents_policy = models.CharField(
        _("缺少必备档案时完成节点"),
        max_length=10,
        choices=MissingDocumentsPolicy.choices,
        default=MissingDocumentsPolicy.WARN,
    )
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("工程类别")
        verbose_name_plural = _("工程类别")

    def __str__(self):
        return self.name


class NodeTemplate(models.Model):
    """One step of a category's node plan; a new project's nodes are copied from these."""

    category = models.ForeignKey(
        ConstructionCategory, on_delete=models.CASCADE, related_name="node_templates"
    )
    sequence = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("节点"), max_length=40)
    offset_days = models.PositiveIntegerField(_("距开始（天）"), default=0)
    duration_days = models.PositiveIntegerField(_("工期（天）"), default=30)

    class Meta:
        ordering = ["category", "sequence"]
        constraints = [models.UniqueConstraint(fields=["category", "sequence"], name="nodetemplate_seq")]

    def __str__(self):
        return f"{self.category} · {self.name}"


class ArchiveRequirement(models.Model):
    """A document a project of ``category`` must hold by the end of node ``node_name``."""

    category = models.ForeignKey(ConstructionCategory, on_delete=models.CASCADE, related_name="requirements")
    node_name = models.CharField(_("节点"), max_length=40)
    name = models.CharField(_("档案名称"), max_length=60)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["category", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "node_name", "name"], name="archivereq_unique")
        ]

    def __str__(self):
        return f"{self.node_name} · {self.name}"


class ConstructionProject(VersionedModel):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    code = models.CharField(_("项目编号"), max_length=30, blank=True)
    name = models.CharField(_("项目名称"), max_length=150)
    category = models.ForeignKey(ConstructionCategory, verbose_name=_("工程类别"), on_delete=models.PROTECT)
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("牵头街道"), on_delete=models.PROTECT, related_name="+"
    )
    supporting_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合部门"), blank=True, related_name="supported_construction_projects"
    )
    command_post = models.ForeignKey(
        "org.Unit",
        verbose_name=_("指挥部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commanded_projects",
    )
    responsible_leader = models.CharField(_("分管领导"), max_length=50, blank=True)
    location = models.CharField(_("位置"), max_length=150, blank=True)
    scale = models.CharField(_("建设规模"), max_length=200, blank=True)
    budget = models.DecimalField(_("总投资（元）"), max_digits=16, decimal_places=2, default=0)
    showcase_group = models.CharField(_("示范片区"), max_length=40, blank=True)
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划完成"))

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="district", lead=("lead_unit", "command_post"), support="supporting_units"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("建设项目")
        verbose_name_plural = _("建设项目")
        indexes = [
            models.Index(fields=["district", "category"], name="conproj_district_cat"),
            models.Index(fields=["district", "planned_start"], name="conproj_district_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="conproj_budget_nonneg"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("projects:construction_detail", args=[self.pk])


class ProjectNode(VersionedModel):
    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="nodes")
    sequence = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("节点"), max_length=40)
    owner = models.CharField(_("责任人"), max_length=50, blank=True)
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划完成"))
    actual_start = models.DateField(_("实际开始"), null=True, blank=True)
    actual_end = models.DateField(_("实际完成"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    # Derived from the plan and the progress (pace.pace_dates), kept by save() and by every
    # bulk write (refresh_pace), so a node's state on any day is a date comparison in SQL.
    on_pace_until = models.DateField(null=True, editable=False)
    amber_until = models.DateField(null=True, editable=False)
    # Set when the node first enters a baseline (立项 for a new project) and never moved after:
    # the date a twice-postponed node must still meet to clear its red (pace.slip_red_q).
    baseline_end = models.DateField(_("首次基线计划完成"), null=True, blank=True, editable=False)
    # Postponements of planned_end after the node entered a baseline (each with its reason,
    # NodePlanChange); kept by services.update_node.
    plan_slips = models.PositiveSmallIntegerField(_("计划后延次数"), default=0, editable=False)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="project__district",
        lead=("project__lead_unit", "project__command_post"),
        support="project__supporting_units",
    )

    class Meta:
        ordering = ["project", "sequence"]
        verbose_name = _("节点")
        verbose_name_plural = _("节点")
        constraints = [
            models.UniqueConstraint(fields=["project", "sequence"], name="node_seq_unique"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="node_progress_max"),
        ]

    def __str__(self):
        return f"{self.project} · {self.name}"

    def refresh_pace(self) -> "ProjectNode":
        from .pace import pace_dates

        self.on_pace_until, self.amber_until = pace_dates(
            self.planned_start, self.planned_end, self.progress or 0
        )
        return self

    def save(self, *args, **kwargs):
        self.refresh_pace()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "on_pace_until", "amber_until"}
        super().save(*args, **kwargs)


class ProgressReport(models.Model):
    """A dated report on one node: percent, text, optional photo. Appended, never edited."""

    node = models.ForeignKey(ProjectNode, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField(_("报告日期"))
    percent = models.PositiveSmallIntegerField(_("进度（%）"))
    text = models.TextField(_("进展情况"))
    photo = models.FileField(_("现场照片"), upload_to="projects/photos/%Y/%m/", blank=True, max_length=200)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="node__project__district",
        lead=("node__project__lead_unit", "node__project__command_post"),
        support="node__project__supporting_units",
    )

    class Meta:
        ordering = ["-reported_on", "-id"]
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")

    def __str__(self):
        return f"{self.node} {self.reported_on} {self.percent}%"


_CHILD_RULES = ScopeRules(
    district="project__district",
    lead=("project__lead_unit", "project__command_post"),
    support="project__supporting_units",
)


class MonthlyInvestment(VersionedModel):
    """Completed investment in one month (feeds fixed-asset investment later)."""

    project = models.ForeignKey(
        ConstructionProject, on_delete=models.CASCADE, related_name="monthly_investments"
    )
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("完成投资（元）"), max_digits=16, decimal_places=2)

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["month"]
        verbose_name = _("月度完成投资")
        verbose_name_plural = _("月度完成投资")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="monthlyinv_one_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="monthlyinv_nonneg"),
        ]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"


class FundSource(models.TextChoices):
    CENTRAL = "central", _("中央资金")
    PROVINCIAL = "provincial", _("省级资金")
    CITY = "city", _("市级资金")
    DISTRICT = "district", _("区级资金")
    SOCIAL = "social", _("社会资本")


FUND_STEPS = ("applied", "approved", "allocated", "disbursed", "audited")


class FundRecord(VersionedModel):
    """The money of one source for one project: 申请 → 批复 → 拨付 → 支出 → 审计 (cumulative)."""

    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="funds")
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    applied = models.DecimalField(_("申请（元）"), max_digits=16, decimal_places=2, default=0)
    approved = models.DecimalField(_("批复（元）"), max_digits=16, decimal_places=2, default=0)
    allocated = models.DecimalField(_("拨付（元）"), max_digits=16, decimal_places=2, default=0)
    disbursed = models.DecimalField(_("支出（元）"), max_digits=16, decimal_places=2, default=0)
    audited = models.DecimalField(_("审计（元）"), max_digits=16, decimal_places=2, default=0)

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["project", "source"]
        verbose_name = _("资金")
        verbose_name_plural = _("资金")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="fund_one_per_source"),
            models.CheckConstraint(
                condition=models.Q(
                    applied__gte=0, approved__gte=0, allocated__gte=0, disbursed__gte=0, audited__gte=0
                ),
                name="fund_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=models.Q(disbursed__lte=models.F("allocated")),
                name="fund_disbursed_within_allocated",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_source_display()}"


class FundEntryKind(models.TextChoices):
    APPLIED = "applied", _("申请")
    APPROVED = "approved", _("批复")
    ALLOCATED = "allocated", _("拨付")
    DISBURSED = "disbursed", _("支出")
    AUDITED = "audited", _("审计")


class FundEntry(models.Model):
    """One dated movement of one source's money: an application, approval, allocation, expenditure
    or audit finding. Appended, never edited or deleted: a correction is a reversing entry
    (negative amount pointing at the entry it cancels). ``FundRecord`` holds the totals derived
    from these rows."""

    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="fund_entries")
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=FundEntryKind.choices)
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    reference = models.CharField(_("文号/凭证号"), max_length=80, blank=True)
    counterparty = models.CharField(_("拨付账户/收款单位"), max_length=120, blank=True)
    node = models.ForeignKey(
        ProjectNode,
        verbose_name=_("对应节点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contract = models.CharField(_("对应合同"), max_length=120, blank=True)
    questioned = models.DecimalField(_("审计存疑（元）"), max_digits=16, decimal_places=2, default=0)
    opinion = models.TextField(_("审计意见/说明"), blank=True)
    document = models.FileField(_("附件"), upload_to="projects/funds/%Y/%m/", blank=True, max_length=200)
    is_opening = models.BooleanField(_("期初结转"), default=False)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["project", "source", "date", "id"]
        verbose_name = _("资金台账")
        verbose_name_plural = _("资金台账")
        indexes = [models.Index(fields=["project", "source", "date"], name="fund_entry_by_date")]

    def __str__(self):
        return f"{self.project} · {self.get_source_display()} · {self.get_kind_display()} {self.amount}"


class ArchiveDocument(models.Model):
    """An uploaded document, optionally answering one requirement of the checklist."""

    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="documents")
    requirement = models.ForeignKey(
        ArchiveRequirement,
        verbose_name=_("对应清单项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    title = models.CharField(_("标题"), max_length=120)
    file = models.FileField(_("文件"), upload_to="projects/archives/%Y/%m/", max_length=200)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "requirement"], name="archivedoc_project_req")]
        verbose_name = _("档案")
        verbose_name_plural = _("档案")

    def __str__(self):
        return self.title


class BaselineKind(models.TextChoices):
    APPROVAL = "approval", _("立项")
    DISPATCH = "dispatch", _("调度会")
    MANUAL = "manual", _("手动")


class ImmutableRow(models.Model):
    """A row written once and never edited or deleted one by one (its project's deletion takes it
    along): the save of a stored row and ``delete()`` refuse, so no service can change it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from django.core.exceptions import ValidationError

        if not self._state.adding:
            raise ValidationError(_("基线记录后不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from django.core.exceptions import ValidationError

        raise ValidationError(_("基线记录后不能删除。"))


class Baseline(ImmutableRow):
    """A snapshot of node plans (计划基线), taken at a project's approval (立项: when it is
    registered and its plan laid out), at a command post's dispatch meeting (调度会) or by hand.
    The battle map compares the current plan with one; never edited."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("记录单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("调度会的指挥部；立项为项目的牵头街道；为空表示全区"),
    )
    project = models.ForeignKey(
        ConstructionProject,
        verbose_name=_("立项项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="approval_baselines",
    )
    name = models.CharField(_("基线名称"), max_length=120)
    kind = models.CharField(_("基线类型"), max_length=10, choices=BaselineKind.choices)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    taken_at = models.DateTimeField(_("记录时间"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    node_count = models.PositiveIntegerField(_("节点数"), default=0)

    objects = ScopedManager()
    # The header (name, time, who) is seen district-wide by every unit; the node rows behind it
    # follow their projects (BaselineNode), so nobody sees another unit's plan through it.
    scope_rules = ScopeRules(
        district="district",
        lead=("unit",),
        district_view_roles=frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF, Role.STATISTICIAN}),
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name = _("计划基线")
        verbose_name_plural = _("计划基线")
        indexes = [models.Index(fields=["district", "kind", "taken_at"], name="baseline_district_kind")]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class BaselineNode(ImmutableRow):
    """One node's plan as it stood when the baseline was taken."""

    baseline = models.ForeignKey(
        Baseline, verbose_name=_("计划基线"), on_delete=models.CASCADE, related_name="nodes"
    )
    node = models.ForeignKey(
        ProjectNode, verbose_name=_("节点"), on_delete=models.CASCADE, related_name="baseline_rows"
    )
    project = models.ForeignKey(
        ConstructionProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="+"
    )
    planned_start = models.DateField(_("基线计划开始"))
    planned_end = models.DateField(_("基线计划完成"))

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["baseline", "node"]
        verbose_name = _("基线节点")
        verbose_name_plural = _("基线节点")
        constraints = [models.UniqueConstraint(fields=["baseline", "node"], name="baselinenode_unique")]

    def __str__(self):
        return f"{self.baseline} · {self.node_id}"


class NodePlanChange(models.Model):
    """A change of a node's planned dates after it entered a baseline, with its reason (the
    node's plan history). Appended by services.update_node, never edited."""

    node = models.ForeignKey(
        ProjectNode, verbose_name=_("节点"), on_delete=models.CASCADE, related_name="plan_changes"
    )
    old_start = models.DateField(_("原计划开始"))
    old_end = models.DateField(_("原计划完成"))
    new_start = models.DateField(_("新计划开始"))
    new_end = models.DateField(_("新计划完成"))
    reason = models.CharField(_("调整原因"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="node__project__district",
        lead=("node__project__lead_unit", "node__project__command_post"),
        support="node__project__supporting_units",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("节点计划调整")
        verbose_name_plural = _("节点计划调整")

    def __str__(self):
        return f"{self.node}：{self.old_end} → {self.new_end}"

    @property
    def slip_days(self) -> int:
        return (self.new_end - self.old_end).days


class StatementResult(models.TextChoices):
    MATCHED = "matched", _("已匹配")
    AMOUNT = "amount", _("金额不符")
    DATE = "date", _("日期不符")
    UNBOOKED = "unbooked", _("未入账")


class StatementLine(models.Model):
    """One row of a bank or treasury statement (银行/国库对账单) reconciled against the funds
    ledger: the 拨付/支出 entry it matched (or was compared with) and the result. Written once by
    ``statements.record_statement``, never edited; a 凭证号 is reconciled once per project."""

    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="statement_lines")
    date = models.DateField(_("交易日期"))
    reference = models.CharField(_("凭证号"), max_length=80)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    entry = models.ForeignKey(
        FundEntry,
        verbose_name=_("对应台账"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
    )
    result = models.CharField(_("对账结果"), max_length=10, choices=StatementResult.choices)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    objects = ScopedManager()
    scope_rules = _CHILD_RULES

    class Meta:
        ordering = ["project", "date", "id"]
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        constraints = [
            models.UniqueConstraint(fields=["project", "reference"], name="statement_ref_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="statement_amount_pos"),
        ]

    def __str__(self):
        return f"{self.project} · {self.reference} {self.amount}"
