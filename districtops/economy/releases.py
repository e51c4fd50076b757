"""The month lifecycle of a district's statistics (数据审定与发布).

A statistics period is 采集中 while the enterprises' reports come in, 审核中 while the bureau
reviews it, 已发布 once the bureau closes it. Leaders' pages (the economy dashboard for leaders,
the cockpit, the big screen, the briefing and their API) show ``latest_published`` — never a
half-reported month; the district's statisticians see the collecting month too (``latest_for``).

A period that has reports or figures but no ``PeriodRelease`` row is 采集中: the row is written
by its first move, so a newly imported month needs no bookkeeping. Moves go through
``gate.services`` (version check, audit row). Who may move a period: the district's
statisticians, decided by ``policies.can_publish_period`` (the one place that says who a
statistician is). Reopening a published period needs a reason, which is kept and audited.

Progress of a collecting period: 应报 = the district's active 四上 enterprises in the register
(名录库) at the time of asking; 已报 = those with a current report for the period. After the
deadline (``EconomySettings.report_deadline_day`` of the month after the period, default the
10th) a missing report is listed as 迟报/拒报.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districtops.core import clock
from districtops.core.codes import SECTIONS, section_of
from districtops.gate import services as core_services
from districtops.org.models import Unit

from . import policies
from .models import Enterprise, IndicatorValue, MonthlyReport, PeriodRelease, ReleaseState
from .periods import Period

MIN_REASON = 5  # characters a reopening reason needs at least


def _limit(through) -> dt.date:
    """``through`` is a Period, a cockpit Month, a date or None (the business day)."""
    if through is None:
        return clock.today()
    if isinstance(through, dt.date):
        return through
    last_day = getattr(through, "last_day", None)
    if last_day is not None:
        return last_day
    return through.date


def latest_published(district, through=None) -> Period | None:
    """THE period leaders see: the district's latest published period up to ``through``."""
    district_id = getattr(district, "pk", district)
    top = PeriodRelease.objects.filter(
        district_id=district_id, state=ReleaseState.PUBLISHED, period__lte=_limit(through)
    ).aggregate(top=Max("period"))["top"]
    return Period.from_date(top) if top else None


def latest_with_data(district, through=None) -> Period | None:
    """The latest period with district-level figures (the collecting one, for statisticians)."""
    district_id = getattr(district, "pk", district)
    top = IndicatorValue.objects.filter(unit_id=district_id, period__lte=_limit(through)).aggregate(
        top=Max("period")
    )["top"]
    reported = MonthlyReport.objects.filter(
        district_id=district_id, is_current=True, period__lte=_limit(through)
    ).aggregate(top=Max("period"))["top"]
    tops = [d for d in (top, reported) if d]
    return Period.from_date(max(tops)) if tops else None


def sees_unpublished(user, district_id: int) -> bool:
    return user is not None and policies.is_statistician(user, district_id)


def latest_for(user, district_id: int) -> Period | None:
    """The period a page opens on for ``user``: statisticians the latest with data (the collecting
    month), everybody else the latest published one."""
    if sees_unpublished(user, district_id):
        return latest_with_data(district_id)
    return latest_published(district_id)


def is_visible(user, district_id: int, period: Period) -> bool:
    """May ``user`` see figures of ``period``? Published, or the person is a statistician."""
    if sees_unpublished(user, district_id):
        return True
    return PeriodRelease.objects.filter(
        district_id=district_id, period=period.date, state=ReleaseState.PUBLISHED
    ).exists()


def state_of(district_id: int, period: Period) -> str:
    row = PeriodRelease.objects.filter(district_id=district_id, period=period.date).first()
    return row.state if row else ReleaseState.COLLECTING


@dataclass
class PeriodRow:
    period: Period
    state: str
    release: PeriodRelease | None
    reports: int

    @property
    def state_label(self):
        return ReleaseState(self.state).label

    @property
    def state_css(self):
        return ReleaseState(self.state).css

    @property
    def moves(self) -> list[dict]:
        return moves_from(self.state)


# The form's action for each target of RELEASE_TRANSITIONS (reopening is a move to 审核中 from 已发布
# and needs a reason); the release page draws its buttons from this, the services enforce the table.
_MOVE_BUTTONS = {
    ReleaseState.COLLECTING: ("collect", _("退回采集"), "btn-sm"),
    ReleaseState.REVIEWING: ("review", _("进入审核"), "btn-sm"),
    ReleaseState.PUBLISHED: ("publish", _("审定发布"), "btn-sm btn-primary"),
}
_REOPEN = ("reopen", _("重新打开"), "btn-sm btn-outline-danger")


