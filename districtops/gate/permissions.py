"""The permission gate — the one place that decides who may see or touch what.

Every list view, detail view, API endpoint, form choice field, export and import
asks this module, through ``Model.objects.restrict(user, action)`` or
``require(user, action, obj)``. The rules are written out in docs/permissions.md.

Actions:
- ``view``   — see the object;
- ``report`` — add progress, documents or stage transitions (lead and supporting units);
- ``change`` — edit the object itself (lead unit, or oversight of its district);
- ``manage`` — assign, verify, close, delete (oversight of its district: leaders, supervisors);
- for organisation objects (``org=True``): ``view`` (own districts) and ``manage`` (system admin).

Who holds an action is declared with the model's ``ScopeRules``: by default the district's
leaders and supervisors hold every action across the district and the lead (and supporting)
units' people hold ``view``/``report``/``change``; ``roles`` and ``unit_roles`` name other
holders per action (``roles={"report": STATISTICIANS}`` — the statistician of the district),
so a write asks for its real action and the gate knows who may make it. The whole map is in
docs/permissions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from districtops.core.scoping import ACTIONS, ScopeRules, set_restrictor
from districtops.org.models import Membership, Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_ROLES, Role

ALL = "__all__"


@dataclass(frozen=True)
class Grant:
    unit_id: int
    district_id: int | None  # None: a city-level unit, which spans every district
    role: str


@dataclass
class Scope:
    user_id: int | None
    grants: tuple[Grant, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)

    def districts_with(self, roles) -> frozenset | str:
        """Districts in which the person holds one of ``roles``; ALL when held at city level."""
        key = ("d", frozenset(roles))
        if key not in self._cache:
            hits = [g for g in self.grants if g.role in roles]
            self._cache[key] = (
                ALL if any(g.district_id is None for g in hits) else frozenset(g.district_id for g in hits)
            )
        return self._cache[key]

    def units_with(self, roles) -> frozenset:
        return frozenset(g.unit_id for g in self.grants if g.role in roles)

    def has_role(self, *roles) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def home_districts(self) -> frozenset | str:
        return self.districts_with(set(Role.values))


def district_roles(rules: ScopeRules, action: str) -> frozenset:
    """The roles that hold ``action`` on every object of a district where they are held."""
    if action in rules.roles:
        return frozenset(rules.roles[action])
    if action == "view":
        return OVERSIGHT_ROLES | rules.district_view_roles
    return OVERSIGHT_ROLES


def lead_roles(rules: ScopeRules, action: str) -> frozenset:
    """The roles of a lead (or supporting) unit that hold ``action`` on its objects."""
    if action in rules.unit_roles:
        return frozenset(rules.unit_roles[action])
    return UNIT_ROLES if action in ("view", "report", "change") else frozenset()


def scope_of(user) -> Scope:
    """The person's grants, computed once per request and kept on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(user_id=None)
    cached = getattr(user, "_districtops_scope", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user_id=user.pk, unit__is_active=True).values_list(
        "unit_id", "unit__district_id", "unit__kind", "role"
    )
    grants = tuple(
        Grant(unit_id, None if kind == UnitKind.CITY else district_id, role)
        for unit_id, district_id, kind, role in rows
    )
    scope = Scope(user_id=user.pk, grants=grants)
    user._districtops_scope = scope
    return scope


def forget_scope(user) -> None:
    if hasattr(user, "_districtops_scope"):
        del user._districtops_scope


def _in(path: str, values) -> Q:
    return Q(**{f"{path}__in": values})


