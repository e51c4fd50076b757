"""Load-test fixtures: tokens for the personas, and afterwards the count of what landed.

    python bench/load/prepare.py personas OUT.json   # leaders, staff with open matters, statisticians
    python bench/load/prepare.py mark                # the last event id before the run
    python bench/load/prepare.py verify WRITES.json MARK   # compare sent writes with the database

Runs against DATABASE_URL like every management command.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")


def personas(out: Path, leaders: int = 40, staff: int = 120, statisticians: int = 10) -> dict:
    from django.contrib.auth import get_user_model

    from districtops.accounts.services import create_token
    from districtops.org.models import Membership, UnitKind
    from districtops.org.roles import Role
    from districtops.supervision.models import Matter
    from districtops.supervision.states import WORKING

    User = get_user_model()

    def token(user):
        return create_token(None, user, name="load test")[1]

    result = {"leaders": [], "staff": [], "statisticians": []}
    rows = (
        Membership.objects.filter(role=Role.LEADER, unit__kind=UnitKind.LEADERSHIP, user__is_active=True)
        .values_list("user_id", "unit__district__division_code")
        .order_by("unit__district__division_code", "user_id")
    )
    seen_districts: Counter = Counter()
    for user_id, code in rows:
        # Spread the leaders over the districts rather than taking one district's forty.
        if seen_districts[code] >= max(1, leaders // 16):
            continue
        seen_districts[code] += 1
        result["leaders"].append({"token": token(User.objects.get(pk=user_id)), "district": code})
        if len(result["leaders"]) >= leaders:
            break
    by_unit: dict[int, list[int]] = {}
    for pk, unit_id in Matter.objects.filter(state__in=WORKING).values_list("pk", "lead_unit_id"):
        by_unit.setdefault(unit_id, []).append(pk)
    staff_rows = (
        Membership.objects.filter(unit_id__in=by_unit, role__in=[Role.UNIT_STAFF, Role.UNIT_HEAD])
        .values_list("user_id", "unit_id")
        .order_by("unit_id", "user_id")
    )
    for user_id, unit_id in staff_rows:
        result["staff"].append(
            {"token": token(User.objects.get(pk=user_id)), "matters": by_unit[unit_id][:20]}
        )
        if len(result["staff"]) >= staff:
            break
    for membership in Membership.objects.filter(role=Role.STATISTICIAN).select_related(
        "user", "unit__district"
    )[:statisticians]:
        result["statisticians"].append(
            {"token": token(membership.user), "district": membership.unit.district.division_code}
        )
    out.write_text(json.dumps(result))
    return {k: len(v) for k, v in result.items()}


def mark() -> int:
    """Event ids only grow; the rows after this one are the load test's (event times follow the
    pinned business date, so they cannot tell)."""
    from django.db.models import Max

    from districtops.supervision.models import MatterEvent

    return MatterEvent.objects.aggregate(top=Max("pk"))["top"] or 0


def verify(writes_file: Path, after_id: int) -> dict:
    """Each accepted progress report must be exactly one event row; nothing lost, nothing extra."""
    from districtops.supervision.models import MatterEvent

    data = json.loads(writes_file.read_text())
    sent = {int(k): v for k, v in data["accepted"].items()}
    stored = Counter(
        MatterEvent.objects.filter(action="report_progress", pk__gt=after_id).values_list(
            "matter_id", flat=True
        )
    )
    mismatched = {
        m: (sent.get(m, 0), stored.get(m, 0))
        for m in set(sent) | set(stored)
        if stored.get(m, 0) != sent.get(m, 0)
    }
    return {
        "sent_accepted": sum(sent.values()),
        "refused_conflicts": data["conflicts"],
        "stored": sum(stored.values()),
        "matters": len(sent),
        "mismatched_matters": len(mismatched),
        "examples": dict(list(mismatched.items())[:5]),
    }


if __name__ == "__main__":
    import django

    django.setup()
    command = sys.argv[1]
    if command == "personas":
        print(json.dumps(personas(Path(sys.argv[2]))))
    elif command == "mark":
        print(mark())
    elif command == "verify":
        print(json.dumps(verify(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        raise SystemExit(f"unknown command {command}")
