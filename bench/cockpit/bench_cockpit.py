"""Cockpit benchmarks (issue 6).

1. The cockpit of one district at city scale, computed afresh (cache off), through the real
   page and the API: median and p95 server time (goal p95 ≤ 300 ms), and the query count per
   district (the same for districts with data in the same modules, whatever their size).
2. The same page served from the 60-second summary cache.
3. The monthly briefing for one district (goal ≤ 10 s): Word, Excel annex, charts.

Run: `uv run python bench/cockpit/bench_cockpit.py [--size 0.2] [--repeat 60]`.
The database is var/bench.sqlite3 unless DATABASE_URL says otherwise.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import database_label, setup_django, summary, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.2, help="generate-scale factor when data is missing")
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    call_command = setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from districtops.cockpit import briefing, services
    from districtops.cockpit.figures import Month
    from districtops.org.models import Unit
    from districtops.supervision.models import Matter

    if not Unit.objects.filter(name="规模区16").exists():
        call_command("demo", verbosity=0)
        call_command("generate-scale", size=args.size)
    User = get_user_model()
    leader = User.objects.get(username="leader")
    district = Unit.objects.get(division_code="410104")
    print(
        f"database: {database_label()}; units {Unit.objects.count()}, people {User.objects.count()}, "
        f"matters {Matter.objects.count()} ({Matter.objects.filter(district=district).count()} in 管城)"
    )
    services.CACHE_SECONDS = 0
    client = Client()
    client.force_login(leader)
    page = "/cockpit/410104/?period=2021-02"
    api = "/api/v1/cockpit/410104?period=2021-02"
    for url in (page, api):
        client.get(url)  # warm-up
    for label, url in (("page", page), ("API", api)):
        samples = timed(lambda u=url: client.get(u), args.repeat)
        print(f"cockpit {label}, computed each time: {summary(samples)}")

    def queries(user, unit):
        with CaptureQueriesContext(connection) as ctx:
            summary = services.district_summary(user, unit, Month(2021, 2))
        return len(ctx.captured_queries), [s["key"] for s in summary["sections"]]

    # A district with data in the same modules runs the same queries whatever its size; a
    # module with nothing for the district is skipped after its first aggregate.
    for unit in [
        district,
        *Unit.objects.filter(kind="district").exclude(pk=district.pk).order_by("-division_code")[:2],
    ]:
        n, keys = queries(None, unit)
        print(f"queries per summary, {unit.name}: {n} (sections: {', '.join(keys)})")
    services.CACHE_SECONDS = 60
    samples = timed(lambda: client.get(page), args.repeat)
    print(f"cockpit page from the 60 s cache: {summary(samples)}")

    started = time.perf_counter()
    result = briefing.build(leader, district, Month(2021, 2), pdf=False)
    total = time.perf_counter() - started
    print(
        f"briefing 管城 2021-02: {total:.2f} s (goal ≤ 10 s); docx {len(result.docx) // 1024} KB, "
        f"annex {len(result.xlsx) // 1024} KB"
    )


if __name__ == "__main__":
    main()
