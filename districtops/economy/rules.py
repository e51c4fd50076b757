"""The audit rules: pure functions over one report and its enterprise's history.

Each ``AuditRule`` row names one function here by ``code``; its ``params`` tune the thresholds and
``is_enabled`` switches it. Mandatory rules (强制性) refuse the row; verification rules (核实性)
raise a finding that needs an explanation. The functions never touch the database, so the import,
the bench and the tests run the same code.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from districtops.core.codes import validate_credit_code, validate_industry_code

from .periods import Period

Values = dict[str, tuple[Decimal | None, Decimal | None]]  # field → (current, cumulative)
YEAR = 11  # periods in a year (1-2月 is one)
SERIES_DEPTH = 2 * YEAR + 2  # this period, twelve before it, and each of those a year earlier


@dataclass
class ReportContext:
    period: Period
    values: Values
    main_field: str
    fields: dict[str, dict]  # field code → {"name", "required", "has_cumulative", "is_money"}
    history: dict[Period, Values] = field(default_factory=dict)  # earlier periods, current versions
    electricity: dict[Period, Decimal] = field(default_factory=dict)  # from another source
    tax: dict[Period, Decimal] = field(default_factory=dict)
    credit_code: str = ""
    industry_code: str = ""
    division_code: str = ""
    registered: bool = True
    taxpayer_class: str = ""  # general / small_scale (增值税纳税人类型), for the tax-rate events
    # The import's bulk read of the series fields further back: field → {ISO date: current as float}.
    # ``history`` wins where it has the field (the file's own earlier rows, the periods read in full).
    stored: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # The unit each figure is written in in the file being imported (field → (current, cumulative),
    # e.g. ("万元", "万元")): a mandatory error quotes amounts as the file has them. 千元 (the unit of
    # the statistical forms) where the file is not known.
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Per-context memo of ``back()``: the rules ask for the same series several times.
    _series: dict = field(default_factory=dict, repr=False, compare=False)

    def name(self, code: str) -> str:
        return self.fields.get(code, {}).get("name", code)

    def unit(self, code: str, cumulative: bool = False) -> str:
        return self.units.get(code, (FORM_UNIT, FORM_UNIT))[1 if cumulative else 0]

    def current(self, code: str, period: Period | None = None) -> Decimal | None:
        values = self.values if period is None else self.history.get(period)
        if not values or code not in values:
            return None
        return values[code][0]

    def previous(self) -> Values | None:
        """Last period of the same year (none for 1-2月, whose cumulative starts the year)."""
        if self.period.is_first_of_year:
            return None
        return self.history.get(self.period.previous())

    def periods_back(self, depth: int) -> list[Period]:
        """This period and the ``depth - 1`` before it; 11 steps back is the same period last year
        (a year has eleven periods: 1-2月, 3月 … 12月)."""
        return periods_back(self.period, depth)

    def back(self, code: str, depth: int = SERIES_DEPTH) -> list[float | None]:
        """A field's current value as a float for this period (index 0) and each period before it
        (index k: k periods back; index 11: the same period last year). ``code`` "power" is the
        electricity the enterprise itself reported; the grid company's meter is a separate,
        independent series (``_source_series``), never mixed into it."""
        key = (code, depth)
        cached = self._series.get(key)
        if cached is not None:
            return cached
        name = "electricity" if code == "power" else code
        # History keyed by ISO date text: str hashes are cached, a Period's is computed in Python
        # on every lookup (this runs two dozen times per report, 50,000 reports per import).
        by_iso = self._series.get("by_iso")
        if by_iso is None:
            by_iso = self._series["by_iso"] = {p.iso: v for p, v in self.history.items()}
        stored = self.stored.get(name)
        own = self.values.get(name)
        value = own[0] if own is not None else None
        cached = []
        for i, period in enumerate(periods_back(self.period, depth)):
            if i:
                iso = period.iso
                values = by_iso.get(iso)
                own = values.get(name) if values else None
                if own is not None:
                    value = own[0]
                else:
                    value = stored.get(iso) if stored is not None else None
            cached.append(None if value is None else float(value))
        self._series[key] = cached
        return cached


@functools.cache
def periods_back(period: Period, depth: int) -> list[Period]:
    """``period`` and the ``depth - 1`` periods before it (shared, not to be modified)."""
    result = [period]
    for _ in range(depth - 1):
        period = period.previous()
        result.append(period)
    return result


# (field code, Chinese message) or, from a mandatory rule, (field code, message, part) where part
# names the figure that is missing or wrong: CURRENT (本月) or CUMULATIVE (本年累计).
Issue = tuple[str, str] | tuple[str, str, str]
CURRENT, CUMULATIVE = "current", "cumulative"
RULES: dict[str, Callable[[ReportContext, dict], list[Issue]]] = {}


def rule(code: str):
    def register(fn):
        RULES[code] = fn
        return fn

    return register


def _decimal(value) -> Decimal | None:
    """A stored figure as Decimal: the import hands history over as the database driver returns it
    (int or float from SQLite, Decimal from PostgreSQL)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


FORM_UNIT = "千元"  # the money unit of the statistical forms
MONEY_UNITS = {
    "亿元": Decimal(100_000_000),
    "万元": Decimal(10_000),
    "千元": Decimal(1_000),
    "元": Decimal(1),
}


def _fmt(value, unit: str = FORM_UNIT) -> str:
    """An amount in yuan shown in ``unit`` (the unit the file writes it in; 千元 by default)."""
    scaled = Decimal(value) / MONEY_UNITS.get(unit, MONEY_UNITS[FORM_UNIT])
    text = f"{scaled:,.4f}".rstrip("0").rstrip(".")
    return f"{text} {unit if unit in MONEY_UNITS else FORM_UNIT}"


# --------------------------------------------------------------------------- mandatory


