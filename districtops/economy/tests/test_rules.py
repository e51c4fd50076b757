"""Each audit rule at its boundary, on hand-built contexts (no database)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from districtops.economy import rules
from districtops.economy.periods import Period
from districtops.economy.samples import fictional_credit_code

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
    defaults.setdefault("fields", FIELDS)
    return rules.ReportContext(
        period=period,
        values=values,
        main_field="gross_output",
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
    assert rules.required_fields(c, {}) == [
        ("gross_output", "工业总产值（本年累计）为必填项", rules.CUMULATIVE)
    ]
    assert rules.non_negative(c, {}) == [("main_revenue", "营业收入不能为负数", rules.CURRENT)]
    both = ctx(Period(2021, 3), {"gross_output": (D(1), D(-3))})
    assert rules.non_negative(both, {}) == [
        ("gross_output", "工业总产值（本年累计）不能为负数", rules.CUMULATIVE)
    ]


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


SEASON = [0.8, 0.7, 1.0, 1.0, 1.0, 1.05, 1.0, 1.0, 1.05, 1.05, 1.1, 1.25]
HEATING = [2.2, 2.0, 1.3, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 1.6, 2.1]


def firm(upto: Period, *, level=3_000_000, season=SEASON, noise=0.04, growth=0.06, seed=1, covid=0.45,
         intensity=8.0, tax_rate=0.05, round_to=1000):  # fmt: skip
    """A plausible honest firm before ``upto``: seasonal, noisy, growing, 2020 1-2月 collapsed;
    grid meter = output ÷ intensity (±2 %), tax = rate × output (±8 %). Returns ctx keyword args."""
    import random

    rng = random.Random(seed)
    history, grid, tax, period = {}, {}, {}, upto
    for _ in range(30):
        period = period.previous()
        months = [1, 2] if period.is_first_of_year else [period.month]
        value = sum(level * season[m - 1] for m in months) * (1 + growth) ** (period.year - 2019)
        value *= rng.lognormvariate(0, noise) * (covid if period.iso[:7] == "2020-02" else 1)
        value = round(value / round_to) * round_to
        history[period] = {
            "gross_output": (D(value), None),
            "main_revenue": (D(round(value * 0.9 / 1000) * 1000), None),
            "electricity": (D(round(value / intensity)), None),
        }
        grid[period] = D(round(value / intensity * rng.gauss(1, 0.02)))
        tax[period] = D(round(value * tax_rate * rng.gauss(1, 0.08)))
    return {"history": history, "electricity": grid, "tax": tax}


def expected_now(f, period, growth=0.06):
    """What the honest firm would report this period (its same period last year × growth)."""
    base = f["history"][period.same_last_year()]["gross_output"][0]
    if period.is_first_of_year:  # last year's 1-2月 collapsed: two years back × growth²
        base = f["history"][Period(period.year - 2, 2)]["gross_output"][0] * D(1 + growth)
    return float(base) * (1 + growth)


def report(f, period, output, *, power=None, grid=None, tax=None, **kwargs):
    values = {
        "gross_output": (D(round(output / 1000) * 1000), None),
        "main_revenue": (D(round(output * 0.9 / 1000) * 1000), None),
        "electricity": (D(round(power if power is not None else output / 8.0)), None),
    }
    electricity = {**f["electricity"], period: D(round(grid if grid is not None else output / 8.0))}
    taxes = {**f["tax"], period: D(round(tax if tax is not None else output * 0.05))}
    return ctx(period, values, f["history"], electricity=electricity, tax=taxes, **kwargs)


def fired(code, context, params=None):
    params = dict(rules.DEFAULT_RULES_BY_CODE[code][3] if params is None else params)
    return [e for e in rules.RULES[code](context, params) if e[2] > 0]


def score(context):
    verification = [
        SimpleNamespace(code=c, name=n, kind=k, params=p, is_enabled=True, weight=1)
        for c, n, k, p, _ in rules.DEFAULT_RULES
        if k == "verification"
    ]
    return rules.assess(context, verification)[1]


MARCH = Period(2021, 3)
JAN_FEB = Period(2021, 2)


def test_expectation_uses_the_two_year_base_after_the_covid_collapse():
    f = firm(JAN_FEB, season=HEATING)
    honest = report(f, JAN_FEB, expected_now(f, JAN_FEB))
    assert fired("yoy_outlier", honest) == []  # +130 % on the collapsed 2020 base is no outlier
    inflated = report(f, JAN_FEB, expected_now(f, JAN_FEB) * 1.6)
    assert "两年平均增长" in fired("yoy_outlier", inflated)[0][1]


def test_expectation_is_two_sided():
    f = firm(MARCH, seed=2)
    assert fired("yoy_outlier", report(f, MARCH, expected_now(f, MARCH))) == []
    under = fired("yoy_outlier", report(f, MARCH, expected_now(f, MARCH) * 0.55))
    assert under and "低于" in under[0][1] and "千元" in under[0][1]


def test_heating_season_is_the_firms_own_profile():
    period = Period(2021, 11)  # heating starts: ×8 on October, as every year
    f = firm(period, season=HEATING, seed=3)
    assert score(report(f, period, expected_now(f, period))).score < 1


def test_independent_sources_lower_the_score_of_a_genuine_big_contract():
    f = firm(MARCH, seed=4)
    big = expected_now(f, MARCH) * 1.6
    genuine = score(report(f, MARCH, big, grid=big / 8.0, tax=big * 0.05))
    lowered = [e for e in genuine.evidence if e[3] < 0]
    assert {e[0].code for e in lowered} == {"corroboration"} and len(lowered) == 2
    assert genuine.score < 1
    honest = expected_now(f, MARCH)
    inflated = score(report(f, MARCH, big, power=big / 8.0, grid=honest / 8.0, tax=honest * 0.05))
    assert inflated.score >= 1 and not [e for e in inflated.evidence if e[3] < 0]
    raised = {e[0].code for e in inflated.evidence if e[3] > 0}
    assert {"yoy_outlier", "electricity_divergence", "power_mismatch"} <= raised


@pytest.mark.parametrize(("factor", "fires"), [(1.0, False), (1.12, False), (1.5, True), (0.6, True)])
def test_electricity_divergence_uses_the_grid_both_ways(factor, fires):
    f = firm(MARCH, seed=5)
    output = expected_now(f, MARCH)
    # The firm reports power in line with its figure; the meter says what really ran.
    context = report(f, MARCH, output * factor, power=output * factor / 8.0, grid=output / 8.0)
    assert bool(fired("electricity_divergence", context)) is fires


@pytest.mark.parametrize(("reported", "fires"), [(1.0, False), (1.05, False), (1.3, True), (0.7, True)])
def test_self_reported_power_against_the_grid(reported, fires):
    f = firm(MARCH, seed=6)
    output = expected_now(f, MARCH)
    context = report(f, MARCH, output, power=output / 8.0 * reported, grid=output / 8.0)
    assert bool(fired("power_mismatch", context)) is fires


def test_tax_events_scale_the_expectation():
    period = Period(2020, 6)
    f = firm(period, seed=7, growth=0.0)
    for p, value in f["tax"].items():  # small-scale VAT 3 % → 1 % from March 2020
        if p.iso[:7] >= "2020-03":
            f["tax"][p] = value / 3
    output = float(f["history"][period.same_last_year()]["gross_output"][0])
    honest = report(f, period, output, tax=output * 0.05 / 3, taxpayer_class="small_scale")
    assert fired("tax_divergence", honest) == []
    params = {**rules.DEFAULT_RULES_BY_CODE["tax_divergence"][3], "events": []}
    flagged = fired("tax_divergence", honest, params)
    assert flagged and "工业总产值累计增长" in flagged[0][1]  # the field's own label
    general = report(f, period, output, tax=output * 0.05 / 3, taxpayer_class="general")
    assert fired("tax_divergence", general)  # the event is for small-scale taxpayers only


def test_tax_divergence_both_ways():
    f = firm(JAN_FEB, seed=8)
    output = expected_now(f, JAN_FEB)
    assert fired("tax_divergence", report(f, JAN_FEB, output)) == []
    under = fired("tax_divergence", report(f, JAN_FEB, output * 0.4, grid=output / 8.0, tax=output * 0.05))
    assert under and "低于税收" in under[0][1] and "两年平均增长" in under[0][1]
    over = fired("tax_divergence", report(f, JAN_FEB, output * 2.2, grid=output / 8.0, tax=output * 0.05))
    assert over and "高于税收" in over[0][1]


def test_near_copies():
    """A large firm: a copy ± a few 千元 is far inside its usual month-to-month difference. (For a
    small firm the window shrinks with its usual difference; an exact copy still counts.)"""
    f = firm(MARCH, seed=9, level=30_000_000)
    last = float(f["history"][Period(2021, 2)]["gross_output"][0])
    two_years = float(f["history"][Period(2019, 3)]["gross_output"][0])
    december = float(f["history"][Period(2020, 12)]["gross_output"][0])
    assert fired("repeated_figures", report(f, MARCH, expected_now(f, MARCH))) == []
    for copied in (two_years + 2000, december - 3000):
        found = fired("repeated_figures", report(f, MARCH, copied))
        assert found and "疑似照抄" in found[0][1] and "千元" in found[0][1], copied
    small = firm(MARCH, seed=9)
    exact = float(small["history"][Period(2019, 3)]["gross_output"][0])
    assert fired("repeated_figures", report(small, MARCH, exact))
    assert not fired("repeated_figures", report(small, MARCH, exact + 3000))
    april = Period(2021, 4)
    g = firm(april, seed=9, level=30_000_000)
    march = float(g["history"][MARCH]["gross_output"][0])
    assert fired("repeated_figures", report(g, april, march + 2000))
    assert not fired("repeated_figures", report(g, april, march * 1.05))
    del last


def test_fixed_fee_firm_is_not_a_copy():
    f = firm(MARCH, season=[1.0] * 12, noise=0, growth=0, covid=1, round_to=10000, level=600_000)
    found = rules.repeated_figures(report(f, MARCH, 600_000), {})
    assert found and all(e[2] < 0 for e in found) and "固定金额" in found[0][1]


@pytest.mark.parametrize(
    ("output", "fires"), [(4_217_000, False), (888_000, True), (3_300_000, True), (3_000_000, True)]
)
def test_invented_digits_on_one_money_field(output, fires):
    """A services or construction form has one money field: significant digits still tell."""
    f = firm(MARCH, seed=10)
    values = {"gross_output": (D(output), None)}
    context = ctx(MARCH, values, f["history"], fields={"gross_output": FIELDS["gross_output"]})
    assert bool(fired("round_figures", context)) is fires


def test_round_history_is_not_suspicious():
    f = firm(MARCH, season=[1.0] * 12, noise=0.05, growth=0, covid=1, round_to=100_000)
    values = {"gross_output": (D(3_300_000), None)}
    context = ctx(MARCH, values, f["history"], fields={"gross_output": FIELDS["gross_output"]})
    assert fired("round_figures", context) == []


def test_spike_paid_back_the_next_month():
    april = Period(2021, 4)
    f = firm(april, seed=11)
    expected_march = expected_now(f, MARCH)
    f["history"][MARCH]["gross_output"] = (D(round(expected_march * 1.35 / 1000) * 1000), None)
    found = fired("sudden_jump", report(f, april, expected_now(f, april) - expected_march * 0.35))
    assert found and "冲高回落" in found[0][1]
    assert fired("sudden_jump", report(f, april, expected_now(f, april))) == []  # spike kept, no dip
    g = firm(april, seed=11)
    assert fired("sudden_jump", report(g, april, expected_now(g, april) * 0.8)) == []  # a dip alone


def test_too_regular_series():
    period = Period(2021, 9)
    f = firm(period, seed=12)
    assert fired("too_regular", report(f, period, expected_now(f, period))) == []
    value = 3_000_000.0
    for k in range(3, 9):
        f["history"][Period(2021, k)]["gross_output"] = (D(round(value / 1000) * 1000), None)
        value *= 1.01
    found = fired("too_regular", report(f, period, value))
    assert found and "过于平稳" in found[0][1]
    flat = firm(period, season=[1.0] * 12, noise=0, growth=0, covid=1)  # steady by nature
    assert fired("too_regular", report(flat, period, 3_000_000)) == []


def test_growths_clustering_on_the_target():
    import random

    rng = random.Random(13)
    honest = [(n, rng.gauss(9, 8), None) for n in range(150)]
    params = rules.DEFAULT_RULES_BY_CODE["target_clustering"][3]
    assert not rules.target_clustering({(1, MARCH): honest}, params, {}) or all(
        n < 150 for n in rules.target_clustering({(1, MARCH): honest}, params, {})
    )
    quiet = rules.target_clustering({(1, MARCH): honest}, params, {})
    colluding = honest + [(150 + n, 8.0 + n * 0.02, None) for n in range(5)]
    found = rules.target_clustering({(1, MARCH): colluding}, params, {2021: [8.0]})
    assert set(range(150, 155)) <= set(found) and len(set(found) - set(range(150, 155))) <= 2
    assert "目标值 8%" in found[150][0][1]
    assert len(quiet) <= 2


def test_risk_score_lists_raising_and_lowering_evidence_with_weights():
    f = firm(MARCH, seed=4)
    big = expected_now(f, MARCH) * 1.6
    context = report(f, MARCH, big, grid=big / 8.0, tax=big * 0.05)
    rule_set = [
        SimpleNamespace(
            code=c, name=n, kind=k, params=p, is_enabled=True, weight=2 if c == "corroboration" else 1
        )
        for c, n, k, p, _ in rules.DEFAULT_RULES
        if k == "verification"
    ]
    _errors, assessment = rules.assess(context, rule_set)
    listed = assessment.as_json()
    assert {e["rule"] for e in listed if e["points"] > 0} == {"yoy_outlier"}
    raised = next(e["points"] for e in listed if e["rule"] == "yoy_outlier")
    # Each source cancels 0.8 of what the deviation raised; weight 2 doubles it.
    assert [e["points"] for e in listed if e["rule"] == "corroboration"] == [
        pytest.approx(-1.6 * raised, abs=0.02)
    ] * 2
    assert assessment.score == pytest.approx(sum(e[3] for e in assessment.evidence))
    assert all(e["name"] and e["message"] for e in listed)


def test_grades():
    assert (
        rules.grade(2.0, 1.0) == "high"
        and rules.grade(1.5, 1.0) == "medium"
        and rules.grade(1.0, 1.0) == "low"
    )


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"events": [{"from": "2020-13", "factor": 0.5}]}, "YYYY-MM"),
        ({"events": [{"from": "2020-03", "to": "2020-02", "factor": 0.5}]}, "早于开始月份"),
        ({"events": [{"from": "2020-03", "factor": 0}]}, "大于 0"),
        ({"events": [{"from": "2020-03", "factor": "x"}]}, "应为数字"),
        ({"events": [{"from": "2020-03", "factor": 0.5, "taxpayer_class": "big"}]}, "纳税人类型"),
        ({"events": [{"from": "2020-03", "factor": 0.5, "rate": 1}]}, "未知项"),
        ({"events": "2020-03"}, "应为列表"),
        ({"events": [{"from": "2020-03", "factor": 0.5, "industries": "制造业"}]}, "行业代码前缀"),
        ({"broken_bases": [{"period": "2020"}]}, "YYYY-MM"),
        ({"targets": ["八"]}, "数字列表"),
        ({"z": -1}, "不能为负数"),
        ({"z": "abc"}, "应为数字"),
        ({"z": float("nan")}, "不能为负数"),
    ],
)
def test_bad_parameters_refused_in_chinese(params, fragment):
    with pytest.raises(ValidationError) as exc:
        rules.validate_params("x", params)
    assert fragment in str(exc.value)


def test_good_tax_event_is_cleaned():
    cleaned = rules.validate_params(
        "tax_divergence",
        {
            "events": [
                {
                    "from": "2020-03",
                    "to": "",
                    "taxpayer_class": "small_scale",
                    "industries": "51，52",
                    "factor": "0.3333",
                }
            ]
        },
    )
    assert cleaned["events"] == [
        {
            "from": "2020-03",
            "to": "",
            "taxpayer_class": "small_scale",
            "industries": "51,52",
            "factor": 0.3333,
        }
    ]


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
    in full) wins where it has the field. "power" is only what the firm reported: the grid company's
    meter is an independent series and never fills a gap in it."""
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
    assert power[:3] == [None, None, 30.0]  # own reported figures only
    assert rules._source_series(context, "electricity")[:2] == [50.0, 41.0]
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
    values = {"gross_output": (D(3_500_000), None), "electricity": (D(300_000), None)}
    grid = {p: v["electricity"][0] for p, v in history.items()} | {period: D(100_000)}
    as_history = ctx(period, values, history=history, electricity=grid)
    as_stored = ctx(period, values, history=keep, stored=stored, electricity=grid)
    for code in ("yoy_outlier", "electricity_divergence", "power_mismatch"):
        assert rules.RULES[code](as_history, {}) == rules.RULES[code](as_stored, {}) != [], code
