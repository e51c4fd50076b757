"""Writes for risk points and hazards. The closure loop is the TRANSITIONS table in models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from districtops.core import attachments as files
from districtops.core import clock
from districtops.gate import permissions, services
from districtops.org.models import Unit

from .models import (
    TRANSITIONS,
    Hazard,
    HazardAttachment,
    HazardGrade,
    HazardState,
    RectificationPlan,
    RiskPoint,
)


def create_risk_point(
    actor, *, unit: Unit, name: str, grade: str, location="", controls="", responsible_person=""
):
    """A graded risk point of ``unit`` (its own staff, or oversight of the district)."""
    point = RiskPoint(
        district_id=unit.district_id, unit=unit, name=name.strip(), grade=grade, location=location,
        controls=controls, responsible_person=responsible_person,
    )  # fmt: skip
    return services.create_object(actor, point, scope_action="change")


def _code(district_id: int, year: int) -> str:
    prefix = f"YH{district_id}-{year}-"
    last = Hazard.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:05d}"


def register_hazard(
    actor, *, unit: Unit, title: str, location: str, grade: str, found_on: dt.date, responsible_person: str,
    deadline: dt.date, responsibility: str, standard: str, measures: str, description: str = "",
    risk_point: RiskPoint | None = None, photo=None,
) -> Hazard:  # fmt: skip
    """登记: a hazard with its 五定 fixed. The deadline cannot precede the finding."""
    if deadline < found_on:
        raise ValidationError({"deadline": "整改时限不能早于发现日期。"})
    if risk_point is not None and risk_point.unit_id != unit.pk:
        raise ValidationError({"risk_point": "风险点须属于同一责任单位。"})
    if photo is not None:
        from districtops.core.uploads import validate_upload

        validate_upload(photo, kinds=("image",), field="photo")
    hazard = Hazard(
        code=_code(unit.district_id, found_on.year), district_id=unit.district_id, unit=unit, title=title.strip(),
        location=location.strip(), grade=grade, found_on=found_on, found_by=actor,
        responsible_person=responsible_person.strip(), deadline=deadline, responsibility=responsibility.strip(),
        standard=standard.strip(), measures=measures.strip(), description=description, risk_point=risk_point,
    )  # fmt: skip
    if photo is not None:
        hazard.photo = photo
    with transaction.atomic():
        return services.create_object(actor, hazard, scope_action="change")


def save_plan(
    actor, hazard: Hazard, *, goal, measures, funds: Decimal, people, deadline: dt.date, safeguards
):
    """The rectification plan of a major hazard (replaces a draft until work starts)."""
    with transaction.atomic():
        if actor is not None:
            permissions.require(actor, "change", hazard)
        if hazard.state != HazardState.REGISTERED:
            raise ValidationError("整改已开始，方案不能再修改。")
        if funds < 0:
            raise ValidationError({"funds": "整改资金不能为负数。"})
        values = dict(
            goal=goal, measures=measures, funds=funds, people=people, deadline=deadline, safeguards=safeguards
        )
        existing = RectificationPlan.objects.filter(hazard=hazard).first()
        if existing:
            return services.update_object(actor, existing, values, expected_version=None)
        return services.create_object(
            actor, RectificationPlan(hazard=hazard, **values), scope_action="change"
        )


def _log_line(actor, action, note) -> str:
    who = getattr(actor, "display_name", "") or (str(actor) if actor else "系统")
    return f"{clock.now():%Y-%m-%d %H:%M} {who} {TRANSITIONS[action][2]}{'：' + note if note else ''}\n"


def transition(
    actor, hazard: Hazard, action: str, *, note: str = "", expected_version=None, attachments=()
) -> Hazard:
    """One step of the loop, refused when the table does not allow it or the rules say no:
    a major hazard needs its plan before work starts; the verifier is not the rectifier.
    ``attachments`` (整改照片, 验收材料: images, PDF, Office) are checked before anything is
    written and stored with the step."""
    if action not in TRANSITIONS:
        raise ValidationError(f"未知的操作：{action}")
    perm, table, label = TRANSITIONS[action]
    checked = files.check(attachments)
    with transaction.atomic():
        current = Hazard.objects.select_for_update().get(pk=hazard.pk)
        to_state = table.get(current.state)
        if to_state is None:
            raise ValidationError(f"隐患当前状态为“{current.get_state_display()}”，不能执行“{label}”。")
        changes = {"state": to_state, "log": current.log + _log_line(actor, action, note)}
        if action == "start" and current.grade == HazardGrade.MAJOR:
            if not RectificationPlan.objects.filter(hazard=current).exists():
                raise ValidationError(
                    "重大隐患须先制定整改方案（目标、措施、资金、人员、时限、安全措施），才能开始整改。"
                )
            if not current.reported_to_regulator:
                changes["reported_to_regulator"] = True
        if action == "submit":
            changes.update(rectified_by=actor, rectified_on=clock.today())
        if action in {"verify", "reject"}:
            if actor is not None and current.rectified_by_id == actor.pk:
                raise ValidationError("验收人不能是整改人本人，请由其他人员验收。")
            if action == "reject" and not note.strip():
                raise ValidationError({"note": "请填写验收不通过的原因。"})
        if action == "verify":
            changes.update(verified_by=actor, closed_on=clock.today())
        if checked:
            names = "、".join(files.display_name(u) for u, _kind in checked)
            changes["log"] = current.log + _log_line(actor, action, f"{note}（附件：{names}）".lstrip())
        updated = services.update_object(
            actor,
            current,
            changes,
            expected_version=expected_version,
            action=perm,
            audit_action=f"hazard.{action}",
        )
        for upload, kind in checked:
            HazardAttachment.objects.create(
                hazard=updated, action=action, file=upload, name=files.display_name(upload), kind=kind,
                size=upload.size, uploaded_by=actor, uploaded_at=clock.now(),
            )  # fmt: skip
        return updated


def quarterly_statistics(user, year: int, quarter: int) -> list[dict]:
    """Per unit, for hazards found in the quarter: found, major, closed, closed on time, open overdue."""
    from django.db.models import Count, F, Q

    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    today = clock.today()
    rows = (
        Hazard.objects.restrict(user, "view")
        .filter(found_on__gte=start, found_on__lt=end)
        .values("unit_id", "unit__name")
        .annotate(
            found=Count("pk"),
            major=Count("pk", filter=Q(grade=HazardGrade.MAJOR)),
            closed=Count("pk", filter=Q(state=HazardState.CLOSED)),
            on_time=Count("pk", filter=Q(state=HazardState.CLOSED, closed_on__lte=F("deadline"))),
            overdue=Count("pk", filter=Hazard.objects.overdue_q(today)),
        )
        .order_by("unit__name")
    )
    return list(rows)


# Fields an Excel import (or any editor) may change on a registered hazard; the unit, the state
# and what the loop records (rectified, verified, closed) are not among them.
EDITABLE_FIELDS = frozenset(
    {"title", "risk_point", "location", "grade", "found_on", "responsible_person", "deadline",
     "responsibility", "standard", "measures", "description"}
)  # fmt: skip


def update_hazard(actor, hazard: Hazard, *, expected_version, **changes) -> Hazard:
    """Change the 五定 and description of a hazard that is not closed (a closed one is never
    reopened or edited); the rules of ``register_hazard`` hold for the result."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}")
    for name in ("title", "location", "responsible_person", "responsibility", "standard", "measures"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()

    def check(current: Hazard) -> None:
        if current.state == HazardState.CLOSED:
            raise ValidationError("隐患已销号，不能修改。")
        if current.deadline < current.found_on:
            raise ValidationError({"deadline": "整改时限不能早于发现日期。"})
        if current.risk_point_id is not None and current.risk_point.unit_id != current.unit_id:
            raise ValidationError({"risk_point": "风险点须属于同一责任单位。"})

    with transaction.atomic():
        before = Hazard.objects.select_for_update().get(pk=hazard.pk)
        if before.state == HazardState.CLOSED:
            raise ValidationError("隐患已销号，不能修改。")
        return services.update_object(
            actor, hazard, changes, expected_version=expected_version, action="change", validate_with=check
        )
