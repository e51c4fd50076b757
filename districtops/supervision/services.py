"""Writes to supervised matters and meetings. Every function takes the acting user first
(None = the system) and runs permission, validation, audit and scope re-check in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from districtops.core import attachments as files
from districtops.core import clock, crypto, webhooks
from districtops.gate import permissions, services
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import UNIT_ROLES, Role

from . import policies, states, workdays
from .models import (
    CalendarYear,
    Decision,
    Escalation,
    ExtensionRequest,
    ExtensionStatus,
    HolidayEntry,
    Matter,
    MatterAttachment,
    MatterEvent,
    Meeting,
    ReminderSettings,
    ScoreScheme,
    Source,
)
from .states import MatterState

ASSIGNABLE_KINDS = {
    UnitKind.DEPARTMENT,
    UnitKind.SUBDISTRICT,
    UnitKind.PARK,
    UnitKind.COMMAND_POST,
    UnitKind.OFFICE,
    UnitKind.CONGRESS,
    UnitKind.LEADERSHIP,
}


# --- deadlines ---------------------------------------------------------------------------
def compute_deadline(
    assigned_on: dt.date, *, deadline: dt.date | None = None, working_days: int | None = None
) -> workdays.WorkdayResult:
    """A deadline is either a date or N working days after the assignment date."""
    if (deadline is None) == (working_days is None):
        raise ValidationError({"deadline": "请填写办理时限：具体日期或工作日天数，二者选其一。"})
    if working_days is not None:
        if working_days < 1 or working_days > 500:
            raise ValidationError({"working_days": "工作日天数应在 1 到 500 之间。"})
        return workdays.add_working_days(assigned_on, working_days)
    if deadline < assigned_on:
        raise ValidationError(
            {"deadline": f"办理时限 {deadline:%Y-%m-%d} 早于交办日期 {assigned_on:%Y-%m-%d}。"}
        )
    return workdays.WorkdayResult(deadline, False)


def _require_oversight(actor, district_id: int) -> None:
    permissions.require_oversight(actor, district_id, "只有本区领导和督查人员可以交办事项。")


def _next_code(district: Unit, year: int) -> str:
    prefix = f"DB{district.division_code or district.pk}-{year}-"
    last = Matter.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def assign_matter(
    actor,
    *,
    title: str,
    lead_unit: Unit,
    source: str = Source.INSTRUCTION,
    basis: str = "",
    supporting_units=(),
    responsible_leader=None,
    assigned_on: dt.date | None = None,
    deadline: dt.date | None = None,
    working_days: int | None = None,
    priority: str = "normal",
    frequency: str = "monthly",
) -> Matter:
    """交办: create a matter for ``lead_unit`` (and its supporting units) with its deadline."""
    assigned_on = assigned_on or clock.today()
    supporting_units = list(supporting_units)
    errors = {}
    if lead_unit.kind not in ASSIGNABLE_KINDS or lead_unit.district_id is None:
        errors["lead_unit"] = "牵头单位必须是区内的部门、街道、园区、指挥部或办公室。"
    elif any(u.district_id != lead_unit.district_id for u in supporting_units):
        errors["supporting_units"] = "配合单位必须与牵头单位属于同一个区。"
    elif lead_unit in supporting_units:
        errors["supporting_units"] = "牵头单位不能同时是配合单位。"
    if not title.strip():
        errors["title"] = "请填写事项名称。"
    if errors:
        raise ValidationError(errors)
    result = compute_deadline(assigned_on, deadline=deadline, working_days=working_days)
    with transaction.atomic():
        _require_oversight(actor, lead_unit.district_id)
        district = Unit.objects.get(pk=lead_unit.district_id)
        matter = Matter(
            code=_next_code(district, assigned_on.year),
            title=title.strip(),
            source=source,
            basis=basis.strip(),
            district=district,
            lead_unit=lead_unit,
            responsible_leader=responsible_leader,
            assigned_by=actor,
            assigned_on=assigned_on,
            working_days=working_days,
            deadline=result.deadline,
            deadline_fallback=result.used_fallback,
            priority=priority,
            frequency=frequency,
        )
        services.create_object(
            actor, matter, scope_action="manage", m2m={"supporting_units": supporting_units}
        )
        _event(actor, matter, "assign", "", MatterState.ASSIGNED, basis)
        due = f"办理时限 {matter.deadline:%Y-%m-%d}"
        _notify(actor, matter, "assigned", "lead", due)
        if supporting_units:
            from districtops.notifications import services as notifications

            notifications.notify(
                notifications.people_of([u.pk for u in supporting_units], (Role.UNIT_HEAD, Role.UNIT_STAFF)),
                kind="supporting", title=matter.title[:200], body=f"{matter.code} · {due}",
                url=matter.get_absolute_url(), obj=matter, exclude=actor,
            )  # fmt: skip
    return matter


# --- the state machine -------------------------------------------------------------------
def _event(actor, matter, action, from_state, to_state, note="", *, unit=None, attachments=()) -> MatterEvent:
    event = MatterEvent.objects.create(
        matter=matter,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        at=clock.now(),
        note=note,
        unit=unit,
    )
    for upload, kind in attachments:
        MatterAttachment.objects.create(
            event=event, file=upload, name=files.display_name(upload), kind=kind, size=upload.size
        )
    return event


def repeat_refusal(actor, current: Matter, action: str, expected_version) -> str | None:
    """The message for a form sent twice (a double-clicked submit): the actor's own same action is
    the only change since the version the form carried. None when that is not the case."""
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        return None
    last = MatterEvent.objects.filter(matter=current).order_by("-at", "-id").first()
    if (
        actor is not None
        and last is not None
        and last.action == action
        and last.actor_id == actor.pk
        and current.version == expected + 1
    ):
        return f"“{states.label(action)}”已于 {timezone.localtime(last.at):%H:%M:%S} 提交，请勿重复提交；本次未重复记录。"
    return None


def _refuse_repeat_or_conflict(actor, current: Matter, action: str, expected_version) -> None:
    """A form sent with an old version: a repeat gets a plain "already done"; else a conflict."""
    message = repeat_refusal(actor, current, action, expected_version)
    if message:
        raise ValidationError(message)
    raise services.ConflictError(current, expected_version, current.version)


def _state_label(state: str) -> str:
    return str(MatterState(state).label)


def check_transition(actor, matter: Matter, action: str) -> str:
    """Refuse an action the table does not allow from the matter's state, or the actor may not take."""
    if action not in states.TRANSITIONS:
        raise ValidationError(f"未知的操作：{action}")
    to_state = states.target(action, matter.state)
    if to_state is None:
        if action == "request_extension" and matter.state == MatterState.CLOSED:
            raise ValidationError("事项已办结，不能再申请延期。")
        if action in {"request_closure", "report_progress"} and matter.state == MatterState.ASSIGNED:
            raise ValidationError("未签收的事项不能报送进展或申请办结，请先签收。")
        raise ValidationError(
            f"事项当前状态为“{_state_label(matter.state)}”，不能执行“{states.label(action)}”。"
        )
    if actor is not None:
        permissions.require(actor, states.TRANSITIONS[action][0], matter)
    policies.check(actor, matter, action)
    return to_state


