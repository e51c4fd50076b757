"""Plan baselines and the funds page (issue "Urban renewal in depth"), at a scale built in about
a minute (size 0.1: ≈2,000 construction projects, ≈20,000 nodes, ≈330 projects in 管城).

1. The project page with its funds ledger (a 管城 project with ≈50 ledger rows): p95.
2. The funds page across projects (管城 leader: totals by source, street, month; lagging).
3. The battle map data against a dispatch-meeting baseline (管城 leader, every project), after
   two meetings with postponements between them.

Each figure is printed beside its SQL alone (statements replayed with every row fetched) and
the ratio. Run: `uv run python bench/projects/bench_baselines_funds.py [--size 0.1] [--repeat 40]`.

``--city`` is the issue's city scale: size 1 (≈20,000 construction projects, ≈200,000 nodes,
≈100,000 fund records and their ≈400,000 opening ledger rows) plus two baselines of every
district's whole plan (≈400,000 baseline node rows) before the 管城 meetings; the database is
then var/bench-city.sqlite3.
The database is var/bench-baselines.sqlite3 (kept between runs) unless DATABASE_URL says otherwise.
"""

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
_DB = "bench-city.sqlite3" if "--city" in sys.argv else "bench-baselines.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{HERE.parent.parent / 'var' / _DB}")
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_projects import measure, report  # noqa: E402
from common import database_label, ensure_scale, setup_django  # noqa: E402


def prepare(district, leader):
    """Two dispatch meetings of every 管城 command post, postponements between and after them,
    and a ledger of ≈50 rows on one project (idempotent: skipped when the meetings exist)."""
    from districtops.org.models import Unit, UnitKind
    from districtops.projects import services
    from districtops.projects.models import Baseline, BaselineKind, ConstructionProject, ProjectNode

    posts = list(Unit.objects.filter(district=district, kind=UnitKind.COMMAND_POST))
    project = (
        ConstructionProject.objects.filter(district=district, code__startswith="SC").order_by("pk").first()
    )
    if Baseline.objects.filter(district=district, kind=BaselineKind.DISPATCH).exists():
        return project
    started = time.perf_counter()
    for post in posts:
        services.record_baseline(
            leader, unit=post, kind=BaselineKind.DISPATCH, name=f"{post.name}第1次调度会"
        )
    nodes = list(
        ProjectNode.objects.filter(project__district=district, actual_end__isnull=True).order_by("pk")[::25][
            :200
        ]
    )
    for round_, days in ((1, 10), (2, 15)):
        for node in nodes[: len(nodes) // round_]:
            node.refresh_from_db()
            services.update_node(
                leader,
                node,
                expected_version=None,
                reason=f"第{round_}次顺延（基准测试）",
                planned_end=node.planned_end + dt.timedelta(days=days),
            )
        if round_ == 1:
            for post in posts:
                services.record_baseline(
                    leader, unit=post, kind=BaselineKind.DISPATCH, name=f"{post.name}第2次调度会"
                )
    day = project.planned_start
    for i in range(12):
        for kind, amount in (("applied", 1000), ("approved", 900), ("allocated", 600), ("disbursed", 300)):
            services.add_fund_entry(
                leader,
                project,
                source="city",
                kind=kind,
                date=min(day + dt.timedelta(days=7 * i), dt.date(2021, 3, 31)),
                amount=Decimal(amount) + i,
                reference=f"基准-{i}",
            )
    print(
        f"prepared: {len(posts)} command posts × 2 meetings, {len(nodes)} nodes postponed "
        f"({len(nodes) // 2} twice), 48 ledger rows, in {time.perf_counter() - started:.1f} s"
    )
    return project


def city_baselines(user):
    """Two baselines of every district's whole plan (city scale: two per node), taken through
    the baseline writer the meetings use, as the system (the bench's leader is 管城's only)."""
    from districtops.org.models import Unit, UnitKind
    from districtops.projects import services
    from districtops.projects.models import Baseline, BaselineKind, ConstructionProject

    if Baseline.objects.filter(kind=BaselineKind.MANUAL, name__startswith="全市基准").exists():
        return
    started = time.perf_counter()
    for district in Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("division_code"):
        projects = ConstructionProject.objects.filter(district=district).values("pk")
        for n in (1, 2):
            services._take_baseline(
                None,
                district_id=district.pk,
                unit=None,
                kind=BaselineKind.MANUAL,
                name=f"全市基准{n}（{district.name}）",
                reason="基准测试",
                projects=projects,
            )
    print(f"city baselines: two per district in {time.perf_counter() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--city", action="store_true", help="city scale: size 1 and two baselines per node")
    args = parser.parse_args()
    if args.city:
        args.size = 1.0
    started = time.perf_counter()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from districtops.org.models import Unit
    from districtops.projects.models import (
        Baseline,
        BaselineNode,
        ConstructionProject,
        FundEntry,
        ProjectNode,
    )

    ensure_scale("org", size=args.size, marker_model=Unit, marker_filter={"name": "规模区16"})
    ensure_scale(
        "projects", size=args.size, marker_model=ConstructionProject, marker_filter={"code__startswith": "SC"}
    )
    user = get_user_model().objects.get(username="leader")
    district = Unit.objects.get(division_code="410104")
    if args.city:
        city_baselines(user)
    project = prepare(district, user)
    print(
        f"database: {database_label()}; built in {time.perf_counter() - started:.0f} s; construction projects "
        f"{ConstructionProject.objects.count()} (管城 {ConstructionProject.objects.filter(district=district).count()}), "
        f"nodes {ProjectNode.objects.count()}, ledger rows {FundEntry.objects.count()}, "
        f"baselines {Baseline.objects.count()} holding {BaselineNode.objects.count()} node rows"
    )
    client = Client()
    client.force_login(user)
    pages = [
        (
            f"project page with its ledger ({project.fund_entries.count()} rows)",
            project.get_absolute_url(),
            "p95 ≤ 100 ms",
        ),
        ("funds page, 管城 (leader, every project)", "/projects/funds/", "p95 ≤ 300 ms"),
        (
            "battle map data against the latest dispatch baseline, 管城",
            "/projects/battle-map/data/",
            "p95 ≤ 300 ms",
        ),
        ("battle map page (chooser, record form) without the data", "/projects/battle-map/", "(no goal)"),
    ]
    for _label, path, _goal in pages:
        response = client.get(path)  # warm-up
        assert response.status_code == 200, (path, response.status_code)
    data = client.get("/projects/battle-map/data/").json()
    moved = sum(1 for b in data["bars"] if b[13])
    print(
        f"battle map: {len(data['rows'])} projects, {len(data['bars'])} bars, {moved} moved since the last meeting"
    )
    for label, path, goal in pages:
        report(label, *measure(lambda p=path: client.get(p), args.repeat), goal)


if __name__ == "__main__":
    main()
