"""The audit rules: pure functions over one report and its enterprise's history.

Each ``AuditRule`` row names one function here by ``code``; its ``params`` tune the thresholds and
``is_enabled`` switches it. Mandatory rules (强制性) refuse the row; verification rules (核实性)
raise a finding that needs an explanation. The functions never touch the database, so the import,
the bench and the tests run the same code.
"""

from __future__ import annotations

import functools
import re
import statistics
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
    # The import's bulk read of the series fields further back: field → {ISO date: current as float}.
    # ``history`` wins where it has the field (the file's own earlier rows, the periods read in full).
    stored: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # Per-context memo of ``back()``: the rules ask for the same series several times.
    _series: dict = field(default_factory=dict, repr=False, compare=False)

    def name(self, code: str) -> str:
        return self.fields.get(code, {}).get("name", code)

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
        electricity the enterprise reported, else the power company's figure."""
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
        power = self.electricity if code == "power" else None
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
            if value is None and power:
                value = power.get(period)
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


Issue = tuple[str, str]  # (field code, Chinese message)
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


def _fmt(value) -> str:
    return f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- mandatory


@rule("required_fields")
def required_fields(ctx: ReportContext, params: dict) -> list[Issue]:
    issues = []
    for code, meta in ctx.fields.items():
        if not meta.get("required"):
            continue
        current, cumulative = ctx.values.get(code, (None, None))
        if current is None:
            issues.append((code, f"{meta['name']}（本月）为必填项"))
        if meta.get("has_cumulative") and cumulative is None:
            issues.append((code, f"{meta['name']}（本年累计）为必填项"))
    return issues