@rule("required_fields")
def required_fields(ctx: ReportContext, params: dict) -> list[Issue]:
    issues = []
    for code, meta in ctx.fields.items():
        if not meta.get("required"):
            continue
        current, cumulative = ctx.values.get(code, (None, None))
        if current is None:
            issues.append((code, f"{meta['name']}（本月）为必填项", CURRENT))
        if meta.get("has_cumulative") and cumulative is None:
            issues.append((code, f"{meta['name']}（本年累计）为必填项", CUMULATIVE))
    return issues


@rule("non_negative")
def non_negative(ctx: ReportContext, params: dict) -> list[Issue]:
    issues = []
    for code, (current, cumulative) in ctx.values.items():
        if current is not None and current < 0:
            issues.append((code, f"{ctx.name(code)}不能为负数", CURRENT))
        if cumulative is not None and cumulative < 0:
            issues.append((code, f"{ctx.name(code)}（本年累计）不能为负数", CUMULATIVE))
    return issues


@rule("cumulative_consistency")
def cumulative_consistency(ctx: ReportContext, params: dict) -> list[Issue]:
    """1-2月: cumulative = current. Later: last period's cumulative + current = cumulative."""
    tolerance = Decimal(str(params.get("tolerance", 1)))
    previous = ctx.previous()
    issues = []
    for code, (current, cumulative) in ctx.values.items():
        if not ctx.fields.get(code, {}).get("has_cumulative") or current is None or cumulative is None:
            continue
        cur_unit, cum_unit = ctx.unit(code), ctx.unit(code, cumulative=True)
        if ctx.period.is_first_of_year:
            if abs(cumulative - current) > tolerance:
                issues.append(
                    (
                        code,
                        f"{ctx.name(code)}：1-2月的本年累计应等于本期数（{_fmt(current, cur_unit)}），"
                        f"文件中为 {_fmt(cumulative, cum_unit)}",
                        CUMULATIVE,
                    )
                )
            continue
        if previous is None or code not in previous or previous[code][1] is None:
            continue  # nothing to chain to: a newly registered enterprise's first month
        last = _decimal(previous[code][1])
        if cumulative < last:
            issues.append(
                (
                    code,
                    f"{ctx.name(code)}：本年累计 {_fmt(cumulative, cum_unit)} 小于上期累计 {_fmt(last, cum_unit)}",
                    CUMULATIVE,
                )
            )
        elif abs(last + current - cumulative) > tolerance:
            issues.append(
                (
                    code,
                    f"{ctx.name(code)}：上期累计 {_fmt(last, cum_unit)} + 本期 {_fmt(current, cur_unit)}"
                    f" ≠ 本年累计 {_fmt(cumulative, cum_unit)}",
                    CUMULATIVE,
                )
            )
    return issues


@rule("valid_codes")
def valid_codes(ctx: ReportContext, params: dict) -> list[Issue]:
    issues = []
    for code_field, validator in (
        ("credit_code", validate_credit_code),
        ("industry_code", validate_industry_code),
    ):
        try:
            validator(getattr(ctx, code_field))
        except ValidationError as exc:
            issues.append((code_field, exc.messages[0]))
    if not re.fullmatch(r"\d{12}", ctx.division_code or ""):
        issues.append(("division_code", f"统计用区划代码应为12位数字：{ctx.division_code or '（空）'}"))
    if not ctx.registered:
        issues.append(("credit_code", f"企业 {ctx.credit_code} 未入名录库：须先入库后报数"))
    return issues


# --------------------------------------------------------------------------- verification
#
# Every verification rule returns evidence: (field, Chinese message, strength). A positive strength
# raises the report's risk score, a negative one lowers it (an independent source moving the same
# way, a firm whose habit explains the pattern). ``assess`` multiplies by the rule's weight and
# sums; the import raises findings only for reports at or above the district's risk threshold.
# Docs: docs/economy.md, "Verification rules"; each rule's statistical reasoning is there.

Evidence = tuple[str, str, float]
LN = math.log
# Periods whose same-period-last-year base is broken (COVID): for every industry 2020 1-2月 and
# 2020-03; for lodging, catering, travel, parks and entertainment the whole of 2020.
TOURISM = "61,62,7291,78,86,87,88,89,90"
DEFAULT_BROKEN = [
    {"period": "2020-02", "industries": ""},
    {"period": "2020-03", "industries": ""},
    *({"period": f"2020-{m:02d}", "industries": TOURISM} for m in range(4, 13)),
]
# The VAT rate of small-scale taxpayers fell from 3 % to 1 % from March 2020 (财政部 税务总局公告
# 2020年第13号, extended to the end of 2021): tax per yuan of revenue × 1/3 for them.
DEFAULT_TAX_EVENTS = [
    {"from": "2020-03", "to": "2021-12", "taxpayer_class": "small_scale", "industries": "", "factor": 0.3333}
]


def _k(value: float) -> str:
    """An amount in yuan as the forms carry it: 千元."""
    return f"{value / 1000:,.0f} 千元"


