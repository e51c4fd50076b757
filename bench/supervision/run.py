"""Supervision at city scale: to-do page p95, the daily reminder job, a district's scorecards.

    .venv/bin/python bench/supervision/run.py --size 0.25

Builds its own SQLite database under var/bench-supervision/ (or uses DATABASE_URL), loads
the demo organisation and the scale data at ``--size`` (1.0 = 200,000 matters, 20,000
hazards, 5,000 suggestions), then prints each figure and its ratio to the time spent in SQL.
Goals: to-do p95 ≤ 100 ms with a constant query count; reminders ≤ 30 s; scorecards ≤ 2 s.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.25)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="reuse the database of a previous run")
    parser.add_argument("--generate-only", action="store_true", help="build the data, measure nothing")
    args = parser.parse_args()
    var = ROOT / "var" / "bench-supervision"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DISTRICTOPS_VAR", str(var))
    os.environ["DISTRICTOPS_TODAY"] = "2021-03-31"
    if "DATABASE_URL" not in os.environ:
        db = var / f"bench-{args.size}.sqlite3"
        if db.exists() and not args.keep:
            db.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from districtops.org import demo as org_demo
    from districtops.org import scale as org_scale
    from districtops.supervision.models import Matter

    started = time.perf_counter()
    org_demo.load()
    if not Matter.objects.exists():
        from districtops.deputies import scale as deputies_scale
        from districtops.hazards import scale as hazards_scale
        from districtops.supervision import scale

        for label, generate in (
            ("organisation", lambda: org_scale.generate(size=min(args.size, 1.0))),
            ("matters", lambda: scale.generate(size=args.size)),
            ("hazards", lambda: hazards_scale.generate(size=args.size)),
            ("suggestions", lambda: deputies_scale.generate(size=args.size)),
        ):
            t = time.perf_counter()
            result = generate()
            print(f"{label}: {result} in {time.perf_counter() - t:.1f}s {load()}", flush=True)
    from districtops.projects.models import ProjectNode

    if not ProjectNode.objects.exists():
        # The scorecards' node on-time rate reads the projects module's nodes (its own generator).
        from districtops.projects import scale as projects_scale

        t = time.perf_counter()
        result = projects_scale.generate(size=args.size)
        print(f"projects: {result} in {time.perf_counter() - t:.1f}s {load()}", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Autovacuum would have analysed the freshly loaded tables in a real deployment; without
        # statistics the planner guesses and the figures say nothing about production.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"data ready in {time.perf_counter() - started:.1f}s; {Matter.objects.count():,} matters {load()}\n"
    )
    if args.generate_only:
        return
    # Reminders first: the to-do page then lists the in-app reminders the job left, as in real use.
    reminders()
    print()
    todo(args.requests)
    scorecards()


def load() -> str:
    """The load average: figures measured on a shared machine are upper bounds."""
    one, five, _fifteen = os.getloadavg()
    return f"[load {one:.2f}/{five:.2f}]"


class SqlTimer:
    """Sums the wall time of every SQL statement run inside the block."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - t
            self.count += 1


def timed(fn):
    from django.db import connection

    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        t = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t
    return elapsed, timer, result


