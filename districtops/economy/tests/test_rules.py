"""Each audit rule at its boundary, on hand-built contexts (no database)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from districtops.economy import rules
from districtops.economy.periods import Period
from districtops.economy.testing import fictional_credit_code

FIELDS = {
    "gross_output": {"name": "工业总产值", "required": True, "has_cumulative": True, "is_money": True},
    "main_revenue": {"name": "营业收入", "required": True, "has_cumulative": True, "is_money": True},
    "electricity": {"name": "用电量", "required": False, "has_cumulative": False, "is_money": False},
}
D = Decimal


def ctx(period, values, history=None, **kwargs):
    defaults = {
        "credit_code": fictional_credit_code(1),
        "industry_code": "3411",
        "division_code": "410104003000",
    }
    defaults.update(kwargs)
    return rules.ReportContext(
        period=period,
        values=values,
        main_field="gross_output",
        fields=FIELDS,
        history=history or {},
        **defaults,
    )


def steady_history(upto: Period, months=24, level=1_000_000, power=100_000, growth=1.0):
    """Current values per period: level each month (×2 for 1-2月), last year's ÷ growth."""
    history, period = {}, upto
    for _ in range(months):
        period = period.previous()
        scale = period.months_covered * (1 if period.year == upto.year else 1 / growth)
        history[period] = {
            "gross_output": (D(level * scale), None),
            "main_revenue": (D(level * scale * 0.9), None),
            "electricity": (D(power * period.months_covered), None),
        }
    return history


def test_required_and_non_negative():
    c = ctx(Period(2021, 3), {"gross_output": (D(1), None), "main_revenue": (D(-1), D(5))})
    assert {m for _, m in rules.required_fields(c, {})} == {"工业总产值（本年累计）为必填项"}
    assert rules.non_negative(c, {}) == [("main_revenue", "营业收入不能为负数")]


def test_cumulative_consistency_tolerance_boundary():
    history = {Period(2021, 2): {"gross_output": (D(100), D(100))}}
    exact = ctx(Period(2021, 3), {"gross_output": (D(50), D(151))}, history)
    assert rules.cumulative_consistency(exact, {"tolerance": 1}) == []  # off by exactly the tolerance
    beyond = ctx(Period(2021, 3), {"gross_output": (D(50), D("151.01"))}, history)
    assert "≠" in rules.cumulative_consistency(beyond, {"tolerance": 1})[0][1]
    smaller = ctx(Period(2021, 3), {"gross_output": (D(0), D(99))}, history)
    assert "小于上期累计" in rules.cumulative_consistency(smaller, {"tolerance": 1})[0][1]


def test_jan_feb_cumulative_equals_current():
    ok = ctx(Period(2021, 2), {"gross_output": (D(200), D(200))})
    bad = ctx(Period(2021, 2), {"gross_output": (D(200), D(300))})
    assert rules.cumulative_consistency(ok, {}) == []
    assert "1-2月" in rules.cumulative_consistency(bad, {})[0][1]


def test_valid_codes():
    assert rules.valid_codes(ctx(Period(2021, 3), {}), {}) == []
    bad = ctx(Period(2021, 3), {}, credit_code="91410104MA00000019", industry_code="99", registered=False)
    messages = [m for _, m in rules.valid_codes(bad, {})]
    assert any("校验位" in m for m in messages) and any("不存在" in m for m in messages)
    assert any("未入名录库" in m for m in messages)


@pytest.mark.parametrize(("factor", "fires"), [(1.59, True), (1.61, False)])
def test_yoy_outlier_boundary(factor, fires):
    period = Period(2021, 6)
    history = steady_history(period)
    # Usual ratio is 1.0; this month is 1.6 × last year's with power up too little to corroborate.
    values = {"gross_output": (D(1_600_000), None), "electricity": (D(100_000), None)}
    assert (
        bool(rules.yoy_outlier(ctx(period, values, history), {"factor": factor, "min_history": 6})) is fires
    )


def test_yoy_outlier_quiet_for_lasting_or_power_backed_change():
    period = Period(2021, 6)
    history = steady_history(period)
    values = {"gross_output": (D(2_000_000), None), "electricity": (D(200_000), None)}
    assert rules.yoy_outlier(ctx(period, values, history), {}) == []  # power doubled as well
    history[Period(2021, 5)]["gross_output"] = (D(1_950_000), None)  # already at the new level
    values = {"gross_output": (D(2_000_000), None), "electricity": (D(100_000), None)}
    assert rules.yoy_outlier(ctx(period, values, history), {}) == []


@pytest.mark.parametrize(("output", "fires"), [(1_240_000, False), (1_260_000, True)])
def test_electricity_divergence_boundary(output, fires):
    period = Period(2021, 6)
    values = {"gross_output": (D(output), None), "electricity": (D(100_000), None)}
    issues = rules.electricity_divergence(ctx(period, values, steady_history(period)), {"ratio_jump": 1.25})
    assert bool(issues) is fires


