"""Who may do what in the economy module — named predicates the view (to show a button), the
service (to enforce) and the template (through the context) all call.

Object-level grants (a finding's explanation, a target, a price index, the district's
parameters) are declared with each model's ``ScopeRules`` (``roles={"change": STATISTICIANS}``)
and asked through the gate, ``Model.objects.restrict(user, action)``; the predicates here answer
the questions asked before an object exists (an import into a district, a new target) and the
rules that are not about a district (the city-wide audit rule set). docs/permissions.md maps them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from districtops.gate import permissions
from districtops.org.roles import STATISTICIANS

from .models import FINDING_TRANSITIONS, FindingStatus


def statistician_districts(user):
    """Districts where the person is a statistician (ALL for the system, i.e. ``user=None``,
    and for a statistician of the city's bureau)."""
    if user is None:
        return permissions.ALL
    return permissions.scope_of(user).districts_with(STATISTICIANS)


def is_statistician(user, district_id: int | None = None) -> bool:
    """A statistician of the district — of some district when ``district_id`` is None."""
    if not district_id:
        return permissions.holds_anywhere(user, STATISTICIANS)
    return permissions.holds_in(user, STATISTICIANS, district_id)


def require_statistician(user, district_id: int | None = None, message: str = "只有本区统计员可以执行此操作"):
    """Refuse anyone but a statistician of the district (of some district when None); returns the
    districts where the person is one, for importers that check each row's district."""
    if not is_statistician(user, district_id):
        raise PermissionDenied(message)
    return statistician_districts(user)


def can_tune_rules(user) -> bool:
    """The audit rule set is city-wide configuration: any statistician tunes it."""
    return is_statistician(user)


def can_enter_figure(user, district_id: int | None, *, published: bool) -> bool:
    """A statistician enters the district's department figures, and records a peer district's
    published figure for comparison (the same grant as IndicatorValue's ``published_roles``)."""
    return is_statistician(user, district_id) or (published and is_statistician(user))


def may_explain(user, finding) -> bool:
    """Record the enterprise's explanation of a finding: whoever holds ``report`` on it (the
    street's staff, the district's statisticians, leaders and supervisors — Finding's ScopeRules)."""
    return user is None or permissions.can(user, "report", finding)


def may_review(user, finding) -> bool:
    """Accept or reject an explanation: whoever holds ``manage`` on the finding (the district's
    statisticians — Finding's ScopeRules)."""
    return user is None or permissions.can(user, "manage", finding)


def finding_moves(user, findings) -> dict[int, set[str]]:
    """For each finding of a page, the moves the person may make now: ``explain`` (the finding
    is open or rejected) and ``review`` (it is explained) — FINDING_TRANSITIONS for the state,
    the gate for the person, in two queries for the whole page."""
    from .models import Finding

    findings = list(findings)
    pks = [f.pk for f in findings]
    explainers = set(Finding.objects.filter(pk__in=pks).restrict(user, "report").values_list("pk", flat=True))
    reviewers = set(Finding.objects.filter(pk__in=pks).restrict(user, "manage").values_list("pk", flat=True))
    moves = {}
    for f in findings:
        targets = FINDING_TRANSITIONS[FindingStatus(f.status)]
        moves[f.pk] = {
            move
            for move, allowed in (
                ("explain", FindingStatus.EXPLAINED in targets and f.pk in explainers),
                ("review", FindingStatus.ACCEPTED in targets and f.pk in reviewers),
            )
            if allowed
        }
    return moves


def can_publish_period(user, district_id: int) -> bool:
    """审定、发布、重新打开 a period: the district's statisticians."""
    return is_statistician(user, district_id)
