from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules

from .roles import Role


class UnitKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    LEADERSHIP = "leadership", _("区委区政府")
    DEPARTMENT = "department", _("部门")
    SUBDISTRICT = "subdistrict", _("街道/乡镇")
    PARK = "park", _("园区")
    COMMAND_POST = "command_post", _("指挥部")
    OFFICE = "office", _("办公室")
    CONGRESS = "congress", _("人大")


class Unit(VersionedModel):
    """A node of the organisation tree: city → district → leadership, departments, streets …

    ``path`` is a materialised path of ids ("/1/7/42/") so a subtree is one indexed
    prefix query; ``district`` is the district the unit belongs to (itself for a
    district, empty for the city) and is what data scope is decided by.
    """

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    division_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    district = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()
    # The city and its district nodes are visible to everyone signed in (peer comparison).
    scope_rules = ScopeRules(district="district", org=True, public=models.Q(kind__in=["city", "district"]))

    class Meta:
        ordering = ["path"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(
                fields=["division_code"],
                condition=~models.Q(division_code=""),
                name="unit_division_code_unique",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="unit_name_unique_in_parent"),
        ]
        indexes = [models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("org:unit_detail", args=[self.pk])

    @property
    def district_id_for_scope(self):
        return self.district_id

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)


class Membership(models.Model):
    """Person × unit × role. One person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="unit__district", org=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
