"""Roles a person may hold in a unit (Membership.role)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("区领导")
    SUPERVISOR = "supervisor", _("督查人员")
    UNIT_HEAD = "unit_head", _("单位负责人")
    UNIT_STAFF = "unit_staff", _("单位工作人员")
    STATISTICIAN = "statistician", _("统计员")
    SYS_ADMIN = "sys_admin", _("系统管理员")
    SEC_ADMIN = "sec_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})
# Roles whose holder sees the whole district (or the whole city when held in the city unit).
OVERSIGHT_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR})
# Roles that work on a unit's own business (lead or support).
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF, Role.STATISTICIAN, Role.LEADER, Role.SUPERVISOR})