def _mid(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _source_series(ctx: ReportContext, source: str) -> list[float | None]:
    """The grid company's ("electricity") or the tax bureau's ("tax") figure per period back."""
    key = ("source", source)
    cached = ctx._series.get(key)
    if cached is None:
        figures = ctx.electricity if source == "electricity" else ctx.tax
        if figures:
            cached = [
                None if (v := figures.get(p)) is None else float(v)
                for p in periods_back(ctx.period, SERIES_DEPTH)
            ]
        else:
            cached = []
        ctx._series[key] = cached
    return cached


def _applies(industries: str, industry_code: str) -> bool:
    return not industries or any(
        industry_code.startswith(c.strip()) for c in industries.split(",") if c.strip()
    )


_BROKEN_CACHE: dict[int, tuple[list, dict]] = {}


def _broken(ctx: ReportContext, params: dict) -> frozenset[str]:
    """ISO months (YYYY-MM) whose figures are no base for this enterprise. Memoised per list of
    broken bases (the rule's own parameter object, checked by identity) and industry code: an
    import asks for it for every report."""
    bases = params.get("broken_bases", DEFAULT_BROKEN)
    entry = _BROKEN_CACHE.get(id(bases))
    if entry is None or entry[0] is not bases:
        if len(_BROKEN_CACHE) > 64:
            _BROKEN_CACHE.clear()
        entry = _BROKEN_CACHE[id(bases)] = (bases, {})
    by_industry = entry[1]
    found = by_industry.get(ctx.industry_code)
    if found is None:
        found = by_industry[ctx.industry_code] = frozenset(
            b["period"] for b in bases if _applies(b.get("industries", ""), ctx.industry_code)
        )
    return found


@functools.cache
def _months(period: Period) -> tuple[str, ...]:
    """YYYY-MM of ``period`` and each period before it (SERIES_DEPTH in all)."""
    return tuple(p.iso[:7] for p in periods_back(period, SERIES_DEPTH))


def _pstdev(values: list[float]) -> float:
    """Population standard deviation in floats (statistics.pstdev works in Fractions: 50× slower)."""
    n = len(values)
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / n)


@dataclass(slots=True)
class Expectation:
    """What the enterprise's own history says this period should be: the comparison base (same
    period last year, or two years back when last year's base is broken), the firm's usual yearly
    log growth at the same months and its spread."""

    lag: int  # 11 or 22 periods back
    years: int  # 1 or 2
    growth: float  # usual log growth per year
    sigma: float  # robust spread of the yearly log growth
    history: int  # ratios the usual growth rests on
    actual: float | None  # this period's log growth per year against the base


def expectation(ctx: ReportContext, series: list, params: dict) -> Expectation | None:
    broken = _broken(ctx, params)
    # Shared by the rules that read the expectation (same series, same base months, same knobs).
    key = (
        "expect",
        id(series),
        broken,
        params.get("min_sigma", 0.06),
        params.get("min_history", 4),
        params.get("fallback_sigma", 0.3),
    )
    if key in ctx._series:
        return ctx._series[key]
    months = _months(ctx.period)
    lag, years = (2 * YEAR, 2) if months[YEAR] in broken else (YEAR, 1)
    if months[lag] in broken:
        ctx._series[key] = None
        return None
    ratios = []
    for k in range(1, 13):
        a, b = series[k], series[k + YEAR]
        if a and b and a > 0 and b > 0 and months[k] not in broken and months[k + YEAR] not in broken:
            ratios.append(LN(a / b))
    min_sigma = float(params.get("min_sigma", 0.06))
    if len(ratios) >= int(params.get("min_history", 4)):
        growth = _mid(ratios)
        sigma = max(min_sigma, 1.4826 * _mid([abs(r - growth) for r in ratios]))
    else:
        growth, sigma = 0.0, float(params.get("fallback_sigma", 0.3))
    now, base = series[0], series[lag]
    actual = LN(now / base) / years if now and base and now > 0 and base > 0 else None
    result = Expectation(lag, years, growth, sigma, len(ratios), actual)
    ctx._series[key] = result
    return result


def zscore(exp: Expectation) -> float:
    """The deviation from the expectation over the whole comparison span in spreads of a yearly
    ratio; over two years the month's own noise is the same and the growth's varies more (× 1.25)."""
    return (exp.actual - exp.growth) * exp.years / (exp.sigma * (1.0 if exp.years == 1 else 1.25))


def _strength(excess: float, cap: float = 3.0) -> float:
    """How far past its threshold a statistic is (1 at the threshold), capped."""
    return min(cap, excess)


@rule("yoy_outlier")
def yoy_outlier(ctx: ReportContext, params: dict) -> list[Evidence]:
    """This period against the firm's own seasonal expectation: same period of the base year ×
    the firm's usual growth at the same months; both directions; robust z on the log scale."""
    code = ctx.main_field
    series = ctx.back(code)
    exp = expectation(ctx, series, params)
    if exp is None or exp.actual is None:
        return []
    z = zscore(exp)
    threshold = float(params.get("z", 3.5))
    if abs(z) < threshold:
        return []
    expected = series[exp.lag] * math.exp(exp.growth * exp.years)
    base = "两年平均" if exp.years == 2 else "同比"
    way = "高于" if z > 0 else "低于"
    return [
        (
            code,
            f"{ctx.name(code)}{base}增长 {math.expm1(exp.actual) * 100:+.1f}%，{way}本企业同期规律"
            f"（一般 {math.expm1(exp.growth) * 100:+.1f}%，预期约 {_k(expected)}，实报 {_k(series[0])}，"
            f"偏离 {abs(z):.1f} 个标准差）",
            _strength(abs(z) / threshold),
        )
    ]


@rule("corroboration")
def corroboration(ctx: ReportContext, params: dict) -> list[Evidence]:
    """A large change that the grid meter and the tax bureau show too is news, not fraud: each
    independent source moving with the report lowers the score (negative evidence)."""
    code = ctx.main_field
    series = ctx.back(code)
    exp = expectation(ctx, series, params)
    if exp is None or exp.actual is None:
        return []
    deviation = exp.actual - exp.growth
    if abs(deviation) < float(params.get("min_change", 0.15)):
        return []
    evidence = []
    for source, label, tolerance in (
        ("electricity", "电网用电量", float(params.get("grid_tolerance", 0.12))),
        ("tax", "入库税收", float(params.get("tax_tolerance", 0.25))),
    ):
        figures = _source_series(ctx, source)
        if not figures:
            continue
        src = expectation(ctx, figures, params)
        if src is None or src.actual is None or src.lag != exp.lag:
            continue
        moved = src.actual - src.growth
        if moved * deviation > 0 and abs(moved - deviation) <= min(tolerance, 0.5 * abs(deviation)):
            # Cancels the share ``per_source`` of what the deviation itself raised.
            raised = _strength(abs(zscore(exp)) / float(params.get("z", 3.5)))
            evidence.append(
                (
                    code,
                    f"{label}同期变动 {math.expm1(moved) * 100:+.1f}%，与{ctx.name(code)}的变动"
                    f"（{math.expm1(deviation) * 100:+.1f}%）一致，独立来源佐证",
                    -float(params.get("per_source", 0.8)) * raised,
                )
            )
    return evidence


