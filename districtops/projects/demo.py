"""Demo data as of 2021-03-31: the 2021-02-25 signing conference and the urban-renewal works.

Seed facts (docs/domain.md §2, §3): 56 projects signed on 2021-02-25, 24 on site and 32 before
the meeting, about 30 billion yuan over four sectors; the three works and a 六街六片区
showcase group. Everything else (names, investors, amounts, dates) is fictional and marked
（示例）. Idempotent: the conference is found by name and date, projects by name or code.
Every write goes through the services as the system.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile

from districtops.core import clock
from districtops.core.codes import CREDIT_CODE_CHARSET, credit_code_check_char
from districtops.org.models import Unit, UnitKind

from . import services
from .models import (
    Conference,
    ConstructionCategory,
    ConstructionProject,
    FundSource,
    InvestmentProject,
    MissingDocumentsPolicy,
    ProjectNode,
    SigningMode,
    Stage,
)

SECTORS = ["新一代信息技术", "生产性服务业", "高端商贸", "文化旅游"]
CONFERENCE_NAME = "管城回族区2021年招商推介会暨项目集中签约仪式"
CONFERENCE_DATE = dt.date(2021, 2, 25)
LEADERS = ["张副区长（示例）", "刘副区长（示例）", "陈副区长（示例）"]

CATEGORIES = [
    # code, name, policy, node template (name, offset, days), checklist (node, document)
    (
        "road", "城市道路改造", MissingDocumentsPolicy.WARN,
        [("规划设计", 0, 45), ("立项审批", 30, 30), ("招标", 60, 30), ("进场施工", 90, 30), ("主体完工", 100, 150),
         ("竣工验收", 250, 30), ("移交", 280, 20)],
        [("规划设计", "设计方案批复"), ("立项审批", "立项批复"), ("招标", "中标通知书"), ("招标", "施工合同"),
         ("竣工验收", "竣工验收报告"), ("移交", "移交接管书")],
    ),
    (
        "compound", "老旧小区改造", MissingDocumentsPolicy.WARN,
        [("入户调查", 0, 30), ("方案设计", 20, 40), ("居民议定", 50, 20), ("招标", 70, 30), ("进场施工", 100, 20),
         ("主体完工", 110, 120), ("竣工验收", 230, 30), ("长效管理移交", 260, 20)],
        [("方案设计", "改造方案"), ("居民议定", "居民意见书"), ("招标", "中标通知书"), ("招标", "施工合同"),
         ("竣工验收", "竣工验收报告")],
    ),
    (
        "village", "城中村改造", MissingDocumentsPolicy.BLOCK,
        [("征收方案", 0, 60), ("签约征收", 45, 90), ("拆除清表", 120, 60), ("安置房建设", 170, 270),
         ("回迁安置", 430, 60)],
        [("征收方案", "征收补偿方案批复"), ("签约征收", "征收协议汇总表"), ("拆除清表", "拆除验收记录"),
         ("安置房建设", "施工许可证")],
    ),
    (
        "management", "城市精细化管理", MissingDocumentsPolicy.WARN,
        [("方案制定", 0, 20), ("集中整治", 15, 60), ("检查验收", 75, 15), ("长效管理", 90, 90)],
        [("方案制定", "整治方案"), ("检查验收", "验收记录")],
    ),
    ("other", "其他", MissingDocumentsPolicy.WARN, [("前期", 0, 60), ("实施", 45, 180), ("验收", 225, 30)], []),
]  # fmt: skip

INVESTORS = [
    "中原云数科技", "豫信智联", "郑商数据服务", "华夏算力", "嵩岳软件", "黄河链科", "商都智造",
    "天中供应链", "豫港物流", "中豫会计服务", "博远咨询", "金鼎人力资源", "汇鑫融资租赁", "明德检测",
    "商城里商贸", "紫荆城市广场", "东大街商业", "豫商国际", "二七商圈运营", "航海商贸城", "绿城百货",
    "商都文旅", "城隍庙文化", "书院街文创", "黄帝故里旅游", "豫剧文化传播", "中原非遗", "郑风影视",
]  # fmt: skip
PROJECT_KINDS = {
    "新一代信息技术": ["数据中心", "工业互联网平台", "智慧城市运营中心", "软件研发基地", "信创产业园"],
    "生产性服务业": ["区域总部", "供应链管理中心", "检验检测中心", "人力资源产业园", "金融服务中心"],
    "高端商贸": ["商业综合体", "品牌旗舰店", "进口商品中心", "夜间经济街区", "电商直播基地"],
    "文化旅游": ["商城遗址文化街区", "非遗展示中心", "文旅综合体", "精品酒店", "沉浸式演艺中心"],
}
ROADS = [
    "城东路",
    "东大街",
    "西大街",
    "南关街",
    "紫荆山路",
    "航海东路",
    "商都路",
    "陇海路",
    "二里岗街",
    "圃田路",
]
COMPOUNDS = ["棉纺", "电力", "粮食局", "供电局", "化工", "铁路", "纺织", "烟厂", "商业局", "邮电"]


def _pdf(label: str) -> ContentFile:
    """A small, real PDF (magic bytes and all) standing in for a scanned document."""
    body = f"%PDF-1.4\n% DistrictOps demo document: {label}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    return ContentFile(body.encode(), name="demo.pdf")


def _credit_code(rng: random.Random) -> str:
    first = (
        "91410104"
        + "".join(rng.choice(CREDIT_CODE_CHARSET[:10]) for _ in range(8))
        + rng.choice("0123456789")
    )
    return first + credit_code_check_char(first)


def _units(district: Unit):
    units = {u.name: u for u in Unit.objects.filter(district=district)}
    streets = [u for u in units.values() if u.kind == UnitKind.SUBDISTRICT]
    streets.sort(key=lambda u: u.division_code)
    return units, streets


def ensure_configuration() -> None:
    for i, name in enumerate(SECTORS):
        services.ensure_sector(None, name, sort_order=i)
    for i, (code, name, policy, nodes, checklist) in enumerate(CATEGORIES):
        services.ensure_category(
            None, code=code, name=name, nodes=nodes, requirements=checklist, policy=policy, sort_order=i
        )


def _load_investment(district: Unit, units: dict, streets: list[Unit]) -> None:
    commerce = units["商务局"]
    conference = Conference.objects.filter(name=CONFERENCE_NAME, held_on=CONFERENCE_DATE).first()
    if conference is None:
        conference = services.create_conference(
            None,
            name=CONFERENCE_NAME,
            held_on=CONFERENCE_DATE,
            organiser=commerce,
            venue="管城回族区会议中心（示例）",
            attendance=300,
            notes="约 300 名企业代表参会；现场签约 24 个、会前签约 32 个。",
        )
    if InvestmentProject.objects.filter(conference=conference).exists():
        return
    from .models import Sector

    sectors = list(Sector.objects.filter(name__in=SECTORS).order_by("sort_order"))
    rng = random.Random(20210225)
    # 56 amounts that sum to exactly 300 亿元: a few large anchor projects, many mid-sized ones.
    weights = [rng.uniform(0.3, 1.0) * (6 if i < 4 else 1) for i in range(56)]
    scale = Decimal(30_000_000_000) / Decimal(sum(weights))
    amounts = [(Decimal(w) * scale / 1_000_000).quantize(Decimal(1)) * 1_000_000 for w in weights]
    amounts[-1] += Decimal(30_000_000_000) - sum(amounts)
    for i in range(56):
        sector = sectors[i % 4]
        street = streets[i % len(streets)]
        on_site = i < 24
        signed_on = CONFERENCE_DATE if on_site else CONFERENCE_DATE - dt.timedelta(days=5 + (i * 3) % 50)
        investor = INVESTORS[(i * 5) % len(INVESTORS)]
        kind = PROJECT_KINDS[sector.name][(i // 4) % 5]
        foreign = i % 19 == 7
        project = services.create_investment_project(
            None,
            name=f"{investor}{kind}项目（示例）",
            conference=conference,
            signing_mode=SigningMode.ON_SITE if on_site else SigningMode.BEFORE,
            investor_name=f"{investor}{'（香港）有限公司' if foreign else '有限公司'}（示例）",
            investor_domestic=not foreign,
            investor_credit_code="" if foreign else _credit_code(rng),
            sector=sector,
            contracted_amount=amounts[i],
            planned_investment=(amounts[i] * Decimal("0.8")).quantize(Decimal(1)),
            lead_unit=street,
            responsible_leader=LEADERS[i % 3],
            register_due=signed_on + dt.timedelta(days=30),
            start_due=signed_on + dt.timedelta(days=120),
            stage=Stage.SIGNED,
            signed_on=signed_on,
            supporting_units=[commerce, units["发改委"]] if i % 3 else [commerce],
        )
        # As of 2021-03-31: about half registered, a handful started; two before-meeting
        # signings already produce (existing plants expanding).
        steps = []
        if i % 2 == 0 or i % 7 == 1:
            steps.append((Stage.REGISTERED, signed_on + dt.timedelta(days=10 + i % 25)))
        if steps and i % 6 == 0:
            steps.append((Stage.STARTED, steps[-1][1] + dt.timedelta(days=12)))
        if len(steps) == 2 and i in (30, 42):
            steps.append((Stage.PRODUCING, steps[-1][1] + dt.timedelta(days=10)))
        for stage, day in steps:
            day = min(day, clock.today())
            project = services.transition_stage(
                None, project, to_stage=stage, happened_on=day, evidence=_pdf(f"{project.name} {stage}"),
                note="示例佐证材料",
            )  # fmt: skip
        if project.stage != Stage.SIGNED:
            for month, share in ((dt.date(2021, 2, 1), "0.04"), (dt.date(2021, 3, 1), "0.06")):
                if month >= signed_on.replace(day=1):
                    services.record_capital_arrival(
                        None, project, month=month, amount=(amounts[i] * Decimal(share)).quantize(Decimal(1))
                    )
    # Earlier signings still stuck in negotiation or signing (for the stalled list).
    for j, (name, stage, since) in enumerate(
        [
            ("豫东冷链物流园项目（示例）", Stage.NEGOTIATING, dt.date(2020, 9, 15)),
            ("中原跨境电商产业园项目（示例）", Stage.SIGNED, dt.date(2020, 10, 20)),
            ("商都老字号振兴项目（示例）", Stage.SIGNED, dt.date(2020, 11, 30)),
        ]
    ):
        if InvestmentProject.objects.filter(name=name).exists():
            continue
        services.create_investment_project(
            None,
            name=name,
            investor_name=f"{INVESTORS[j + 10]}有限公司（示例）",
            investor_credit_code=_credit_code(rng),
            sector=sectors[j % 4],
            contracted_amount=Decimal(300_000_000 * (j + 1)),
            lead_unit=streets[(j * 4 + 2) % len(streets)],
            responsible_leader=LEADERS[j % 3],
            stage=stage,
            signed_on=since if stage == Stage.SIGNED else None,
            negotiating_since=since if stage == Stage.NEGOTIATING else None,
            register_due=since + dt.timedelta(days=60) if stage == Stage.SIGNED else None,
            supporting_units=[commerce],
        )


def _construction_plan(streets):
    """(category code, name, street index, start, months, showcase) for the demo works."""
    plan = []
    for i, road in enumerate(ROADS):
        plan.append(
            ("road", f"{road}综合整治提升工程（示例）", i, dt.date(2020, 5 + i % 4, 1), 10 + i % 5, "")
        )
    for i, name in enumerate(COMPOUNDS):
        plan.append(
            (
                "compound",
                f"{name}家属院老旧小区改造（示例）",
                i + 3,
                dt.date(2020, 7 + i % 5, 1),
                9 + i % 4,
                "",
            )
        )
    for i, name in enumerate(["十八里河", "南曹", "圃田", "金岱", "商都路东"]):
        plan.append(("village", f"{name}城中村改造项目（示例）", i + 9, dt.date(2020, 3 + i, 1), 18, ""))
    for i, name in enumerate(["背街小巷", "占道经营", "广告牌匾", "垃圾分类"]):
        plan.append(("management", f"{name}精细化治理（示例）", i + 1, dt.date(2021, 1 + i % 3, 1), 6, ""))
    # 六街六片区: six streets, six zones, style-coordinated showcase works.
    for i in range(6):
        plan.append(
            (
                "compound",
                f"六街六片区·{streets[i].name}示范片区风貌提升（示例）",
                i,
                dt.date(2020, 9, 1),
                12,
                "六街六片区",
            )
        )
    return plan


COMMAND_POSTS = {
    "road": "城市道路改造指挥部",
    "compound": "老旧小区改造指挥部",
    "village": "城中村改造指挥部",
    "management": "城市精细化管理指挥部",
}


def _progress_nodes(project: ConstructionProject, rng: random.Random, variant: int) -> None:
    """Give the nodes actual dates and progress so every state appears as of today."""
    today = clock.today()
    checklist = {}
    for r in project.category.requirements.all():
        checklist.setdefault(r.node_name, []).append(r)
    for node in list(project.nodes.order_by("sequence")):
        if node.planned_start > today:
            break
        behind = variant % 4  # 0: on time, 1: a little late, 2: far behind, 3: overdue node
        if node.planned_end < today and not (
            behind == 3 and node.planned_end > today - dt.timedelta(days=40)
        ):
            # Documents first: the 城中村 category blocks completion without them; others keep a gap.
            for requirement in checklist.get(node.name, []):
                if (
                    project.category.missing_documents_policy == MissingDocumentsPolicy.BLOCK
                    or rng.random() < 0.7
                ):
                    services.upload_document(
                        None,
                        project,
                        title=requirement.name,
                        file=_pdf(requirement.name),
                        requirement=requirement,
                    )
            start = node.planned_start + dt.timedelta(days=rng.randint(0, 5))
            end = min(today, max(start, node.planned_end + dt.timedelta(days=rng.randint(-5, 5))))
            node = services.update_node(None, node, expected_version=None, actual_start=start, actual_end=end)
            continue
        elapsed = min(
            1.0, ((today - node.planned_start).days + 1) / ((node.planned_end - node.planned_start).days + 1)
        )
        percent = {0: min(100, elapsed * 100 + 10), 1: elapsed * 85, 2: elapsed * 40, 3: elapsed * 60}[behind]
        services.report_progress(
            None,
            node,
            reported_on=min(today, max(node.planned_start, today - dt.timedelta(days=3))),
            percent=int(percent),
            text=f"{node.name}按计划推进中（示例）"
            if behind == 0
            else f"{node.name}进度偏慢，正在协调（示例）",
        )
        break


def _load_construction(district: Unit, units: dict, streets: list[Unit]) -> None:
    rng = random.Random(20210331)
    categories = {c.code: c for c in ConstructionCategory.objects.all()}
    for n, (code, name, street_index, start, months, showcase) in enumerate(_construction_plan(streets)):
        project_code = f"GC2021-{n + 1:03d}"
        if ConstructionProject.objects.filter(district=district, code=project_code).exists():
            continue
        end = (start.replace(day=1) + dt.timedelta(days=31 * months)).replace(day=1) - dt.timedelta(days=1)
        budget = Decimal(rng.randint(800, 60000)) * 10000
        supporting = [units["城建局"], units["财政局"]] + ([units["房管局"]] if code == "compound" else [])
        project = services.create_construction_project(
            None,
            code=project_code,
            name=name,
            category=categories[code],
            lead_unit=streets[street_index % len(streets)],
            supporting_units=supporting,
            command_post=units.get(COMMAND_POSTS.get(code, "")),
            responsible_leader=LEADERS[n % 3],
            location=f"{streets[street_index % len(streets)].name}辖区（示例）",
            scale=f"改造面积约 {rng.randint(2, 30)} 万平方米（示例）",
            budget=budget,
            showcase_group=showcase,
            planned_start=start,
            planned_end=end,
        )
        _progress_nodes(project, rng, n)
        progress = sum(
            100 if node.actual_end else node.progress for node in ProjectNode.objects.filter(project=project)
        ) / max(1, project.nodes.count())
        sources = [FundSource.CITY, FundSource.DISTRICT] + ([FundSource.CENTRAL] if n % 3 == 0 else [])
        if n % 5 == 0:
            sources.append(FundSource.SOCIAL)
        for source in sources:
            approved = (budget / len(sources)).quantize(Decimal(1))
            # Every fifth project spends far slower than it builds: the funds-lag warning.
            spent_share = Decimal(progress / 100) * (Decimal("0.3") if n % 5 == 2 else Decimal("0.95"))
            allocated = (approved * min(Decimal(1), spent_share + Decimal("0.1"))).quantize(Decimal(1))
            disbursed = min(allocated, (approved * spent_share).quantize(Decimal(1)))
            figures = {
                "applied": (approved * Decimal("1.1")).quantize(Decimal(1)),
                "approved": approved,
                "allocated": allocated,
                "disbursed": disbursed,
                "audited": (disbursed * Decimal("0.5")).quantize(Decimal(1)) if progress > 50 else Decimal(0),
            }
            for step, (kind, amount) in enumerate(figures.items()):
                if amount > 0:
                    services.add_fund_entry(
                        None,
                        project,
                        source=source,
                        kind=kind,
                        date=start + dt.timedelta(days=7 * step),
                        amount=amount,
                        reference=f"管财〔2021〕{n * 10 + step}号",
                    )
        for month in (dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 3, 1)):
            if start <= month <= end:
                services.record_monthly_investment(
                    None, project, month=month, amount=(budget / months * Decimal("0.8")).quantize(Decimal(1))
                )


def _load_dispatch(district: Unit, units: dict) -> None:
    """Two dispatch meetings of each command post with postponements between them: some nodes
    moved once (since the last meeting), some twice (red on the warnings, made up or not)."""
    from .models import Baseline, BaselineKind

    if Baseline.objects.filter(district=district, kind=BaselineKind.DISPATCH).exists():
        return
    posts = [units[name] for name in COMMAND_POSTS.values() if name in units]
    today = clock.today()
    open_nodes = list(
        ProjectNode.objects.filter(
            project__district=district, actual_end__isnull=True, planned_end__gte=today
        ).order_by("project_id", "sequence")
    )
    # The first open node of every third project, spread over the command posts.
    first_open, seen = [], set()
    for node in open_nodes:
        if node.project_id not in seen:
            seen.add(node.project_id)
            first_open.append(node)
    chosen = first_open[::3]
    for post in posts:
        services.record_baseline(
            None, unit=post, kind=BaselineKind.DISPATCH, name=f"{post.name}3月第2周调度会（示例）"
        )
    for i, node in enumerate(chosen):
        node.refresh_from_db()
        services.update_node(
            None,
            node,
            expected_version=None,
            reason="征迁协调未完成，节点顺延（示例）",
            planned_end=node.planned_end + dt.timedelta(days=15 + i % 3 * 5),
        )
    for post in posts:
        services.record_baseline(
            None, unit=post, kind=BaselineKind.DISPATCH, name=f"{post.name}3月第4周调度会（示例）"
        )
    for i, node in enumerate(chosen):
        if i % 2:
            continue
        node.refresh_from_db()
        services.update_node(
            None,
            node,
            expected_version=None,
            reason="管线迁改滞后，再次顺延（示例）",
            planned_end=node.planned_end + dt.timedelta(days=20),
        )


def load() -> dict:
    district = Unit.objects.get(division_code="410104")
    units, streets = _units(district)
    ensure_configuration()
    _load_investment(district, units, streets)
    _load_construction(district, units, streets)
    _load_dispatch(district, units)
    return {
        "investment": InvestmentProject.objects.filter(district=district).count(),
        "construction": ConstructionProject.objects.filter(district=district).count(),
    }
