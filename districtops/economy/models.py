"""Economic monitoring: the enterprise register, monthly reports (immutable versions), audit
rules as data, findings and their explanations, indicators, targets.

Scope: everything belongs to a district (``org.Unit`` of kind district). Leaders, supervisors and
the district's statisticians see the whole district; a street sees its own enterprises and its
own indicator values; published indicator values (peer districts' figures) are visible to all.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.codes import Sector
from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules
from districtops.org.roles import OVERSIGHT_ROLES, STATISTICIANS

from .periods import Period

DISTRICT_WIDE = STATISTICIANS
SECTOR_CHOICES = [(k, v) for k, v in Sector.LABELS.items()]


class TaxpayerClass(models.TextChoices):
    GENERAL = "general", _("一般纳税人")
    SMALL_SCALE = "small_scale", _("小规模纳税人")


class Enterprise(VersionedModel):
    """A legal entity in the district's statistical register (名录库)."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所属街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位详细名称"), max_length=200)
    industry_code = models.CharField(_("行业代码"), max_length=4)
    division_code = models.CharField(_("统计用区划代码"), max_length=12)
    sector = models.CharField(_("专业"), max_length=30, choices=SECTOR_CHOICES, blank=True)
    annual_revenue = models.DecimalField(
        _("年营业收入（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    is_above_scale = models.BooleanField(_("四上企业"), default=False)
    construction_qualified = models.BooleanField(_("有总承包或专业承包资质"), default=False)
    development_active = models.BooleanField(_("有开发经营活动"), default=False)
    is_key = models.BooleanField(_("重点企业"), default=False)
    is_candidate = models.BooleanField(_("小升规培育对象"), default=False)
    is_individual = models.BooleanField(_("个体工商户"), default=False)
    converted_from_individual = models.BooleanField(_("个转企"), default=False)
    is_active = models.BooleanField(_("在库"), default=True)
    taxpayer_class = models.CharField(
        _("增值税纳税人类型"), max_length=20, choices=TaxpayerClass.choices, blank=True
    )

    objects = ScopedManager()
    # The register is imported: the district's statisticians change it (an import updates by 信用代码).
    scope_rules = ScopeRules(
        district="district",
        lead=("street",),
        district_view_roles=DISTRICT_WIDE,
        roles={"change": STATISTICIANS},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业名录")
        indexes = [models.Index(fields=["district", "sector", "is_above_scale"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("economy:enterprise_detail", args=[self.pk])


class ReportType(models.Model):
    """A statistical report form (工业 B204-1, 批零 E204-1 …) and the fields it carries."""

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    sectors = models.CharField(_("适用专业"), max_length=200, help_text=_("专业代码，多个以逗号分隔"))
    main_field = models.CharField(_("主要指标"), max_length=40)

    class Meta:
        ordering = ["code"]
        verbose_name = _("报表类型")

    def __str__(self):
        return self.name

    def sector_list(self) -> list[str]:
        return [c.strip() for c in self.sectors.split(",") if c.strip()]


class ReportField(models.Model):
    """One figure of a report form; ``aliases`` are the header texts statistical exports use."""

    report_type = models.ForeignKey(ReportType, on_delete=models.CASCADE, related_name="fields")
    code = models.CharField(_("指标代码"), max_length=40)
    name = models.CharField(_("指标名称"), max_length=60)
    aliases = models.CharField(_("表头别名"), max_length=300, blank=True, help_text=_("以“|”分隔"))
    unit = models.CharField(_("计量单位"), max_length=20, default="元")
    has_cumulative = models.BooleanField(_("有本年累计"), default=True)
    required = models.BooleanField(_("必填"), default=True)
    is_money = models.BooleanField(_("金额"), default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["report_type", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["report_type", "code"], name="reportfield_unique")]

    def __str__(self):
        return f"{self.report_type.name}·{self.name}"

    def header_names(self) -> list[str]:
        return [self.name, *[a for a in self.aliases.split("|") if a]]


class ImportKind(models.TextChoices):
    ENTERPRISES = "enterprises", _("企业名录")
    REPORTS = "reports", _("月度报表")
    ELECTRICITY = "electricity", _("用电量")
    TAX = "tax", _("税收")


class ImportBatch(models.Model):
    """One accepted file. Refused files leave only an audit record, never rows."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", district_view_roles=DISTRICT_WIDE)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入批次")

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"


class ReportStatus(models.TextChoices):
    ACCEPTED = "accepted", _("通过")
    PENDING = "pending", _("待说明")
    EXPLAINED = "explained", _("已说明待审核")
    REJECTED = "rejected", _("说明未通过")


# Versions counted in the indicators: no unexplained or refused verification finding.
COUNTED_STATUSES = (ReportStatus.ACCEPTED, ReportStatus.EXPLAINED)


class MonthlyReport(models.Model):
    """One version of an enterprise's report for a period. Never edited: a correction arrives as a
    new import and becomes a new version; ``is_current`` marks the latest."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="reports")
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    report_type = models.ForeignKey(ReportType, on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("报告期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(_("审核状态"), max_length=20, choices=ReportStatus.choices)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="reports")
    source_row = models.PositiveIntegerField(_("来源行号"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # The verification rules' risk score and the evidence behind it (rule, message, points; negative
    # points lowered it), kept with the version it was computed for.
    risk_score = models.DecimalField(_("风险分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    risk_evidence = models.JSONField(_("风险依据"), default=list, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("street",), district_view_roles=DISTRICT_WIDE)

    class Meta:
        ordering = ["-period", "enterprise__name"]
        verbose_name = _("月度报表")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "period", "version"], name="report_version_unique"),
            models.UniqueConstraint(
                fields=["enterprise", "period"],
                condition=models.Q(is_current=True),
                name="report_one_current",
            ),
        ]
        indexes = [models.Index(fields=["district", "period", "is_current"])]

    def __str__(self):
        return f"{self.enterprise_id} {self.period_obj.label} v{self.version}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("economy:report_detail", args=[self.pk])

    @property
    def period_obj(self) -> Period:
        return Period.from_date(self.period)


class ReportValue(models.Model):
    """A figure of a report version, in yuan for money (converted from 千元/万元 on import)."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="values")
    field_code = models.CharField(max_length=40)
    current = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    cumulative = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "field_code"], name="reportvalue_unique")]
        indexes = [models.Index(fields=["field_code", "report"])]

    def __str__(self):
        return f"{self.field_code}={self.current}/{self.cumulative}"


class SourceFigure(models.Model):
    """A figure about an enterprise from another source (power company, tax bureau) for cross-checks."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="source_figures")
    source = models.CharField(max_length=20, choices=[("electricity", _("用电量")), ("tax", _("税收"))])
    period = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=2)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "source", "period"], name="sourcefigure_unique")
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.enterprise_id} {self.period:%Y-%m}"


class RuleKind(models.TextChoices):
    MANDATORY = "mandatory", _("强制性审核")
    VERIFICATION = "verification", _("核实性审核")


class AuditRule(VersionedModel):
    """A check the statistician can switch on/off and tune; ``code`` picks the implementation in
    ``rules.py``, ``params`` holds its thresholds."""

    code = models.CharField(_("规则代码"), max_length=40, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=RuleKind.choices)
    description = models.TextField(_("说明"), blank=True)
    is_enabled = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    weight = models.DecimalField(_("风险权重"), max_digits=5, decimal_places=2, default=Decimal("1"))

    # One city-wide rule set: everyone signed in reads it; statisticians tune it (services.update_rule).

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("审核规则")

    def __str__(self):
        return self.name


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待说明")
    EXPLAINED = "explained", _("已说明")
    ACCEPTED = "accepted", _("说明已认可")
    REJECTED = "rejected", _("说明未认可")


# The explanation workflow: who moves a finding where.
FINDING_TRANSITIONS = {
    FindingStatus.OPEN: {FindingStatus.EXPLAINED},
    FindingStatus.EXPLAINED: {FindingStatus.ACCEPTED, FindingStatus.REJECTED},
    FindingStatus.REJECTED: {FindingStatus.EXPLAINED},
    FindingStatus.ACCEPTED: set(),
}


class FindingGrade(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")

    @property
    def css(self) -> str:
        return {"high": "bg-red-lt", "medium": "bg-orange-lt"}.get(self.value, "bg-yellow-lt")


class Finding(VersionedModel):
    """A verification warning on a report version, and its explanation trail."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="findings")
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(AuditRule, on_delete=models.PROTECT, related_name="findings")
    field_code = models.CharField(max_length=40, blank=True)
    message = models.CharField(_("问题"), max_length=300)
    grade = models.CharField(_("风险等级"), max_length=10, choices=FindingGrade.choices, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    # Explaining (report): the street's staff, the district's statisticians, leaders and supervisors;
    # accepting or rejecting (manage): the district's statisticians.
    scope_rules = ScopeRules(
        district="district",
        lead=("street",),
        district_view_roles=DISTRICT_WIDE,
        roles={"report": OVERSIGHT_ROLES | STATISTICIANS, "manage": STATISTICIANS},
    )

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("审核发现")

    def __str__(self):
        return self.message

    @property
    def grade_css(self) -> str:
        return FindingGrade(self.grade).css if self.grade else ""

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("economy:report_detail", args=[self.report_id])


class IndicatorSource(models.TextChoices):
    AGGREGATE = "aggregate", _("由企业数据汇总")
    ENTERED = "entered", _("部门填报")


class Indicator(models.Model):
    """A headline indicator: an aggregation over enterprise report fields, or a figure a department enters."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    source = models.CharField(_("来源"), max_length=20, choices=IndicatorSource.choices)
    field_codes = models.CharField(
        _("汇总字段"), max_length=200, blank=True, help_text=_("报表指标代码，多个以逗号分隔")
    )
    sectors = models.CharField(_("专业范围"), max_length=200, blank=True)
    unit_label = models.CharField(_("单位"), max_length=20, default="亿元")
    responsible = models.CharField(_("责任部门"), max_length=40, blank=True)
    quarterly = models.BooleanField(_("按季度"), default=False)
    deflated = models.BooleanField(
        _("按可比价计算"),
        default=False,
        help_text=_("本年累计按所属行业大类的工业生产者出厂价格指数缩减后与上年同期比较（规上工业增加值）"),
    )
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("指标")

    def __str__(self):
        return self.name

    def field_list(self) -> list[str]:
        return [c.strip() for c in self.field_codes.split(",") if c.strip()]

    def sector_list(self) -> list[str]:
        return [c.strip() for c in self.sectors.split(",") if c.strip()]


class IndicatorValue(VersionedModel):
    """Value of an indicator for a unit (district or street) and period, in yuan.

    Aggregates are rewritten by ``indicators.recompute`` right after an import; entered values come
    from the responsible department. ``is_published`` values are visible to every district.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("报告期"))
    cumulative = models.DecimalField(_("本年累计"), max_digits=20, decimal_places=2, null=True, blank=True)
    cumulative_last_year = models.DecimalField(
        _("上年同期累计（同口径）"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    growth = models.DecimalField(_("累计增速%"), max_digits=9, decimal_places=2, null=True, blank=True)
    enterprise_count = models.PositiveIntegerField(default=0)
    is_entered = models.BooleanField(default=False)
    is_published = models.BooleanField(_("已公开"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedManager()
    # Entering a figure (report): the district's statisticians; any statistician records a peer
    # district's published figure. The unit's own people only read it.
    scope_rules = ScopeRules(
        district="district",
        lead=("unit",),
        district_view_roles=DISTRICT_WIDE,
        published="is_published",
        roles={"report": STATISTICIANS},
        unit_roles={"report": frozenset()},
        published_roles={"report": STATISTICIANS},
    )

    class Meta:
        ordering = ["indicator__sort_order", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period"], name="indicatorvalue_unique")
        ]

    def __str__(self):
        return f"{self.indicator} {self.unit} {self.period:%Y-%m}"


ALL_INDUSTRY = ""  # PriceIndex.division for the district-wide "all industry" fallback row


class PriceIndex(VersionedModel):
    """工业生产者出厂价格指数 (PPI) for one GB/T 4754 division (or all industry, ``division=""``) and
    period: cumulative, same period last year = 100 (1-2月 is one period). Entered by the district's
    statisticians from the city bureau's release; deflates 规上工业总产值 to comparable prices."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    division = models.CharField(
        _("行业大类"), max_length=2, blank=True, help_text=_("GB/T 4754 两位代码；留空为全部工业")
    )
    period = models.DateField(_("报告期"))
    index = models.DecimalField(_("价格指数（上年同期=100）"), max_digits=7, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="district", district_view_roles=DISTRICT_WIDE, roles={"change": STATISTICIANS}
    )

    class Meta:
        ordering = ["-period", "division"]
        verbose_name = _("价格指数")
        constraints = [
            models.UniqueConstraint(fields=["district", "division", "period"], name="priceindex_unique")
        ]

    def __str__(self):
        return f"{self.division_label} {self.period_obj.label} {self.index}"

    @property
    def period_obj(self) -> Period:
        return Period.from_date(self.period)

    @property
    def division_label(self) -> str:
        from districtops.core.codes import DIVISIONS

        if not self.division:
            return "全部工业"
        return (
            f"{self.division} {DIVISIONS[self.division][1]}" if self.division in DIVISIONS else self.division
        )


class Light(models.TextChoices):
    """A target's light (indicators.target_status): one value, one label, one colour for every page,
    export, briefing and cockpit figure (the value is what the API and ``data-light`` carry)."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    GREY = "grey", _("无数据")

    @property
    def css(self) -> str:
        return LIGHT_CSS[self]


LIGHT_CSS = {
    Light.GREEN: "bg-green",
    Light.YELLOW: "bg-yellow",
    Light.RED: "bg-red",
    Light.GREY: "bg-secondary-lt",
}


class TargetKind(models.TextChoices):
    ANNUAL = "annual", _("全年")
    QUARTER = "quarter", _("季度")


class Target(VersionedModel):
    """A growth target for an indicator, unit and year (or quarter: Q1 is the 开门红 target)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=20, choices=TargetKind.choices, default=TargetKind.ANNUAL)
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    growth = models.DecimalField(_("目标增速%"), max_digits=7, decimal_places=2)
    label = models.CharField(_("名称"), max_length=40, blank=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="district",
        lead=("unit",),
        district_view_roles=DISTRICT_WIDE,
        roles={"change": STATISTICIANS},
        unit_roles={"change": frozenset()},
    )

    class Meta:
        ordering = ["indicator__sort_order", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "kind", "quarter"], name="target_unique"
            )
        ]

    def __str__(self):
        return self.label or f"{self.indicator} {self.year}"


class EconomySettings(VersionedModel):
    """Per-district tunables the statistician owns (docs/domain.md conventions, with their defaults)."""

    district = models.OneToOneField("org.Unit", on_delete=models.PROTECT, related_name="+")
    candidate_share = models.DecimalField(
        _("小升规入池比例"), max_digits=4, decimal_places=2, default=Decimal("0.80")
    )
    pool_factor = models.DecimalField(
        _("培育库倍数"), max_digits=4, decimal_places=2, default=Decimal("1.20")
    )
    annual_upgrade_goal = models.PositiveIntegerField(_("年度小升规目标（家）"), default=0)
    yellow_gap_pp = models.DecimalField(
        _("黄灯容差（百分点）"), max_digits=5, decimal_places=2, default=Decimal("2.00")
    )
    risk_threshold = models.DecimalField(
        _("风险分阈值"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("风险分达到此值的报表生成审核发现、需企业说明"),
    )
    review_capacity = models.PositiveIntegerField(
        _("每期核查能力（家）"),
        default=50,
        help_text=_("审核发现队列按风险分排序，前 N 家为本期重点核查；0 为不限"),
    )
    report_deadline_day = models.PositiveSmallIntegerField(
        _("报送截止日"),
        default=10,
        help_text=_("次月几日前报送当月报表；过期未报的企业列为迟报/拒报"),
    )

    objects = ScopedManager()
    scope_rules = ScopeRules(
        district="district", district_view_roles=DISTRICT_WIDE, roles={"change": STATISTICIANS}
    )

    def __str__(self):
        return f"{self.district} 经济运行参数"


class ReleaseState(models.TextChoices):
    COLLECTING = "collecting", _("采集中")
    REVIEWING = "reviewing", _("审核中")
    PUBLISHED = "published", _("已发布")

    @property
    def css(self) -> str:
        """The state's badge colour on the release page."""
        return {"published": "bg-green-lt", "reviewing": "bg-yellow-lt"}.get(self.value, "bg-blue-lt")


# Allowed moves of a statistics period (``releases.py``); reopening a published one needs a reason.
RELEASE_TRANSITIONS = {
    ReleaseState.COLLECTING: {ReleaseState.REVIEWING, ReleaseState.PUBLISHED},
    ReleaseState.REVIEWING: {ReleaseState.COLLECTING, ReleaseState.PUBLISHED},
    ReleaseState.PUBLISHED: {ReleaseState.REVIEWING},
}


class PeriodRelease(VersionedModel):
    """The state of one district's statistics period (数据审定与发布): 采集中 while reports come
    in, 审核中 while the bureau reviews, 已发布 when it is closed. Leaders' pages show the latest
    published period only. A period with reports but no row is 采集中 (the row is written by its
    first move)."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(_("报告期"))
    state = models.CharField(
        _("状态"), max_length=20, choices=ReleaseState.choices, default=ReleaseState.COLLECTING
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopen_reason = models.TextField(_("重新打开原因"), blank=True)

    objects = ScopedManager()
    # 审核、发布、重新打开 (manage): the district's statisticians.
    scope_rules = ScopeRules(
        district="district", district_view_roles=DISTRICT_WIDE, roles={"manage": STATISTICIANS}
    )

    class Meta:
        ordering = ["-period"]
        verbose_name = _("统计期发布")
        verbose_name_plural = _("统计期发布")
        constraints = [
            models.UniqueConstraint(fields=["district", "period"], name="period_release_unique"),
        ]
        indexes = [models.Index(fields=["district", "state", "period"])]

    def __str__(self):
        return f"{self.district} {self.period_obj.label} {self.get_state_display()}"

    @property
    def period_obj(self) -> Period:
        return Period.from_date(self.period)
