"""The cockpit's sections: the composition of what each module's ``cockpit.py`` gives.

Every module that feeds the cockpit has one module, ``districtops/<app>/cockpit.py``, whose
``section(ctx)`` reads that module's models through the permission gate with a fixed number of
queries whatever the size of the district, with the module's own rules (its QuerySets'
``open()``/``overdue()``, its node states, its lights), and returns the section's body —
``figures`` (each with the URL of the list behind it, filtered), ``tables``, ``charts``,
``warnings`` — or None when the district has nothing there. Two more keys link the pieces and
are taken out here: ``streets`` (per-street counts for the streets comparison) and
``forecast_inputs`` (the economy's year-end forecasts, fitted or shown pending by
``yearend``).

This module adds the keys and titles, puts the sections in order (``SECTIONS``: the page's,
the big screen's, the API's and the briefing's), and builds the sections that combine
modules: the streets comparison and the forecast table. It imports no module's models.
"""

from __future__ import annotations

from districtops.core.units import YI
from districtops.deputies import cockpit as deputies_cockpit
from districtops.economy import cockpit as economy_cockpit
from districtops.hazards import cockpit as hazards_cockpit
from districtops.org import cockpit as org_cockpit
from districtops.projects import cockpit as projects_cockpit
from districtops.supervision import cockpit as supervision_cockpit

from . import yearend
from .figures import Context, chart, number_text, table


def statistics_period(district, through=None):
    """THE statistics period of the cockpit: every economic figure, chart, ranking, map and
    forecast of a district's cockpit is shown for this one period (an ``economy.periods.Period``),
    or None when the district has nothing published yet.

    It is the district's latest **published** period up to ``through`` (a ``Month``; default:
    the business day) — never a month still being collected (``economy.releases.latest_published``).
    """
    return economy_cockpit.statistics_period(district, through)


def _compose(ctx: Context, key: str, title: str, body: dict | None) -> dict | None:
    """The section ``key`` titled ``title`` from a module's body; its per-street counts are kept
    in ``ctx.shared["streets"]`` for the streets comparison."""
    if body is None:
        return None
    if "streets" in body:
        ctx.shared.setdefault("streets", {})[key] = body.pop("streets")
    return {"key": key, "title": title, **body}


def organisation_section(ctx: Context) -> dict:
    """The district's units and people: the frame every other figure hangs on."""
    return _compose(ctx, "organisation", "组织机构", org_cockpit.section(ctx))


def projects_section(ctx: Context) -> dict | None:
    """Investment pipeline, stalled projects, and the battle map's overdue and at-risk nodes."""
    return _compose(ctx, "projects", "重点项目", projects_cockpit.section(ctx))


def supervision_section(ctx: Context) -> dict | None:
    """Assigned matters: in progress, overdue, closed in the month, listed; on-time ranking by unit."""
    return _compose(ctx, "supervision", "督查督办", supervision_cockpit.section(ctx))


def hazards_section(ctx: Context) -> dict | None:
    """Hidden hazards: major ones not yet closed, overdue rectifications."""
    return _compose(ctx, "hazards", "安全生产隐患", hazards_cockpit.section(ctx))


def deputies_section(ctx: Context) -> dict | None:
    """People's Congress deputies' suggestions: awaiting a reply, due within 30 days, overdue."""
    return _compose(ctx, "deputies", "人大代表建议", deputies_cockpit.section(ctx))


# The streets comparison's columns: the modules whose per-street counts it shows, in this order.
STREET_MODULES = (
    ("supervision", supervision_cockpit),
    ("projects", projects_cockpit),
    ("hazards", hazards_cockpit),
)


def streets_section(ctx: Context) -> dict | None:
    """The district's streets side by side: overdue matters they lead, lagging battle-map nodes
    of their projects, hazards not closed — from what the sections above read
    (``ctx.shared["streets"]``), plus one query for the streets themselves."""
    found = ctx.shared.get("streets", {})
    if not any(key in found for key, _module in STREET_MODULES):
        return None  # no matters, construction projects or hazards in the district: nothing to compare
    streets = org_cockpit.streets(ctx)
    if not streets:
        return None
    # (key, label, {street pk: count}, street pk -> URL of the list behind the count); a module
    # with nothing in the district still has its columns, with zeros.
    measures = [
        (measure, label, found.get(key, {}).get(measure, {}), url)
        for key, module in STREET_MODULES
        for measure, label, url in module.street_columns(ctx)
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
    body = economy_cockpit.section(ctx)
    if body is None:
        return None
    inputs = body.pop("forecast_inputs")
    body["tables"].append(_forecast_table(ctx, inputs, ctx.statistics))
    return _compose(ctx, "economy", "经济运行", body)


SECTIONS = [
    economy_section,
    projects_section,
    supervision_section,
    hazards_section,
    streets_section,
    deputies_section,
    organisation_section,
]
