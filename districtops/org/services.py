"""Writes to the organisation: units, people, memberships. System administrators only (三员分立)."""

from __future__ import annotations

import re
import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from districtops.core.crypto import sm4_encrypt
from districtops.gate import permissions, services

from .models import Membership, Unit, UnitKind
from .policies import require_grantable
from .roles import ADMIN_ROLES, Role


def _require_manage(actor, unit: Unit | None) -> None:
    if actor is None:
        return
    if unit is None:
        if permissions.scope_of(actor).districts_with({Role.SYS_ADMIN}) != permissions.ALL:
            raise PermissionDenied("only a city-level system administrator may add a top-level unit")
        return
    permissions.require(actor, "manage", unit)


def _place(unit: Unit) -> None:
    """Set path-derived fields from the parent (the unit must have a pk)."""
    parent = unit.parent
    unit.depth = parent.depth + 1 if parent else 0
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    if unit.kind == UnitKind.DISTRICT:
        unit.district_id = unit.pk
    elif unit.kind == UnitKind.CITY:
        unit.district_id = None
    else:
        unit.district_id = parent.district_id if parent else None


def create_unit(
    actor,
    *,
    name: str,
    kind: str,
    parent: Unit | None,
    division_code: str = "",
    short_name: str = "",
    sort_order: int = 0,
) -> Unit:
    """Add a unit under ``parent``. The actor must manage the parent's district."""
    with transaction.atomic():
        _require_manage(actor, parent)
        unit = Unit(
            name=name.strip(),
            kind=kind,
            parent=parent,
            division_code=division_code.strip(),
            short_name=short_name.strip(),
            sort_order=sort_order,
            path="/pending/",
        )
        services.validate(unit, exclude=["path"])
        unit.save()
        _place(unit)
        unit.save(update_fields=["path", "depth", "district"])
        services.record(actor, "create", unit, after=services.snapshot(unit))
        permissions.ensure_in_scope(actor, unit, "manage")
    return unit


def update_unit(actor, unit: Unit, *, expected_version: int | None, **changes) -> Unit:
    """Edit a unit; moving it re-roots its whole subtree (paths and district) in the same transaction."""
    new_parent = changes.get("parent", unit.parent)
    if new_parent is not None and unit.pk and new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": "不能把单位移到它自己或它的下级单位之下。"})
    with transaction.atomic():
        if "parent" in changes and new_parent != unit.parent:
            _require_manage(actor, new_parent)
        old_path = unit.path
        updated = services.update_object(
            actor, unit, changes, expected_version=expected_version, action="manage"
        )
        _place(updated)
        if updated.path != old_path:
            Unit.objects.filter(pk=updated.pk).update(
                path=updated.path, depth=updated.depth, district=updated.district
            )
            for child in (
                Unit.objects.filter(path__startswith=old_path).exclude(pk=updated.pk).order_by("depth")
            ):
                child.parent = Unit.objects.get(pk=child.parent_id)
                _place(child)
                Unit.objects.filter(pk=child.pk).update(
                    path=child.path, depth=child.depth, district=child.district
                )
            permissions.ensure_in_scope(actor, updated, "manage")
    return updated


def generate_initial_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(12))
        if (
            any(c.isupper() for c in core)
            and any(c.islower() for c in core)
            and any(c.isdigit() for c in core)
        ):
            return core + "#"


def create_person(
    actor,
    *,
    username: str,
    display_name: str,
    unit: Unit,
    role: str,
    title: str = "",
    email: str = "",
    phone: str = "",
    password: str | None = None,
    check_password_policy: bool = True,
) -> tuple:
    """Create an account with its first membership. Returns (user, initial_password).

    The person must change the password at first login. Only the demo loader passes
    ``check_password_policy=False``: the brief fixes the shared demo password "Demo@2021",
    which is one character short of the policy (docs/permissions.md says so).
    """
    User = get_user_model()
    password = password or generate_initial_password()
    with transaction.atomic():
        _require_manage(actor, unit)
        require_grantable(actor, role)
        if User.objects.filter(username__iexact=username.strip()).exists():
            raise ValidationError({"username": "该用户名已被使用。"})
        user = User(
            username=username.strip(),
            display_name=display_name.strip(),
            email=email.strip(),
            phone=phone.strip(),
            must_change_password=True,
        )
        if check_password_policy:
            validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        services.validate(user, exclude=["password"])
        user.save()
        membership = Membership(user=user, unit=unit, role=role, title=title)
        services.validate(membership)
        membership.save()
        services.record(actor, "create", user, after=services.snapshot(user))
        services.record(actor, "create", membership, after=services.snapshot(membership))
        permissions.forget_scope(actor) if actor is not None else None
        permissions.ensure_in_scope(actor, user, "manage")
    return user, password


MOBILE = re.compile(r"^1\d{10}$")


def mobile_changes(mobile: str | None) -> dict:
    """The stored form of a typed mobile: None or blank keeps the stored one, "-" clears it."""
    if mobile is None or not mobile.strip():
        return {}
    mobile = "".join(mobile.split())
    if mobile == "-":
        return {"mobile_encrypted": ""}
    if not MOBILE.match(mobile):
        raise ValidationError({"mobile": "手机号应为 11 位数字，以 1 开头。"})
    return {"mobile_encrypted": sm4_encrypt(mobile, "mobile")}


def update_person(actor, person, *, expected_version: int | None, **changes):
    """Change a person's details. ``mobile`` is write-only: blank keeps it, "-" clears it."""
    allowed = {"display_name", "email", "phone", "is_active", "mobile"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"不可修改的字段：{', '.join(sorted(unknown))}")
    changes.update(mobile_changes(changes.pop("mobile", None)))
    return services.update_object(actor, person, changes, expected_version=expected_version, action="manage")


def add_membership(actor, *, person, unit: Unit, role: str, title: str = "") -> Membership:
    with transaction.atomic():
        _require_manage(actor, unit)
        require_grantable(actor, role)
        if role in ADMIN_ROLES or Membership.objects.filter(user=person, role__in=ADMIN_ROLES).exists():
            # 三员分立: an administrator account holds exactly one admin role and nothing else.
            if Membership.objects.filter(user=person).exclude(role=role).exists() or (
                role in ADMIN_ROLES and Membership.objects.filter(user=person).exists()
            ):
                raise ValidationError(
                    {"role": "三员分立：管理员账号只能担任一种管理员角色，且不能兼任业务角色。"}
                )
        membership = Membership(user=person, unit=unit, role=role, title=title)
        return services.create_object(actor, membership, scope_action="manage")


def remove_membership(actor, membership: Membership) -> None:
    services.delete_object(actor, membership, action="manage")


def bulk_load(actor, *, units: list[Unit], message: str) -> None:
    """Scale-data generator path: one audit record summarises a bulk load (see docs/benchmarks.md)."""
    services.record(
        actor, "bulk_load", None, object_type="org.unit", message=message, after={"units": len(units)}
    )