def moves_from(state: str) -> list[dict]:
    """The moves a period in ``state`` allows (RELEASE_TRANSITIONS), in the page's order."""
    from .models import RELEASE_TRANSITIONS

    state = ReleaseState(state)
    moves = []
    for target in ReleaseState:  # collecting, reviewing, published
        if target not in RELEASE_TRANSITIONS[state]:
            continue
        reopen = state == ReleaseState.PUBLISHED and target == ReleaseState.REVIEWING
        action, label, css = _REOPEN if reopen else _MOVE_BUTTONS[target]
        moves.append({"action": action, "label": label, "css": css, "reason": reopen})
    return moves


def period_list(district_id: int, limit: int = 24) -> list[PeriodRow]:
    """The district's periods, newest first: every period with reports, figures or a release row."""
    from django.db.models import Count

    reports = dict(
        MonthlyReport.objects.filter(district_id=district_id, is_current=True)
        .values_list("period")
        .annotate(n=Count("id"))
        .values_list("period", "n")
    )
    dates = set(reports)
    dates |= set(
        IndicatorValue.objects.filter(unit_id=district_id).values_list("period", flat=True).distinct()
    )
    releases = {r.period: r for r in PeriodRelease.objects.filter(district_id=district_id)}
    dates |= set(releases)
    rows = []
    for day in sorted({Period.from_date(d).date for d in dates}, reverse=True)[:limit]:
        release = releases.get(day)
        state = release.state if release else ReleaseState.COLLECTING
        rows.append(PeriodRow(Period.from_date(day), state, release, reports.get(day, 0)))
    return rows


# --- moves -------------------------------------------------------------------------------


def _authorize(actor, district_id: int) -> None:
    if not policies.can_publish_period(actor, district_id):
        raise PermissionDenied("只有本区统计员可以审定和发布统计数据")


def _has_data(district_id: int, period: Period) -> bool:
    return (
        MonthlyReport.objects.filter(district_id=district_id, period=period.date, is_current=True).exists()
        or IndicatorValue.objects.filter(unit_id=district_id, period=period.date).exists()
    )


def _move(actor, district: Unit, period: Period, target: str, *, expected_version, reason="", message=""):
    _authorize(actor, district.pk)
    current = PeriodRelease.objects.filter(district=district, period=period.date).first()
    state = current.state if current else ReleaseState.COLLECTING
    if target == state:
        raise ValidationError({"state": f"{period.label}已是“{ReleaseState(state).label}”状态，不能重复操作"})
    from .models import RELEASE_TRANSITIONS

    if target not in RELEASE_TRANSITIONS[ReleaseState(state)]:
        raise ValidationError(
            {
                "state": f"{period.label}当前为“{ReleaseState(state).label}”，"
                f"不能变为“{ReleaseState(target).label}”"
            }
        )
    changes = {"state": target}
    if target == ReleaseState.PUBLISHED:
        changes |= {"published_at": timezone.now(), "published_by": actor}
    if reason:
        changes["reopen_reason"] = reason
    if current is None:
        obj = PeriodRelease(district=district, period=period.date, **changes)
        return core_services.create_object(actor, obj, message=message)
    return core_services.update_object(
        actor,
        current,
        changes,
        expected_version=expected_version,
        message=message,
        action="manage",
        audit_action="update",
    )


def start_review(actor, district: Unit, period: Period, *, expected_version=None) -> PeriodRelease:
    """采集中 → 审核中 (or back to 审核中 is refused when already there)."""
    if not _has_data(district.pk, period):
        raise ValidationError({"period": f"{period.label}还没有任何报表或指标，不能进入审核"})
    return _move(
        actor, district, period, ReleaseState.REVIEWING, expected_version=expected_version, message="进入审核"
    )


def back_to_collecting(actor, district: Unit, period: Period, *, expected_version=None) -> PeriodRelease:
    """审核中 → 采集中: more reports are expected."""
    return _move(
        actor,
        district,
        period,
        ReleaseState.COLLECTING,
        expected_version=expected_version,
        message="退回采集",
    )


