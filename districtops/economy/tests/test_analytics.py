"""Growth arithmetic, lights, Benford, forecast and the 小升规 pool on hand-computed cases."""

import math
from decimal import Decimal

import pytest

from districtops.economy import forecast, indicators, quality
from districtops.economy.periods import Period, parse_period


def test_periods_treat_jan_feb_as_one():
    feb = Period(2021, 2)
    assert feb.label == "2021年1-2月" and feb.previous() == Period(2020, 12) and Period(2020, 12).next() == feb
    assert Period(2021, 3).previous() == feb and feb.months_covered == 2
    assert parse_period("2021年1-2月") == feb == parse_period("2021-02") == parse_period("202102")
    assert parse_period("２０２１年３月") == Period(2021, 3)
    with pytest.raises(Exception, match="1-2月"):
        parse_period("2021-01")


def test_same_enterprise_set_growth():
    # A: 100 → 110; B: 50 → 60; C is new this year (30) and counts in the level only.
    this = {1: (None, Decimal(110)), 2: (None, Decimal(60)), 3: (None, Decimal(30))}
    last = {1: (None, Decimal(100)), 2: (None, Decimal(50)), 4: (None, Decimal(999))}
    agg = indicators.aggregate(this, last)[None]
    assert agg.cumulative == 200
    assert agg.growth == Decimal("13.33")  # 170 / 150 − 1


def test_growth_rate_rounding_and_empty_base():
    assert indicators.growth_rate(Decimal(105), Decimal(100)) == Decimal("5.00")
    assert indicators.growth_rate(Decimal(1), Decimal(0)) is None


@pytest.mark.parametrize(
    ("growth", "light"), [("8.0", "green"), ("7.99", "yellow"), ("6.0", "yellow"), ("5.99", "red"), (None, "grey")]
)
def test_gap_light_boundaries(growth, light):
    value = Decimal(growth) if growth else None
    assert indicators.gap_light(value, Decimal("8.0"), Decimal("2.0")) == light


@pytest.mark.parametrize(("progress", "light"), [("0.5", "green"), ("0.35", "yellow"), ("0.3499", "red")])
def test_time_progress_light(progress, light):
    assert indicators.progress_light(Decimal(progress), Decimal("0.5")) == light


def test_benford_on_a_benford_sequence_conforms():
    values = [10 ** (i / 997 * 4) for i in range(5000)]  # log-uniform over four decades
    result = quality.benford(values, 1)
    assert result.conformity == "close" and result.mad < 0.006
    assert quality.benford(values, 2).conformity in ("close", "acceptable")


def test_benford_flags_fabricated_figures():
    values = [500000 + i for i in range(400)]  # all start with 5
    result = quality.benford(values, 1)
    assert result.conformity == "nonconforming" and result.observed[5] == 1.0


def test_leading_digits():
    assert quality.leading_digits(Decimal("0.0345"), 2) == 34
    assert quality.leading_digits(1000, 1) == 1
    assert quality.leading_digits(0, 1) is None


def _cumulatives(monthly, start_year=2019):
    """monthly: list of calendar-month values starting January start_year."""
    cums, year_cum = {}, {}
    for i, value in enumerate(monthly):
        year, month = start_year + i // 12, i % 12 + 1
        year_cum[year] = year_cum.get(year, 0) + value
        if month >= 2:
            cums[Period(year, month)] = year_cum[year]
    return cums


def test_forecast_seasonal_series_and_probability():
    season = [0.8, 0.8, 1.0, 1.0, 1.0, 1.1, 1.0, 1.0, 1.1, 1.1, 1.2, 1.4]
    monthly = [100 * season[i % 12] * (1.05 ** (i / 12)) for i in range(26)]
    cums = _cumulatives(monthly)
    result = forecast.project(cums, 2021, goal=1000.0)
    assert result.method == "holt_winters" and result.observations == 26
    expected_year = sum(100 * season[m] * 1.05 ** ((24 + m) / 12) for m in range(12))
    assert abs(result.projection - expected_year) / expected_year < 0.03
    assert result.low <= result.projection <= result.high
    assert result.probability > 0.99  # goal far below the projection


def test_forecast_falls_back_to_seasonal_naive_on_short_series():
    monthly = [100.0] * 12 + [110.0, 110.0, 110.0]
    result = forecast.project(_cumulatives(monthly), 2020, goal=1320.0)
    assert result.method == "seasonal_naive"
    assert math.isclose(result.projection, 1320.0)  # 10 % up on a flat 1200
    # The scaled seasonal naive forecast the last two months exactly: no spread, a sure thing,
    # and a backtest error of zero against plain seasonal naive's 10 a month.
    assert (result.low, result.high) == (result.projection, result.projection)
    assert result.probability == 1.0 and result.mase_ratio == pytest.approx(0, abs=1e-9)