def _apply(
    actor, matter, action, *, changes=None, note="", expected_version=None, extra_check=None,
    attachments=(), unit=None,
):  # fmt: skip
    with transaction.atomic():
        current = Matter.objects.select_for_update().get(pk=matter.pk)
        if expected_version is not None and int(expected_version) != current.version:
            _refuse_repeat_or_conflict(actor, current, action, expected_version)
        to_state = check_transition(actor, current, action)
        if extra_check:
            extra_check(current)
        changes = dict(changes or {})
        if to_state != current.state:
            changes["state"] = to_state
        from_state = current.state
        message = states.label(action)
        if attachments:
            message += "；附件：" + "、".join(files.display_name(u) for u, _kind in attachments)
        updated = services.update_object(
            actor,
            current,
            changes,
            expected_version=current.version,
            action=states.TRANSITIONS[action][0],
            message=message,
            audit_action=f"matter.{action}",
        )
        _event(actor, updated, action, from_state, to_state, note, unit=unit, attachments=attachments)
        if action in NOTIFY_ON:
            kind, who = NOTIFY_ON[action]
            # A supporting unit's feedback names the unit: the lead unit's people see who reported.
            _notify(actor, updated, kind, who, f"{unit.name}：{note}" if unit is not None else note)
    return updated


# --- who hears of what (站内通知 + mail) ---------------------------------------------------
# action → (notification kind, who: "lead" = the lead unit's people, "oversight" = the district's
# supervisors). The matter's title is the notification's; its kind's label heads the mail subject. Progress reports and acknowledgements are in the log, not in anyone's inbox;
# a supporting unit's 协办反馈 reaches the lead unit (not the supporting unit itself).
NOTIFY_ON = {
    "request_closure": ("closure_requested", "oversight"),
    "return_for_rework": ("returned", "lead"),
    "verify_close": ("closed", "lead"),
    "remind": ("reminded", "lead"),
    "list_for_supervision": ("listed", "lead"),
    "request_extension": ("extension_requested", "oversight"),
    "decide_extension": ("extension_decided", "lead"),
    "support_feedback": ("support_feedback", "lead"),
}


