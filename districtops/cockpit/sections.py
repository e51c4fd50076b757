"""The cockpit's sections: one function per module, ``(ctx) -> dict | None``.

Each reads that module's models through the permission gate with a fixed number of
queries whatever the size of the district, and returns figures (each with the URL of
the list behind it, filtered) and tables. ``SECTIONS`` is the order on the page and in
the briefing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from districtops.core.units import YI
from districtops.org.models import Membership, Unit, UnitKind

from . import yearend
from .figures import Context, chart, count_figure, figure, link, number_text, table, target_sentence


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
            count_figure(key, label, counts[key], unit="个", url=link("org:unit_tree", kind=kind, q=query))
            for key, label, kind, query in (
                ("streets", "街道/乡镇", UnitKind.SUBDISTRICT, code),
                ("departments", "区直部门", UnitKind.DEPARTMENT, ""),
                ("command_posts", "指挥部", UnitKind.COMMAND_POST, ""),
            )
        ]
        + [
            count_figure(
                "people", "在岗人员", people, unit="人", url=link("org:unit_detail", ctx.district.pk)
            )
        ],
        "tables": [],
    }


def _percent(ratio) -> float | None:
    return None if ratio is None else ratio * 100


def _battle_map(ctx: Context, construction) -> tuple[int, int, dict, dict]:
    """Overdue and behind-schedule nodes per street and per command post, in one grouped query
    by (street, command post). The states are the projects module's own (``pace.node_state_q``
    on the pace dates each node stores, the SQL form of ``pace.node_status`` behind its
    ``node_overdue`` and ``progress_behind`` warnings); classifying every node in Python cost
    ~15 ms a summary at city scale."""
    from districtops.projects import pace
    from districtops.projects.models import ProjectNode

    overdue_state, at_risk_state = pace.NodeState.OVERDUE, pace.NodeState.AT_RISK
    rows = (
        ProjectNode.objects.filter(project__in=construction.values("pk"), actual_end=None)
        .values(
            "project__lead_unit_id",
            "project__lead_unit__name",
            "project__command_post_id",
            "project__command_post__name",
        )
        .annotate(
            n_overdue=Count("pk", filter=pace.node_state_q(overdue_state, ctx.today)),
            n_at_risk=Count("pk", filter=pace.node_state_q(at_risk_state, ctx.today)),
        )
        .filter(Q(n_overdue__gt=0) | Q(n_at_risk__gt=0))
        .order_by()
    )
    overdue = at_risk = 0
    streets: dict = {}
    posts: dict = {}
    for row in rows:
        overdue += row["n_overdue"]
        at_risk += row["n_at_risk"]
        for found, pk, name in (
            (streets, row["project__lead_unit_id"], row["project__lead_unit__name"]),
            (posts, row["project__command_post_id"], row["project__command_post__name"]),
        ):
            if pk is not None:
                entry = found.setdefault(pk, {"name": name, overdue_state: 0, at_risk_state: 0})
                entry[overdue_state] += row["n_overdue"]
                entry[at_risk_state] += row["n_at_risk"]
    return overdue, at_risk, streets, posts


def _battle_rows(ctx: Context, rows: dict, list_param: str) -> list:
    from districtops.projects.pace import NodeState

    ordered = sorted(
        rows.items(),
        key=lambda item: (-item[1][NodeState.OVERDUE], -item[1][NodeState.AT_RISK], item[1]["name"]),
    )
    return [
        [
            {"text": row["name"], "url": ctx.list_url("projects:construction_list", **{list_param: pk})},
            *(
                {
                    "text": number_text(row[state]),
                    "url": ctx.list_url("projects:construction_list", **{list_param: pk, "state": state}),
                }
                for state in (NodeState.OVERDUE, NodeState.AT_RISK)
            ),
        ]
        for pk, row in ordered
    ]


def projects_section(ctx: Context) -> dict | None:
    """Investment pipeline, stalled projects, and the battle map's overdue and at-risk nodes."""
    from districtops.projects import measures, pace
    from districtops.projects.models import CapitalArrival, ConstructionProject, InvestmentProject

    investment = ctx.visible(InvestmentProject).filter(district=ctx.district)
    construction = ctx.visible(ConstructionProject).filter(district=ctx.district)
    totals = investment.aggregate(count=Count("pk"), contracted=Sum("contracted_amount"))
    construction_count = construction.count()
    if not totals["count"] and not construction_count:
        return None
    arrived = CapitalArrival.objects.filter(project__in=investment.values("pk")).aggregate(t=Sum("amount"))[
        "t"
    ]
    performance = measures.performance(investment, ctx.today)
    stalled = measures.stalled_projects(investment, ctx.today).count()
    overdue, at_risk, streets, posts = _battle_map(ctx, construction)
    ctx.shared["nodes_by_street"] = streets
    contracted = totals["contracted"] or Decimal(0)
    arrival_rate = pace.ratio(arrived or 0, contracted)
    rate = performance["rate"]
    notes = []
    if overdue:
        notes.append(f"重点项目节点逾期 {overdue} 个，请相关街道和指挥部倒排工期、加快推进。")
    if stalled:
        notes.append(f"招商项目停滞 {stalled} 个，长期无阶段进展，需专题调度。")
    if rate is not None and rate < 0.8:
        notes.append(f"签约项目履约率 {number_text(_percent(rate), 1)}%，低于八成。")
    investment_list = ctx.list_url("projects:investment_list")
    investment_summary = ctx.list_url("projects:investment_summary")
    return {
        "key": "projects",
        "title": "重点项目",
        "figures": [
            count_figure("investment_count", "招商项目", totals["count"], unit="个", url=investment_list),
            figure("contracted", "签约金额", contracted / YI, unit="亿元", digits=2, url=investment_summary),
            figure(
                "arrival_rate",
                "资金到位率",
                _percent(arrival_rate),
                unit="%",
                digits=1,
                url=investment_summary,
            ),
            figure(
                "performance_rate",
                "履约率",
                _percent(rate),
                unit="%",
                digits=1,
                url=investment_summary,
                light="" if rate is None else "green" if rate >= 0.8 else "yellow",
            ),
            count_figure(
                "stalled",
                "停滞招商项目",
                stalled,
                unit="个",
                url=ctx.list_url("projects:investment_list", stalled=1),
                alarm="yellow",
            ),
            count_figure(
                "construction_count",
                "建设项目",
                construction_count,
                unit="个",
                url=ctx.list_url("projects:construction_list"),
            ),
            count_figure(
                "nodes_overdue",
                "节点逾期",
                overdue,
                unit="个",
                url=ctx.list_url("projects:warning_list", kind="node_overdue"),
                alarm="red",
            ),
            count_figure(
                "nodes_at_risk",
                "节点进度滞后",
                at_risk,
                unit="个",
                url=ctx.list_url("projects:warning_list", kind="progress_behind"),
                alarm="yellow",
            ),
        ],
        "tables": [
            table(
                "battle_by_street",
                "挂图作战：按街道",
                ["街道/单位", "逾期节点", "滞后节点"],
                _battle_rows(ctx, streets, "street"),
                empty="本区没有逾期或滞后的节点。",
            ),
            table(
                "battle_by_post",
                "挂图作战：按指挥部",
                ["指挥部", "逾期节点", "滞后节点"],
                _battle_rows(ctx, posts, "command_post"),
                empty="本区没有逾期或滞后的节点。",
            ),
        ],
        "charts": [_node_states_chart(ctx, construction)],
        "warnings": notes,
    }


