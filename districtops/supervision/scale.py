"""City-scale matters for the benchmarks: ≈200,000 at size 1.0, with their transitions.

Bulk inserts (no per-row audit); one ``bulk_load`` audit record says what was created.
Deterministic (seeded), so two runs at the same size build the same data.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from districtops.core import clock
from districtops.gate import services
from districtops.org.models import Unit, UnitKind

from .models import Matter, MatterEvent
from .states import MatterState as S

TOTAL = 200_000
# state, share, the events it has been through
PROFILE = [
    (S.ASSIGNED, 0.08, ["assign"]),
    (S.ACKNOWLEDGED, 0.10, ["assign", "acknowledge"]),
    (S.IN_PROGRESS, 0.30, ["assign", "acknowledge", "report_progress"]),
    (S.CLOSURE_REQUESTED, 0.07, ["assign", "acknowledge", "report_progress", "request_closure"]),
    (S.RETURNED, 0.03, ["assign", "acknowledge", "request_closure", "return_for_rework"]),
    (S.CLOSED, 0.42, ["assign", "acknowledge", "report_progress", "request_closure", "verify_close"]),
]
TARGETS = {"assign": S.ASSIGNED, "acknowledge": S.ACKNOWLEDGED, "report_progress": S.IN_PROGRESS,
           "request_closure": S.CLOSURE_REQUESTED, "return_for_rework": S.RETURNED, "verify_close": S.CLOSED}  # fmt: skip


def _pick(rng):
    x, acc = rng.random(), 0.0
    for state, share, path in PROFILE:
        acc += share
        if x <= acc:
            return state, path
    return PROFILE[-1][0], PROFILE[-1][2]


def generate(size: float = 1.0, **_) -> dict:
    rng = random.Random(20210331)
    today = clock.today()
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("pk"))
    per_district = max(1, int(TOTAL * size) // max(1, len(districts)))
    counts = {"matters": 0, "events": 0}
    tz = clock.LOCAL_TZ
    Through = Matter.supporting_units.through
    for district in districts:
        leads = list(
            Unit.objects.filter(
                district=district, kind__in=[UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT]
            ).values_list("pk", flat=True)
        )
        if not leads:
            continue
        prefix = f"SC{district.division_code or district.pk}-"
        if Matter.objects.filter(code__startswith=prefix).exists():
            continue
        with transaction.atomic():
            rows, paths = [], []
            for i in range(per_district):
                state, path = _pick(rng)
                assigned = today - dt.timedelta(days=rng.randint(5, 180))
                deadline = assigned + dt.timedelta(days=rng.randint(10, 90))
                at = dt.datetime.combine(assigned, dt.time(9), tzinfo=tz)
                m = Matter(
                    code=f"{prefix}{i:06d}", title=f"规模事项 {i}", source="meeting", district=district,
                    lead_unit_id=rng.choice(leads), assigned_on=assigned, deadline=deadline, state=state,
                    progress=100 if state == S.CLOSED else rng.randint(0, 90),
                    escalation=rng.choice([0, 0, 0, 0, 1, 2]) if state != S.CLOSED else 0,
                )  # fmt: skip
                if "acknowledge" in path:
                    m.first_acknowledged_at = at + dt.timedelta(days=1)
                if "request_closure" in path:
                    m.first_completed_at = at + dt.timedelta(days=5)
                if state == S.CLOSED:
                    m.closed_on = min(today, assigned + dt.timedelta(days=rng.randint(5, 100)))
                    m.closed_at = dt.datetime.combine(m.closed_on, dt.time(16), tzinfo=tz)
                rows.append(m)
                paths.append((path, at))
            Matter.objects.bulk_create(rows, batch_size=2000)
            events, support = [], []
            for m, (path, at) in zip(rows, paths, strict=True):
                previous = ""
                for step_no, action in enumerate(path):
                    events.append(MatterEvent(matter_id=m.pk, action=action, from_state=previous,
                                              to_state=TARGETS[action], at=at + dt.timedelta(days=step_no)))  # fmt: skip
                    previous = TARGETS[action]
                if rng.random() < 0.3:
                    other = rng.choice(leads)
                    if other != m.lead_unit_id:
                        support.append(Through(matter_id=m.pk, unit_id=other))
            MatterEvent.objects.bulk_create(events, batch_size=5000)
            Through.objects.bulk_create(support, batch_size=5000)
        counts["matters"] += len(rows)
        counts["events"] += len(events)
    services.record(None, "bulk_load", None, object_type="supervision.matter",
                    message=f"generate-scale: matters at {timezone.now():%Y-%m-%d}", after=counts)  # fmt: skip
    return counts