def _notify(actor, matter: Matter, kind: str, who: str, body: str = "", dedupe_key: str = "") -> int:
    from districtops.notifications import services as notifications

    if who == "oversight":
        recipients = notifications.supervisors_of(matter.district_id)
    else:
        units = [matter.lead_unit_id]
        if who == "lead_and_support":
            units += list(matter.supporting_units.values_list("pk", flat=True))
        recipients = notifications.people_of(units, (Role.UNIT_HEAD, Role.UNIT_STAFF))
    return notifications.notify(
        recipients, kind=kind, title=matter.title[:200],
        body=f"{matter.code} · {body}".strip(" ·"), url=matter.get_absolute_url(), obj=matter,
        dedupe_key=dedupe_key, exclude=actor,
    )  # fmt: skip


def _required(note: str, field: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({field: f"请填写{what}。"})
    return note


def acknowledge(actor, matter: Matter, *, note: str = "", expected_version=None) -> Matter:
    """签收. The first acknowledgement time is kept for the on-time figures."""
    changes = {}
    if matter.first_acknowledged_at is None:
        changes["first_acknowledged_at"] = clock.now()
    return _apply(actor, matter, "acknowledge", changes=changes, note=note, expected_version=expected_version)


def report_progress(
    actor, matter: Matter, *, progress: int, note: str, expected_version=None, attachments=()
) -> Matter:
    """办理: the lead unit's progress report with a percentage, text and optional photos or files
    (a supporting unit reports its part with ``support_feedback``)."""
    note = _required(note, "note", "进展情况")
    if not 0 <= int(progress) <= 100:
        raise ValidationError({"progress": "进度应在 0 到 100 之间。"})
    checked = files.check(attachments)
    return _apply(
        actor,
        matter,
        "report_progress",
        changes={"progress": int(progress)},
        note=f"[{int(progress)}%] {note}",
        expected_version=expected_version,
        attachments=checked,
    )


def request_closure(actor, matter: Matter, *, note: str, expected_version=None, attachments=()) -> Matter:
    """申请办结. An overdue matter needs its recorded overdue reason first."""
    note = _required(note, "note", "办结情况说明")
    checked = files.check(attachments)

    def overdue_needs_reason(current):
        if current.deadline < clock.today() and not current.overdue_reason.strip():
            raise ValidationError({"overdue_reason": "事项已逾期，申请办结前须先说明逾期原因。"})

    changes = {}
    if matter.first_completed_at is None:
        changes["first_completed_at"] = clock.now()
    return _apply(
        actor,
        matter,
        "request_closure",
        changes=changes,
        note=note,
        expected_version=expected_version,
        extra_check=overdue_needs_reason,
        attachments=checked,
    )


def verify_close(actor, matter: Matter, *, note: str = "", expected_version=None) -> Matter:
    """审核办结销号: only from "closure requested", so nothing closes without verification."""
    changes = {"progress": 100, "closed_at": clock.now(), "closed_on": clock.today()}
    return _apply(
        actor, matter, "verify_close", changes=changes, note=note or "审核通过，同意办结。",
        expected_version=expected_version,
    )  # fmt: skip


def return_for_rework(actor, matter: Matter, *, note: str, expected_version=None) -> Matter:
    """退回重办, with the reviewer's reason appended to the log."""
    note = _required(note, "note", "退回理由")
    return _apply(actor, matter, "return_for_rework", note=note, expected_version=expected_version)


def request_extension(
    actor, matter: Matter, *, new_deadline: dt.date, reason: str, expected_version=None
) -> ExtensionRequest:
    """申请延期: the assigner approves or refuses (``decide_extension``)."""
    reason = _required(reason, "reason", "延期理由")

    def later_and_single(current):
        if new_deadline <= current.deadline:
            raise ValidationError(
                {"new_deadline": f"申请延至的日期须晚于现有时限 {current.deadline:%Y-%m-%d}。"}
            )

    with transaction.atomic():
        updated = _apply(
            actor, matter, "request_extension", note=f"申请延至 {new_deadline:%Y-%m-%d}：{reason}",
            extra_check=later_and_single, expected_version=expected_version,
        )  # fmt: skip
        ext = ExtensionRequest(
            matter=updated,
            requested_by=actor,
            requested_at=clock.now(),
            old_deadline=updated.deadline,
            new_deadline=new_deadline,
            reason=reason,
        )
        services.create_object(actor, ext, clean=False)
    return ext


def decide_extension(
    actor, extension: ExtensionRequest, *, approve: bool, note: str = ""
) -> ExtensionRequest:
    """The assigner's decision on an extension; approval moves the deadline."""
    if not approve:
        note = _required(note, "note", "不予批准的理由")
    with transaction.atomic():
        ext = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        if ext.status != ExtensionStatus.PENDING:
            raise ValidationError("该延期申请已审批。")
        changes = {"deadline": ext.new_deadline, "deadline_fallback": False} if approve else {}
        verdict = f"批准延期至 {ext.new_deadline:%Y-%m-%d}" if approve else "不予批准延期"
        _apply(actor, ext.matter, "decide_extension", changes=changes, note=f"{verdict}。{note}".strip())
        return services.update_object(
            actor,
            ext,
            {
                "status": ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
                "decided_by": actor,
                "decided_at": clock.now(),
                "decision_note": note,
            },
            expected_version=None,
            action="manage",
        )


def remind(actor, matter: Matter, *, note: str = "", expected_version=None) -> Matter:
    """催办: the first escalation step."""
    changes = {"escalation": max(matter.escalation, Escalation.REMINDED)}
    return _apply(
        actor,
        matter,
        "remind",
        changes=changes,
        note=note or "请加快办理进度。",
        expected_version=expected_version,
    )


def list_for_supervision(actor, matter: Matter, *, note: str, expected_version=None) -> Matter:
    """挂牌督办: shown to leaders; only after a 催办 has gone unheeded (``policies.CONDITIONS``)."""
    note = _required(note, "note", "挂牌督办的理由")
    return _apply(
        actor, matter, "list_for_supervision", changes={"escalation": Escalation.LISTED}, note=note,
        expected_version=expected_version,
    )  # fmt: skip


def record_overdue_reason(
    actor, matter: Matter, *, reason: str, expected_version=None, attachments=()
) -> Matter:
    """逾期原因: only an overdue matter has one (``policies.CONDITIONS``); a new reason replaces
    the matter's, the old one stays in the log."""
    reason = _required(reason, "reason", "逾期原因")
    checked = files.check(attachments)
    return _apply(
        actor, matter, "record_overdue_reason", changes={"overdue_reason": reason}, note=reason,
        expected_version=expected_version, attachments=checked,
    )  # fmt: skip


def add_opinion(actor, matter: Matter, *, note: str, expected_version=None) -> Matter:
    """A reviewer's opinion: appended to the log, never replacing an earlier one."""
    note = _required(note, "note", "审核意见")
    return _apply(actor, matter, "add_opinion", note=note, expected_version=expected_version)


def support_feedback(actor, matter: Matter, *, note: str, expected_version=None, attachments=()) -> Matter:
    """协办反馈: a supporting unit reports its part of the work (text and optional files).

    Only a person of one of the matter's supporting units (``states.SIDE``); the event names the
    unit, the lead unit reads it on the matter page and in its closure request form."""
    note = _required(note, "note", "协办情况")
    checked = files.check(attachments)
    unit = policies.supporting_unit_of(actor, matter) if actor is not None else None
    return _apply(
        actor, matter, "support_feedback", note=note, expected_version=expected_version,
        attachments=checked, unit=unit,
    )  # fmt: skip


ACTION_FUNCTIONS = {
    "acknowledge": acknowledge,
    "report_progress": report_progress,
    "request_closure": request_closure,
    "verify_close": verify_close,
    "return_for_rework": return_for_rework,
    "request_extension": request_extension,
    "remind": remind,
    "list_for_supervision": list_for_supervision,
    "record_overdue_reason": record_overdue_reason,
    "add_opinion": add_opinion,
    "support_feedback": support_feedback,
}


# --- meetings ------------------------------------------------------------------------------
def create_meeting(
    actor, *, organiser: Unit, title: str, held_on: dt.date, chaired_by: str = "", summary: str = ""
) -> Meeting:
    """Record a meeting organised by ``organiser`` (a person of that unit, or oversight)."""
    meeting = Meeting(
        district_id=organiser.district_id,
        organiser=organiser,
        title=title.strip(),
        held_on=held_on,
        chaired_by=chaired_by.strip(),
        summary=summary,
    )
    return services.create_object(actor, meeting, scope_action="change")


def add_decision(
    actor, meeting: Meeting, *, text: str, lead_unit: Unit | None, supporting_units=(), deadline=None
) -> Decision:
    """Add the next decision to a meeting."""
    with transaction.atomic():
        if actor is not None:
            permissions.require(actor, "change", meeting)
        supporting_units = list(supporting_units)
        if lead_unit is not None and lead_unit.district_id != meeting.district_id:
            raise ValidationError({"lead_unit": "牵头单位必须属于会议所在的区。"})
        if any(u.district_id != meeting.district_id for u in supporting_units):
            raise ValidationError({"supporting_units": "配合单位必须属于会议所在的区。"})
        if deadline is not None and deadline < meeting.held_on:
            raise ValidationError({"deadline": "完成时限不能早于会议日期。"})
        seq = (meeting.decisions.aggregate(m=Max("seq"))["m"] or 0) + 1
        decision = Decision(
            meeting=meeting, seq=seq, text=text.strip(), lead_unit=lead_unit, deadline=deadline
        )
        return services.create_object(
            actor, decision, scope_action="change", m2m={"supporting_units": supporting_units}
        )


def decisions_to_matters(
    actor, meeting: Meeting, *, decision_ids=None, assigned_on=None, working_days: int | None = None,
    priority: str = "normal", frequency: str = "monthly", responsible_leader=None,
) -> list[Matter]:  # fmt: skip
    """Turn the meeting's unassigned decisions into matters in one step (all or nothing).

    The terms are a new matter's (``MatterTermsForm``): a decision's own 完成时限 is its deadline;
    one without takes ``working_days`` from the assignment date."""
    with transaction.atomic():
        decisions = meeting.decisions.filter(matter__isnull=True).prefetch_related("supporting_units")
        if decision_ids is not None:
            decisions = decisions.filter(pk__in=decision_ids)
        decisions = list(decisions.select_related("lead_unit"))
        if not decisions:
            raise ValidationError("没有待转办的议定事项。")
        created = []
        for d in decisions:
            if d.lead_unit is None:
                raise ValidationError(f"第 {d.seq} 项议定事项缺少牵头单位，不能转为督办事项。")
            if d.deadline is None and working_days is None:
                raise ValidationError(
                    {"working_days": f"第 {d.seq} 项议定事项没有完成时限，请填写办理工作日天数。"}
                )
            matter = assign_matter(
                actor,
                title=d.text[:200],
                source=Source.MEETING,
                basis=f"{meeting.title}（{meeting.held_on:%Y-%m-%d}）第 {d.seq} 项：{d.text}",
                lead_unit=d.lead_unit,
                supporting_units=d.supporting_units.all(),
                assigned_on=assigned_on or max(meeting.held_on, clock.today()),
                deadline=d.deadline,
                working_days=None if d.deadline else working_days,
                priority=priority,
                frequency=frequency,
                responsible_leader=responsible_leader,
            )
            services.update_object(actor, d, {"matter": matter}, expected_version=d.version, action="change")
            created.append(matter)
    return created


# --- the holiday calendar ------------------------------------------------------------------
def _require_calendar_keeper(actor) -> None:
    """The calendar is shared configuration: the system administrator keeps it (三员: not business)."""
    if actor is not None:
        permissions.require_role(actor, Role.SYS_ADMIN)


def set_holiday(actor, *, date: dt.date, name: str, is_workday: bool = False) -> HolidayEntry:
    """Add or change one row of the holiday table; open deadlines of that year are recomputed."""
    _require_calendar_keeper(actor)
    with transaction.atomic():
        entry = HolidayEntry.objects.filter(date=date).first()
        if entry is None:
            entry = HolidayEntry(date=date, name=name.strip(), is_workday=is_workday)
            services.validate(entry)
            entry.save()
            services.record(actor, "create", entry, after=services.snapshot(entry))
        else:
            before = services.snapshot(entry)
            entry.name, entry.is_workday = name.strip(), is_workday
            services.validate(entry)
            entry.save()
            services.record(actor, "update", entry, before=before, after=services.snapshot(entry))
        recompute_deadlines(actor, {date.year})
    return entry


def delete_holiday(actor, entry: HolidayEntry) -> None:
    """Remove one row of the holiday table; open deadlines of that year are recomputed."""
    _require_calendar_keeper(actor)
    with transaction.atomic():
        before, pk, text, year = services.snapshot(entry), entry.pk, str(entry), entry.date.year
        entry.delete()
        services.record(
            actor, "delete", None, object_type="supervision.holidayentry", object_id=str(pk),
            object_repr=text, before=before,
        )  # fmt: skip
        recompute_deadlines(actor, {year})


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    name: str
    is_workday: bool


def publish_calendar_year(
    actor, *, year: int, notice: str, days: list[CalendarDay], published_on: dt.date | None = None
) -> tuple[CalendarYear, int]:
    """Enter the State Council's notice for ``year``: its holidays and 调休 working days.

    The rows replace that year's table, the notice overrides the ``chinesecalendar`` package
    for that year, and every open matter whose working-day deadline changes is recomputed
    (audited, and noted in the matter's log for its lead unit). Returns the year and the
    number of matters whose deadline moved.
    """
    _require_calendar_keeper(actor)
    notice = (notice or "").strip()
    errors: dict[str, list[str]] = {}
    if not 2000 <= year <= 2100:
        errors.setdefault("year", []).append("年度应在 2000 到 2100 之间。")
    if not notice:
        errors.setdefault("notice", []).append("请填写通知文号或标题（如 国办发明电〔2026〕X号）。")
    if not any(not d.is_workday for d in days):
        errors.setdefault("days", []).append("通知中至少应有一个放假日期。")
    seen: set[dt.date] = set()
    for i, d in enumerate(days, start=1):
        where = f"第 {i} 行（{d.date:%Y-%m-%d}）"
        if d.date.year != year:
            errors.setdefault("days", []).append(f"{where}不在 {year} 年。")
        if d.date in seen:
            errors.setdefault("days", []).append(f"{where}重复。")
        seen.add(d.date)
        if d.is_workday and d.date.weekday() < 5:
            errors.setdefault("days", []).append(f"{where}是工作日，无需标为调休上班。")
        if not d.name.strip():
            errors.setdefault("days", []).append(f"{where}缺少名称。")
        elif len(d.name.strip()) > 40:
            errors.setdefault("days", []).append(f"{where}名称超过 40 字。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        calendar = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = {
            "calendar": services.snapshot(calendar) if calendar else None,
            "days": [
                [e.date.isoformat(), e.name, e.is_workday]
                for e in HolidayEntry.objects.filter(date__year=year)
            ],
        }
        if calendar is None:
            calendar = CalendarYear(year=year)
        calendar.notice, calendar.published_on = notice, published_on
        services.validate(calendar)
        calendar.save()
        HolidayEntry.objects.filter(date__year=year).delete()
        HolidayEntry.objects.bulk_create(
            [
                HolidayEntry(date=d.date, name=d.name.strip(), is_workday=d.is_workday)
                for d in sorted(days, key=lambda d: d.date)
            ]
        )
        after = {
            "calendar": services.snapshot(calendar),
            "days": [
                [d.date.isoformat(), d.name.strip(), d.is_workday] for d in sorted(days, key=lambda d: d.date)
            ],
        }
        services.record(
            actor, "calendar.publish", calendar, before=before, after=after,
            message=f"{year} 年节假日安排：{notice}（放假 {sum(not d.is_workday for d in days)} 天，调休上班 {sum(d.is_workday for d in days)} 天）",
        )  # fmt: skip
        moved = recompute_deadlines(actor, {year})
    return calendar, moved


def recompute_deadlines(actor, years: set[int]) -> int:
    """Recompute the working-day deadline of every open matter the calendar of ``years`` touches.

    A matter with an approved extension keeps the date the assigner approved. Each moved
    deadline is an audited update (by the system, naming the calendar change) and an event in
    the matter's log, which is what its lead unit reads. Returns how many moved.
    """
    if not years:
        return 0
    first, last = min(years), max(years)
    candidates = (
        Matter.objects.filter(state__in=states.OPEN_STATES, working_days__isnull=False)
        .filter(assigned_on__year__lte=last)
        .filter(Q(deadline__year__gte=first) | Q(deadline_fallback=True))
        .exclude(extensions__status=ExtensionStatus.APPROVED)
        .order_by("pk")
    )
    calendar = workdays.Calendar()
    who = getattr(actor, "display_name", "") or getattr(actor, "username", "") or "系统"
    moved = 0
    for matter in candidates.iterator():
        result = workdays.add_working_days(matter.assigned_on, matter.working_days, calendar)
        if result.deadline == matter.deadline and result.used_fallback == matter.deadline_fallback:
            continue
        note = (
            f"{'、'.join(str(y) for y in sorted(years))} 年节假日安排调整（{who}录入），"
            f"按 {matter.working_days} 个工作日重算：办理时限由 {matter.deadline:%Y-%m-%d} 调整为 {result.deadline:%Y-%m-%d}。"
        )
        updated = services.update_object(
            None, matter, {"deadline": result.deadline, "deadline_fallback": result.used_fallback},
            expected_version=None, audit_action="matter.recompute_deadline", message=note,
        )  # fmt: skip
        _event(None, updated, "recompute_deadline", updated.state, updated.state, note)
        if result.deadline != matter.deadline:
            _notify(None, updated, "deadline_changed", "lead", note)
        if result.deadline != matter.deadline:
            moved += 1
    return moved


# --- reading helpers shared by views, API and the home panel --------------------------------
def my_units(user) -> frozenset:
    return permissions.scope_of(user).units_with(UNIT_ROLES)


def todo_querysets(user) -> dict:
    """The four to-do lists of a person: I lead / I support / awaiting my review / done.

    Written for the planner, because this is the busiest page:
    - "I lead" and "I support" are the gate's own lead and support rules (``Matter.scope_rules``:
      a member of the lead or a supporting unit may view the matter), so they are read by those
      conditions alone. Repeating the gate's ``district OR lead OR id IN (subquery)`` around them
      made PostgreSQL scan every matter (30–50 ms at 200,000 matters: an OR holding a subquery
      cannot use an index); ``tests/test_views.py`` asserts both equal the gate-restricted lists.
    - "Review" is the ``manage`` gate (the district, no OR) over an indexed UNION ALL of candidate
      ids (closure requested; pending extensions).
    - "Done" is closed matters among the person's lead and supported ones and those they verified
      and still oversee (``manage``), again an indexed UNION ALL of candidate ids. As
      ``gate AND (a OR b OR c)`` SQLite scanned every closed matter of a supervisor's district.
    """
    units = my_units(user)
    manage = Matter.objects.restrict(user, "manage")
    open_q = Matter.objects.open_q()
    supported = (
        Matter.supporting_units.through.objects.filter(unit_id__in=units).order_by().values("matter_id")
    )
    pending_ext = (
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).order_by().values("matter_id")
    )
    reviewed = MatterEvent.objects.filter(actor=user, action="verify_close").order_by().values("matter_id")
    awaiting = manage.filter(state=MatterState.CLOSURE_REQUESTED).order_by().values("pk")
    led_closed = (
        Matter.objects.filter(lead_unit_id__in=units, state=MatterState.CLOSED).order_by().values("pk")
    )
    still_overseen = manage.filter(pk__in=reviewed).order_by().values("pk")
    return {
        "lead": Matter.objects.filter(open_q, lead_unit_id__in=units),
        "support": Matter.objects.filter(open_q, pk__in=supported),
        "review": manage.filter(pk__in=awaiting.union(pending_ext, all=True)),
        "done": Matter.objects.filter(
            state=MatterState.CLOSED, pk__in=led_closed.union(supported, still_overseen, all=True)
        ),
    }