def p95(values):
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def todo(n):
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from districtops.org.models import Membership
    from districtops.supervision.models import Matter

    staffed = Membership.objects.filter(role__in=["unit_staff", "unit_head"])
    busiest = (
        Matter.objects.filter(lead_unit_id__in=staffed.values("unit_id"))
        .values("lead_unit_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    staff = (
        staffed.filter(unit_id=busiest["lead_unit_id"]).values_list("user_id", flat=True).first()
        if busiest
        else None
    )
    users = {"supervisor (whole district)": get_user_model().objects.get(username="supervisor")}
    if staff:
        users["busiest unit's staff"] = get_user_model().objects.get(pk=staff)
    # Baseline: a page with no data (middleware, session, base template), measured interleaved with
    # each to-do request so both see the same load; CPU time (this process only) is not inflated by
    # the other engineers' work the way wall time is.
    base = Client()
    base.force_login(users["supervisor (whole district)"])
    base.get("/accounts/password/")
    for label, user in users.items():
        for tab in ("lead", "review"):
            client = Client()
            client.force_login(user)
            client.get(f"/supervision/?tab={tab}")  # warm
            times, cpu, sql, queries, base_times, base_cpu = [], [], [], set(), [], []
            for _ in range(n):
                c0 = time.process_time()
                elapsed, timer, response = timed(lambda c=client, t=tab: c.get(f"/supervision/?tab={t}"))
                cpu.append(time.process_time() - c0)
                assert response.status_code == 200
                times.append(elapsed)
                sql.append(timer.total)
                queries.add(timer.count)
                c0 = time.process_time()
                base_times.append(timed(lambda: base.get("/accounts/password/"))[0])
                base_cpu.append(time.process_time() - c0)
            print(f"to-do [{label}, tab={tab}]: p95 {p95(times) * 1000:.1f} ms (goal ≤ 100), "
                  f"median {statistics.median(times) * 1000:.1f} ms, CPU p95 {p95(cpu) * 1000:.1f} ms, "
                  f"queries/request {sorted(queries)}, SQL p95 {p95(sql) * 1000:.1f} ms, "
                  f"ratio total/SQL {p95(times) / max(p95(sql), 1e-9):.2f}; baseline page p95 "
                  f"{p95(base_times) * 1000:.1f} ms (CPU {p95(base_cpu) * 1000:.1f}), "
                  f"× baseline {p95(times) / p95(base_times):.2f} (CPU {p95(cpu) / p95(base_cpu):.2f}) {load()}")  # fmt: skip


def reminders():
    from districtops.supervision import reminders as job
    from districtops.supervision.models import Reminder

    Reminder.objects.all().delete()
    elapsed, timer, counts = timed(lambda: job.run_daily(lambda s: None))
    print(f"reminder job (first run): {elapsed:.2f}s (goal ≤ 30), {counts}, SQL {timer.total:.2f}s "
          f"in {timer.count} statements, ratio {elapsed / max(timer.total, 1e-9):.2f} {load()}")  # fmt: skip
    elapsed, timer, counts = timed(lambda: job.run_daily(lambda s: None))
    print(f"reminder job (same day again): {elapsed:.2f}s, new {counts['new']} (must be 0), SQL {timer.total:.2f}s, "
          f"ratio {elapsed / max(timer.total, 1e-9):.2f} {load()}")  # fmt: skip


def scorecards():
    import datetime as dt

    from django.db.models import Count

    from districtops.org.models import Unit
    from districtops.supervision import scorecards as sc
    from districtops.supervision.models import Matter, ScoreScheme, default_weights

    # The district with the most units leading matters: a full one (streets and departments).
    busiest = (
        Matter.objects.values("district_id")
        .annotate(u=Count("lead_unit_id", distinct=True))
        .order_by("-u")
        .first()
    )
    district = Unit.objects.get(pk=busiest["district_id"])
    scheme = ScoreScheme.objects.filter(district=district).first() or ScoreScheme.objects.create(
        district=district, name="bench", period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 3, 31),
        weights=default_weights(),
    )  # fmt: skip
    runs = [timed(lambda: sc.compute(scheme)) for _ in range(5)]
    best = min(runs, key=lambda r: r[0])
    units = sum(len(v) for v in best[2].values())
    from districtops.projects.models import ProjectNode

    matters = Matter.objects.filter(district=district).count()
    nodes = ProjectNode.objects.filter(project__district=district).count()
    print(f"\nscorecards for {district.name} ({units} units, {matters:,} matters, {nodes:,} project nodes): {best[0] * 1000:.0f} ms (goal ≤ 2000), "
          f"SQL {best[1].total * 1000:.0f} ms in {best[1].count} statements, ratio {best[0] / max(best[1].total, 1e-9):.2f} {load()}")  # fmt: skip


if __name__ == "__main__":
    main()
