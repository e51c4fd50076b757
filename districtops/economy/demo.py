"""Demo data for 管城回族区 as of 2021-03-31: about 300 fictional enterprises (every name ends in
“（示例）”) with monthly reports from 2019 1-2月 to 2021 1-2月, imported month by month through the
same import service the bureau uses, so every figure passed the same checks.

The story the dashboard tells:
- 2020 1-2月 fell sharply (epidemic) and 2021 1-2月 rebounds on that low base;
- the Q1 开门红 target for industrial output (35 %) is at risk: 1-2月 is below it, partly because
  three factories' inflated 1-2月 reports (output up, electricity flat) await explanations;
- a few reports copy last year's figures or are suspiciously round; one explanation in the file
  (“核实无误”) was refused as boilerplate;
- peer districts' published figures place 管城 in the city ranking; the 小升规 pool is short of
  1.2 × the annual goal.
Idempotent: enterprises are found by credit code, periods already imported are skipped.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from districtops.core.units import YI
from districtops.org.models import Unit, UnitKind

from . import imports, releases, services
from .models import Enterprise, Finding, FindingStatus, Indicator, IndicatorValue, MonthlyReport
from .periods import Period
from .reference import ensure_reference_data
from .samples import fictional_credit_code, xlsx_bytes

SEED = 2021
DISTRICT_CODE = "410104"
STREETS = [
    "410104001", "410104002", "410104003", "410104004", "410104005", "410104006", "410104007",
    "410104008", "410104009", "410104010", "410104011", "410104012", "410104202", "410104570",
]  # fmt: skip
PREFIXES = [
    "商都",
    "紫荆",
    "航海",
    "南曹",
    "圃田",
    "金岱",
    "陇海",
    "城东",
    "二里岗",
    "十八里",
    "东大",
    "西大",
    "管南",
    "豫东",
]
# sector key → (count, industry codes, trade words, annual revenue range in 万元)
PLAN = [
    ("industry", 70, ["3411", "3311", "1411", "2929", "3824", "3990", "2710", "1320"], ["机械", "金属制品", "食品", "塑料", "电气", "电子", "药业", "粮油"], (2500, 60000)),
    ("industry_small", 22, ["3411", "3311", "1411", "2929"], ["精工", "五金", "食品厂", "包装"], (900, 1950)),
    ("wholesale", 40, ["5137", "5143", "5174", "5162"], ["商贸", "医药商贸", "建材贸易", "电子贸易"], (2500, 80000)),
    ("retail", 45, ["5211", "5219", "5232", "5261"], ["百货", "超市", "服饰", "汽车销售"], (600, 30000)),
    ("retail_small", 12, ["5211", "5219"], ["便利店", "商行"], (300, 480)),
    ("catering", 40, ["6210", "6110", "6220"], ["餐饮", "酒店", "茶餐厅"], (250, 8000)),
    ("services", 45, ["6510", "5430", "7211", "7241", "8010", "7820"], ["软件", "物流", "企业管理", "咨询", "家政", "物业"], (1200, 40000)),
    ("construction", 18, ["4710", "4810", "5010"], ["建设", "路桥", "装饰"], (5000, 90000)),
    ("real_estate", 12, ["7010"], ["置业", "房地产开发"], (8000, 150000)),
]  # fmt: skip
SEASON = {
    "industry": [0.75, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 0.98, 1.05, 1.05, 1.08, 1.25],
    "trade": [1.1, 0.9, 0.95, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.1, 1.1, 1.2],
    "services": [0.8, 0.7, 0.95, 0.95, 1.0, 1.05, 1.0, 1.0, 1.05, 1.05, 1.1, 1.35],
    "construction": [0.5, 0.4, 0.9, 1.0, 1.05, 1.2, 1.0, 1.0, 1.1, 1.1, 1.2, 1.5],
}
# The epidemic: a factor on each calendar month of 2020 by sector family.
COVID_2020 = {
    "industry": {1: 0.92, 2: 0.7, 3: 0.88, 4: 0.96},
    "trade": {1: 0.9, 2: 0.55, 3: 0.8, 4: 0.9, 5: 0.95},
    "services": {1: 0.92, 2: 0.65, 3: 0.85, 4: 0.93},
    "construction": {1: 0.9, 2: 0.5, 3: 0.85, 4: 0.95},
}
FIELDS_KQ = [  # header (千元), field codes in the header's order
    ("工业总产值", "gross_output"),
    ("营业收入", "revenue_any"),
    ("商品销售额", "sales"),
    ("零售额", "retail_sales"),
    ("建筑业总产值", "construction_output"),
    ("商品房销售额", "housing_sales"),
    ("房地产开发投资", "development_investment"),
]
HEADER = ["统一社会信用代码", "单位详细名称", "报告期"]
for _name, _ in FIELDS_KQ:
    HEADER += [f"{_name}本月（千元）", f"{_name}本年累计（千元）"]
HEADER += ["用电量（千瓦时）", "从业人员期末人数", "情况说明"]

FIRST = Period(2019, 2)
LAST = Period(2021, 2)


def _family(sector: str) -> str:
    return {
        "industry": "industry",
        "wholesale": "trade",
        "retail": "trade",
        "accommodation_catering": "trade",
        "construction": "construction",
    }.get(sector, "services")


def _enterprises(rng: random.Random) -> list[dict]:
    rows, n = [], 0
    for key, count, codes, trades, (low, high) in PLAN:
        for i in range(count):
            n += 1
            revenue_wan = round(math.exp(rng.uniform(math.log(low), math.log(high))))
            street = STREETS[(n * 7 + i) % len(STREETS)]
            prefix = PREFIXES[(n + i * 3) % len(PREFIXES)]
            rows.append(
                {
                    "n": n,
                    "key": key,
                    "name": f"{prefix}{trades[i % len(trades)]}有限公司{n:03d}（示例）",
                    "code": fictional_credit_code(n, DISTRICT_CODE),
                    "industry": codes[i % len(codes)],
                    "division": street + "000",
                    "revenue_wan": revenue_wan,
                    "key_enterprise": revenue_wan > 20000,
                    "construction": key == "construction",
                    "developer": key == "real_estate",
                    "converted": key.endswith("_small") and i % 5 == 0,
                }
            )
    return rows


def _register(rows) -> None:
    header = ["单位详细名称", "统一社会信用代码", "行业代码", "统计用区划代码", "营业收入（万元）", "重点企业", "小升规培育", "个转企", "建筑业资质", "开发经营活动"]  # fmt: skip
    body = [
        [
            r["name"],
            r["code"].lower() if r["n"] % 17 == 0 else r["code"],  # exports do contain lower case
            r["industry"],
            r["division"],
            r["revenue_wan"],
            "是" if r["key_enterprise"] else "",
            "是" if r["key"].endswith("_small") else "",
            "是" if r["converted"] else "",
            "是" if r["construction"] else "",
            "是" if r["developer"] else "",
        ]
        for r in rows
    ]
    content = xlsx_bytes(
        [header, *body], title_rows=["管城回族区 四上企业及培育企业名录（示例数据）", "单位：万元"]
    )
    result = imports.import_enterprises(None, content, "管城名录_2021.xlsx")
    if not result.accepted:
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))


def _monthly(rng: random.Random, enterprise: Enterprise, profile: dict) -> dict[tuple[int, int], float]:
    """Calendar-month main figure in yuan, 2019-01 … 2021-02."""
    family = _family(enterprise.sector)
    base = float(enterprise.annual_revenue or 0) / 12 / (1 + profile["growth"]) ** 2
    values = {}
    for year in (2019, 2020, 2021):
        for month in range(1, 13):
            if (year, month) > (2021, 2):
                break
            trend = (1 + profile["growth"]) ** (year - 2019 + (month - 1) / 12)
            covid = COVID_2020[family].get(month, 1.0) if year == 2020 else 1.0
            values[(year, month)] = base * trend * SEASON[family][month - 1] * covid * rng.gauss(1, 0.035)
    return values


def _period_value(monthly, period: Period) -> float:
    if period.is_first_of_year:
        return monthly[(period.year, 1)] + monthly[(period.year, 2)]
    return monthly[(period.year, period.month)]


def _kq(yuan: float) -> int:
    """Whole 千元, as the forms are filled in."""
    return max(0, round(yuan / 1000))


SECTOR_FIELDS = {
    "industry": [("gross_output", 1.0), ("revenue_any", 0.96)],
    "wholesale": [("sales", 1.0), ("retail_sales", 0.12)],
    "retail": [("sales", 1.0), ("retail_sales", 0.9)],
    "accommodation_catering": [("revenue_any", 1.0), ("retail_sales", 0.82)],
    "services": [("revenue_any", 1.0)],
    "construction": [("construction_output", 1.0)],
    "real_estate": [("housing_sales", 1.0), ("development_investment", 0.6)],
}
# (enterprise index among the above-scale factories, what is done to its 1-2月 2021 report)
UNTRUE_2021 = {0: "inflate", 1: "inflate", 2: "inflate_explained", 3: "copy", 4: "boilerplate"}
UNTRUE_RETAIL = {0: "round", 1: "round"}


def _build_files(rng: random.Random, enterprises: list[Enterprise]):
    """Rows per period (in 千元) for the above-scale enterprises, with the deliberate untruths."""
    rows_by_period: dict[Period, list[list]] = {}
    factories = [e for e in enterprises if e.sector == "industry" and e.is_above_scale]
    retailers = [
        e for e in enterprises if e.sector == "retail" and e.is_above_scale and e.annual_revenue > 5e7
    ]
    for enterprise in enterprises:
        if not enterprise.is_above_scale:
            continue
        profile = {"growth": rng.gauss(0.07, 0.05), "intensity": rng.uniform(3, 12)}
        monthly = _monthly(rng, enterprise, profile)
        ratios = SECTOR_FIELDS[enterprise.sector]
        shares = {code: share * rng.uniform(0.97, 1.0) for code, share in ratios}
        cumulative: dict[str, int] = {}
        period = FIRST
        last_year_first: list | None = None
        while period <= LAST:
            if period.is_first_of_year:
                cumulative = {}
            main = _period_value(monthly, period)
            values = {code: _kq(main * share) for code, share in shares.items()}
            power = round(main / profile["intensity"] * rng.gauss(1, 0.03) / 1000) * 1000
            note = ""
            tag = None
            if period == LAST and enterprise in factories[:5]:
                tag = UNTRUE_2021.get(factories.index(enterprise))
            if period == LAST and enterprise in retailers[:2]:
                tag = UNTRUE_RETAIL.get(retailers.index(enterprise))
            if tag in ("inflate", "inflate_explained", "boilerplate"):
                values = {code: round(v * 1.6) for code, v in values.items()}  # electricity left as it was
                if tag == "inflate_explained":
                    note = "1-2月新增两条自动化产线投产，订单同比翻番；用电由园区光伏自供，电网计量用电未同步增加"
                if tag == "boilerplate":
                    note = "核实无误"
            elif tag == "copy" and last_year_first is not None:
                values = dict(last_year_first[0])
                power = last_year_first[1]
            elif tag == "round":
                values = {code: max(100, round(v, -2)) for code, v in values.items()}  # whole 10万元
            if period.is_first_of_year:
                last_year_first = (dict(values), power)
            row = {code: (v, cumulative.get(code, 0) + v) for code, v in values.items()}
            cumulative = {code: cum for code, (_, cum) in row.items()}
            cells = [enterprise.credit_code, enterprise.name, f"{period.year}-{period.month:02d}"]
            for _header, code in FIELDS_KQ:
                current, cum = row.get(code, (None, None))
                cells += [current, cum]
            cells += [power if enterprise.sector == "industry" else None, None, note]
            rows_by_period.setdefault(period, []).append(cells)
            period = period.next()
    return rows_by_period


def _import_reports(rows_by_period) -> None:
    done = set(
        MonthlyReport.objects.filter(district__division_code=DISTRICT_CODE).values_list("period", flat=True)
    )
    for period in sorted(rows_by_period):
        if period.date in done:
            continue
        # The power company's meter for the month, before the reports it checks (the factories'
        # own 用电量 is what they report; in the demo the meter reads the same).
        grid = [[cells[0], cells[2], cells[-3]] for cells in rows_by_period[period] if cells[-3] is not None]
        if grid:
            meter = imports.import_source_figures(
                None,
                xlsx_bytes([["统一社会信用代码", "报告期", "用电量"], *grid]),
                f"电网用电_{period.year}{period.month:02d}.xlsx",
                kind="electricity",
            )
            if not meter.accepted:
                raise RuntimeError(f"{period.label}: " + "; ".join(str(e) for e in meter.errors[:5]))
        content = xlsx_bytes(
            [HEADER, *rows_by_period[period]], title_rows=[f"四上企业月报 {period.label}（示例）"]
        )
        result = imports.import_reports(None, content, f"月报_{period.year}{period.month:02d}.xlsx")
        if not result.accepted:
            raise RuntimeError(f"{period.label}: " + "; ".join(str(e) for e in result.errors[:5]))


def _workflow_examples() -> None:
    """Earlier findings the bureau has already dealt with: the epidemic's 1-2月 2020 collapse
    explained and accepted; a few others accepted, one refused."""
    covid = Finding.objects.filter(
        district__division_code=DISTRICT_CODE, status=FindingStatus.OPEN, report__period=Period(2020, 2).date
    )
    for finding in covid:
        finding = services.explain_finding(
            None,
            finding,
            "受新冠肺炎疫情影响，1-2月工地停工、项目延期复工，产值大幅下降，属实际经营变化",
            expected_version=finding.version,
        )
        services.review_finding(
            None, finding, accept=True, comment="与全区疫情停工情况一致", expected_version=finding.version
        )
    open_old = Finding.objects.filter(
        district__division_code=DISTRICT_CODE, status=FindingStatus.OPEN, report__period__lt=LAST.date
    ).order_by("report__period", "pk")
    for i, finding in enumerate(open_old[:6]):
        finding = services.explain_finding(
            None,
            finding,
            "受疫情影响停工后复产，订单集中交付，当月产值与上年同期相比波动较大，已附合同及出库单",
            expected_version=finding.version,
        )
        if i < 4:
            services.review_finding(
                None, finding, accept=True, comment="附件齐全，认可", expected_version=finding.version
            )
        elif i == 4:
            services.review_finding(
                None,
                finding,
                accept=False,
                comment="出库单与用电记录不符，请企业补充说明",
                expected_version=finding.version,
            )


PEERS = {  # division code → growth (%) at 2020-12 and 2021 1-2月 for each indicator, and cumulative (亿元)
    "410102": {"industrial_output": (3.1, 34.5, 96.0), "retail_sales": (-4.2, 31.0, 70.1), "services_revenue": (2.5, 22.1, 40.3), "fiscal_revenue": (2.2, 14.0, 9.1)},
    "410103": {"industrial_output": (4.0, 36.2, 88.4), "retail_sales": (-3.5, 33.5, 65.7), "services_revenue": (1.9, 24.8, 35.0), "fiscal_revenue": (3.1, 12.5, 8.7)},
    "410105": {"industrial_output": (2.2, 29.0, 60.2), "retail_sales": (-2.9, 30.2, 182.4), "services_revenue": (4.5, 26.9, 160.8), "fiscal_revenue": (4.0, 16.2, 25.3)},
    "410106": {"industrial_output": (5.2, 41.0, 75.5), "retail_sales": (-5.0, 28.4, 12.2), "services_revenue": (1.0, 18.3, 6.1), "fiscal_revenue": (1.5, 10.1, 2.4)},
    "410108": {"industrial_output": (3.6, 33.0, 30.8), "retail_sales": (-4.8, 29.9, 28.5), "services_revenue": (2.0, 20.6, 14.9), "fiscal_revenue": (2.6, 11.8, 4.6)},
}  # fmt: skip
# Peers' published 规上工业增加值 growth at comparable prices (2020-12, 2021 1-2月): a growth only.
PEERS_VALUE_ADDED = {"410102": (2.8, 33.1), "410103": (3.6, 35.0), "410105": (1.9, 27.6), "410106": (4.8, 39.5), "410108": (3.2, 31.8)}  # fmt: skip

# FICTIONAL 工业生产者出厂价格指数 (cumulative, same period last year = 100) for the divisions of the
# demo's factories — invented for the demo, not the city bureau's figures. Change against last year
# (points) by the end of 2020 and in 2021 1-2月: prices sagged through 2020 (food up), then recovered.
DEMO_PPI = {  # division → (2020 year-end change, 2021 1-2月 change)
    "13": (2.5, 1.0), "14": (1.5, 0.4), "27": (0.3, -0.2), "29": (-1.5, 1.2), "33": (-1.0, 1.8),
    "34": (-0.5, 0.6), "38": (-0.8, 0.9), "39": (-0.6, 0.3), "": (-0.7, 0.9),
}  # fmt: skip
DEMO_PPI_NOTE = "示例数据（虚构，非统计局发布）"


def _price_indices(district: Unit) -> None:
    """Enter the fictional PPI for every 2020 period and 2021 1-2月 (each entry recomputes 增加值)."""
    for division, (change_2020, change_2021) in DEMO_PPI.items():
        for month in range(2, 13):
            # The cumulative index drifts from 60 % of the year-end change in 1-2月 to all of it.
            index = Decimal(str(round(100 + change_2020 * (0.6 + 0.4 * month / 12), 2)))
            services.save_price_index(
                None, district, division=division, period=Period(2020, month), index=index, note=DEMO_PPI_NOTE
            )
        services.save_price_index(
            None,
            district,
            division=division,
            period=LAST,
            index=Decimal(str(100 + change_2021)),
            note=DEMO_PPI_NOTE,
        )


def _peers(indicators: dict[str, Indicator]) -> None:
    for code, figures in PEERS.items():
        district = Unit.objects.filter(division_code=code, kind=UnitKind.DISTRICT).first()
        if district is None:
            continue
        for indicator_code, (growth_2020, growth_2021, cum_2021) in figures.items():
            indicator = indicators[indicator_code]
            services.enter_indicator_value(
                None, indicator, district, Period(2020, 12), cumulative=None, growth=Decimal(str(growth_2020)),
                published=True, note="兄弟区公开数据（示例）",
            )  # fmt: skip
            services.enter_indicator_value(
                None, indicator, district, LAST, cumulative=Decimal(str(cum_2021)) * YI,
                growth=Decimal(str(growth_2021)), published=True, note="兄弟区公开数据（示例）",
            )  # fmt: skip
        if code in PEERS_VALUE_ADDED:
            for period, growth in zip((Period(2020, 12), LAST), PEERS_VALUE_ADDED[code], strict=True):
                services.enter_indicator_value(
                    None, indicators["industrial_value_added"], district, period, cumulative=None,
                    growth=Decimal(str(growth)), published=True, note="兄弟区公开数据（示例）",
                )  # fmt: skip


def _entered(district: Unit, indicators: dict[str, Indicator], rng: random.Random) -> None:
    """Department figures for 管城: fiscal revenue and investment monthly, GDP quarterly."""
    plans = {
        "fiscal_revenue": (1.6e8, [1.4, 0.6, 1.1, 1.0, 0.9, 1.0, 0.9, 0.8, 1.0, 1.0, 1.0, 1.3], {2: 0.75, 3: 0.85}, 0.05),
        "fixed_investment": (6.0e8, [0.3, 0.3, 0.9, 1.0, 1.1, 1.3, 1.0, 1.0, 1.2, 1.1, 1.2, 1.6], {2: 0.6, 3: 0.8}, 0.06),
    }  # fmt: skip
    for code, (monthly_base, season, covid, growth) in plans.items():
        cumulative = {}
        for year in (2019, 2020, 2021):
            total = 0.0
            for month in range(1, 13):
                if (year, month) > (2021, 2):
                    break
                factor = covid.get(max(month, 2), 1.0) if year == 2020 else 1.0
                total += (
                    monthly_base
                    * (1 + growth) ** (year - 2019)
                    * season[month - 1]
                    * factor
                    * rng.gauss(1, 0.03)
                )
                if month >= 2:
                    cumulative[Period(year, month)] = Decimal(round(total))
        for period, value in cumulative.items():
            last = cumulative.get(period.same_last_year())
            grown = ((value / last - 1) * 100).quantize(Decimal("0.01")) if last else None
            services.enter_indicator_value(
                None, indicators[code], district, period, cumulative=value, growth=grown
            )
    gdp = {2019: [150.2, 318.5, 490.0, 672.3], 2020: [139.1, 305.7, 486.2, 680.4]}
    for year, quarters in gdp.items():
        for q, value in enumerate(quarters, start=1):
            last = gdp.get(year - 1, [None] * 4)[q - 1]
            grown = (
                (Decimal(str(value)) / Decimal(str(last)) * 100 - 100).quantize(Decimal("0.01"))
                if last
                else None
            )
            services.enter_indicator_value(
                None,
                indicators["gdp"],
                district,
                Period(year, q * 3),
                cumulative=Decimal(str(value)) * YI,
                growth=grown,
            )


TARGETS = [  # indicator, annual growth %, Q1 开门红 growth % (None: no quarterly target)
    ("industrial_output", 8, 35),
    ("industrial_value_added", 8, 30),
    ("retail_sales", 10, 25),
    ("services_revenue", 12, 20),
    ("construction_output", 10, None),
    ("fixed_investment", 9, 15),
    ("fiscal_revenue", 6, 10),
    ("gdp", 7.5, None),
]


def _targets(district: Unit, indicators) -> None:
    for code, annual, q1 in TARGETS:
        services.set_target(
            None, indicators[code], district, 2021, growth=Decimal(str(annual)), label="2021年目标"
        )
        if q1 is not None:
            services.set_target(
                None,
                indicators[code],
                district,
                2021,
                growth=Decimal(str(q1)),
                quarter=1,
                label="一季度开门红",
            )
    # Each street and township gets the district's annual growth targets for the indicators its
    # own enterprises report (a street without industry gets no industrial target): the
    # scorecards' indicator attainment and the street dashboards have something to measure.
    annual = {code: growth for code, growth, _q1 in TARGETS}
    streets = (
        IndicatorValue.objects.filter(unit__parent=district, period__year=2021, indicator__code__in=annual)
        .values_list("unit_id", "indicator__code")
        .distinct()
    )
    units = {u.pk: u for u in Unit.objects.filter(parent=district)}
    for unit_id, code in sorted(streets):
        services.set_target(
            None,
            indicators[code],
            units[unit_id],
            2021,
            growth=Decimal(str(annual[code])),
            label="2021年目标",
        )


def load() -> dict:
    ensure_reference_data()
    district = Unit.objects.get(division_code=DISTRICT_CODE, kind=UnitKind.DISTRICT)
    rng = random.Random(SEED)
    rows = _enterprises(rng)
    if Enterprise.objects.filter(credit_code__in=[r["code"] for r in rows]).count() < len(rows):
        _register(rows)
    codes = [r["code"] for r in rows]
    enterprises = sorted(
        Enterprise.objects.filter(credit_code__in=codes), key=lambda e: codes.index(e.credit_code)
    )
    first_run = not MonthlyReport.objects.filter(district=district).exists()
    _import_reports(_build_files(rng, enterprises))
    indicators = {i.code: i for i in Indicator.objects.all()}
    if first_run:
        _workflow_examples()
        _peers(indicators)
        _price_indices(district)
        _entered(district, indicators, rng)
        _targets(district, indicators)
        services.update_settings(None, district, expected_version=None, annual_upgrade_goal=12)
    # The demo's months are closed by the bureau: leaders' pages show them (month lifecycle).
    releases.publish_all(None, district)
    return {
        "enterprises": len(enterprises),
        "reports": MonthlyReport.objects.filter(district=district).count(),
    }