# What a matter table shows (views.table_rows): loading only these halves the per-row cost of
# the busiest pages (no text or datetime columns to convert).
TABLE_FIELDS = ("code", "title", "lead_unit__name", "deadline", "progress", "state", "escalation")


def todo_first_review(user, limit: int) -> list:
    """The first ``limit`` matters awaiting the person's review, by deadline: the top of each part
    (closure requested — read in deadline order straight off the (district, state, deadline)
    index — and pending extensions, few) merged in Python. One query per part instead of a sort
    of every candidate (6.7 → 1.4 ms for a district supervisor at 200,000 matters)."""
    manage = (
        Matter.objects.restrict(user, "manage")
        .select_related("lead_unit")
        .only(*TABLE_FIELDS)
        .order_by("deadline", "id")
    )
    pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).values("matter_id")
    found = {}
    for part in (manage.filter(state=MatterState.CLOSURE_REQUESTED), manage.filter(pk__in=pending)):
        for matter in part[:limit]:
            found[matter.pk] = matter
    return sorted(found.values(), key=lambda m: (m.deadline, m.pk))[:limit]


# --- scorecards ----------------------------------------------------------------------------
def create_scheme(
    actor, *, district: Unit, name: str, period_start: dt.date, period_end: dt.date, weights: dict,
    red_size: int = 3, black_size: int = 3,
) -> ScoreScheme:  # fmt: skip
    """A scorecard scheme for a period (leaders and supervisors of the district)."""
    from .scorecards import LABELS

    if period_end < period_start:
        raise ValidationError({"period_end": "考核期止不能早于考核期起。"})
    for kind, kind_weights in weights.items():
        for indicator, weight in kind_weights.items():
            if indicator not in LABELS:
                raise ValidationError({"weights": f"未知的考核指标：{indicator}"})
            if not isinstance(weight, int) or weight < 0:
                raise ValidationError({"weights": f"{kind}/{LABELS[indicator]} 的权重应为非负整数。"})
        if not any(kind_weights.values()):
            raise ValidationError({"weights": f"{kind} 的权重不能全为 0。"})
    with transaction.atomic():
        _require_oversight(actor, district.pk)
        scheme = ScoreScheme(
            district=district, name=name.strip(), period_start=period_start, period_end=period_end,
            weights=weights, red_size=red_size, black_size=black_size,
        )  # fmt: skip
        return services.create_object(actor, scheme, scope_action="manage")


