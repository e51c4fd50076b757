"""The matter state machine as a table (docs/domain.md §4).

交办 assigned → 签收 acknowledged → 办理 in progress → 申请办结 closure requested →
审核 closed, or 退回 returned for rework (and back to in progress / closure requested).
Actions that do not move the state (extension, 催办, 挂牌, opinion, overdue reason) are in
the same table with ``from == to``, so "which action is allowed in which state" has one answer.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterState(models.TextChoices):
    ASSIGNED = "assigned", _("已交办")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    CLOSURE_REQUESTED = "closure_requested", _("申请办结")
    RETURNED = "returned", _("退回重办")
    CLOSED = "closed", _("已办结")

    @property
    def css(self) -> str:
        """The badge colour of the state (every page and the matter table use this)."""
        return STATE_CSS.get(self, "bg-blue-lt")


S = MatterState
STATE_CSS = {S.CLOSED: "bg-green-lt", S.RETURNED: "bg-orange-lt", S.CLOSURE_REQUESTED: "bg-purple-lt"}
OPEN_STATES = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED})
WORKING = (S.ACKNOWLEDGED, S.IN_PROGRESS, S.RETURNED)


def _stay(states):
    return {s: s for s in states}


# action → (permission action of the gate, {from state: to state}, label)
TRANSITIONS: dict[str, tuple[str, dict[str, str], str]] = {
    "acknowledge": ("change", {S.ASSIGNED: S.ACKNOWLEDGED}, _("签收")),
    "report_progress": ("report", {s: S.IN_PROGRESS for s in WORKING}, _("报送进展")),
    "request_closure": ("change", {s: S.CLOSURE_REQUESTED for s in WORKING}, _("申请办结")),
    "verify_close": ("manage", {S.CLOSURE_REQUESTED: S.CLOSED}, _("审核办结")),
    "return_for_rework": ("manage", {S.CLOSURE_REQUESTED: S.RETURNED}, _("退回重办")),
    "request_extension": ("change", _stay(OPEN_STATES), _("申请延期")),
    "decide_extension": ("manage", _stay(OPEN_STATES), _("审批延期")),
    "remind": ("manage", _stay(OPEN_STATES), _("催办")),
    "list_for_supervision": ("manage", _stay(OPEN_STATES), _("挂牌督办")),
    "record_overdue_reason": ("change", _stay(OPEN_STATES), _("说明逾期原因")),
    "add_opinion": ("manage", _stay(MatterState.values), _("审核意见")),
    "support_feedback": ("report", _stay(OPEN_STATES), _("协办反馈")),
}

# Who takes each action, besides the gate's permission: "lead" — a person of the lead unit
# (a district supervisor has ``change`` on every matter of the district, but 签收 and 申请办结 are
# the lead unit's to do); "support" — a person of one of the supporting units; "oversight" — a
# leader or supervisor of the district (the ``manage`` gate says that already). The service
# (``policies.check``) and the matter page's action panel (``policies.offered``) both read it.
SIDE: dict[str, str] = {
    "acknowledge": "lead",
    "report_progress": "lead",
    "request_closure": "lead",
    "request_extension": "lead",
    "record_overdue_reason": "lead",
    "support_feedback": "support",
    "verify_close": "oversight",
    "return_for_rework": "oversight",
    "decide_extension": "oversight",
    "remind": "oversight",
    "list_for_supervision": "oversight",
    "add_opinion": "oversight",
}

# Actions whose page asks "are you sure?" before the service runs (a server-rendered step).
CONFIRM = frozenset({"verify_close", "return_for_rework"})

ACTIONS = tuple(TRANSITIONS)


def target(action: str, state: str) -> str | None:
    """The state after ``action`` from ``state``; None when the table does not allow it."""
    return TRANSITIONS[action][1].get(state)


def allowed_actions(state: str) -> list[str]:
    return [a for a, (_perm, table, _label) in TRANSITIONS.items() if state in table]


# Events the platform writes itself: shown in a matter's log, never offered as buttons.
SYSTEM_EVENTS: dict[str, str] = {
    "assign": _("交办"),
    "recompute_deadline": _("办理时限重算"),
}


def label(action: str) -> str:
    if action in SYSTEM_EVENTS:
        return str(SYSTEM_EVENTS[action])
    return str(TRANSITIONS[action][2])
