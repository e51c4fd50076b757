"""The cockpit's sections: one function per module, ``(ctx) -> dict | None``.

Each reads that module's models through the permission gate with a fixed number of
queries whatever the size of the district, and returns figures (each with the URL of
the list behind it, filtered) and tables. ``SECTIONS`` is the order on the page and in
the briefing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from districtops.org.models import Membership, Unit, UnitKind

from .figures import Context, figure, link, number_text, table

YI = Decimal(100_000_000)


def organisation_section(ctx: Context) -> dict:
    """The district's units and people: the frame every other figure hangs on."""
    units = ctx.visible(Unit).filter(district=ctx.district, is_active=True)
    counts = units.aggregate(
        streets=Count("pk", filter=Q(kind=UnitKind.SUBDISTRICT)),
        departments=Count("pk", filter=Q(kind=UnitKind.DEPARTMENT)),
        command_posts=Count("pk", filter=Q(kind=UnitKind.COMMAND_POST)),
    )
    people = (
        ctx.visible(Membership)
        .filter(unit__district=ctx.district, user__is_active=True)
        .values("user_id")
        .distinct()
        .count()
    )
    code = ctx.district.division_code
    return {
        "key": "organisation",
        "title": "组织机构",
        "figures": [
            figure(
                "streets",
                "街道/乡镇",
                counts["streets"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.SUBDISTRICT, q=code),
            ),
            figure(
                "departments",
                "区直部门",
                counts["departments"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.DEPARTMENT),
            ),
            figure(
                "command_posts",
                "指挥部",
                counts["command_posts"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.COMMAND_POST),
            ),
            figure("people", "在岗人员", people, unit="人", url=link("org:unit_detail", ctx.district.pk)),
        ],
        "tables": [],
    }


def _percent(ratio) -> float | None:
    return None if ratio is None else ratio * 100


def projects_section(ctx: Context) -> dict | None:
    """Investment pipeline, stalled projects, and the battle map's overdue and at-risk nodes."""
    from districtops.projects import measures, rules
    from districtops.projects.models import CapitalArrival, ConstructionProject, InvestmentProject

    investment = ctx.visible(InvestmentProject).filter(district=ctx.district)
    construction = ctx.visible(ConstructionProject).filter(district=ctx.district)
    totals = investment.aggregate(count=Count("pk"), contracted=Sum("contracted_amount"))
    arrived = CapitalArrival.objects.filter(project__in=investment.values("pk")).aggregate(t=Sum("amount"))[
        "t"
    ]
    performance = measures.performance(investment, ctx.today)
    stalled = measures.stalled_projects(investment, ctx.today).count()
    heads = {
        row["pk"]: row
        for row in construction.values(
            "pk", "lead_unit_id", "lead_unit__name", "command_post_id", "command_post__name"
        )
    }
    warnings = measures.construction_warnings(construction.filter(pk__in=list(heads)), ctx.today)
    overdue = [w for w in warnings if w.kind == "node_overdue"]
    at_risk = [w for w in warnings if w.kind == "progress_behind"]
    if not totals["count"] and not heads:
        return None
    contracted = totals["contracted"] or Decimal(0)
    arrival_rate = rules.ratio(arrived or 0, contracted)

    def by(key_id, key_name, list_param):
        rows: dict = {}
        for w in overdue + at_risk:
            head = heads[w.project_id]
            if head[key_id] is None:
                continue
            row = rows.setdefault(head[key_id], {"name": head[key_name], "overdue": 0, "at_risk": 0})
            row["overdue" if w.kind == "node_overdue" else "at_risk"] += 1
        ordered = sorted(
            rows.items(), key=lambda item: (-item[1]["overdue"], -item[1]["at_risk"], item[1]["name"])
        )
        return [
            [
                {"text": row["name"], "url": link("projects:construction_list", **{list_param: pk})},
                {
                    "text": number_text(row["overdue"]),
                    "url": link(
                        "projects:construction_list", **{list_param: pk, "state": rules.NodeState.OVERDUE}
                    ),
                },
                {
                    "text": number_text(row["at_risk"]),
                    "url": link(
                        "projects:construction_list", **{list_param: pk, "state": rules.NodeState.AT_RISK}
                    ),
                },
            ]
            for pk, row in ordered
        ]

    notes = []
    if overdue:
        notes.append(f"重点项目节点逾期 {len(overdue)} 个，请相关街道和指挥部倒排工期、加快推进。")
    if stalled:
        notes.append(f"招商项目停滞 {stalled} 个，长期无阶段进展，需专题调度。")
    if performance["rate"] is not None and performance["rate"] < 0.8:
        notes.append(f"签约项目履约率 {number_text(_percent(performance['rate']), 1)}%，低于八成。")
    return {
        "key": "projects",
        "title": "重点项目",
        "figures": [
            figure(
                "investment_count",
                "招商项目",
                totals["count"],
                unit="个",
                url=link("projects:investment_list"),
            ),
            figure(
                "contracted",
                "签约金额",
                contracted / YI,
                unit="亿元",
                digits=2,
                url=link("projects:investment_summary"),
            ),
            figure(
                "arrival_rate",
                "资金到位率",
                _percent(arrival_rate),
                unit="%",
                digits=1,
                url=link("projects:investment_summary"),
            ),
            figure(
                "performance_rate",
                "履约率",
                _percent(performance["rate"]),
                unit="%",
                digits=1,
                url=link("projects:investment_summary"),
                light=""
                if performance["rate"] is None
                else "green"
                if performance["rate"] >= 0.8
                else "yellow",
            ),
            figure(
                "stalled",
                "停滞招商项目",
                stalled,
                unit="个",
                url=link("projects:investment_list", stalled=1),
                light="yellow" if stalled else "green",
            ),
            figure(
                "construction_count",
                "建设项目",
                len(heads),
                unit="个",
                url=link("projects:construction_list"),
            ),
            figure(
                "nodes_overdue",
                "节点逾期",
                len(overdue),
                unit="个",
                url=link("projects:warning_list", kind="node_overdue"),
                light="red" if overdue else "green",
            ),
            figure(
                "nodes_at_risk",
                "节点进度滞后",
                len(at_risk),
                unit="个",
                url=link("projects:warning_list", kind="progress_behind"),
                light="yellow" if at_risk else "green",
            ),
        ],
        "tables": [
            table(
                "battle_by_street",
                "挂图作战：按街道",
                ["街道/单位", "逾期节点", "滞后节点"],
                by("lead_unit_id", "lead_unit__name", "street"),
            ),
            table(
                "battle_by_post",
                "挂图作战：按指挥部",
                ["指挥部", "逾期节点", "滞后节点"],
                by("command_post_id", "command_post__name", "command_post"),
            ),
        ],
        "warnings": notes,
    }


