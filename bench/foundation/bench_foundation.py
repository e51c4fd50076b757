"""Foundation benchmarks (issue 2).

1. Audit overhead on a simple update: the same service path (lock, version check,
   validation, save, scope re-check, one transaction) with and without the audit row.
   Goal: ratio ≤ 1.3×.
2. A permission-gated list of 50 people / units at city scale: query count (must not
   grow with rows) and median server time, through the real views and API.

Run: `make bench` or `uv run python bench/foundation/bench_foundation.py [--repeat N]`.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import database_label, ensure_scale, median, setup_django, summary, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from districtops.gate import services
    from districtops.org.models import Unit

    ensure_scale("org", marker_model=Unit, marker_filter={"name": "规模区16"})
    User = get_user_model()
    print(f"database: {database_label()}; units {Unit.objects.count()}, people {User.objects.count()}")

    # --- 1. audit overhead -------------------------------------------------------------
    sysadmin = User.objects.get(username="sysadmin")
    unit = Unit.objects.get(name="城建局", district__division_code="410104")

    def one_update():
        current = Unit.objects.get(pk=unit.pk)
        services.update_object(
            sysadmin,
            current,
            {"sort_order": (current.sort_order + 1) % 1000},
            expected_version=current.version,
            action="manage",
        )

    real_record = services.record
    timed(one_update, 20)  # warm-up
    rounds = []
    for _ in range(3):  # interleave to cancel drift
        with_audit = timed(one_update, args.repeat // 3)
        services.record = lambda *a, **k: None
        try:
            without = timed(one_update, args.repeat // 3)
        finally:
            services.record = real_record
        rounds.append((with_audit, without))
    with_all = [s for r in rounds for s in r[0]]
    without_all = [s for r in rounds for s in r[1]]
    print(f"update with audit:    {summary(with_all)}")
    print(f"update without audit: {summary(without_all)}")
    print(f"audit overhead ratio (median): {median(with_all) / median(without_all):.2f}x  (goal <= 1.3x)")

    # --- 2. gated lists at city scale -------------------------------------------------
    viewers = {
        "leader (district-wide)": "leader",
        "street staff": "nanguan",
        "scale district leader": User.objects.filter(username__startswith="scale", memberships__role="leader")
        .first()
        .username,
    }
    for label, username in viewers.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for path in [
            "/org/people/",
            "/org/people/?page=3",
            "/api/v1/org/people?limit=50",
            "/api/v1/org/units?limit=50&offset=50",
        ]:
            client.get(path)
            counted = []

            def count(execute, sql, params, many, context, counted=counted):
                counted.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            samples = timed(lambda path=path, client=client: client.get(path), 30)
            print(f"{label:<24} {path:<38} queries {len(counted):>2}  {summary(samples)}")


if __name__ == "__main__":
    main()