@rule("electricity_divergence")
def electricity_divergence(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Output per kWh of the grid company's meter against the firm's usual intensity, both ways:
    output up with the meter flat (inflated), or output down with the meter flat (hidden)."""
    grid = _source_series(ctx, "electricity")
    code = ctx.main_field
    if not grid or not grid[0]:
        return []
    output = ctx.back(code)
    if not output[0]:
        return []
    history = [LN(output[k] / grid[k]) for k in range(1, 13) if output[k] and grid[k] and output[k] > 0]
    if len(history) < int(params.get("min_history", 6)):
        return []
    usual = _mid(history)
    spread = 1.4826 * _mid([abs(h - usual) for h in history])
    threshold = max(LN(float(params.get("ratio_jump", 1.25))), float(params.get("z", 3.5)) * spread)
    deviation = LN(output[0] / grid[0]) - usual
    if abs(deviation) < threshold:
        return []
    way = "高于" if deviation > 0 else "低于"
    return [
        (
            code,
            f"{ctx.name(code)}与电网计量用电量背离：单位电量产出为本企业一般水平的 {math.exp(deviation):.2f} 倍"
            f"（{way}常态，阈值 {math.exp(threshold):.2f} 倍）",
            _strength(abs(deviation) / threshold),
        )
    ]


@rule("power_mismatch")
def power_mismatch(ctx: ReportContext, params: dict) -> list[Evidence]:
    """The firm's self-reported 用电量 against the grid company's meter for the same month."""
    own = ctx.values.get("electricity")
    grid = _source_series(ctx, "electricity")
    if not own or own[0] is None or not grid or not grid[0]:
        return []
    reported = float(own[0])
    selves = ctx.back("electricity")
    usual_ratios = [selves[k] / grid[k] for k in range(1, 13) if selves[k] and grid[k]]
    usual = _mid(usual_ratios) if len(usual_ratios) >= 3 else 1.0
    if usual <= 0 or reported <= 0:
        return []
    deviation = LN(reported / grid[0] / usual)
    threshold = LN(1 + float(params.get("tolerance", 0.08)))
    if abs(deviation) < threshold:
        return []
    return [
        (
            "electricity",
            f"自报用电量 {reported:,.0f} 千瓦时与电网计量 {grid[0]:,.0f} 千瓦时相差 "
            f"{(reported / grid[0] - 1) * 100:+.1f}%（本企业一般为 {(usual - 1) * 100:+.1f}%）",
            _strength(abs(deviation) / threshold),
        )
    ]


def tax_factor(ctx: ReportContext, period: Period, events: list) -> float:
    month = period.iso[:7]
    factor = 1.0
    for event in events:
        if event["from"] <= month <= (event.get("to") or "9999-12"):
            if event.get("taxpayer_class") and event["taxpayer_class"] != ctx.taxpayer_class:
                continue
            if _applies(event.get("industries", ""), ctx.industry_code):
                factor *= float(event["factor"])
    return factor


@rule("tax_divergence")
def tax_divergence(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Year-to-date growth of the main figure against year-to-date growth of tax paid, the tax
    scaled by the statistician's tax-rate events (a rate cut is not under-payment); both ways."""
    tax = _source_series(ctx, "tax")
    if not tax:
        return []
    code = ctx.main_field
    series = ctx.back(code)
    broken = _broken(ctx, params)
    periods = periods_back(ctx.period, SERIES_DEPTH)
    n = ctx.period.month - 1  # periods so far this year (1-2月 is one)
    lag = 2 * YEAR if periods[YEAR].iso[:7] in broken else YEAR
    if lag + n > SERIES_DEPTH or any(periods[lag + k].iso[:7] in broken for k in range(n)):
        return []
    events = params.get("events", DEFAULT_TAX_EVENTS)
    now_rev = now_tax = base_rev = base_tax = 0.0
    for k in range(n):
        a, b, t, u = series[k], series[lag + k], tax[k], tax[lag + k]
        if a is None or b is None or t is None or u is None:
            return []
        now_rev += a
        base_rev += b
        now_tax += t / tax_factor(ctx, periods[k], events)
        base_tax += u / tax_factor(ctx, periods[lag + k], events)
    if min(now_rev, base_rev, now_tax, base_tax) <= 0:
        return []
    years = lag // YEAR
    revenue_growth = LN(now_rev / base_rev) / years
    tax_growth = LN(now_tax / base_tax) / years
    threshold = float(params.get("tolerance", 0.3))
    gap = revenue_growth - tax_growth
    if abs(gap) < threshold:
        return []
    label = "两年平均增长" if years == 2 else "累计增长"
    return [
        (
            code,
            f"{ctx.name(code)}{label} {math.expm1(revenue_growth) * 100:+.1f}%，而入库税收（按税率变动调整后）"
            f"{label} {math.expm1(tax_growth) * 100:+.1f}%，{'高于' if gap > 0 else '低于'}税收"
            f"（容差 {threshold:.2f}，对数差 {gap:+.2f}）",
            _strength(abs(gap) / threshold),
        )
    ]


def _typical_change(series: list, lag: int) -> float | None:
    """The firm's usual relative difference between a figure and the one ``lag`` periods before."""
    diffs = [
        abs(series[k] - series[k + lag]) / series[k]
        for k in range(1, 13)
        if k + lag < len(series) and series[k] and series[k + lag] is not None and series[k] > 0
    ]
    return _mid(diffs) if len(diffs) >= 4 else None


@rule("repeated_figures")
def repeated_figures(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Near-copies: the main figure (and every other money figure where it is known) within a few
    千元 of last month's, last year's, two years back or last December's, when the firm's own
    figures usually differ far more between those periods. Firms that always bill the same sum
    (fixed fees) get negative evidence instead."""
    code = ctx.main_field
    series = ctx.back(code)
    now = series[0]
    min_value = float(params.get("min_value", 500000))
    if not now or now < min_value:
        return []
    mom, yoy = _typical_change(series, 1), _typical_change(series, YEAR)
    habit = float(params.get("habit_share", 0.005))
    abs_tol = float(params.get("max_difference", 5000))
    share = float(params.get("near_share", 0.005))
    periods = ctx.periods_back(SERIES_DEPTH)
    december = next((k for k in range(1, 13) if periods[k].month == 12), None)
    candidates = [
        ("上期", 1, mom),
        ("上年同期", YEAR, yoy),
        ("两年前同期", 2 * YEAR, yoy),
        ("上年12月", december, mom),
    ]
    if mom is not None and mom < habit:
        # Month after month the same sum (rent, service contracts): equal figures are its habit.
        others = [series[lag] for _, lag, _ in candidates if lag is not None and lag < len(series)]
        if any(o is not None and abs(now - o) <= abs_tol for o in others):
            return [
                (code, f"{ctx.name(code)}与往期相同，但本企业历来逐月金额相同（固定金额），不作为疑点", -1.0)
            ]
        return []
    seen, habitual = set(), None
    for label, lag, typical in candidates:
        if lag is None or lag in seen or typical is None or lag >= len(series):
            continue
        seen.add(lag)
        other = series[lag]
        if other is None:
            continue
        if typical < habit:
            # The firm's figures between such periods have always been (nearly) the same: fixed fees.
            if abs(now - other) <= abs_tol:
                habitual = label
            continue
        tolerance = min(abs_tol, share * typical * now)
        if abs(now - other) > tolerance:
            continue
        # The other money figures of that period, where the import read it in full.
        values = ctx.history.get(periods[lag]) if ctx.history else None
        others_agree = True
        if values:
            for f, (current, _) in ctx.values.items():
                if f == code or not ctx.fields.get(f, {}).get("is_money") or not current:
                    continue
                before = values.get(f, (None, None))[0]
                if before is not None and abs(float(current) - float(before)) > max(tolerance, 1000):
                    others_agree = False
        if not others_agree:
            continue
        return [
            (
                code,
                f"{ctx.name(code)} {_k(now)} 与{label} {_k(other)} 仅差 {_k(abs(now - other))}，"
                f"而本企业通常相差约 {typical * 100:.1f}%：疑似照抄",
                _strength(1 + (1 - abs(now - other) / max(tolerance, 1)) * 0.5),
            )
        ]
    if habitual:
        return [(code, f"{ctx.name(code)}与{habitual}相同，但本企业历来如此（固定金额），不作为疑点", -1.0)]
    return []


def _digit_surprise(yuan: float) -> float:
    """−log10 of the chance an honest figure (whole 千元) has this many trailing zeros, or repeats
    one digit throughout: 3,300 千元 → 2; 888 千元 → 2; 4,217 千元 → 0."""
    q = round(yuan / 1000)
    if q < 100 or abs(yuan - q * 1000) > 0.5:
        return 0.0
    text = str(q)
    significant = text.rstrip("0")
    surprise = float(len(text) - len(significant))
    if len(significant) >= 3 and len(set(significant)) == 1:
        surprise += len(significant) - 1
    return surprise


@rule("round_figures")
def round_figures(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Invented numbers: significant-digit and trailing-digit surprise of every money figure, summed
    over the report's fields and measured against the firm's own habit in its older figures (a firm
    that has always billed round sums is not suspicious for being round)."""
    money = [
        (f, float(current))
        for f, (current, _) in ctx.values.items()
        if ctx.fields.get(f, {}).get("is_money") and current
    ]
    if not money:
        return []
    surprise = sum(_digit_surprise(v) for _, v in money)
    # More fields, more chances for one to be round by luck: the bar rises by log10(fields).
    threshold = float(params.get("threshold", 2.0)) + math.log10(len(money))
    if surprise < threshold:
        return []
    older = [v for v in ctx.back(ctx.main_field)[6:] if v]
    habit = sum(_digit_surprise(v) for v in older) / len(older) if len(older) >= 6 else 0.0
    # An honest whole-千元 figure has 1/9 trailing zeros on average; only a habit beyond it excuses.
    net = surprise - max(0.0, habit - 1 / 9) * len(money)
    names = "、".join(f"{ctx.name(f)} {_k(v)}" for f, v in money)
    if net < threshold:
        return [(money[0][0], f"{names}：本企业历来按整数填报，不作为疑点", -0.5)] if habit >= 0.5 else []
    return [
        (
            money[0][0],
            f"{names}：有效数字过少（偶然出现的概率约 1/{10 ** min(net, 9):,.0f}），疑似估填或编造",
            _strength(net / threshold),
        )
    ]


@rule("sudden_jump")
def sudden_jump(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Period shifting: last month well above the firm's seasonal expectation and this month below
    it by about as much (the spike is paid back). Flagged when the paying-back month arrives."""
    code = ctx.main_field
    series = ctx.back(code)
    exp = expectation(ctx, series, params)
    if exp is None or exp.history < int(params.get("min_history", 4)):
        return []
    lag, factor = exp.lag, math.exp(exp.growth * exp.years)
    a0, a1 = series[0], series[1]
    if lag + 1 >= len(series) or not a0 or not a1 or not series[lag] or not series[lag + 1]:
        return []
    e0, e1 = series[lag] * factor, series[lag + 1] * factor
    spike, dip = a1 - e1, a0 - e0
    share = float(params.get("spike_share", 0.15))
    band = float(params.get("z", 2.0)) * exp.sigma
    if spike < max(share, band) * e1 or dip > -max(share / 2, band) * e0:
        return []
    paid = -dip / spike
    if paid < float(params.get("payback", 0.5)):
        return []
    return [
        (
            code,
            f"{ctx.name(code)}上期高出预期 {_k(spike)}（{spike / e1 * 100:+.0f}%），本期低于预期 {_k(-dip)}"
            f"（{dip / e0 * 100:+.0f}%），冲高回落，疑似跨期调节",
            _strength(min(paid, 1.5) * min(spike / e1, -dip / e0) / share),
        )
    ]


@rule("too_regular")
def too_regular(ctx: ReportContext, params: dict) -> list[Evidence]:
    """Month-on-month growth nearly constant for half a year while the firm's own months a year
    earlier moved with its season: a series written down, not measured."""
    code = ctx.main_field
    series = ctx.back(code)
    periods = periods_back(ctx.period, SERIES_DEPTH)
    months = int(params.get("months", 6))
    if months + YEAR + 1 >= len(series):
        return []
    values = [series[k] / periods[k].months_covered if series[k] else None for k in range(len(series))]
    if any(v is None or v <= 0 for v in values[: months + 1]):
        return []
    now = [LN(values[k] / values[k + 1]) for k in range(months)]
    spread_now = _pstdev(now)
    if spread_now > float(params.get("max_spread", 0.006)):
        return []  # most series: they move
    # The firm's own month-on-month movement a year and more before (its season and noise), on
    # months whose figures are a fair base.
    broken = _broken(ctx, params)
    before = [
        LN(values[k] / values[k + 1])
        for k in range(YEAR, len(values) - 1)
        if values[k]
        and values[k + 1]
        and values[k] > 0
        and values[k + 1] > 0
        and periods[k].iso[:7] not in broken
        and periods[k + 1].iso[:7] not in broken
    ]
    if len(before) < 4:
        return []
    # A firm that has billed the same sum month after month before is steady by nature.
    older = [series[k] for k in range(months + 1, len(series))]
    repeats = sum(1 for a, b in zip(older, older[1:], strict=False) if a and b and a == b)
    if repeats >= 3:
        return []
    spread_before = _pstdev(before)
    if spread_before < float(params.get("season_spread", 0.03)):
        return []
    return [
        (
            code,
            f"{ctx.name(code)}近 {months} 期环比几乎恒定（约 {math.expm1(sum(now) / months) * 100:+.1f}%/月，"
            f"波动 {spread_now * 100:.2f}%），而本企业一年多以前的环比波动为 {spread_before * 100:.1f}%：序列过于平稳",
            _strength(1 + spread_before / max(spread_now, 1e-4) / 100),
        )
    ]


def ytd_growths(ctx: ReportContext, params: dict) -> tuple[float | None, float | None]:
    """Year-to-date growth of the main figure, % : against last year and as two-year average."""
    series = ctx.back(ctx.main_field)
    n = ctx.period.month - 1
    sums = []
    for lag in (0, YEAR, 2 * YEAR):
        if lag + n > SERIES_DEPTH:
            sums.append(None)
            continue
        part = series[lag : lag + n]
        sums.append(sum(part) if all(v is not None for v in part) else None)
    now, last, two = sums
    yoy = (now / last - 1) * 100 if now and last else None
    two_year = (math.sqrt(now / two) - 1) * 100 if now and two else None
    return yoy, two_year


def _poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean)."""
    term = total = math.exp(-mean)
    for k in range(1, observed):
        term *= mean / k
        total += term
    return max(0.0, 1 - total)


def target_clustering(groups: dict, params: dict, targets: dict) -> dict:
    """Cross-firm: in each (street, period), growths sitting on a district target (±tolerance) far
    more often than the street's own growth density predicts (Poisson tail). ``groups`` maps
    (street, period) → [(key, yoy %, two-year %)]; ``targets`` maps year → target growths. Returns
    key → evidence."""
    tolerance = float(params.get("tolerance", 0.1))
    window = float(params.get("window", 3.0))
    alpha = float(params.get("alpha", 0.01))
    min_firms = int(params.get("min_firms", 3))
    found = {}
    for (_street, period), members in groups.items():
        for target in sorted(
            set(targets.get(period.year, ())) | {float(t) for t in params.get("targets", [])}
        ):
            for index, label in ((1, "同比"), (2, "两年平均")):
                near = [m for m in members if m[index] is not None and abs(m[index] - target) <= tolerance]
                if len(near) < min_firms:
                    continue
                around = sum(1 for m in members if m[index] is not None and abs(m[index] - target) <= window)
                expected = max(around - len(near), 1) * tolerance / window
                p = _poisson_tail(len(near), expected)
                if p > alpha:
                    continue
                for key, *growths in near:
                    found.setdefault(key, []).append(
                        (
                            "",
                            f"同一街道 {len(near)} 家企业{label}增长落在目标值 {target:g}% ±{tolerance:g} 个百分点内"
                            f"（按本街道增速分布预期约 {expected:.1f} 家，偶然概率 {p:.1g}），本企业为 {growths[index - 1]:.2f}%",
                            _strength(1 + LN(alpha / max(p, 1e-12)) / 10),
                        )
                    )
    return found


# Defaults the demo and migrations install; the statistician tunes them afterwards.
DEFAULT_RULES = [
    ("required_fields", "必填项", "mandatory", {}, "报表主要指标的本期数和本年累计必须填报。"),
    ("non_negative", "数值非负", "mandatory", {}, "产值、营业收入、用电量等不能为负。"),
    (
        "cumulative_consistency",
        "累计数衔接",
        "mandatory",
        {"tolerance": 1},
        "上期累计 + 本期 = 本年累计（1-2月：本年累计 = 本期）；tolerance 为允许的舍入误差（元）。",
    ),
    ("valid_codes", "代码有效", "mandatory", {}, "统一社会信用代码、行业代码、区划代码有效且企业已入库。"),
    (
        "yoy_outlier",
        "偏离本企业同期规律",
        "verification",
        {
            "z": 3.5,
            "min_history": 4,
            "min_sigma": 0.06,
            "fallback_sigma": 0.3,
            "broken_bases": DEFAULT_BROKEN,
        },
        "本期与基期（上年同期；基期受疫情等冲击时用两年前同期，按两年平均增长比较）之比，对照本企业前12期同比的"
        "中位数与稳健标准差（MAD）；偏离超过 z 个标准差即提示，升降两个方向都看。broken_bases 列出不宜作基期的月份"
        "（industries 为行业代码前缀，空为全部）。",
    ),
    (
        "corroboration",
        "独立来源佐证",
        "verification",
        {"min_change": 0.15, "grid_tolerance": 0.12, "tax_tolerance": 0.25, "per_source": 0.8, "z": 3.5},
        "产出较本企业规律变动超过 min_change（对数）时，电网用电量、入库税收同向同幅变动（差距不超过容差，且不超过变动的一半）各抵消"
        "偏离规律所加风险分的 per_source 倍（z 与“偏离本企业同期规律”一致）：有独立来源佐证的大变化是新闻，不是疑点。",
    ),
    (
        "electricity_divergence",
        "产值与电网用电背离",
        "verification",
        {"ratio_jump": 1.25, "z": 3.5, "min_history": 6},
        "单位电网计量用电量的产出与本企业近12期中位数相比超过 ratio_jump 倍或低于其倒数（并超过 z 个稳健标准差）；"
        "只用电力公司数据，不用企业自报用电量。",
    ),
    (
        "power_mismatch",
        "自报用电与电网不符",
        "verification",
        {"tolerance": 0.08},
        "企业自报用电量与电网计量相差超过 tolerance（扣除本企业历来的差异）。",
    ),
    (
        "tax_divergence",
        "营收与税收背离",
        "verification",
        {"tolerance": 0.3, "events": DEFAULT_TAX_EVENTS, "broken_bases": DEFAULT_BROKEN},
        "主要指标本年累计增长与入库税收本年累计增长（对数）相差超过 tolerance，升降两个方向都看；税收先按 events 中"
        "统计员录入的税率变动（起止月份、纳税人类型或行业、系数）折算到同一税率；基期受冲击时按两年平均比较。",
    ),
    (
        "repeated_figures",
        "数据近似照抄",
        "verification",
        {"min_value": 500000, "max_difference": 5000, "near_share": 0.005, "habit_share": 0.0005},
        "主要指标与上期、上年同期、两年前同期或上年12月相差不超过 max_difference 元且不超过本企业通常差异的 near_share 倍"
        "（其余金额指标同样接近）；历来逐月相同的企业（通常差异低于 habit_share）不作疑点。",
    ),
    (
        "round_figures",
        "数字编造特征",
        "verification",
        {"threshold": 2.0},
        "各金额指标（千元）末尾零个数与重复数字的偶然概率取 −log10 相加，扣除本企业较早数据的习惯后不小于 threshold 即提示。",
    ),
    (
        "sudden_jump",
        "冲高回落（跨期调节）",
        "verification",
        {"spike_share": 0.15, "z": 2.0, "payback": 0.5, "min_history": 4},
        "上期高于本企业同期规律预期 spike_share 以上，本期低于预期并抵回上期超出部分的 payback 以上：在回落月提示。",
    ),
    (
        "too_regular",
        "序列过于平稳",
        "verification",
        {"months": 6, "max_spread": 0.006, "season_spread": 0.03},
        "近 months 期环比（按月均）标准差不超过 max_spread，而本企业一年多以前（剔除不宜作基期的月份）的环比标准差不小于 season_spread；历来逐月金额相同的企业除外。",
    ),
    (
        "target_clustering",
        "增速扎堆目标值",
        "verification",
        {"tolerance": 0.1, "window": 3.0, "alpha": 0.01, "min_firms": 3, "targets": [8.0, 8.5]},
        "同一街道同一期累计增速（同比或两年平均）落在区目标值 ±tolerance 个百分点内的企业数，按本街道 ±window 内的增速密度"
        "计算的泊松尾概率小于 alpha 且不少于 min_firms 家：逐家提示。targets 之外还读取本区年度目标。",
    ),
]
DEFAULT_RULES_BY_CODE = {r[0]: r for r in DEFAULT_RULES}
# Rules that work on the whole batch, not on one report (the import calls them after the others).
CROSS_FIRM = {"target_clustering"}


@dataclass
class Assessment:
    score: float
    evidence: list  # (rule, field, message, points), points = weight × strength; negative lowers

    def as_json(self) -> list[dict]:
        return [
            {"rule": r.code, "name": r.name, "field": f, "message": m, "points": round(p, 2)}
            for r, f, m, p in self.evidence
        ]


def assess(ctx: ReportContext, rules) -> tuple[list[tuple], Assessment]:
    """Mandatory errors — (rule, field, message, part), part naming the figure at fault, CURRENT or
    CUMULATIVE — and the verification evidence with its risk score for one report."""
    errors, evidence = [], []
    for r in rules:
        if not r.is_enabled or r.code not in RULES:
            continue
        for item in RULES[r.code](ctx, r.params or {}):
            if r.kind == "mandatory":
                errors.append((r, item[0], item[1], item[2] if len(item) > 2 else CURRENT))
            else:
                evidence.append((r, item[0], item[1], float(getattr(r, "weight", 1) or 0) * item[2]))
    return errors, Assessment(sum(e[3] for e in evidence), evidence)


def run(ctx: ReportContext, rules) -> tuple[list[tuple], list[tuple]]:
    """Apply enabled rules (objects with code, kind, params, is_enabled) → (errors, warnings),
    each a list of (rule, field code, message); warnings are the evidence that raises the score."""
    errors, assessment = assess(ctx, rules)
    return [(r, f, m) for r, f, m, _part in errors], [
        (r, f, m) for r, f, m, p in assessment.evidence if p > 0
    ]


def grade(score: float, threshold: float) -> str:
    """高 / 中 / 低 for a report at or above the threshold."""
    if score >= 2 * threshold:
        return "high"
    if score >= 1.4 * threshold:
        return "medium"
    return "low"


def validate_params(code: str, params: dict) -> dict:
    """Refuse parameters a rule cannot work with (Chinese messages); returns the cleaned dict."""
    clean = {}
    for key, value in params.items():
        if key == "broken_bases":
            clean[key] = _clean_list(value, key, ("period",), ("industries",))
        elif key == "events":
            clean[key] = _clean_events(value)
        elif key == "targets":
            if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
                raise ValidationError({"params": "参数 targets 应为增速目标（%）的数字列表，如 [8.0, 8.5]"})
            clean[key] = [float(v) for v in value]
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValidationError({"params": f"参数 {key} 应为数字：{value}"}) from None
            if not math.isfinite(number) or number < 0:
                raise ValidationError({"params": f"参数 {key} 不能为负数"})
            clean[key] = number
    return clean


_MONTH = re.compile(r"20\d\d-(0[2-9]|1[0-2])")


def _clean_list(value, key, required, optional):
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(
            {"params": f'参数 {key} 应为列表，每项形如 {{"period": "2020-02", "industries": ""}}'}
        )
    out = []
    for item in value:
        unknown = set(item) - set(required) - set(optional)
        if unknown:
            raise ValidationError({"params": f"参数 {key} 中有未知项：{'、'.join(sorted(unknown))}"})
        period = str(item.get("period", ""))
        if not _MONTH.fullmatch(period):
            raise ValidationError(
                {"params": f"参数 {key} 的月份应写作 YYYY-MM（1-2月写 YYYY-02）：{period or '（空）'}"}
            )
        out.append({"period": period, "industries": _industries(item.get("industries", ""), key)})
    return out


def _industries(value, key) -> str:
    text = str(value or "").replace("，", ",").replace(" ", "")
    if text and not all(re.fullmatch(r"\d{1,4}", c) for c in text.split(",")):
        raise ValidationError({"params": f"参数 {key} 的行业应为行业代码前缀，逗号分隔：{value}"})
    return text


def _clean_events(value) -> list[dict]:
    """Tax-rate events: period range, taxpayer class and/or industries, factor on tax per yuan."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(
            {"params": "税率变动应为列表，每项含 from、to、taxpayer_class、industries、factor"}
        )
    out = []
    for item in value:
        unknown = set(item) - {"from", "to", "taxpayer_class", "industries", "factor", "note"}
        if unknown:
            raise ValidationError({"params": f"税率变动中有未知项：{'、'.join(sorted(unknown))}"})
        start, end = str(item.get("from", "")), str(item.get("to") or "")
        if not _MONTH.fullmatch(start) or (end and not _MONTH.fullmatch(end)):
            raise ValidationError(
                {"params": f"税率变动的起止月份应写作 YYYY-MM：{start or '（空）'} – {end or '—'}"}
            )
        if end and end < start:
            raise ValidationError({"params": f"税率变动的结束月份 {end} 早于开始月份 {start}"})
        klass = item.get("taxpayer_class") or ""
        if klass not in ("", *TAXPAYER_CLASSES):
            raise ValidationError(
                {"params": f"纳税人类型应为 general（一般纳税人）或 small_scale（小规模纳税人）：{klass}"}
            )
        try:
            factor = float(item.get("factor"))
        except (TypeError, ValueError):
            raise ValidationError({"params": f"税率变动的系数应为数字：{item.get('factor')}"}) from None
        if not math.isfinite(factor) or not 0 < factor <= 10:
            raise ValidationError({"params": f"税率变动的系数应大于 0 且不超过 10：{factor:g}"})
        out.append(
            {
                "from": start,
                "to": end,
                "taxpayer_class": klass,
                "industries": _industries(item.get("industries", ""), "industries"),
                "factor": factor,
                **({"note": str(item["note"])[:100]} if item.get("note") else {}),
            }
        )
    return out


TAXPAYER_CLASSES = {"general": "一般纳税人", "small_scale": "小规模纳税人"}


BOILERPLATE = (
    "经核实",
    "核实无误",
    "数据无误",
    "数据真实",
    "真实有效",
    "情况属实",
    "属实",
    "无误",
    "正常",
    "确认",
    "准确",
)


def validate_explanation(text: str, min_chars: int = 10) -> str:
    """A real explanation says why: boilerplate such as “核实无误” alone is refused."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError("请填写情况说明")
    substance = re.sub(r"[\s，。,.;；:：!！、（）()\-]+", "", cleaned)
    for phrase in BOILERPLATE:
        substance = substance.replace(phrase, "")
    if len(substance) < 6 or len(cleaned) < min_chars:
        raise ValidationError(
            "情况说明须写明原因（如新增订单、新产线投产、价格变化等）；“核实无误”之类的套话不能作为说明"
        )
    return cleaned
