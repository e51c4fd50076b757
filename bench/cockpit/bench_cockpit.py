"""Cockpit benchmarks (issue 6).

1. The cockpit of one district at city scale with its charts, computed afresh (cache off),
   through the real page, the API and the big screen's data endpoint (issue 13): median and p95 server time (goal p95 ≤ 300 ms), the queries per request,
   the time the database spent on them and its share of the whole (load does not distort the
   query count, and distorts the share less than the times), and the query count per
   district (the same for districts with data in the same modules, whatever their size).
   The ratio of the mean request to its SQL alone is printed (goal ≤ 2×).
2. The same page served from the 60-second summary cache.
3. The monthly briefing for one district (goal ≤ 10 s): Word, Excel annex, charts — cold (an
   empty forecast cache: every year-end forecast fitted, in the separate process that has to
   start and import statsmodels, and matplotlib imported here, as for the command line in a
   new process) and warm (forecasts cached).

Every figure is printed with the load average: the machine is shared.

Run: `uv run python bench/cockpit/bench_cockpit.py [--size 0.2] [--repeat 60]`.
The database is var/bench.sqlite3 unless DATABASE_URL says otherwise.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import database_label, setup_django, summary  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.2, help="generate-scale factor when data is missing")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--skip-briefing", action="store_true", help="only the page, API and big screen")
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)  # matplotlib: glyphs missing where no CJK font is installed
    call_command = setup_django()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from districtops.cockpit import briefing, services, yearend
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
    screen = "/cockpit/410104/screen/data/?period=2021-02"

    def measure(url):
        """Server time of each request, its queries and the database's time on them."""
        times, sql, queries = [], [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            queries = len(ctx.captured_queries)
        return times, sum(sql) / len(sql), queries

    for url in (page, api, screen):
        client.get(url)  # warm-up
    for label, url in (("page", page), ("API", api), ("big-screen data", screen)):
        times, sql_ms, queries = measure(url)
        mean = sum(times) / len(times)
        print(
            f"cockpit {label}, computed each time: {summary(times)}; {queries} queries a request, "
            f"SQL {sql_ms:.1f} ms a request = {sql_ms / mean:.0%} of the mean {mean:.1f} ms; "
            f"request ÷ its SQL = {mean / sql_ms:.2f}× (goal ≤ 2×); {load()}"
        )
    charts = services.charts_of(services.district_summary(leader, district, Month(2021, 2)))
    print(f"charts in the summary: {len(charts)} ({', '.join(sorted(charts))})")

    def queries(user, unit):
        with CaptureQueriesContext(connection) as ctx:
            result = services.district_summary(user, unit, Month(2021, 2))
        return len(ctx.captured_queries), [s["key"] for s in result["sections"]]

    # A district with data in the same modules runs the same queries whatever its size; a
    # module with nothing for the district is skipped after its first aggregate.
    for unit in [
        district,
        *Unit.objects.filter(kind="district").exclude(pk=district.pk).order_by("-division_code")[:2],
    ]:
        n, keys = queries(None, unit)
        print(f"queries per summary, {unit.name}: {n} (sections: {', '.join(keys)})")
    services.CACHE_SECONDS = 60
    times, _, cached_queries = measure(page)
    print(f"cockpit page from the 60 s cache: {summary(times)}; {cached_queries} queries a request; {load()}")
    if args.skip_briefing:
        return

    fits = []
    fitting = yearend.Fitting

    class Counted(fitting):
        def __init__(self, requests):
            fits.append(len(requests))
            super().__init__(requests)

    yearend.Fitting = Counted
    cache.clear()  # cold: every forecast to fit
    yearend._fitted.clear()
    for label in ("cold (forecasts fitted)", "warm (forecasts cached)"):
        fits.clear()
        started = time.perf_counter()
        result = briefing.build(leader, district, Month(2021, 2), pdf=False)
        total = time.perf_counter() - started
        print(
            f"briefing 管城 2021-02, {label}: {total:.2f} s (goal ≤ 10 s), {sum(fits)} forecasts fitted "
            f"(in a separate process); docx {len(result.docx) // 1024} KB, annex {len(result.xlsx) // 1024} KB; "
            f"{load()}"
        )
    # The PDF the job offers: LibreOffice converting the .docx in a new profile each time.
    if briefing.shutil.which("soffice") or briefing.shutil.which("libreoffice"):
        for label in ("PDF, first conversion", "PDF, again"):
            started = time.perf_counter()
            pdf = briefing.convert_to_pdf(result.docx)
            print(f"briefing {label}: {time.perf_counter() - started:.2f} s, {len(pdf) // 1024} KB; {load()}")
    else:
        print("briefing PDF: LibreOffice not installed (make office-deps)")
    yearend.Fitting = fitting


if __name__ == "__main__":
    main()