def supervision_section(ctx: Context) -> dict | None:
    """Assigned matters: in progress, overdue, closed in the month, listed; on-time ranking by unit."""
    from districtops.supervision.models import Escalation, Matter
    from districtops.supervision.states import OPEN_STATES, MatterState

    matters = ctx.visible(Matter).filter(district=ctx.district)
    open_q = Q(state__in=OPEN_STATES)
    overdue_q = open_q & Q(deadline__lt=ctx.today)
    on_time_q = Q(state=MatterState.CLOSED, closed_on__lte=F("deadline"))
    counts = matters.aggregate(
        total=Count("pk"),
        in_progress=Count("pk", filter=Q(state=MatterState.IN_PROGRESS)),
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=overdue_q),
        closed_in_period=Count(
            "pk",
            filter=Q(
                state=MatterState.CLOSED,
                closed_on__gte=ctx.period.first_day,
                closed_on__lte=ctx.period.last_day,
            ),
        ),
        closed=Count("pk", filter=Q(state=MatterState.CLOSED)),
        on_time=Count("pk", filter=on_time_q),
        listed=Count("pk", filter=open_q & Q(escalation=Escalation.LISTED)),
    )
    if not counts["total"]:
        return None
    rate = on_time_rate(counts["on_time"], counts["closed"], counts["overdue"])
    ranking = (
        matters.values("lead_unit_id", "lead_unit__name")
        .annotate(
            closed=Count("pk", filter=Q(state=MatterState.CLOSED)),
            on_time=Count("pk", filter=on_time_q),
            overdue=Count("pk", filter=overdue_q),
            open=Count("pk", filter=open_q),
        )
        .order_by("lead_unit__name")
    )
    rows = []
    for r in ranking:
        r["rate"] = on_time_rate(r["on_time"], r["closed"], r["overdue"])
        rows.append(r)
    # Best first; units with nothing closed or overdue yet have no rate and go last.
    rows.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["overdue"], r["lead_unit__name"]))
    ranking_rows = [
        [
            number_text(i),
            {
                "text": r["lead_unit__name"],
                "url": link("supervision:matter_list", lead_unit=r["lead_unit_id"]),
            },
            {
                "text": number_text(r["open"]),
                "url": link("supervision:matter_list", lead_unit=r["lead_unit_id"]),
            },
            {
                "text": number_text(r["overdue"]),
                "url": link("supervision:matter_list", lead_unit=r["lead_unit_id"], overdue=1),
            },
            {
                "text": number_text(r["closed"]),
                "url": link("supervision:matter_list", lead_unit=r["lead_unit_id"], state=MatterState.CLOSED),
            },
            number_text(_percent(r["rate"]), 1),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    worst = [r for r in rows if r["overdue"]]
    worst.sort(key=lambda r: -r["overdue"])
    notes = []
    if counts["overdue"]:
        names = "、".join(r["lead_unit__name"] for r in worst[:3])
        notes.append(f"督办事项逾期 {counts['overdue']} 件（{names}等），须说明原因并限期办结。")
    if counts["listed"]:
        notes.append(f"挂牌督办事项 {counts['listed']} 件尚未办结。")
    return {
        "key": "supervision",
        "title": "督查督办",
        "figures": [
            figure(
                "matters_in_progress",
                "办理中事项",
                counts["in_progress"],
                unit="件",
                url=link("supervision:matter_list", state=MatterState.IN_PROGRESS),
            ),
            figure(
                "matters_overdue",
                "逾期事项",
                counts["overdue"],
                unit="件",
                url=link("supervision:matter_list", overdue=1),
                light="red" if counts["overdue"] else "green",
            ),
            figure(
                "matters_closed_in_period",
                f"{ctx.period.month}月办结",
                counts["closed_in_period"],
                unit="件",
                url=link("supervision:matter_list", state=MatterState.CLOSED),
            ),
            figure(
                "matters_listed",
                "挂牌督办",
                counts["listed"],
                unit="件",
                url=link("supervision:matter_list", escalation=Escalation.LISTED),
                light="yellow" if counts["listed"] else "green",
            ),
            figure(
                "on_time_rate",
                "按时办结率",
                _percent(rate),
                unit="%",
                digits=1,
                url=link("supervision:matter_list", state=MatterState.CLOSED),
                light="" if rate is None else "green" if rate >= 0.9 else "yellow" if rate >= 0.7 else "red",
            ),
        ],
        "tables": [
            table(
                "unit_ranking",
                "责任单位按时办结排名",
                ["名次", "责任单位", "在办", "逾期", "已办结", "按时办结率（%）"],
                ranking_rows,
            )
        ],
        "warnings": notes,
    }


def on_time_rate(on_time: int, closed: int, overdue: int) -> float | None:
    """DOMAIN.md §4: closed on time ÷ (closed + open and overdue)."""
    whole = closed + overdue
    return None if not whole else on_time / whole


def hazards_section(ctx: Context) -> dict | None:
    """Hidden hazards: major ones not yet closed, overdue rectifications."""
    from districtops.hazards.models import Hazard, HazardGrade, HazardState

    hazards = ctx.visible(Hazard).filter(district=ctx.district)
    not_closed = ~Q(state=HazardState.CLOSED)
    counts = hazards.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=not_closed),
        major_open=Count("pk", filter=not_closed & Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=not_closed & Q(deadline__lt=ctx.today)),
    )
    if not counts["total"]:
        return None
    notes = []
    if counts["major_open"]:
        notes.append(f"重大事故隐患 {counts['major_open']} 项尚未销号，须按“五定”要求盯紧整改。")
    if counts["overdue"]:
        notes.append(f"隐患整改逾期 {counts['overdue']} 项。")
    return {
        "key": "hazards",
        "title": "安全生产隐患",
        "figures": [
            figure("hazards_open", "未销号隐患", counts["open"], unit="项", url=link("hazards:hazard_list")),
            figure(
                "hazards_major_open",
                "重大隐患未销号",
                counts["major_open"],
                unit="项",
                url=link("hazards:hazard_list", grade=HazardGrade.MAJOR),
                light="red" if counts["major_open"] else "green",
            ),
            figure(
                "hazards_overdue",
                "整改逾期",
                counts["overdue"],
                unit="项",
                url=link("hazards:hazard_list", overdue=1),
                light="red" if counts["overdue"] else "green",
            ),
        ],
        "tables": [],
        "warnings": notes,
    }


SECTIONS = [projects_section, supervision_section, hazards_section, organisation_section]