def _node_states_chart(ctx: Context, construction) -> dict:
    """The battle map's nodes by command post and state (stacked bars), each bar part linking to
    the post's construction projects with a node in that state."""
    from districtops.projects import pace, panels

    counts = panels.node_states_by_command_post(construction, ctx.today)
    names = dict(ctx.visible(Unit).filter(pk__in=counts).values_list("pk", "name"))
    posts = sorted(counts, key=lambda pk: (-counts[pk][pace.NodeState.OVERDUE], names.get(pk, "")))
    states = [
        pace.NodeState.OVERDUE,
        pace.NodeState.AT_RISK,
        pace.NodeState.ON_TRACK,
        pace.NodeState.PENDING,
        pace.NodeState.DONE,
    ]
    return chart(
        "nodes_by_post",
        "挂图作战：各指挥部节点状态",
        "stacked",
        {
            "categories": [names.get(pk, "") for pk in posts],
            "series": [
                {
                    "name": str(pace.NODE_STATE_LABELS[state]),
                    "state": state,
                    "values": [counts[pk][state] for pk in posts],
                    "urls": [
                        ctx.list_url("projects:construction_list", command_post=pk, state=state)
                        for pk in posts
                    ],
                }
                for state in states
            ],
        },
        empty="" if posts else "本区的建设项目尚未分配指挥部。",
    )


