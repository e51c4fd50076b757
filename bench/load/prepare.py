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
        workbook = electricity_workbook(
            membership.unit.district_id, out.parent / f"power-{membership.pk}.xlsx"
        )
        if workbook is None:
            continue
        result["statisticians"].append(
            {
                "token": token(membership.user),
                "district": membership.unit.district.division_code,
                "workbook": str(workbook),
            }
        )
    out.write_text(json.dumps(result))
    return {k: len(v) for k, v in result.items()}


def electricity_workbook(district_id: int, path: Path, rows: int = 200) -> Path | None:
    """The power company's monthly file for up to ``rows`` of the district's enterprises
    (what a statistician imports for the electricity cross-check); None without enterprises."""
    import random

    from districtops.core import excel
    from districtops.economy.imports import SOURCE_COLUMNS
    from districtops.economy.models import Enterprise

    codes = list(
        Enterprise.objects.filter(district_id=district_id)
        .order_by("pk")
        .values_list("credit_code", flat=True)[:rows]
    )
    if not codes:
        return None
    rng = random.Random(district_id)
    path.write_bytes(
        excel.write_workbook(
            [("用电量", SOURCE_COLUMNS, [[code, "2021-02", rng.randint(10_000, 900_000)] for code in codes])]
        )
    )
    return path


def mark() -> str:
    """The last event and import batch ids: ids only grow, so the rows after them are the load
    test's (event times follow the pinned business date and cannot tell)."""
    from django.db.models import Max

    from districtops.economy.models import ImportBatch
    from districtops.supervision.models import MatterEvent

    return json.dumps(
        {
            "event": MatterEvent.objects.aggregate(top=Max("pk"))["top"] or 0,
            "batch": ImportBatch.objects.aggregate(top=Max("pk"))["top"] or 0,
        },
        separators=(",", ":"),
    )


def verify(writes_file: Path, marks: str) -> dict:
    """What the load test sent against what the database holds.

    Progress reports, per matter: every one answered 200 must be exactly one event row (else
    *lost*); a row beyond those is a write whose answer the client never saw (no answer, cut
    off when locust stopped, or an error status after the commit) and is counted as
    *unacknowledged* — it must be one of the sends without a clear answer, else it is *extra*
    (a row nobody sent). Refusals (409) store nothing. Imports likewise: every accepted file
    one batch with all its rows.
    """
    from districtops.economy.models import ImportBatch, SourceFigure
    from districtops.supervision.models import MatterEvent

    after = json.loads(marks)
    data = json.loads(writes_file.read_text())
    progress = {k: Counter({int(m): n for m, n in v.items()}) for k, v in data["progress"].items()}
    accepted = progress["accepted"]
    # Sent but no outcome recorded: the request was in flight when locust stopped its users.
    answered = accepted + progress["refused"] + progress["failed"] + progress["unanswered"]
    cut_off = progress["sent"] - answered
    unclear = progress["unanswered"] + progress["failed"] + cut_off
    stored = Counter(
        MatterEvent.objects.filter(action="report_progress", pk__gt=after["event"]).values_list(
            "matter_id", flat=True
        )
    )
    lost = {m: (n, stored[m]) for m, n in accepted.items() if stored[m] < n}
    beyond = {m: stored[m] - accepted[m] for m in stored if stored[m] > accepted[m]}
    unacknowledged = sum(min(n, unclear[m]) for m, n in beyond.items())
    extra = {m: n - unclear[m] for m, n in beyond.items() if n > unclear[m]}
    imports = Counter(data["imports"])
    imports["unanswered"] += imports["sent"] - sum(
        imports[k] for k in ("accepted", "refused", "failed", "unanswered")
    )
    batches = dict(
        ImportBatch.objects.filter(pk__gt=after["batch"], kind="electricity").values_list("pk", "row_count")
    )
    figures = SourceFigure.objects.filter(batch_id__in=list(batches)).count()
    return {
        "sent": sum(progress["sent"].values()),
        "accepted": sum(accepted.values()),
        "refused_conflicts": sum(progress["refused"].values()),
        "failed": sum(progress["failed"].values()),
        "unanswered": sum(progress["unanswered"].values()),
        "cut_off": sum(cut_off.values()),
        "stored": sum(stored.values()),
        "matters": len(progress["sent"]),
        "lost": sum(n - got for n, got in lost.values()),
        "lost_examples": dict(list(lost.items())[:5]),
        "unacknowledged": unacknowledged,
        "extra": sum(extra.values()),
        "extra_examples": dict(list(extra.items())[:5]),
        "imports_sent": imports["sent"],
        "imports_accepted": imports["accepted"],
        "imports_refused": imports["refused"] + imports["failed"],
        "imports_unanswered": imports["unanswered"],
        "imports_stored": len(batches),
        "import_rows_sent": imports["rows"],
        "import_rows_stored": sum(batches.values()),
        "imports_lost": max(0, imports["accepted"] - len(batches)),
        "imports_extra": max(
            0, len(batches) - imports["accepted"] - imports["unanswered"] - imports["failed"]
        ),
        # A later file replaces the same enterprise and month: the figures held now are one
        # file's worth per district, from the latest batch.
        "figures_held": figures,
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
        print(json.dumps(verify(Path(sys.argv[2]), sys.argv[3])))
    else:
        raise SystemExit(f"unknown command {command}")
