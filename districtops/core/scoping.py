"""What a model tells the gate, and the query set that asks it — the ground floor's half of it.

A model declares ``scope_rules = ScopeRules(...)`` (which paths lead to its district, its lead
and supporting units, who holds which action) and uses ``ScopedManager`` so that
``Model.objects.restrict(user, action)`` answers. The answer itself is the gate's
(``districtops.gate.permissions``, above ``org``): it registers itself here when it is imported,
so that this module — and every app's models — imports nothing of the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

ACTIONS = ("view", "report", "change", "manage")


@dataclass(frozen=True)
class ScopeRules:
    """How a model answers the gate. Field paths are ORM lookups from the model.

    district        path to the district Unit the object belongs to
    lead            paths to units that lead it (the territorial unit, a command post …)
    support         many-valued path to supporting units
    district_view_roles   roles that see the whole district (beyond leaders and supervisors)
    published       boolean field: True makes the row visible to every district (peer data)
    org             organisation objects: view = own districts, manage = system admin
    multi_district  the district path crosses a to-many relation (use a subquery)
    public          extra Q of rows every signed-in person may view
    roles           action → roles that hold it across the object's district, in place of the
                    default (leaders and supervisors; for ``view`` also ``district_view_roles``)
    unit_roles      action → roles of a lead or supporting unit that hold it, in place of
                    UNIT_ROLES (``{"change": {Role.UNIT_HEAD}}``: the unit head, not its staff)
    published_roles action → roles that hold it on published rows of every district
                    (a statistician records a peer district's published figure)
    """

    district: str
    lead: tuple[str, ...] = ()
    support: str | None = None
    district_view_roles: frozenset = frozenset()
    published: str | None = None
    org: bool = False
    multi_district: bool = False
    public: Q | None = None
    roles: Mapping[str, frozenset] = field(default_factory=dict)
    unit_roles: Mapping[str, frozenset] = field(default_factory=dict)
    published_roles: Mapping[str, frozenset] = field(default_factory=dict)

    def __post_init__(self):
        for grants in (self.roles, self.unit_roles, self.published_roles):
            unknown = set(grants) - set(ACTIONS)
            if unknown:
                raise ValueError(f"unknown action {sorted(unknown)!r} in ScopeRules")


_restrictor = None


def set_restrictor(fn) -> None:
    """The gate's ``restrict(queryset, user, action)``: called once, by ``districtops.gate``."""
    global _restrictor
    _restrictor = fn


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        if _restrictor is None:
            raise ImproperlyConfigured("districtops.gate is not installed: nobody answers restrict()")
        return _restrictor(self, user, action)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