def publish(actor, district: Unit, period: Period, *, expected_version=None) -> PeriodRelease:
    """审定/发布: from now on leaders' pages show this period (if it is the latest published)."""
    if not _has_data(district.pk, period):
        raise ValidationError({"period": f"{period.label}还没有任何报表或指标，不能发布"})
    return _move(
        actor, district, period, ReleaseState.PUBLISHED, expected_version=expected_version, message="审定发布"
    )


def reopen(actor, district: Unit, period: Period, reason: str, *, expected_version=None) -> PeriodRelease:
    """已发布 → 审核中, with a reason (kept on the row and in the audit chain)."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": f"重新打开已发布的统计期须说明原因（至少 {MIN_REASON} 个字）"})
    return _move(
        actor,
        district,
        period,
        ReleaseState.REVIEWING,
        expected_version=expected_version,
        reason=reason,
        message=f"重新打开：{reason}",
    )


def publish_all(actor, district: Unit) -> int:
    """Publish every period of the district that has data and is not published (the demo loader
    closes its fictional months this way); returns how many were published."""
    count = 0
    for row in sorted(period_list(district.pk, limit=10_000), key=lambda r: r.period):
        if row.state != ReleaseState.PUBLISHED and _has_data(district.pk, row.period):
            publish(
                actor, district, row.period, expected_version=row.release.version if row.release else None
            )
            count += 1
    return count


# --- progress of a period ------------------------------------------------------------------


def deadline(district_id: int, period: Period) -> dt.date:
    """The last day to report ``period``: the settings' day of the following calendar month."""
    from .services import settings_for

    day = settings_for(district_id).report_deadline_day or 10
    year, month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day, last))


@dataclass
class Tally:
    key: str
    label: str
    expected: int = 0
    reported: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.reported

    @property
    def share(self) -> float | None:
        return self.reported / self.expected if self.expected else None


@dataclass
class Progress:
    period: Period
    state: str
    expected: int
    reported: int
    deadline: dt.date
    overdue: bool
    by_street: list[Tally] = field(default_factory=list)
    by_section: list[Tally] = field(default_factory=list)
    missing: list[Enterprise] = field(default_factory=list)
    unexpected: int = 0  # reports from firms not (or no longer) in the 四上 register

    @property
    def state_label(self):
        return ReleaseState(self.state).label

    @property
    def missing_label(self) -> str:
        return "迟报/拒报" if self.overdue else "未报"


def progress(district_id: int, period: Period, *, today: dt.date | None = None) -> Progress:
    """已报 X / 应报 Y 家 for ``period``, by street and by industry section, with who is missing.
    Three reads: the register, the reporting firms, the street names."""
    expected = list(
        Enterprise.objects.filter(district_id=district_id, is_active=True, is_above_scale=True)
        .only("id", "name", "credit_code", "industry_code", "street_id")
        .order_by("street_id", "industry_code", "name")
    )
    reported_ids = set(
        MonthlyReport.objects.filter(district_id=district_id, period=period.date, is_current=True)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )
    streets = dict(
        Unit.objects.filter(pk__in={e.street_id for e in expected if e.street_id}).values_list("pk", "name")
    )
    by_street: dict = defaultdict(lambda: None)
    by_section: dict = {}
    missing = []
    for firm in expected:
        has = firm.pk in reported_ids
        street_key = str(firm.street_id or "")
        if by_street[street_key] is None:
            by_street[street_key] = Tally(street_key, streets.get(firm.street_id, "未划分街道"))
        section = section_of(firm.industry_code) if firm.industry_code else ""
        if section not in by_section:
            by_section[section] = Tally(
                section, f"{section} {SECTIONS.get(section, '')}".strip() or "未知行业"
            )
        for tally in (by_street[street_key], by_section[section]):
            tally.expected += 1
            tally.reported += has
        if not has:
            firm.street_name = streets.get(firm.street_id, "")
            firm.section = section
            missing.append(firm)
    due = deadline(district_id, period)
    expected_ids = {e.pk for e in expected}
    return Progress(
        period=period,
        state=state_of(district_id, period),
        expected=len(expected),
        reported=len(expected_ids & reported_ids),
        deadline=due,
        overdue=(today or clock.today()) > due,
        by_street=sorted((t for t in by_street.values() if t), key=lambda t: t.label),
        by_section=sorted(by_section.values(), key=lambda t: t.key),
        missing=missing,
        unexpected=len(reported_ids - expected_ids),
    )
