"""The rules the battle map and the warnings apply, as plain functions of (row, today).

Thresholds are settings with the defaults docs/domain.md §3 states (*conventions*):

- ``PROJECTS_RED_SHARE`` (0.7): progress below 70 % of the elapsed share is far behind (red);
- ``PROJECTS_FUND_LAG_POINTS`` (20): disbursement may trail physical progress by 20 points;
- ``PROJECTS_STALLED_DAYS`` (90): an investment project with no stage change for 90 days is stalled.

The last two are only the defaults: the system administrator edits them on the settings screen
(``ProjectSettings``), and ``fund_lag_points()`` / ``stalled_days()`` read that row.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# A node postponed this many times after entering a baseline is red (docs/projects.md, 计划基线).
SLIPS_RED = 2


def red_share() -> float:
    return float(getattr(settings, "PROJECTS_RED_SHARE", 0.7))


def fund_lag_points() -> int:
    """Edited on the settings screen (ProjectSettings); one query — callers ask once per request."""
    from .models import ProjectSettings

    return ProjectSettings.current().fund_lag_points


def stalled_days() -> int:
    """Edited on the settings screen (ProjectSettings); one query — callers ask once per request."""
    from .models import ProjectSettings

    return ProjectSettings.current().stalled_days


class NodeState:
    PENDING = "pending"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    DONE = "done"


NODE_STATE_LABELS = {
    NodeState.PENDING: _("未开始"),
    NodeState.ON_TRACK: _("正常推进"),
    NodeState.AT_RISK: _("进度滞后"),
    NodeState.OVERDUE: _("已逾期"),
    NodeState.DONE: _("已完成"),
}
NODE_STATE_COLOURS = {
    NodeState.PENDING: "#adb5bd",
    NodeState.ON_TRACK: "#206bc4",
    NodeState.AT_RISK: "#f59f00",
    NodeState.OVERDUE: "#d63939",
    NodeState.DONE: "#2fb344",
}


def elapsed_share(start: dt.date, end: dt.date, today: dt.date) -> float:
    """Share of the planned span gone by the end of ``today`` (0 before start, 1 after end)."""
    if today < start:
        return 0.0
    span = (end - start).days + 1
    return min(1.0, ((today - start).days + 1) / span)


@dataclass(frozen=True)
class NodeStatus:
    state: str
    elapsed: float  # share of the planned span gone
    far_behind: bool  # progress below red_share() of the elapsed share

    @property
    def label(self):
        return NODE_STATE_LABELS[self.state]

    @property
    def colour(self):
        return NODE_STATE_COLOURS[self.state]


def pace_dates(planned_start: dt.date, planned_end: dt.date, progress: int) -> tuple[dt.date, dt.date]:
    """The last day a node with ``progress`` keeps pace, and the last day it is not yet far behind.

    时间过半、任务过半 in whole numbers: with d days of a span of n gone (today inclusive) the node
    keeps pace while progress/100 ≥ d/n, i.e. d ≤ ⌊progress·n/100⌋, and is far behind (red) once
    progress/100 < red_share·d/n, i.e. d > ⌊progress·n/(100·red_share)⌋. Neither depends on today,
    so they are stored on the node (``ProjectNode.on_pace_until`` / ``amber_until``) and the state
    of any day is a plain date comparison, in Python here and in SQL (``node_state_sql``).
    """
    span = (planned_end - planned_start).days + 1
    share = Fraction(str(red_share()))
    keeps = (progress * span) // 100
    amber = math.floor(Fraction(progress * span, 100) / share) if share else span
    before = planned_start - dt.timedelta(days=1)
    return before + dt.timedelta(days=keeps), before + dt.timedelta(days=max(amber, keeps))


def state_from_pace(planned_start, planned_end, actual_end, on_pace_until, amber_until, today) -> NodeStatus:
    """The node's state on ``today`` from its stored pace dates (see ``pace_dates``)."""
    if actual_end is not None:
        return NodeStatus(NodeState.DONE, 1.0, False)
    if today > planned_end:
        return NodeStatus(NodeState.OVERDUE, 1.0, True)
    share = elapsed_share(planned_start, planned_end, today)
    if share == 0.0:
        return NodeStatus(NodeState.PENDING, 0.0, False)
    if today <= on_pace_until:
        return NodeStatus(NodeState.ON_TRACK, share, False)
    return NodeStatus(NodeState.AT_RISK, share, today > amber_until)


def node_status(planned_start, planned_end, actual_end, progress: int, today: dt.date) -> NodeStatus:
    """时间过半、任务过半, generalised: progress must keep up with the elapsed share of the span."""
    on_pace_until, amber_until = pace_dates(planned_start, planned_end, progress or 0)
    return state_from_pace(planned_start, planned_end, actual_end, on_pace_until, amber_until, today)


