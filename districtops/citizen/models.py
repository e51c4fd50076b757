"""Residents' reports (群众反映) and the Open311 GeoReport v2 vocabulary they are served in."""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules
from districtops.supervision.states import MatterState


class ServiceCategory(models.Model):
    """An Open311 service: what a resident can report in a district (jurisdiction)."""

    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("类别代码"), max_length=30)
    name = models.CharField(_("类别"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    keywords = models.CharField(_("关键词"), max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    # Open311 discovery's changeset: the latest change to any service.
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", org=True)

    class Meta:
        ordering = ["district", "code"]
        constraints = [models.UniqueConstraint(fields=["district", "code"], name="service_code_unique")]

    def __str__(self):
        return self.name


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84（GPS）")
    GCJ02 = "gcj02", _("GCJ-02（国内地图）")


class PartnerClient(models.Model):
    """A partner system (e.g. the 12345 hotline) that posts with an api_key: identified, not throttled.
    Only the key's SHA-256 is stored."""

    name = models.CharField(_("名称"), max_length=60)
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    key_digest = models.CharField(max_length=64, unique=True)
    # The first characters of the key, kept in clear so a key can be recognised on the list
    # (8 of 43 URL-safe characters: far too few to guess the rest from).
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, blank=True)
    is_active = models.BooleanField(default=True)
    # What the partner's lat/long are in (a request's coordinate_system parameter overrides it).
    coordinate_system = models.CharField(
        _("坐标系"), max_length=6, choices=CoordinateSystem.choices, default=CoordinateSystem.WGS84
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    # view: anyone of the district (names on reports); manage (issue, revoke): its system administrators
    scope_rules = ScopeRules(district="district", org=True)

    class Meta:
        ordering = ["-is_active", "name", "-created_at"]

    def __str__(self):
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("已受理，待分办")
    ASSIGNED = "assigned", _("已转交办理")
    DECLINED = "declined", _("不予立案")
    MERGED = "merged", _("已并入其他反映")


class Report(VersionedModel):
    """A resident's report. ``tracking_number`` is the public id (also the Open311
    service_request_id); contact details are never published."""

    tracking_number = models.CharField(_("查询编号"), max_length=20, unique=True)
    district = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(ServiceCategory, verbose_name=_("类别"), on_delete=models.PROTECT)
    description = models.TextField(_("问题描述"), max_length=4000)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    # Always WGS-84 (GCJ-02 input is converted on the way in: see geo.py).
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    photo = models.FileField(_("照片"), upload_to="citizen/%Y/%m/", blank=True)
    media_url = models.URLField(blank=True)
    contact_name = models.CharField(_("姓名"), max_length=60, blank=True)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    contact_phone = models.CharField(_("电话"), max_length=30, blank=True)
    channel = models.CharField(max_length=10, default="web")  # web | open311
    partner = models.ForeignKey(PartnerClient, null=True, blank=True, on_delete=models.SET_NULL)
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    decline_reason = models.TextField(_("不予立案理由"), blank=True)
    matter = models.OneToOneField(
        "supervision.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="report"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # 并入: a duplicate points to the report it joined; its residents count on the original.
    merged_into = models.ForeignKey(
        "self", verbose_name=_("并入反映"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged_reports",
    )  # fmt: skip
    merged_at = models.DateTimeField(_("并入时间"), null=True, blank=True)
    # Residents who said 我也遇到 here, plus those of the reports merged into this one.
    also_count = models.PositiveIntegerField(_("我也遇到人数"), default=0)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district", lead=("matter__lead_unit",))

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status"], name="report_district_status"),
            # The nearby lookup: a bounding box on (lat, long) within one service.
            models.Index(fields=["service", "lat", "long"], name="report_service_lat_long"),
        ]

    def __str__(self):
        return self.tracking_number

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("citizen:report_detail", args=[self.pk])

    @property
    def residents_count(self) -> int:
        """How many residents this report speaks for: its reporter and every 我也遇到."""
        return 1 + self.also_count

    @property
    def public_open(self) -> bool:
        """Open311 status: closed once declined or once its matter is closed; a merged report
        follows the report it joined."""
        if self.status == ReportStatus.MERGED and self.merged_into_id:
            return self.merged_into.public_open
        if self.status == ReportStatus.DECLINED:
            return False
        return not (self.matter_id and self.matter.state == MatterState.CLOSED)

    @property
    def public_notes(self) -> str:
        if self.status == ReportStatus.MERGED and self.merged_into_id:
            original = self.merged_into
            return (
                f"已并入 #{original.tracking_number}：同一问题已有反映，将一并办理。{original.public_notes}"
            )
        if self.status == ReportStatus.DECLINED:
            return f"不予立案：{self.decline_reason}"
        if self.matter_id:
            if self.matter.state == MatterState.CLOSED:
                return "已办结。"
            return f"已交由{self.matter.lead_unit.name}办理，当前状态：{self.matter.get_state_display()}。"
        return "已受理，等待分办。"


class ReportSupporter(models.Model):
    """A resident who said 我也遇到 on an open report instead of filing a new one. The contact is
    kept for the office (to call back), never published."""

    report = models.ForeignKey(
        Report, verbose_name=_("群众反映"), on_delete=models.CASCADE, related_name="supporters"
    )
    contact_name = models.CharField(_("姓名"), max_length=60, blank=True)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    contact_phone = models.CharField(_("电话"), max_length=30, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, default="web")
    partner = models.ForeignKey(
        PartnerClient, verbose_name=_("接入方"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="report__district", lead=("report__matter__lead_unit",))

    class Meta:
        ordering = ["report", "created_at", "id"]

    def __str__(self):
        return f"{self.report} · 我也遇到"