def supervision_section(ctx: Context) -> dict | None:
    """Assigned matters: in progress, overdue, closed in the month, listed; on-time ranking by unit."""
    from districtops.supervision.models import Escalation, Matter
    from districtops.supervision.states import MatterState

    matters = ctx.visible(Matter).filter(district=ctx.district)
    open_q = Matter.objects.open_q()
    overdue_q = Matter.objects.overdue_q(ctx.today)
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
    ctx.shared["overdue_by_unit"] = {r["lead_unit_id"]: r["overdue"] for r in rows}
    # Best first; units with nothing closed or overdue yet have no rate and go last.
    rows.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["overdue"], r["lead_unit__name"]))

    def unit_cell(r, value, **query):
        return {
            "text": value,
            "url": ctx.list_url("supervision:matter_list", lead_unit=r["lead_unit_id"], **query),
        }

    ranking_rows = [
        [
            number_text(i),
            unit_cell(r, r["lead_unit__name"]),
            unit_cell(r, number_text(r["open"])),
            unit_cell(r, number_text(r["overdue"]), overdue=1),
            unit_cell(r, number_text(r["closed"]), state=MatterState.CLOSED),
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
    closed = ctx.list_url("supervision:matter_list", state=MatterState.CLOSED)
    return {
        "key": "supervision",
        "title": "督查督办",
        "figures": [
            count_figure(
                "matters_in_progress",
                "办理中事项",
                counts["in_progress"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", state=MatterState.IN_PROGRESS),
            ),
            count_figure(
                "matters_overdue",
                "逾期事项",
                counts["overdue"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", overdue=1),
                alarm="red",
            ),
            count_figure(
                "matters_closed_in_period",
                f"{ctx.period.month}月办结",
                counts["closed_in_period"],
                unit="件",
                url=ctx.list_url(
                    "supervision:matter_list", state=MatterState.CLOSED, closed_in=str(ctx.period)
                ),
            ),
            count_figure(
                "matters_listed",
                "挂牌督办",
                counts["listed"],
                unit="件",
                url=ctx.list_url("supervision:matter_list", escalation=Escalation.LISTED, open=1),
                alarm="yellow",
            ),
            figure(
                "on_time_rate",
                "按时办结率",
                _percent(rate),
                unit="%",
                digits=1,
                url=closed,
                light="" if rate is None else "green" if rate >= 0.9 else "yellow" if rate >= 0.7 else "red",
            ),
        ],
        "tables": [
            table(
                "unit_ranking",
                "责任单位按时办结排名",
                ["名次", "责任单位", "在办", "逾期", "已办结", "按时办结率（%）"],
                ranking_rows,
            ),
            *_scorecard_tables(ctx),
        ],
        "charts": [_matter_age_chart(ctx, matters)],
        "warnings": notes,
    }


def _matter_age_chart(ctx: Context, matters) -> dict:
    """Matters by age since assignment and state (stacked bars); each part links to the list of
    matters in that state."""
    from districtops.supervision import panels

    data = panels.matters_by_age_and_state(matters, ctx.today)
    return chart(
        "matters_by_age",
        "督办事项：按交办时长和状态",
        "stacked",
        {
            "categories": data["buckets"],
            "series": [
                {
                    "name": label,
                    "state": state,
                    "values": data["counts"][state],
                    "urls": [ctx.list_url("supervision:matter_list", state=state)] * len(data["buckets"]),
                }
                for state, label in data["states"]
            ],
        },
    )


def on_time_rate(on_time: int, closed: int, overdue: int) -> float | None:
    """docs/domain.md §4: closed on time ÷ (closed + open and overdue)."""
    whole = closed + overdue
    return None if not whole else on_time / whole


def hazards_section(ctx: Context) -> dict | None:
    """Hidden hazards: major ones not yet closed, overdue rectifications."""
    from districtops.hazards.models import Hazard, HazardGrade, HazardState

    hazards = ctx.visible(Hazard).filter(district=ctx.district)
    not_closed = Hazard.objects.open_q()
    counts = hazards.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=not_closed),
        major_open=Count("pk", filter=not_closed & Q(grade=HazardGrade.MAJOR)),
        overdue=Count("pk", filter=Hazard.objects.overdue_q(ctx.today)),
    )
    if not counts["total"]:
        return None
    from districtops.hazards import panels

    ctx.shared["hazards_by_unit"] = panels.open_hazards_by_unit(hazards)
    by_grade = panels.hazards_by_grade_and_state(hazards)
    notes = []
    if counts["major_open"]:
        notes.append(f"重大事故隐患 {counts['major_open']} 项尚未销号，须按“五定”要求盯紧整改。")
    if counts["overdue"]:
        notes.append(f"隐患整改逾期 {counts['overdue']} 项。")
    return {
        "key": "hazards",
        "title": "安全生产隐患",
        "figures": [
            count_figure(
                "hazards_open",
                "未销号隐患",
                counts["open"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", open=1),
            ),
            count_figure(
                "hazards_major_open",
                "重大隐患未销号",
                counts["major_open"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", grade=HazardGrade.MAJOR, open=1),
                alarm="red",
            ),
            count_figure(
                "hazards_overdue",
                "整改逾期",
                counts["overdue"],
                unit="项",
                url=ctx.list_url("hazards:hazard_list", overdue=1),
                alarm="red",
            ),
        ],
        "tables": [],
        "charts": [
            chart(
                "hazards_by_grade",
                "隐患：按等级和状态",
                "stacked",
                {
                    "categories": [str(label) for _, label in HazardGrade.choices],
                    "series": [
                        {
                            "name": str(state_label),
                            "state": state,
                            "values": [by_grade[grade][state] for grade, _ in HazardGrade.choices],
                            "urls": [
                                ctx.list_url("hazards:hazard_list", grade=grade, state=state)
                                for grade, _ in HazardGrade.choices
                            ],
                        }
                        for state, state_label in HazardState.choices
                    ],
                },
            )
        ],
        "warnings": notes,
    }


def streets_section(ctx: Context) -> dict | None:
    """The district's streets side by side: overdue matters they lead, lagging battle-map nodes
    of their projects, hazards not closed — from what the sections above read (``ctx.shared``),
    plus one query for the streets themselves."""
    if not any(key in ctx.shared for key in ("overdue_by_unit", "nodes_by_street", "hazards_by_unit")):
        return None  # no matters, construction projects or hazards in the district: nothing to compare
    streets = list(
        ctx.visible(Unit)
        .filter(district=ctx.district, kind=UnitKind.SUBDISTRICT, is_active=True)
        .order_by("sort_order", "division_code", "name")
        .values_list("pk", "name")
    )
    if not streets:
        return None
    overdue = ctx.shared.get("overdue_by_unit", {})
    from districtops.projects.pace import NodeState

    nodes = ctx.shared.get("nodes_by_street", {})
    overdue_nodes = {pk: row[NodeState.OVERDUE] for pk, row in nodes.items()}
    at_risk_nodes = {pk: row[NodeState.AT_RISK] for pk, row in nodes.items()}
    hazards = ctx.shared.get("hazards_by_unit", {})
    measures = [
        (
            "overdue",
            "逾期事项",
            overdue,
            lambda pk: ctx.list_url("supervision:matter_list", lead_unit=pk, overdue=1),
        ),
        (
            "nodes_overdue",
            "逾期节点",
            overdue_nodes,
            lambda pk: ctx.list_url("projects:construction_list", street=pk, state=NodeState.OVERDUE),
        ),
        (
            "nodes_at_risk",
            "滞后节点",
            at_risk_nodes,
            lambda pk: ctx.list_url("projects:construction_list", street=pk, state=NodeState.AT_RISK),
        ),
        ("hazards", "未销号隐患", hazards, lambda pk: ctx.list_url("hazards:hazard_list", unit=pk, open=1)),
    ]
    streets.sort(key=lambda s: (-sum(m[2].get(s[0], 0) for m in measures), s[1]))
    rows = [
        [name, *({"text": number_text(m[2].get(pk, 0)), "url": m[3](pk)} for m in measures)]
        for pk, name in streets
    ]
    return {
        "key": "streets",
        "title": "街道对比",
        "figures": [],
        "tables": [table("streets", "各街道（乡）待办压力", ["街道/乡", *(m[1] for m in measures)], rows)],
        "charts": [
            chart(
                "streets",
                "各街道：逾期事项、逾期和滞后节点、未销号隐患",
                "heat",
                {
                    "rows": [name for _, name in streets],
                    "columns": [m[1] for m in measures],
                    "values": [[m[2].get(pk, 0) for m in measures] for pk, _ in streets],
                    "urls": [[m[3](pk) for m in measures] for pk, _ in streets],
                },
            )
        ],
        "warnings": [],
    }


MONTHS = list(range(2, 13))  # 1-2月 … 12月: the economy's reporting months


def _month_label(month: int) -> str:
    return "1-2月" if month == 2 else f"{month}月"


def _growth_chart(indicator, by_period, year, target, url) -> dict:
    """This year's and last year's cumulative growth by month against the annual target line."""
    from districtops.economy.periods import Period

    def line(y):
        out = []
        for m in MONTHS:
            v = by_period.get(Period(y, m))
            out.append(None if v is None or v.growth is None else float(v.growth))
        return out

    this_year, last_year = line(year), line(year - 1)
    return chart(
        f"growth_{indicator.code}",
        f"{indicator.name}累计增速（%）",
        "growth",
        {
            "months": [_month_label(m) for m in MONTHS],
            "series": [
                {"name": f"{year}年", "values": this_year},
                {"name": f"{year - 1}年", "values": last_year},
            ],
            "target": None if target is None else float(target.growth),
            "target_name": "全年目标",
        },
        url=url,
        empty="" if any(v is not None for v in this_year + last_year) else "本年和上年均无累计增速。",
    )


def _peer_charts(ctx: Context, indicators_by_pk: dict, period, url) -> list[dict]:
    """站位全市: every district's growth of each indicator in the statistics period (one query),
    as ranked bars and as the map of Zhengzhou's county-level districts."""
    from districtops.economy.models import IndicatorValue

    rows = (
        ctx.visible(IndicatorValue)
        .filter(period=period.date, unit__kind=UnitKind.DISTRICT)
        .exclude(growth=None)
        .values_list("indicator_id", "unit_id", "unit__name", "unit__division_code", "growth")
    )
    peers: dict[int, list] = {}
    for indicator_id, unit_id, name, code, growth in rows:
        peers.setdefault(indicator_id, []).append(
            {
                "name": name,
                "code": code,
                "value": float(growth),
                "own": unit_id == ctx.district.pk,
                "url": url,
            }
        )
    data = []
    for pk, indicator in indicators_by_pk.items():
        ranked = sorted(peers.get(pk, []), key=lambda r: -r["value"])
        if len(ranked) < 2:
            continue
        for rank, row in enumerate(ranked, start=1):
            row["rank"] = rank
        data.append({"code": indicator.code, "name": indicator.name, "unit": "%", "rows": ranked})
    empty = "" if data else f"{period.label}尚无其他区的同期数据，无法排位。"
    words = {"no_data": "无数据", "rank": "第{rank}名", "high": "高", "low": "低"}
    payload = {"indicators": data, "period": period.label, "words": words}
    return [
        chart("peers", f"站位全市：累计增速排位（{period.label}）", "peers", payload, url=url, empty=empty),
        chart("peer_map", f"郑州市各区累计增速（{period.label}）", "map", payload, url=url, empty=empty),
    ]


def _forecast_table(ctx: Context, inputs: list, latest) -> dict:
    """全年预测: every monthly indicator's year-end value, interval and probability of meeting
    the target — or, in a sentence, why there is none (never an empty table without a reason)."""
    forecastable = [(indicator, request) for indicator, request, _reason in inputs if request is not None]
    projections = yearend.projections(
        [request for _, request in forecastable], fit=ctx.compute_forecasts, pending=ctx.pending_forecasts
    )
    fitted = dict(zip([i.pk for i, _ in forecastable], projections, strict=True))
    rows, notes = [], []
    pending = 0
    for indicator, request, reason in inputs:
        if request is None:
            notes.append(f"{indicator.name}：{reason}")
            continue
        p = fitted[indicator.pk]
        if p is yearend.PENDING:
            pending += 1
            notes.append(f"{indicator.name}：预测正在计算，稍后刷新即可显示。")
        elif p is None:
            notes.append(f"{indicator.name}：历史数据不足13个月，无法预测全年。")
        else:
            rows.append(
                [
                    indicator.name,
                    number_text(p.projection / float(YI), 2),
                    f"{number_text(p.low / float(YI), 2)}～{number_text(p.high / float(YI), 2)}",
                    number_text(None if p.goal is None else p.goal / float(YI), 2)
                    if p.goal is not None
                    else "未设目标",
                    f"{number_text(p.probability * 100, 0)}%" if p.probability is not None else "未设目标",
                ]
            )
    title = f"全年预测（亿元，依据{latest.label}累计）" + (
        f"（另有 {pending} 项指标的预测尚在计算）" if pending else ""
    )
    result = table(
        "forecast",
        title,
        ["指标", "全年预测", "预测区间", "目标水平", "达标概率"],
        rows,
        empty="各项指标均未能预测，原因见下。",
        notes=notes,
    )
    result["pending"] = pending
    return result


def economy_section(ctx: Context) -> dict | None:
    """Headline indicators with lights, their growth charts, the city ranking and map, year-end
    forecasts, growth drivers — all for the one statistics period (``ctx.statistics``)."""
    from districtops.economy import indicators
    from districtops.economy.models import Indicator, IndicatorValue, Light, Target, TargetKind
    from districtops.economy.periods import Period
    from districtops.economy.services import settings_for

    latest = ctx.statistics
    if latest is None:
        return None
    values = list(
        ctx.visible(IndicatorValue)
        .filter(unit=ctx.district, period__lte=latest.date)
        .select_related("indicator")
        .order_by("period")
    )
    if not values:
        return None  # nothing this person may see
    series: dict[int, dict] = {}
    for v in values:
        series.setdefault(v.indicator_id, {})[Period.from_date(v.period)] = v
    targets = {
        t.indicator_id: t
        for t in ctx.visible(Target).filter(unit=ctx.district, year=latest.year, kind=TargetKind.ANNUAL)
    }
    yellow_gap = settings_for(ctx.district.pk).yellow_gap_pp
    dashboard = link("economy:dashboard", unit=ctx.district.pk, period=f"{latest.year}-{latest.month:02d}")
    figures, rows, notes, forecast_inputs, charts = [], [], [], [], []
    shown = {}
    headline = None
    for indicator in Indicator.objects.order_by("sort_order"):
        by_period = series.get(indicator.pk, {})
        value = by_period.get(latest)
        if value is None:
            continue
        shown[indicator.pk] = indicator
        last_dec = by_period.get(Period(latest.year - 1, 12))
        full_last = last_dec.cumulative if last_dec else None
        target = targets.get(indicator.pk)
        status = indicators.target_status(target, by_period, full_last, yellow_gap) if target else None
        light = status.light if status else "grey"
        growth = value.growth
        figures.append(
            figure(
                f"growth_{indicator.code}",
                f"{indicator.name}增速",
                growth,
                unit="%",
                digits=1,
                url=dashboard,
                light=light,
                note=latest.label,
            )
        )
        charts.append(_growth_chart(indicator, by_period, latest.year, target, dashboard))
        if indicator.quarterly:
            forecast_inputs.append((indicator, None, "按季度统计，由市统计局核算，不做月度全年预测。"))
        else:
            # The same inputs as the economy dashboard, so both share one cached fit.
            cumulatives = {
                p: float(v.cumulative)
                for p, v in by_period.items()
                if v.cumulative is not None and p <= latest
            }
            goal = float(full_last * (1 + target.growth / 100)) if (target and full_last) else None
            if cumulatives:
                forecast_inputs.append((indicator, (cumulatives, latest.year, goal), ""))
            else:
                forecast_inputs.append((indicator, None, "没有累计值，无法预测全年。"))
        rows.append(
            [
                {"text": indicator.name, "url": dashboard},
                number_text(value.cumulative / YI if value.cumulative is not None else None, 2),
                number_text(growth, 1),
                number_text(target.growth if target else None, 1),
                {"text": str(Light(light).label), "url": dashboard},
            ]
        )
        if light in ("red", "yellow") and target is not None:
            notes.append(
                target_sentence(indicator.name, latest.label, growth, target.growth, status)[:-1]
                + f"（{Light(light).label}）。"
            )
        if indicator.code == "industrial_output":
            headline = indicator
    charts.extend(_peer_charts(ctx, shown, latest, dashboard))
    tables = [
        table(
            "indicators",
            f"主要经济指标（{latest.label}）",
            ["指标", "本年累计（亿元）", "累计增速（%）", "全年目标（%）", "状态"],
            rows,
            notes=[] if targets else [f"本区尚未设定{latest.year}年全年目标，指标不显示达标状态。"],
        )
    ]
    if headline is not None:
        drivers = indicators.growth_drivers(headline, ctx.district.pk, latest)
        tables.append(
            table(
                "drivers",
                f"{headline.name}增长拉动（行业，百分点）",
                ["行业", "拉动（百分点）"],
                [[d["name"], number_text(d["pp"], 2)] for d in drivers["industries"][:8]],
                empty="上年同期没有可比企业数据，无法计算行业拉动。",
            )
        )
    tables.append(_forecast_table(ctx, forecast_inputs, latest))
    return {
        "key": "economy",
        "title": "经济运行",
        "figures": figures,
        "tables": tables,
        "charts": charts,
        "warnings": notes,
    }


def deputies_section(ctx: Context) -> dict | None:
    """People's Congress deputies' suggestions: awaiting a reply, due within 30 days, overdue."""
    from districtops.deputies.models import Satisfaction, Suggestion, SuggestionState

    suggestions = ctx.visible(Suggestion).filter(district=ctx.district)
    waiting = Q(state__in=[SuggestionState.ASSIGNED, SuggestionState.REOPENED])
    counts = suggestions.aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=waiting),
        due_soon=Count(
            "pk",
            filter=waiting & Q(reply_due__gte=ctx.today, reply_due__lte=ctx.today + dt.timedelta(days=30)),
        ),
        overdue=Count("pk", filter=waiting & Q(reply_due__lt=ctx.today)),
        evaluated=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
    )
    if not counts["total"]:
        return None
    rate = counts["satisfied"] / counts["evaluated"] if counts["evaluated"] else None
    notes = []
    if counts["overdue"]:
        notes.append(f"人大代表建议超期未答复 {counts['overdue']} 件，须尽快答复。")
    return {
        "key": "deputies",
        "title": "人大代表建议",
        "figures": [
            count_figure(
                "suggestions_waiting",
                "待答复建议",
                counts["waiting"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", open=1),
            ),
            count_figure(
                "suggestions_due_soon",
                "30日内到期",
                counts["due_soon"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", due="soon"),
                alarm="yellow",
            ),
            count_figure(
                "suggestions_overdue",
                "超期未答复",
                counts["overdue"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", overdue=1),
                alarm="red",
            ),
            figure(
                "suggestions_satisfaction",
                "满意率",
                _percent(rate),
                unit="%",
                digits=1,
                url=ctx.list_url("deputies:suggestion_list", state=SuggestionState.CLOSED),
            ),
        ],
        "tables": [],
        "warnings": notes,
    }


def _scorecard_tables(ctx: Context) -> list[dict]:
    """The supervision office's scorecard (督导考核) covering the month, ranked per unit kind."""
    from districtops.supervision import scorecards
    from districtops.supervision.models import ScoreScheme

    scheme = (
        ctx.visible(ScoreScheme)
        .filter(district=ctx.district, period_start__lte=ctx.period.last_day)
        .exclude(published_at=None)
        .order_by("-period_end", "-pk")
        .first()
    )
    if scheme is None:
        return []
    tables = []
    for kind, cards in scorecards.compute(scheme).items():
        kind_label = UnitKind(kind).label
        tables.append(
            table(
                f"scorecard_{kind}",
                f"{scheme.name}：{kind_label}排名",
                ["名次", "单位", "得分"],
                [
                    [
                        number_text(card.rank) if card.rank else "—",
                        {
                            "text": card.unit.name,
                            "url": link("supervision:scheme_unit", scheme.pk, card.unit.pk),
                        },
                        number_text(card.score, 2),
                    ]
                    for card in cards
                ],
            )
        )
    return tables


SECTIONS = [
    economy_section,
    projects_section,
    supervision_section,
    hazards_section,
    streets_section,
    deputies_section,
    organisation_section,
]
