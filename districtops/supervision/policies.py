"""Who may do what in supervision — one answer for the service (to enforce), the page (to offer
a button) and the template (through the context).

A matter's moves: the state table (``states.TRANSITIONS``), the side that acts (``states.SIDE``:
the lead unit, a supporting unit, or the district's oversight), the permission gate, and the
few conditions an action has besides its state (an overdue reason needs an overdue matter …).
``check`` is what ``services.check_transition`` calls; ``offered`` is what the matter page
shows as buttons — so a button is offered exactly when pressing it would be allowed.

Questions asked before an object exists (may this person assign a matter, set a unit's
reminder channels) are the named predicates at the end. docs/permissions.md maps them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from districtops.core import clock
from districtops.gate import permissions
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_HEADS, UNIT_ROLES

from . import states
from .models import Escalation, ExtensionStatus, Matter


def _overdue(matter: Matter) -> str | None:
    if matter.deadline >= clock.today():
        return "事项尚未逾期，无需说明逾期原因。"
    return None


def _reminded_not_listed(matter: Matter) -> str | None:
    if matter.escalation < Escalation.REMINDED:
        return "挂牌督办前须先催办。"
    if matter.escalation >= Escalation.LISTED:
        return "该事项已挂牌督办。"
    return None


def _no_pending_extension(matter: Matter) -> str | None:
    if matter.extensions.filter(status=ExtensionStatus.PENDING).exists():
        return "已有一份延期申请在审批中。"
    return None


# action → a function of the matter that returns why the action is refused now, or None.
CONDITIONS = {
    "record_overdue_reason": _overdue,
    "list_for_supervision": _reminded_not_listed,
    "request_extension": _no_pending_extension,
}


def _supporting_ids(matter: Matter) -> set[int]:
    cache = getattr(matter, "_prefetched_objects_cache", {})
    if "supporting_units" in cache:
        return {u.pk for u in cache["supporting_units"]}
    return set(matter.supporting_units.values_list("pk", flat=True))


def side_refusal(user, matter: Matter, action: str) -> str | None:
    """Why ``user`` is not on the side that takes ``action`` (None: they are)."""
    side = states.SIDE.get(action)
    if user is None or side in (None, "oversight"):
        return None  # the system acts for everyone; oversight is the ``manage`` gate's question
    units = permissions.scope_of(user).units_with(UNIT_ROLES)
    if side == "lead" and matter.lead_unit_id not in units:
        return f"“{states.label(action)}”由牵头单位办理。"
    if side == "support" and not (units & _supporting_ids(matter)):
        return f"“{states.label(action)}”由配合单位填写。"
    return None


def condition_refusal(matter: Matter, action: str) -> str | None:
    test = CONDITIONS.get(action)
    return test(matter) if test else None


def check(actor, matter: Matter, action: str) -> None:
    """After the state table and the gate (``services.check_transition``): the side and the
    action's own condition. Raises PermissionDenied (wrong side) or ValidationError."""
    reason = side_refusal(actor, matter, action)
    if reason:
        raise PermissionDenied(reason)
    reason = condition_refusal(matter, action)
    if reason:
        raise ValidationError(reason)


def offered(user, matter: Matter) -> list[str]:
    """The actions the matter page offers ``user`` now, in the table's order.

    ``decide_extension`` is taken on the extension request itself, not from the panel."""
    result, gate = [], {}
    for action in states.allowed_actions(matter.state):
        if action == "decide_extension":
            continue
        if side_refusal(user, matter, action):
            continue
        perm = states.TRANSITIONS[action][0]
        if perm not in gate:
            gate[perm] = permissions.can(user, perm, matter)
        if not gate[perm]:
            continue
        if condition_refusal(matter, action):
            continue
        result.append(action)
    return result


def supporting_unit_of(user, matter: Matter):
    """The supporting unit ``user`` speaks for on ``matter`` (the first, by name), or None."""
    units = permissions.scope_of(user).units_with(UNIT_ROLES)
    ids = units & _supporting_ids(matter)
    if not ids:
        return None
    return matter.supporting_units.filter(pk__in=ids).order_by("name").first()


def may_assign(user) -> bool:
    """交办 a matter, open the new-matter form: a leader or supervisor (of some district; the
    service checks the district of the lead unit)."""
    return permissions.is_overseer(user)


def headed_units(user) -> frozenset:
    """The units the person heads (单位负责人): their reminder settings are the person's to set."""
    return permissions.scope_of(user).units_with(UNIT_HEADS)


def may_manage_reminders(user, unit) -> bool:
    """Who sets a unit's reminder channels (and so sees that a robot is configured): the unit's
    head, or a leader or supervisor of its district — ReminderSettings' ``change`` grant, asked
    before the row exists. ``user=None`` is the system."""
    if user is None:
        return True
    return unit.pk in headed_units(user) or permissions.holds_in(user, OVERSIGHT_ROLES, unit.district_id)