def test_repeated_figures():
    period = Period(2021, 6)
    history = steady_history(period)
    copied = dict(history[Period(2021, 5)])
    assert "疑似照抄" in rules.repeated_figures(ctx(period, copied, history), {})[0][1]
    one_differs = {**copied, "main_revenue": (copied["main_revenue"][0] + 1000, None)}
    assert rules.repeated_figures(ctx(period, one_differs, history), {}) == []
    # 1-2月 is compared with last year's 1-2月 only, not with December.
    feb = Period(2021, 2)
    history = steady_history(feb)
    assert rules.repeated_figures(ctx(feb, dict(history[Period(2020, 12)]), history), {}) == []
    assert rules.repeated_figures(ctx(feb, dict(history[Period(2020, 2)]), history), {})
    small = {"gross_output": (D(300_000), None)}
    assert rules.repeated_figures(ctx(period, small, {Period(2021, 5): small}), {"min_value": 500000}) == []


@pytest.mark.parametrize(
    ("output", "revenue", "fires"),
    [(1_200_000, 900_000, True), (1_200_000, 901_000, False), (1_250_000, 900_000, False)],
)
def test_round_figures(output, revenue, fires):
    values = {"gross_output": (D(output), None), "main_revenue": (D(revenue), None)}
    assert bool(rules.round_figures(ctx(Period(2021, 6), values), {"unit": 100000, "min_fields": 2})) is fires


@pytest.mark.parametrize(
    ("output", "fires"), [(2_990_000, False), (3_010_000, True), (340_000, False), (330_000, True)]
)
def test_sudden_jump_boundary(output, fires):
    period = Period(2021, 6)
    values = {"gross_output": (D(output), None)}
    assert bool(rules.sudden_jump(ctx(period, values, steady_history(period)), {"factor": 3.0})) is fires


def test_tax_divergence():
    period = Period(2021, 3)
    tax = {Period(2021, 2): D(100), Period(2021, 3): D(50), Period(2020, 2): D(100), Period(2020, 3): D(50)}
    history = {Period(2020, 3): {"gross_output": (D(0), D(1000))}}
    grown = ctx(period, {"gross_output": (D(0), D(1310))}, history, tax=tax)
    assert rules.tax_divergence(grown, {"gap_pp": 30})
    assert (
        rules.tax_divergence(ctx(period, {"gross_output": (D(0), D(1290))}, history, tax=tax), {"gap_pp": 30})
        == []
    )


def test_disabled_rule_does_not_run():
    on = SimpleNamespace(code="non_negative", kind="mandatory", params={}, is_enabled=True)
    off = SimpleNamespace(code="non_negative", kind="mandatory", params={}, is_enabled=False)
    c = ctx(Period(2021, 3), {"gross_output": (D(-1), D(-1))})
    assert rules.run(c, [on])[0] and rules.run(c, [off]) == ([], [])


@pytest.mark.parametrize("text", ["核实无误", "经核实，数据无误。", "数据真实有效，情况属实", "  ", "正常"])
def test_boilerplate_explanations_refused(text):
    with pytest.raises(ValidationError):
        rules.validate_explanation(text)


def test_real_explanation_accepted():
    text = "核实无误：3月新增一条生产线投产，产量上升"
    assert rules.validate_explanation(text) == text


def test_series_reads_stored_figures_history_first_and_power_from_the_source():
    """``back`` — what the import hands over: the bulk-read series (``stored``, by ISO date) fills
    the periods the history dict lacks; the history (the file's own earlier rows, the periods read
    in full) wins where it has the field; power falls back to the power company's figure."""
    period = Period(2021, 5)
    previous, earlier, last_year = period.previous(), Period(2021, 3), period.same_last_year()
    context = ctx(
        period,
        {"gross_output": (D(500), D(2000))},
        history={previous: {"gross_output": (D(444), D(1500))}},
        stored={
            "gross_output": {previous.iso: 400.0, earlier.iso: 300.0, last_year.iso: 250.0},
            "electricity": {earlier.iso: 30.0},
        },
        electricity={previous: D(41), period: D(50)},
    )
    output = context.back("gross_output")
    assert len(output) == rules.SERIES_DEPTH and output[:3] == [500.0, 444.0, 300.0]
    assert output[rules.YEAR] == 250.0 and output[3] is None
    power = context.back("power")
    assert power[:3] == [50.0, 41.0, 30.0]  # source, source, own reported figure
    assert context.back("gross_output") is output  # read once per report


def test_series_from_stored_figures_drive_the_rules_like_a_history():
    """The same figures as a history dict or as the import's stored series give the same findings."""
    period = Period(2021, 6)
    history = steady_history(period)
    stored = {}
    for p, values in history.items():
        for code, (current, _cumulative) in values.items():
            stored.setdefault(code, {})[p.iso] = float(current)
    keep = {p: v for p, v in history.items() if p in (period.previous(), period.same_last_year())}
    values = {"gross_output": (D(3_500_000), None), "electricity": (D(100_000), None)}
    as_history = ctx(period, values, history=history)
    as_stored = ctx(period, values, history=keep, stored=stored)
    for code in ("yoy_outlier", "electricity_divergence", "sudden_jump"):
        assert rules.RULES[code](as_history, {}) == rules.RULES[code](as_stored, {}) != [], code
