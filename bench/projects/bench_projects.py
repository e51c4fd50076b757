"""Projects benchmarks (issue 3), at city scale (size 1: ≈20,000 projects, ≈200,000 nodes).

1. Construction project list: p95 server time through the real view (goal ≤ 100 ms), the
   query count (must not grow with rows), and the share of that time spent in SQL.
2. Battle map data for one district (≈1,500 projects at size 1; goal ≤ 300 ms server time).
3. Import of 5,000 projects with 50,000 nodes, fully validated (goal ≤ 30 s), check-only and
   real, in a transaction rolled back afterwards.

Run: `uv run python bench/projects/bench_projects.py [--size 0.2] [--repeat 50]`.
Each figure is printed with the time of its SQL alone and the ratio (SQL ÷ total).
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import database_label, ensure_scale, setup_django, summary  # noqa: E402


class SqlTimer:
    """Counts the queries and keeps them (connection.execute_wrapper), summing the time spent in
    ``execute``. On SQLite rows are produced while fetching, which ``execute`` does not cover,
    so ``replay`` runs the same statements again with fetchall for the true SQL time."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1
            if not many and sql.lstrip().upper().startswith("SELECT"):
                self.statements.append((sql, params))


def replay(statements) -> float:
    """Seconds to execute and fetch every row of ``statements`` (SQL alone, no ORM)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def measure(fn, repeat):
    from django.db import connection

    totals, sqls, queries = [], [], []
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            fn()
            totals.append((time.perf_counter() - started) * 1000)
        sqls.append(replay(timer.statements) * 1000)
        queries.append(timer.queries)
    return totals, sqls, queries


def report(label, totals, sqls, queries, goal):
    ordered = sorted(totals)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    sql_median = sorted(sqls)[len(sqls) // 2]
    total_median = ordered[len(ordered) // 2]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label}: {summary(totals)}; goal {goal}; load average {load}")
    print(
        f"    SQL alone (replayed, rows fetched): median {sql_median:.2f} ms → "
        f"total ÷ SQL {total_median / sql_median:.1f} (SQL ÷ total {sql_median / total_median:.2f}); "
        f"queries per request {min(queries)}–{max(queries)}; p95 {p95:.1f} ms"
    )


def import_workbook(district, n_projects, nodes_per_project):
    from districtops.core.excel import write_workbook
    from districtops.org.models import Unit, UnitKind
    from districtops.projects import imports

    streets = list(
        Unit.objects.filter(district=district, kind=UnitKind.SUBDISTRICT).values_list("name", flat=True)
    )
    rows, nodes = [], []
    start = dt.date(2021, 1, 1)
    for i in range(n_projects):
        code = f"IMP{i:05d}"
        rows.append(
            [
                code,
                f"导入项目{i}",
                "城市道路改造",
                streets[i % len(streets)],
                "",
                "",
                "",
                "",
                "",
                100,
                "",
                start,
                start + dt.timedelta(days=360),
            ]  # fmt: skip
        )
        for k in range(nodes_per_project):
            s = start + dt.timedelta(days=30 * k)
            nodes.append([code, k + 1, f"节点{k + 1}", "", s, s + dt.timedelta(days=45), None, None, 0])
    return write_workbook(
        [("项目", imports.construction_columns(), rows), ("节点", imports.NODE_COLUMNS, nodes)]
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--import-projects", type=int, default=5000)
    parser.add_argument("--import-only", action="store_true", help="only the import figures")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from districtops.org.models import Unit
    from districtops.projects.models import ConstructionProject, ProjectNode

    ensure_scale("org", size=args.size, marker_model=Unit, marker_filter={"name": "规模区16"})
    ensure_scale(
        "projects", size=args.size, marker_model=ConstructionProject, marker_filter={"code__startswith": "SC"}
    )
    User = get_user_model()
    district = Unit.objects.get(division_code="410104")
    print(
        f"database: {database_label()}; construction projects {ConstructionProject.objects.count()}, "
        f"nodes {ProjectNode.objects.count()}; in 管城 {ConstructionProject.objects.filter(district=district).count()}"
    )
    leader = Client()
    leader.force_login(User.objects.get(username="leader"))
    street = Unit.objects.get(name="南关街街道")
    pages = [
        "/projects/",
        "/projects/?page=5",
        f"/projects/?street={street.pk}",
        "/projects/?category=1&page=2",
        f"/projects/?district={district.pk}&state=at_risk",
        "/projects/investment/",
    ]
    if args.import_only:
        pages = []
    for path in pages:
        leader.get(path)  # warm-up
    for path in pages:
        report(f"list {path}", *measure(lambda p=path: leader.get(p), args.repeat), "p95 ≤ 100 ms")
    if args.import_only:
        return run_imports(args, district)
    report(
        "battle map data, 管城 (all projects)",
        *measure(lambda: leader.get("/projects/battle-map/data/"), max(10, args.repeat // 2)),
        "≤ 300 ms",
    )
    report(
        "warnings page, 管城 (leader, all projects)",
        *measure(lambda: leader.get("/projects/warnings/"), max(10, args.repeat // 2)),
        "(no goal)",
    )
    report(
        "home page, 管城 leader (the projects panel's warning counters over all projects)",
        *measure(lambda: leader.get("/"), max(10, args.repeat // 2)),
        "(no goal)",
    )
    street_person = Client()
    street_person.force_login(User.objects.get(username="nanguan"))
    todo = reverse("supervision:todo")
    street_person.get(todo)
    report(
        "supervision to-do page with the projects section (南关街街道 staff)",
        *measure(lambda: street_person.get(todo), args.repeat),
        "(no goal)",
    )
    report(
        "battle map data, one street",
        *measure(lambda: leader.get(f"/projects/battle-map/data/?street={street.pk}"), args.repeat),
        "≤ 300 ms",
    )
    run_imports(args, district)


def run_imports(args, district):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from districtops.projects import imports

    content = import_workbook(district, args.import_projects, 10)
    user = get_user_model().objects.get(username="leader")
    for check_only in (True, False):
        timer = SqlTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer), transaction.atomic():
            result = imports.import_construction(
                user, SimpleUploadedFile("bench.xlsx", content), check_only=check_only
            )
            created = getattr(result, "created", result)  # a Preview since the import contract
            elapsed = time.perf_counter() - started
            if not check_only and hasattr(result, "created"):
                again = reimport(user, imports)
            transaction.set_rollback(True)  # leave the bench database as it was
        label = "check only" if check_only else "import"
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"{label}: {created} projects / {created * 10} nodes in {elapsed:.1f} s (goal ≤ 30 s); "
            f"SQL alone (execute) {timer.seconds:.1f} s → SQL ÷ total {timer.seconds / elapsed:.2f}; "
            f"{timer.queries} queries; load average {load}"
        )
        if not check_only and hasattr(result, "created"):
            print(again)


def reimport(user, imports):
    """The imported projects exported and imported again (every row matched by 项目编号: 不变)."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from districtops.projects.models import ConstructionProject

    started = time.perf_counter()
    content = imports.export_construction(
        ConstructionProject.objects.filter(code__startswith="IMP"), dt.date(2021, 3, 31)
    )
    exported = time.perf_counter() - started
    started = time.perf_counter()
    preview = imports.import_construction(user, SimpleUploadedFile("again.xlsx", content))
    elapsed = time.perf_counter() - started
    return (
        f"re-import of the export: {preview.unchanged} 不变 / {preview.updated} 修改 / {preview.created} 新增 "
        f"in {elapsed:.1f} s (export {exported:.1f} s)"
    )


if __name__ == "__main__":
    main()
