"""Who may do what in projects — named predicates the view (to show a button), the service (to
enforce) and the API all call. Object-level grants are the models' ``ScopeRules`` asked through the
gate; docs/permissions.md maps them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from districtops.gate import permissions
from districtops.org.roles import Role


def may_configure(user) -> bool:
    """Sectors, construction categories (node templates, document checklists) and thresholds are
    shared by every district, so they carry no data scope: the system administrator keeps them.
    ``user=None`` is the system."""
    return user is None or permissions.has_role(user, Role.SYS_ADMIN)


def require_configurer(user, obj=None) -> None:
    """Refuse anyone but a configurer; ``obj`` lets it serve as update_object's ``authorize``."""
    if not may_configure(user):
        raise PermissionDenied("只有系统管理员可以维护项目配置。")
