"""City-scale projects for the benchmarks: ≈20,000 construction projects with ≈200,000 nodes
and ≈100,000 fund records, plus ≈4,000 investment projects, spread over every district
(size=1). Bulk inserts; one audit record says what was created."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from districtops.core import clock
from districtops.gate import services as core_services
from districtops.org.demo import ensure_unit
from districtops.org.models import Unit, UnitKind

from . import demo
from .models import (
    FUND_STEPS,
    ConstructionCategory,
    ConstructionProject,
    FundEntry,
    FundRecord,
    FundSource,
    InvestmentProject,
    ProjectNode,
    Sector,
    SigningMode,
    Stage,
)

NODES_PER_PROJECT = 10
SCALE_CODE_PREFIX = "SC"


def _nodes(
    project: ConstructionProject, names: list[str], rng: random.Random, today: dt.date
) -> list[ProjectNode]:
    span = (project.planned_end - project.planned_start).days + 1
    step = span / NODES_PER_PROJECT
    behind = rng.random()
    nodes = []
    for i in range(NODES_PER_PROJECT):
        # Overlapping phases (压茬推进): each node starts at its slot and runs 1.5 slots.
        start = project.planned_start + dt.timedelta(days=int(i * step))
        end = min(project.planned_end, start + dt.timedelta(days=max(1, int(step * 1.5))))
        node = ProjectNode(
            project=project,
            sequence=i + 1,
            name=names[i] if i < len(names) else f"分段施工{i - len(names) + 1}",
            planned_start=start,
            planned_end=end,
        )
        if end < today and behind > 0.1:
            node.actual_start, node.actual_end, node.progress = start, min(today, end), 100
        elif start <= today:
            elapsed = ((today - start).days + 1) / ((end - start).days + 1)
            node.actual_start = start
            node.progress = max(0, min(99, int(elapsed * 100 * (0.5 + behind))))
        nodes.append(node)
    return nodes


def generate(size: float = 1.0, **_) -> dict:
    demo.ensure_configuration()
    rng = random.Random(410104)
    today = clock.today()
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("division_code"))
    categories = list(ConstructionCategory.objects.prefetch_related("node_templates"))
    sectors = list(Sector.objects.all())
    per_district = max(1, int(20_000 * size / len(districts)))
    investment_per_district = max(1, int(4_000 * size / len(districts)))
    counts = {"construction": 0, "nodes": 0, "funds": 0, "investment": 0}
    with transaction.atomic():
        for district in districts:
            children = list(Unit.objects.filter(district=district).exclude(pk=district.pk))
            streets = [u for u in children if u.kind == UnitKind.SUBDISTRICT] or [
                u for u in children if u.kind == UnitKind.DEPARTMENT
            ]
            departments = [u for u in children if u.kind == UnitKind.DEPARTMENT]
            if not streets:
                continue
            posts = [u for u in children if u.kind == UnitKind.COMMAND_POST] or [
                ensure_unit("城市更新指挥部", UnitKind.COMMAND_POST, district, sort_order=200)
            ]
            existing = ConstructionProject.objects.filter(
                district=district, code__startswith=SCALE_CODE_PREFIX
            ).count()
            projects = []
            for n in range(existing, per_district):
                start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
                projects.append(
                    ConstructionProject(
                        district=district,
                        code=f"{SCALE_CODE_PREFIX}{district.division_code}-{n:05d}",
                        name=f"规模项目{district.division_code}-{n:05d}",
                        category=categories[n % len(categories)],
                        lead_unit=streets[n % len(streets)],
                        command_post=posts[n % len(posts)],
                        responsible_leader=demo.LEADERS[n % len(demo.LEADERS)],
                        budget=Decimal(rng.randint(100, 50_000)) * 10_000,
                        planned_start=start,
                        planned_end=start + dt.timedelta(days=rng.randint(120, 720)),
                    )
                )
            ConstructionProject.objects.bulk_create(projects, batch_size=2000)
            through = ConstructionProject.supporting_units.through
            if departments:
                through.objects.bulk_create(
                    [
                        through(constructionproject_id=p.pk, unit_id=departments[i % len(departments)].pk)
                        for i, p in enumerate(projects)
                    ],
                    batch_size=5000,
                )
            nodes, funds = [], []
            for p in projects:
                names = [t.name for t in p.category.node_templates.all()]
                project_nodes = _nodes(p, names, rng, today)
                nodes.extend(project_nodes)
                progress = sum(n.progress for n in project_nodes) / len(project_nodes) / 100
                for source in FundSource.values:
                    approved = (p.budget / 5).quantize(Decimal(1))
                    allocated = (approved * Decimal(min(1.0, progress + 0.1))).quantize(Decimal(1))
                    disbursed = (allocated * Decimal(rng.uniform(0.3, 1.0))).quantize(Decimal(1))
                    funds.append(
                        FundRecord(
                            project=p,
                            source=source,
                            applied=approved,
                            approved=approved,
                            allocated=allocated,
                            disbursed=disbursed,
                        )  # fmt: skip
                    )
            ProjectNode.objects.bulk_create([n.refresh_pace() for n in nodes], batch_size=5000)
            FundRecord.objects.bulk_create(funds, batch_size=5000)
            # The totals above are derived: each one is the sum of its (opening) ledger rows.
            FundEntry.objects.bulk_create(
                [
                    FundEntry(
                        project=f.project,
                        source=f.source,
                        kind=step,
                        date=f.project.planned_start,
                        amount=getattr(f, step),
                        is_opening=True,
                    )
                    for f in funds
                    for step in FUND_STEPS
                    if getattr(f, step)
                ],
                batch_size=5000,
            )
            existing_inv = InvestmentProject.objects.filter(
                district=district, name__startswith="规模招商"
            ).count()
            investment = []
            for n in range(existing_inv, investment_per_district):
                signed = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 450))
                reached = n % 4
                stage = [Stage.SIGNED, Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING][reached]
                dates = [min(today, signed + dt.timedelta(days=30 * k)) for k in range(4)]
                investment.append(
                    InvestmentProject(
                        district=district,
                        name=f"规模招商{district.division_code}-{n:05d}",
                        signing_mode=SigningMode.OTHER,
                        investor_name=f"规模企业{n}",
                        sector=sectors[n % len(sectors)],
                        contracted_amount=Decimal(rng.randint(1_000, 500_000)) * 10_000,
                        lead_unit=streets[n % len(streets)],
                        stage=stage,
                        stage_changed_on=dates[reached],
                        signed_on=signed,
                        registered_on=dates[1] if reached >= 1 else None,
                        started_on=dates[2] if reached >= 2 else None,
                        producing_on=dates[3] if reached >= 3 else None,
                        register_due=signed + dt.timedelta(days=60),
                    )
                )
            InvestmentProject.objects.bulk_create(investment, batch_size=2000)
            counts["construction"] += len(projects)
            counts["nodes"] += len(nodes)
            counts["funds"] += len(funds)
            counts["investment"] += len(investment)
        core_services.record(
            None, "bulk_load", None, object_type="projects.constructionproject",
            message="generate-scale: projects", after=counts,
        )  # fmt: skip
    return counts