def status_of(node, today: dt.date) -> NodeStatus:
    return node_status(node.planned_start, node.planned_end, node.actual_end, node.progress, today)


def funds_lag(
    progress_percent: float, approved: Decimal, disbursed: Decimal, margin: int | None = None
) -> float | None:
    """Points by which disbursement (of the approved money) trails physical progress by more
    than ``margin`` (default ``fund_lag_points()``), or None."""
    if not approved:
        return None
    disbursed_percent = float(disbursed) / float(approved) * 100
    lag = progress_percent - disbursed_percent
    return lag if lag > (fund_lag_points() if margin is None else margin) else None


def is_stalled(stage: str, stage_changed_on: dt.date, today: dt.date, days: int | None = None) -> bool:
    """Not producing and no stage change for more than ``days`` (default ``stalled_days()``)."""
    from .models import Stage

    days = stalled_days() if days is None else days
    return stage != Stage.PRODUCING and (today - stage_changed_on).days > days


def ratio(part, whole) -> float | None:
    return None if not whole else float(part) / float(whole)


# --- the same rules in SQL (stored pace dates; the date arithmetic is done on write) ------------


def node_state_sql(today: dt.date):
    """A CASE expression giving a ProjectNode's state on ``today`` (agrees with node_status)."""
    from django.db.models import Case, CharField, Q, Value, When

    return Case(
        When(actual_end__isnull=False, then=Value(NodeState.DONE)),
        When(planned_end__lt=today, then=Value(NodeState.OVERDUE)),
        When(planned_start__gt=today, then=Value(NodeState.PENDING)),
        When(Q(on_pace_until__gte=today), then=Value(NodeState.ON_TRACK)),
        default=Value(NodeState.AT_RISK),
        output_field=CharField(),
    )


def far_behind_sql(today: dt.date):
    """True for an open node that is overdue or below red_share() of its elapsed share on ``today``."""
    from django.db.models import BooleanField, Case, Q, Value, When

    return Case(
        When(Q(actual_end__isnull=False) | Q(planned_start__gt=today), then=Value(False)),
        When(Q(planned_end__lt=today) | Q(amber_until__lt=today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def slip_red_q():
    """Nodes red for their plan: postponed twice or more after entering a baseline, until made up
    (finished on or before the planned end of their first baseline). Red whatever their state
    against the latest plan; a late finish keeps it on record."""
    from django.db.models import F, Q

    return Q(plan_slips__gte=SLIPS_RED) & (
        Q(actual_end__isnull=True) | Q(baseline_end__isnull=True) | Q(actual_end__gt=F("baseline_end"))
    )


def slip_red_sql():
    from django.db.models import BooleanField, Case, Value, When

    return Case(When(slip_red_q(), then=Value(True)), default=Value(False), output_field=BooleanField())


def is_slip_red(plan_slips: int, actual_end, baseline_end) -> bool:
    """The same rule as ``slip_red_q`` for one node in Python."""
    if plan_slips < SLIPS_RED:
        return False
    return actual_end is None or baseline_end is None or actual_end > baseline_end


def parse_node_state(value, field: str = "state") -> str | None:
    """A node state from a query string: None when absent, ValidationError naming ``field`` when
    it is not one of NodeState (a forged link answers 400/422, never a KeyError)."""
    from django.core.exceptions import ValidationError

    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if text not in NODE_STATE_LABELS:
        raise ValidationError(
            {
                field: _("未知的节点状态“%(value)s”，可选：%(choices)s。")
                % {"value": text[:40], "choices": "、".join(NODE_STATE_LABELS)}
            }
        )
    return text


def node_state_q(state: str, today: dt.date):
    """A filter on ProjectNode rows in ``state`` on ``today`` (for Exists subqueries)."""
    from django.db.models import Q

    state = parse_node_state(state)
    return {
        NodeState.DONE: Q(actual_end__isnull=False),
        NodeState.OVERDUE: Q(actual_end__isnull=True, planned_end__lt=today),
        NodeState.PENDING: Q(actual_end__isnull=True, planned_end__gte=today, planned_start__gt=today),
        NodeState.ON_TRACK: Q(
            actual_end__isnull=True,
            planned_end__gte=today,
            planned_start__lte=today,
            on_pace_until__gte=today,
        ),
        NodeState.AT_RISK: Q(
            actual_end__isnull=True, planned_end__gte=today, planned_start__lte=today, on_pace_until__lt=today
        ),
    }[state]
