"""What the projects module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): the investment pipeline, funds, stalled projects, and the battle map's overdue and
at-risk nodes per street and command post (the streets comparison reuses the streets').

Each function takes the cockpit's context (``cockpit.figures.Context``: who asks, the district,
the month, today) and reads this module's models through the gate with a fixed number of
queries. Node states are ``pace.node_state_q`` (the construction list's own definition);
stalled and performance are ``measures``'.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from districtops.cockpit.figures import chart, count_figure, figure, number_text, percent, table
from districtops.core.units import YI
from districtops.org.models import Unit

from . import measures, pace
from .models import CapitalArrival, ConstructionProject, InvestmentProject, ProjectNode
from .pace import NodeState


def _battle_map(ctx, construction) -> tuple[int, int, dict, dict]:
    """Overdue and behind-schedule nodes per street and per command post, in one grouped query
    by (street, command post). The states are this module's own (``pace.node_state_q`` on the
    pace dates each node stores, the SQL form of ``pace.node_status`` behind its
    ``node_overdue`` and ``progress_behind`` warnings); classifying every node in Python cost
    ~15 ms a summary at city scale."""
    overdue_state, at_risk_state = NodeState.OVERDUE, NodeState.AT_RISK
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


def _battle_rows(ctx, rows: dict, list_param: str) -> list:
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


def section(ctx) -> dict | None:
    """Investment pipeline, stalled projects, and the battle map's overdue and at-risk nodes.
    ``streets`` is each street's overdue and at-risk nodes (``street_columns``)."""
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
    contracted = totals["contracted"] or Decimal(0)
    arrival_rate = pace.ratio(arrived or 0, contracted)
    rate = performance["rate"]
    notes = []
    if overdue:
        notes.append(f"重点项目节点逾期 {overdue} 个，请相关街道和指挥部倒排工期、加快推进。")
    if stalled:
        notes.append(f"招商项目停滞 {stalled} 个，长期无阶段进展，需专题调度。")
    if rate is not None and rate < 0.8:
        notes.append(f"签约项目履约率 {number_text(percent(rate), 1)}%，低于八成。")
    investment_list = ctx.list_url("projects:investment_list")
    investment_summary = ctx.list_url("projects:investment_summary")
    return {
        "figures": [
            count_figure("investment_count", "招商项目", totals["count"], unit="个", url=investment_list),
            figure("contracted", "签约金额", contracted / YI, unit="亿元", digits=2, url=investment_summary),
            figure(
                "arrival_rate",
                "资金到位率",
                percent(arrival_rate),
                unit="%",
                digits=1,
                url=investment_summary,
            ),
            figure(
                "performance_rate",
                "履约率",
                percent(rate),
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
        "charts": [node_states_chart(ctx, construction)],
        "warnings": notes,
        "streets": {
            "nodes_overdue": {pk: row[NodeState.OVERDUE] for pk, row in streets.items()},
            "nodes_at_risk": {pk: row[NodeState.AT_RISK] for pk, row in streets.items()},
        },
    }


def street_columns(ctx) -> list[tuple]:
    """The streets comparison's columns of this module: ``(key, label, pk -> list URL)``; the
    counts are ``section(ctx)["streets"][key]`` (the nodes of the projects each street leads)."""
    return [
        (
            f"nodes_{state}",
            label,
            lambda pk, state=state: ctx.list_url("projects:construction_list", street=pk, state=state),
        )
        for state, label in ((NodeState.OVERDUE, "逾期节点"), (NodeState.AT_RISK, "滞后节点"))
    ]


def node_states_by_command_post(construction, today: dt.date) -> dict[int, dict[str, int]]:
    """The battle map's nodes of ``construction`` (a gated queryset) per command post and node
    state (``pace.node_state_q``, the construction list's own definition), in one grouped query:
    ``{command_post_id: {state: n}}``."""
    states = (
        NodeState.DONE,
        NodeState.ON_TRACK,
        NodeState.AT_RISK,
        NodeState.OVERDUE,
        NodeState.PENDING,
    )
    rows = (
        ProjectNode.objects.filter(project__in=construction.values("pk"))
        .exclude(project__command_post=None)
        .values("project__command_post_id")
        .annotate(**{state: Count("pk", filter=pace.node_state_q(state, today)) for state in states})
        .order_by()
    )
    return {row["project__command_post_id"]: {state: row[state] for state in states} for row in rows}


def node_states_chart(ctx, construction) -> dict:
    """The battle map's nodes by command post and state (stacked bars), each bar part linking to
    the post's construction projects with a node in that state."""
    counts = node_states_by_command_post(construction, ctx.today)
    names = dict(ctx.visible(Unit).filter(pk__in=counts).values_list("pk", "name"))
    posts = sorted(counts, key=lambda pk: (-counts[pk][NodeState.OVERDUE], names.get(pk, "")))
    states = [
        NodeState.OVERDUE,
        NodeState.AT_RISK,
        NodeState.ON_TRACK,
        NodeState.PENDING,
        NodeState.DONE,
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
