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

# The district's statisticians (统计员): the economy module's imports, reviews, targets and releases.
STATISTICIANS = frozenset({Role.STATISTICIAN})
# The head of a unit (not its staff): the unit's own settings (reminder channels).
UNIT_HEADS = frozenset({Role.UNIT_HEAD})
# A unit's people who receive its work (reminders, assignments): head and staff.
UNIT_WORKERS = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})

# 三员分立 (docs/domain.md §7): roles no administrator grants through the platform by themselves. The
# administrator roles and 区领导 (who sees the whole district) are granted on the server with
# `districtops grant-role`, a step that needs shell access and is audited as the system's.
PRIVILEGED_ROLES = frozenset({*ADMIN_ROLES, Role.LEADER})
