"""The cockpit's sections: one function per module, ``(ctx) -> dict | None``.

Each reads that module's models through the permission gate with a fixed number of
queries whatever the size of the district, and returns figures (each with the URL of
the list behind it, filtered) and tables. ``SECTIONS`` is the order on the page and in
the briefing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum

from districtops.org.models import Membership, Unit, UnitKind

from .figures import Context, figure, link, number_text, table

YI = Decimal(100_000_000)
LIGHT_TEXT = {"green": "达标", "yellow": "预警", "red": "落后", "grey": "无目标"}


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
            ),
            *_scorecard_tables(ctx),
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


PENDING = object()  # a forecast not fitted yet


def _forecast(ctx: Context, cumulatives: dict, year: int, goal: float | None):
    """The year-end projection: fitted (seconds) when the context allows it — the briefing job —
    else only when the economy's forecast cache already holds it, so a page never waits."""
    from districtops.economy import forecast

    if not cumulatives:
        return None
    if ctx.compute_forecasts:
        return forecast.cached_project(cumulatives, year, goal)
    # Mirrors forecast.cached_project's key (economy exposes no look-up without fitting).
    material = repr((year, goal, sorted((p.year, p.month, round(v, 2)) for p, v in cumulatives.items())))
    hit = cache.get("economy:forecast:" + hashlib.sha1(material.encode(), usedforsecurity=False).hexdigest())
    return PENDING if hit is None else hit[1]


def economy_section(ctx: Context) -> dict | None:
    """Headline indicators with lights, year-end projection against target, growth drivers.

    Uses the latest reporting month up to ``ctx.period`` in the same year (economic figures are
    published a month late; January is reported with February as 1-2月).
    """
    from districtops.economy import indicators
    from districtops.economy.models import Indicator, IndicatorValue, Target, TargetKind
    from districtops.economy.periods import Period
    from districtops.economy.services import settings_for

    through = Period.from_date(ctx.period.first_day)
    values = list(
        ctx.visible(IndicatorValue)
        .filter(unit=ctx.district, period__lte=through.date)
        .select_related("indicator")
        .order_by("period")
    )
    series: dict[int, dict] = {}
    for v in values:
        series.setdefault(v.indicator_id, {})[Period.from_date(v.period)] = v
    current = [p for s in series.values() for p in s if p.year == ctx.period.year]
    if not current:
        return None
    latest = max(current)
    targets = {
        t.indicator_id: t
        for t in ctx.visible(Target).filter(unit=ctx.district, year=latest.year, kind=TargetKind.ANNUAL)
    }
    yellow_gap = settings_for(ctx.district.pk).yellow_gap_pp
    dashboard = link("economy:dashboard", unit=ctx.district.pk, period=f"{latest.year}-{latest.month:02d}")
    figures, rows, forecasts, notes = [], [], [], []
    headline, pending = None, 0
    for indicator in Indicator.objects.order_by("sort_order"):
        by_period = series.get(indicator.pk, {})
        value = by_period.get(latest)
        if value is None:
            continue
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
        projection = None
        if not indicator.quarterly:
            # The same inputs as the economy dashboard, so both share one cached fit.
            cumulatives = {
                p: float(v.cumulative)
                for p, v in by_period.items()
                if v.cumulative is not None and p <= latest
            }
            goal = float(full_last * (1 + target.growth / 100)) if (target and full_last) else None
            projection = _forecast(ctx, cumulatives, latest.year, goal)
            pending += projection is PENDING
        rows.append(
            [
                {"text": indicator.name, "url": dashboard},
                number_text(value.cumulative / YI if value.cumulative is not None else None, 2),
                number_text(growth, 1),
                number_text(target.growth if target else None, 1),
                {"text": LIGHT_TEXT[light], "url": dashboard},
            ]
        )
        if projection is not None and projection is not PENDING:
            forecasts.append(
                [
                    indicator.name,
                    number_text(projection.projection / float(YI), 2),
                    number_text(None if projection.goal is None else projection.goal / float(YI), 2),
                    number_text(None if projection.probability is None else projection.probability * 100, 0),
                ]
            )
        if light in ("red", "yellow") and target is not None:
            gap = (growth - target.growth) if growth is not None else None
            notes.append(
                f"{indicator.name}{latest.label}累计增长{number_text(growth, 1)}%，"
                f"低于全年目标{number_text(-gap, 1) if gap is not None else '—'}个百分点（{LIGHT_TEXT[light]}）。"
            )
        if indicator.code == "industrial_output":
            headline = indicator
    tables = [
        table(
            "indicators",
            f"主要经济指标（{latest.label}）",
            ["指标", "本年累计（亿元）", "累计增速（%）", "全年目标（%）", "状态"],
            rows,
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
            )
        )
    forecast_title = "全年预测（亿元）" + (f"（另有 {pending} 项指标的预测尚在计算）" if pending else "")
    tables.append(
        table("forecast", forecast_title, ["指标", "全年预测", "目标水平", "达标概率（%）"], forecasts)
    )
    return {
        "key": "economy",
        "title": "经济运行",
        "figures": figures,
        "tables": tables,
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
            figure(
                "suggestions_waiting",
                "待答复建议",
                counts["waiting"],
                unit="件",
                url=link("deputies:suggestion_list", state=SuggestionState.ASSIGNED),
            ),
            figure(
                "suggestions_due_soon",
                "30日内到期",
                counts["due_soon"],
                unit="件",
                url=link("deputies:suggestion_list", state=SuggestionState.ASSIGNED),
                light="yellow" if counts["due_soon"] else "green",
            ),
            figure(
                "suggestions_overdue",
                "超期未答复",
                counts["overdue"],
                unit="件",
                url=link("deputies:suggestion_list", state=SuggestionState.ASSIGNED),
                light="red" if counts["overdue"] else "green",
            ),
            figure(
                "suggestions_satisfaction",
                "满意率",
                _percent(rate),
                unit="%",
                digits=1,
                url=link("deputies:suggestion_list", state=SuggestionState.CLOSED),
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
    deputies_section,
    organisation_section,
]