def publish_scheme(actor, scheme) -> ScoreScheme:
    """通报: mark the scorecard published (its notice can then be exported and shown to all units)."""
    if scheme.published_at is not None:
        raise ValidationError("该考核结果已通报。")
    return services.update_object(
        actor,
        scheme,
        {"published_at": clock.now()},
        expected_version=None,
        action="manage",
        audit_action="scheme.publish",
    )


def save_reminder_settings(
    actor, unit: Unit, *, email_enabled: bool, webhook_kind: str = "", webhook_url: str | None = None,
    webhook_secret: str | None = None, clear_webhook: bool = False,
) -> ReminderSettings:  # fmt: skip
    """A unit's reminder channels (its head, or the oversight of the district).

    The robot's URL (its key is in it) and 加签 secret are write-only: ``None`` or "" keeps the
    stored value, ``clear_webhook`` removes the robot. The URL must be https to a public host
    (core.webhooks.validate_webhook_url, re-checked at every send)."""
    if not policies.may_manage_reminders(actor, unit):
        raise PermissionDenied("只有本单位负责人或督查人员可以设置提醒方式。")
    existing = ReminderSettings.objects.filter(unit=unit).first()
    values = {"email_enabled": email_enabled}
    if clear_webhook:
        values.update(webhook_kind="", webhook_url="", webhook_secret="")
    else:
        typed = (webhook_url or "").strip()
        url = typed or (existing.webhook_url if existing else "")
        if typed:
            values["webhook_url"] = webhooks.validate_webhook_url(typed, "webhook_url")
        if url and webhook_kind not in ("dingtalk", "wecom"):
            raise ValidationError({"webhook_kind": "请选择群机器人类型（钉钉或企业微信）。"})
        if not url and webhook_kind:
            raise ValidationError({"webhook_url": "请填写群机器人的 Webhook 地址。"})
        values["webhook_kind"] = webhook_kind
        if webhook_secret and webhook_secret.strip():
            values["webhook_secret"] = crypto.sm4_encrypt(webhook_secret.strip(), "webhook")
    with transaction.atomic():
        if existing is None:
            return services.create_object(actor, ReminderSettings(unit=unit, **values), scope_action="change")
        return services.update_object(actor, existing, values, expected_version=None, action="change")