def scope_q(model, user, action: str) -> Q | None:
    """The filter for ``action`` on ``model``; None means everything is allowed."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    rules: ScopeRules = model.scope_rules
    scope = scope_of(user)
    nothing = Q(pk__in=[])
    if scope.user_id is None:
        return nothing

    def district_filter(districts):
        if districts == ALL:
            return None
        if not districts:
            return nothing
        if rules.multi_district:
            return Q(pk__in=model._base_manager.filter(_in(rules.district, districts)).values("pk"))
        return _in(rules.district, districts)

    if rules.org:
        if action == "view":
            q = district_filter(scope.home_districts)
            if q is None:
                return None
            if rules.public is not None:
                q |= rules.public
            if model._meta.label_lower == "accounts.user":
                q |= Q(pk=scope.user_id)
            return q
        return district_filter(scope.districts_with({Role.SYS_ADMIN}))

    q = nothing
    dq = district_filter(scope.districts_with(district_roles(rules, action)))
    if dq is None:
        return None
    q |= dq
    units = scope.units_with(lead_roles(rules, action))
    if units:
        for path in rules.lead:
            q |= _in(path, units)
        if rules.support and action in ("view", "report"):
            q |= Q(pk__in=model._base_manager.filter(_in(rules.support, units)).values("pk"))
    if action == "view" and rules.published:
        q |= Q(**{rules.published: True})
    elif (
        rules.published and action in rules.published_roles and scope.has_role(*rules.published_roles[action])
    ):
        q |= Q(**{rules.published: True})
    if action == "view" and rules.public is not None:
        q |= rules.public
    return q


def restrict(queryset, user, action: str = "view"):
    q = scope_q(queryset.model, user, action)
    return queryset if q is None else queryset.filter(q)


def can(user, action: str, obj) -> bool:
    """One object, one question. Unsaved objects are checked after saving (``ensure_in_scope``)."""
    if obj is None or obj.pk is None:
        return False
    return restrict(type(obj)._base_manager.filter(pk=obj.pk), user, action).exists()


def require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(f"{action} not allowed on {type(obj).__name__} {obj.pk}")


def ensure_in_scope(user, obj, action: str = "view") -> None:
    """After a write, inside its transaction: the object must still be in the writer's scope.

    Raising here rolls the surrounding ``transaction.atomic`` back. ``user=None`` is the
    system (management commands acting without a person, demo loader).
    """
    if user is None:
        return
    if not can(user, action, obj):
        raise PermissionDenied("写入后的对象超出了您的数据权限范围，已回滚。")


def has_role(user, *roles) -> bool:
    return scope_of(user).has_role(*roles)


def require_role(user, *roles) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied("role required: " + ", ".join(str(r) for r in roles))


def holds_in(user, roles, district_id: int | None) -> bool:
    """Does the person hold one of ``roles`` in district ``district_id`` (or at city level)?
    ``user=None`` is the system, which holds every role. The question a service asks before an
    object exists (an import into a district, a new row)."""
    if user is None:
        return True
    districts = scope_of(user).districts_with(roles)
    return districts == ALL or district_id in districts


def holds_anywhere(user, roles) -> bool:
    """Does the person hold one of ``roles`` in some unit? (``user=None``: the system, yes.)"""
    return user is None or scope_of(user).has_role(*roles)


def is_overseer(user, district_id: int | None = None) -> bool:
    """A leader or supervisor of the district (of some district when ``district_id`` is None)."""
    if district_id is None:
        return holds_anywhere(user, OVERSIGHT_ROLES)
    return holds_in(user, OVERSIGHT_ROLES, district_id)


def require_oversight(user, district_id, message: str) -> None:
    """Only the district's leaders and supervisors (``user=None`` is the system)."""
    if not holds_in(user, OVERSIGHT_ROLES, district_id):
        raise PermissionDenied(message)


def oversight_districts(user):
    """The district units where the person leads or supervises (区领导, 督查室), in code order."""
    districts = scope_of(user).districts_with(OVERSIGHT_ROLES)
    units = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).order_by("division_code")
    return units if districts == ALL else units.filter(pk__in=districts)


def units_for_choice(user, action: str = "view"):
    """Units a person may pick in a form field: what the gate lets them see."""
    return Unit.objects.restrict(user, action).filter(is_active=True)


def people_administered(user, role: str):
    """Accounts a system or security administrator looks after: everyone with a membership
    in the districts where ``user`` holds ``role`` (all, for a city-level administrator)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    districts = scope_of(user).districts_with({role})
    if districts == ALL:
        return User.objects.all()
    if not districts:
        return User.objects.none()
    return User.objects.filter(
        pk__in=User._base_manager.filter(memberships__unit__district__in=districts).values("pk")
    )


set_restrictor(restrict)
