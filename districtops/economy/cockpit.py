"""What the economy module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): the headline indicators with their lights, their growth charts, the city ranking
and map (站位全市), the growth drivers — all for the one statistics period (``ctx.statistics``,
``releases.latest_published``) — and the inputs of the year-end forecasts, which the cockpit
fits or shows pending (``cockpit/yearend.py``).

Each function takes the cockpit's context (``cockpit.figures.Context``: who asks, the district,
the statistics period) and reads this module's models through the gate with a fixed number of
queries. Lights are ``indicators.target_status``'s, with the district's yellow gap.
"""

from __future__ import annotations

from districtops.cockpit.figures import chart, figure, link, number_text, table, target_sentence
from districtops.core.units import YI
from districtops.org.models import UnitKind

from . import indicators
from .models import Indicator, IndicatorValue, Light, Target, TargetKind
from .periods import Period
from .releases import latest_published
from .services import settings_for

MONTHS = list(range(2, 13))  # 1-2月 … 12月: the economy's reporting months


def statistics_period(district, through=None) -> Period | None:
    """The district's latest published period up to ``through`` (a ``cockpit.figures.Month``;
    default: the business day), or None: THE statistics period of its cockpit."""
    return latest_published(district, through)


def _month_label(month: int) -> str:
    return "1-2月" if month == 2 else f"{month}月"


def growth_chart(indicator, by_period, year, target, url) -> dict:
    """This year's and last year's cumulative growth by month against the annual target line."""

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


def peer_charts(ctx, indicators_by_pk: dict, period, url) -> list[dict]:
    """站位全市: every district's growth of each indicator in the statistics period (one query),
    as ranked bars and as the map of Zhengzhou's county-level districts."""
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


def section(ctx) -> dict | None:
    """Headline indicators with lights, their growth charts, the city ranking and map, growth
    drivers for the statistics period. ``forecast_inputs`` is, per indicator shown,
    ``(indicator, (cumulatives, year, goal) or None, the reason there is none)``."""
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
        charts.append(growth_chart(indicator, by_period, latest.year, target, dashboard))
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
    charts.extend(peer_charts(ctx, shown, latest, dashboard))
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
    return {
        "figures": figures,
        "tables": tables,
        "charts": charts,
        "warnings": notes,
        "forecast_inputs": forecast_inputs,
    }
