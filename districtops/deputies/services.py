"""Writes for deputies' suggestions and liaison stations."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from districtops.core import clock
from districtops.gate import permissions, services
from districtops.org.models import Unit

from .models import (
    TRANSITIONS,
    Deputy,
    LiaisonStation,
    ReplyClass,
    Satisfaction,
    StationActivity,
    Suggestion,
    SuggestionState,
)

REPLY_MONTHS, COMPLEX_MONTHS, REOPEN_MONTHS = 3, 6, 1


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's end (11-30 + 3 months = 02-28/29)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require_oversight(actor, district_id):
    permissions.require_oversight(actor, district_id, "只有本区领导和督查人员可以交办代表建议。")


def create_station(actor, *, host_unit: Unit, name: str, address: str = "") -> LiaisonStation:
    station = LiaisonStation(
        district_id=host_unit.district_id, host_unit=host_unit, name=name.strip(), address=address
    )
    return services.create_object(actor, station, scope_action="change")


def add_deputy(
    actor, station: LiaisonStation, *, name: str, occupation: str = "", level: str = "区人大代表"
) -> Deputy:
    if actor is not None:
        permissions.require(actor, "change", station)
    deputy = Deputy(
        district_id=station.district_id,
        station=station,
        name=name.strip(),
        occupation=occupation,
        level=level,
    )
    return services.create_object(actor, deputy)


def log_activity(
    actor, station: LiaisonStation, *, held_on, kind, summary, deputies=(), constituents=0
) -> StationActivity:
    """进站活动: who came, what they did."""
    if actor is not None:
        permissions.require(actor, "change", station)
    deputies = list(deputies)
    if any(d.station_id != station.pk for d in deputies):
        raise ValidationError({"deputies": "参加代表须属于该联络站。"})
    activity = StationActivity(
        station=station, held_on=held_on, kind=kind, summary=summary, constituents=constituents
    )
    return services.create_object(actor, activity, m2m={"deputies": deputies})


def assign_suggestion(
    actor, *, title: str, content: str, deputies, handling_unit: Unit, supporting_units=(),
    assigned_on: dt.date | None = None, complex_case: bool = False,
) -> Suggestion:  # fmt: skip
    """交办: the reply is due 3 months after assignment (6 for complex cases)."""
    assigned_on = assigned_on or clock.today()
    deputies = list(deputies)
    if not deputies:
        raise ValidationError({"deputies": "请选择提出建议的代表。"})
    if any(d.district_id != handling_unit.district_id for d in deputies):
        raise ValidationError({"deputies": "代表须属于主办单位所在的区。"})
    with transaction.atomic():
        _require_oversight(actor, handling_unit.district_id)
        prefix = f"JY{assigned_on.year}-"
        last = Suggestion.objects.filter(
            number__startswith=prefix, district_id=handling_unit.district_id
        ).aggregate(m=Max("number"))["m"]
        seq = int(last.split("-")[1]) + 1 if last else 1
        suggestion = Suggestion(
            number=f"{prefix}{seq:04d}-{handling_unit.district_id}",
            district_id=handling_unit.district_id, title=title.strip(), content=content.strip(), handling_unit=handling_unit,
            assigned_on=assigned_on, complex_case=complex_case,
            reply_due=add_months(assigned_on, COMPLEX_MONTHS if complex_case else REPLY_MONTHS),
        )  # fmt: skip
        return services.create_object(
            actor,
            suggestion,
            scope_action="manage",
            m2m={"deputies": deputies, "supporting_units": list(supporting_units)},
        )


def _check(suggestion, action):
    table = TRANSITIONS[action][1]
    if suggestion.state not in table:
        raise ValidationError(f"建议当前状态为“{suggestion.get_state_display()}”，不能执行该操作。")


def reply(actor, suggestion: Suggestion, *, text: str, reply_class: str, expected_version=None) -> Suggestion:
    """The handling unit's reply with its class A–D."""
    if not text.strip():
        raise ValidationError({"text": "请填写答复内容。"})
    if reply_class not in ReplyClass.values:
        raise ValidationError({"reply_class": "答复类别应为 A、B、C 或 D。"})
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        _check(current, "reply")
        today = clock.today()
        changes = {"state": SuggestionState.REPLIED, "reply_text": text.strip(), "reply_class": reply_class,
                   "replied_on": today, "satisfaction": "", "evaluated_on": None}  # fmt: skip
        if current.first_replied_on is None:
            changes["first_replied_on"] = today
        return services.update_object(actor, current, changes, expected_version=expected_version, action="change",
                                      audit_action="suggestion.reply")  # fmt: skip


def evaluate(actor, suggestion: Suggestion, *, satisfaction: str, note: str = "") -> Suggestion:
    """The deputy's satisfaction, recorded by the congress office / supervisors. 不满意 reopens
    the suggestion with a 1-month deadline; the earlier round is kept in the history."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": "满意度应为满意、基本满意或不满意。"})
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        _check(current, "evaluate")
        today = clock.today()
        label = Satisfaction(satisfaction).label
        history = current.history + (
            f"第 {current.round} 轮：{current.replied_on:%Y-%m-%d} 答复（{current.reply_class} 类）{current.reply_text}；"
            f"{today:%Y-%m-%d} 代表评价：{label}{'，' + note if note else ''}\n"
        )
        changes = {"satisfaction": satisfaction, "evaluated_on": today, "history": history}
        if satisfaction == Satisfaction.DISSATISFIED:
            changes.update(state=SuggestionState.REOPENED, round=current.round + 1,
                           reply_due=add_months(today, REOPEN_MONTHS))  # fmt: skip
        else:
            changes["state"] = SuggestionState.CLOSED
        return services.update_object(actor, current, changes, expected_version=None, action="manage",
                                      audit_action="suggestion.evaluate")  # fmt: skip


# What an edit may change on a suggestion in hand: the text, who proposed it, who helps. The
# handling unit, the dates and the complex-case flag set the reply deadline; the state is the loop's.
EDITABLE_FIELDS = frozenset({"title", "content", "deputies", "supporting_units"})


def update_suggestion(actor, suggestion: Suggestion, *, expected_version, deputies=None, supporting_units=None,
                      **changes) -> Suggestion:  # fmt: skip
    """Edit a suggestion that is not closed (the district's leaders and supervisors, as for 交办);
    a closed suggestion is never edited or reopened."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}")
    for name in ("title", "content"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if not changes[name]:
                raise ValidationError({name: "不能为空。"})
    m2m = {}
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        _require_oversight(actor, current.district_id)
        if current.state == SuggestionState.CLOSED:
            raise ValidationError("建议已办结，不能修改。")
        if deputies is not None:
            deputies = list(deputies)
            if not deputies:
                raise ValidationError({"deputies": "请选择提出建议的代表。"})
            if any(d.district_id != current.district_id for d in deputies):
                raise ValidationError({"deputies": "代表须属于主办单位所在的区。"})
            m2m["deputies"] = deputies
        if supporting_units is not None:
            m2m["supporting_units"] = list(supporting_units)
        return services.update_object(
            actor, current, changes, expected_version=expected_version, action="manage", m2m=m2m,
            message="修改建议",
        )  # fmt: skip