@rule("non_negative")
def non_negative(ctx: ReportContext, params: dict) -> list[Issue]:
    issues = []
    for code, (current, cumulative) in ctx.values.items():
        if (current is not None and current < 0) or (cumulative is not None and cumulative < 0):
            issues.append((code, f"{ctx.name(code)}不能为负数"))
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
        if ctx.period.is_first_of_year:
            if abs(cumulative - current) > tolerance:
                issues.append((code, f"{ctx.name(code)}：1-2月的本年累计应等于本期数（{_fmt(current)}）"))
            continue
        if previous is None or code not in previous or previous[code][1] is None:
            continue  # nothing to chain to: a newly registered enterprise's first month
        last = _decimal(previous[code][1])
        if cumulative < last:
            issues.append((code, f"{ctx.name(code)}：本年累计 {_fmt(cumulative)} 小于上期累计 {_fmt(last)}"))
        elif abs(last + current - cumulative) > tolerance:
            issues.append(
                (
                    code,
                    f"{ctx.name(code)}：上期累计 {_fmt(last)} + 本期 {_fmt(current)} ≠ 本年累计 {_fmt(cumulative)}",
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


def _ratios(numerators: list, denominators: list, offset: int, months: int) -> list[float]:
    """numerator[k] ÷ denominator[k + offset] for the ``months`` periods before this one, where both
    are known (and the denominator is not zero)."""
    ratios = []
    for k in range(1, months + 1):
        a, b = numerators[k], denominators[k + offset]
        if a is not None and b:
            ratios.append(a / b)
    return ratios


@rule("yoy_outlier")
def yoy_outlier(ctx: ReportContext, params: dict) -> list[Issue]:
    """This month against the same month last year, compared with the enterprise's own usual ratio."""
    factor = float(params.get("factor", 1.6))
    min_history = int(params.get("min_history", 6))
    code = ctx.main_field
    series = ctx.back(code)
    current, base = series[0], series[YEAR]
    if current is None or not base:
        return []
    history = _ratios(series, series, YEAR, 12)
    if len(history) < min_history:
        return []
    usual = statistics.median(history)
    if usual <= 0:
        return []
    ratio = current / base
    if 1 / factor <= ratio / usual <= factor:
        return []
    # A lasting change (a new line, a lost customer) persists: flag the month it starts, not the
    # eleven after it, when last month's ratio already sits at the new level.
    recent_factor = float(params.get("recent_factor", 1.3))
    a, b = series[1], series[1 + YEAR]
    if a is not None and b and 1 / recent_factor <= ratio / (a / b) <= recent_factor:
        return []
    # Power use moving the same way corroborates a real change in a factory's output.
    corroborate = float(params.get("power_corroboration", 1.15))
    power = ctx.back("power")
    if power[0] and power[YEAR]:
        power_ratio = power[0] / power[YEAR]
        if power_ratio > 0 and 1 / corroborate <= ratio / power_ratio <= corroborate:
            return []
    growth = (ratio - 1) * 100
    usual_growth = (usual - 1) * 100
    return [
        (
            code,
            f"{ctx.name(code)}同比 {growth:+.1f}%，明显偏离本企业近12个月的一般水平 {usual_growth:+.1f}%",
        )
    ]


@rule("electricity_divergence")
def electricity_divergence(ctx: ReportContext, params: dict) -> list[Issue]:
    """Output per kWh jumps above the enterprise's usual intensity: output up while power is not."""
    jump = float(params.get("ratio_jump", 1.25))
    min_history = int(params.get("min_history", 6))
    code = ctx.main_field
    own = ctx.values.get("electricity")
    if ctx.values.get(code, (None,))[0] is None or not (
        own[0] if own and own[0] is not None else ctx.electricity.get(ctx.period)
    ):
        return []  # checked before building the series: most reports carry no electricity
    output, power = ctx.back(code), ctx.back("power")
    history = _ratios(output, power, 0, 12)
    if len(history) < min_history:
        return []
    usual = statistics.median(history)
    intensity = output[0] / power[0]
    if usual > 0 and intensity / usual > jump:
        return [
            (
                code,
                f"产值与用电量背离：单位电耗产值为本企业近期一般水平的 {intensity / usual:.2f} 倍"
                f"（阈值 {jump:.2f} 倍）",
            )
        ]
    return []


@rule("repeated_figures")
def repeated_figures(ctx: ReportContext, params: dict) -> list[Issue]:
    """Every non-zero money figure identical to the previous period's or last year's: likely copied."""
    min_fields = int(params.get("min_fields", 1))
    # Small figures filled in whole 千元 repeat by chance; only sizeable ones are evidence.
    min_value = Decimal(str(params.get("min_value", 500000)))
    money = {
        code: current
        for code, (current, _) in ctx.values.items()
        if ctx.fields.get(code, {}).get("is_money") and current and current >= min_value
    }
    if len(money) < min_fields:
        return []
    for label, period in (("上期", ctx.period.previous()), ("上年同期", ctx.period.same_last_year())):
        if period.is_first_of_year != ctx.period.is_first_of_year:
            continue  # 1-2月 covers two months: only comparable with another 1-2月
        other = ctx.history.get(period)
        if other and all(
            _decimal(other.get(code, (None, None))[0]) == value for code, value in money.items()
        ):
            names = "、".join(ctx.name(c) for c in money)
            return [(ctx.main_field, f"{names}与{label}完全相同，疑似照抄")]
    return []


@rule("round_figures")
def round_figures(ctx: ReportContext, params: dict) -> list[Issue]:
    unit = Decimal(str(params.get("unit", 100000)))
    min_fields = int(params.get("min_fields", 2))
    money = [
        code
        for code, (current, _) in ctx.values.items()
        if ctx.fields.get(code, {}).get("is_money") and current
    ]
    round_ones = [code for code in money if ctx.values[code][0] % unit == 0]
    if round_ones and len(round_ones) >= min_fields:
        names = "、".join(ctx.name(c) for c in round_ones)
        return [(round_ones[0], f"{names}均为{_fmt(unit / 10000)}万元的整数倍，疑似估填")]
    return []


@rule("sudden_jump")
def sudden_jump(ctx: ReportContext, params: dict) -> list[Issue]:
    """Month on month against the median of recent months — for enterprises without last year's data."""
    factor = float(params.get("factor", 3.0))
    min_history = int(params.get("min_history", 3))
    code = ctx.main_field
    series, periods = ctx.back(code), ctx.periods_back(SERIES_DEPTH)
    # Per calendar month, so 1-2月 compares with single months.
    current = series[0] / periods[0].months_covered if series[0] is not None else None
    if not current:
        return []
    recent = [series[k] / periods[k].months_covered for k in range(1, 7) if series[k] is not None]
    if len(recent) < min_history:
        return []
    usual = statistics.median(recent)
    if usual > 0 and (current / usual > factor or current / usual < 1 / factor):
        return [(code, f"{ctx.name(code)}本月 {current / usual:.1f} 倍于近几个月中位数，变动异常")]
    return []


@rule("tax_divergence")
def tax_divergence(ctx: ReportContext, params: dict) -> list[Issue]:
    """Cumulative revenue growth far above cumulative tax growth (tax bureau data)."""
    gap_pp = float(params.get("gap_pp", 30))
    revenue_code = params.get("revenue_field", ctx.main_field)
    year_periods = [Period(ctx.period.year, m) for m in range(2, ctx.period.month + 1)]
    last_periods = [Period(ctx.period.year - 1, m) for m in range(2, ctx.period.month + 1)]
    if not all(p in ctx.tax for p in year_periods + last_periods):
        return []
    current = ctx.values.get(revenue_code, (None, None))[1]
    last = ctx.history.get(ctx.period.same_last_year(), {}).get(revenue_code, (None, None))[1]
    tax_now = sum(ctx.tax[p] for p in year_periods)
    tax_last = sum(ctx.tax[p] for p in last_periods)
    if not current or not last or not tax_last:
        return []
    revenue_growth = (float(current) / float(last) - 1) * 100
    tax_growth = (float(tax_now) / float(tax_last) - 1) * 100
    if revenue_growth - tax_growth > gap_pp:
        return [
            (
                revenue_code,
                f"营业收入累计增长 {revenue_growth:+.1f}%，而入库税收累计增长 {tax_growth:+.1f}%，相差超过 {gap_pp:.0f} 个百分点",
            )
        ]
    return []


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
        "增速偏离企业历史",
        "verification",
        {"factor": 1.6, "min_history": 6, "recent_factor": 1.3, "power_corroboration": 1.15},
        "本月同比与本企业近12个月同比中位数相比超过 factor 倍或低于 1/factor 倍；"
        "若上月同比已处于同一水平（相差不超过 recent_factor 倍）视为持续性变化不再提示；"
        "用电量同比与产值同比相差不超过 power_corroboration 倍视为有用电佐证。",
    ),
    (
        "electricity_divergence",
        "产值与用电背离",
        "verification",
        {"ratio_jump": 1.25, "min_history": 6},
        "单位电耗产值高于本企业近12个月中位数的 ratio_jump 倍：产值增而用电不增。",
    ),
    (
        "repeated_figures",
        "数据与上期雷同",
        "verification",
        {"min_fields": 1, "min_value": 500000},
        "全部不小于 min_value 元的金额指标与上期或上年同期完全相同（1-2月只与上年1-2月比较）。",
    ),
    (
        "round_figures",
        "数据过于整齐",
        "verification",
        {"unit": 100000, "min_fields": 2},
        "至少 min_fields 个金额指标为 unit 元的整数倍。",
    ),
    (
        "sudden_jump",
        "环比突变",
        "verification",
        {"factor": 3.0, "min_history": 3},
        "本月（按月均）与近6个月中位数相比超过 factor 倍或低于 1/factor 倍。",
    ),
    (
        "tax_divergence",
        "营收与税收背离",
        "verification",
        {"gap_pp": 30},
        "营业收入累计增速高于入库税收累计增速超过 gap_pp 个百分点（需导入税收数据）。",
    ),
]


def run(ctx: ReportContext, rules) -> tuple[list[tuple], list[tuple]]:
    """Apply enabled rules (objects with code, kind, params, is_enabled) → (errors, warnings),
    each a list of (rule, field code, message)."""
    errors, warnings = [], []
    for r in rules:
        if not r.is_enabled or r.code not in RULES:
            continue
        for field_code, message in RULES[r.code](ctx, r.params or {}):
            (errors if r.kind == "mandatory" else warnings).append((r, field_code, message))
    return errors, warnings


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