# --- editing an open matter (the Excel import's update path) --------------------------------------
# What an edit may change; the lead unit, the dates and the deadline are the assignment itself
# (a later deadline goes through request_extension / decide_extension), the state is the loop's.
EDITABLE_FIELDS = frozenset({"title", "source", "basis", "supporting_units", "priority", "frequency"})


def update_matter(actor, matter: Matter, *, expected_version, supporting_units=None, **changes) -> Matter:
    """Edit an open matter's title, source, basis, supporting units, priority or frequency (the
    district's leaders and supervisors, as for 交办). A closed matter is never edited or reopened."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}")
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationError({"title": "请填写事项名称。"})
    if "basis" in changes:
        changes["basis"] = (changes["basis"] or "").strip()
    m2m = {}
    with transaction.atomic():
        current = Matter.objects.select_for_update().select_related("lead_unit").get(pk=matter.pk)
        _require_oversight(actor, current.district_id)
        if current.state not in states.OPEN_STATES:
            raise ValidationError(f"事项已{_state_label(current.state)}，不能修改。")
        if supporting_units is not None:
            supporting_units = list(supporting_units)
            if any(u.district_id != current.district_id for u in supporting_units):
                raise ValidationError({"supporting_units": "配合单位必须与牵头单位属于同一个区。"})
            if current.lead_unit in supporting_units:
                raise ValidationError({"supporting_units": "牵头单位不能同时是配合单位。"})
            m2m["supporting_units"] = supporting_units
        return services.update_object(
            actor, current, changes, expected_version=expected_version, action="manage", m2m=m2m,
            message="修改事项",
        )  # fmt: skip
