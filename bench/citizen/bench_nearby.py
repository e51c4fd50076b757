"""The nearby lookup (我也遇到 / duplicates) over 200,000 reports: query plan and time.

    .venv/bin/python bench/citizen/bench_nearby.py [--reports 200000] [--repeat 200]

Builds its own SQLite database under var/bench-citizen/ (or uses DATABASE_URL), bulk-creates
the reports spread over ~20 km × 20 km in four services (no audit rows: a benchmark fixture,
not a write path), prints the plan of the bounding-box query (it must search the
report_service_lat_long index, not scan) and the lookup's median and p95. Goal ≤ 20 ms.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the database of a previous run")
    args = parser.parse_args()
    var = ROOT / "var" / "bench-citizen"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DISTRICTOPS_VAR", str(var))
    os.environ["DISTRICTOPS_TODAY"] = "2021-03-31"
    if "DATABASE_URL" not in os.environ:
        db = var / "bench-nearby.sqlite3"
        if db.exists() and not args.keep:
            db.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from districtops.citizen import services
    from districtops.citizen.models import Report
    from districtops.core import clock
    from districtops.org import demo as org_demo
    from districtops.org.models import Unit

    org_demo.load()
    district = Unit.objects.get(division_code="410104")
    cats = [services.ensure_service(district, f"b{i}", f"类别{i}") for i in range(4)]
    rng = random.Random(7)
    center_lat, center_long = 34.75, 113.68
    if Report.objects.count() < args.reports:
        started = time.perf_counter()
        now = clock.now()
        batch = []
        for n in range(args.reports):
            batch.append(
                Report(
                    tracking_number=f"B{n:09d}",
                    district=district,
                    service=cats[n % 4],
                    description="路灯不亮",
                    address="bench",
                    lat=Decimal(f"{center_lat + rng.uniform(-0.09, 0.09):.6f}"),
                    long=Decimal(f"{center_long + rng.uniform(-0.11, 0.11):.6f}"),
                    requested_at=now,
                )
            )
            if len(batch) == 10_000:
                Report.objects.bulk_create(batch)
                batch = []
        Report.objects.bulk_create(batch)
        print(f"generated {args.reports:,} reports in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor != "postgresql" else "ANALYZE citizen_report")

    def lookup():
        lat = center_lat + rng.uniform(-0.08, 0.08)
        long = center_long + rng.uniform(-0.1, 0.1)
        return services.nearby_open_reports(cats[rng.randrange(4)], lat, long)

    import math

    lat0, long0 = center_lat, center_long
    min_lat, max_lat, min_long, max_long = services.geo.bounding_box(
        lat0, long0, services.duplicate_radius_m()
    )
    qs = services.open_reports().filter(
        service=cats[0], lat__gte=round(min_lat, 6), lat__lte=round(max_lat, 6),
        long__gte=round(min_long, 6), long__lte=round(max_long, 6),
    )  # fmt: skip
    print(
        f"database: {connection.vendor}; reports: {Report.objects.count():,}; radius {services.duplicate_radius_m():.0f} m"
    )
    print("query plan of the bounding box:")
    print(qs.explain())
    for _ in range(20):
        lookup()
    samples, found = [], 0
    for _ in range(args.repeat):
        t = time.perf_counter()
        found += len(lookup())
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[math.ceil(0.95 * len(samples)) - 1]
    print(f"nearby lookup: median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, "
          f"max {samples[-1]:.2f} ms over {args.repeat} lookups ({found / args.repeat:.2f} found each); goal ≤ 20 ms")  # fmt: skip


if __name__ == "__main__":
    main()
