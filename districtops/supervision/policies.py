"""Who may do what in supervision — named predicates the view (to show a button), the service
(to enforce) and the template (through the context) all call.

Object-level grants are the models' ``ScopeRules`` asked through the gate (a matter's moves name
their action in states.TRANSITIONS; a unit's reminder settings are ``change``d by its head or the
district's oversight). The predicates here answer the questions asked before an object exists.
docs/permissions.md maps them.
"""

from __future__ import annotations

from districtops.core import permissions
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_HEADS


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
