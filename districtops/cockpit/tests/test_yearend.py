"""Year-end forecasts in the cockpit: pending on the page, fitted by the briefing with the economy's method."""

import datetime as dt
import math
import sys
from decimal import Decimal

import pytest
from django.core.cache import cache

from districtops.cockpit import services, yearend
from districtops.cockpit.figures import Month, number_text


def test_single_threaded_blas_limits_and_restores_every_openblas():
    import numpy  # noqa: F401

    libraries = yearend._loaded_openblas()
    assert libraries, "numpy's OpenBLAS should be found in /proc/self/maps"
    before = [get() for _, get in libraries]
    with yearend.single_threaded_blas():
        assert [get() for _, get in yearend._loaded_openblas()] == [1] * len(yearend._loaded_openblas())
    assert [get() for _, get in libraries] == before


@pytest.fixture
def long_series(economy_data):
    """Three years and a month of 规上工业总产值 for 管城: enough for Holt-Winters."""
    from districtops.economy.models import Indicator, IndicatorValue

    district = economy_data["districts"]["410104"]
    indicator = Indicator.objects.get(code="industrial_output")
    IndicatorValue.objects.filter(indicator=indicator, unit=district).exclude(
        period=dt.date(2021, 2, 1)
    ).delete()
    for year in (2018, 2019, 2020):
        total = 0
        for month in range(2, 13):
            total += (2 if month == 2 else 1) * (800 + 60 * (year - 2018) + 40 * math.sin(month)) * 1_000_000
            IndicatorValue.objects.create(
                indicator=indicator,
                district=district,
                unit=district,
                period=dt.date(year, month, 1),
                cumulative=Decimal(round(total)),
            )
    cache.clear()
    yearend._fitted.clear()
    yield economy_data
    cache.clear()
    yearend._fitted.clear()


def _forecast_table(summary):
    economy = next(s for s in summary["sections"] if s["key"] == "economy")
    return next(t for t in economy["tables"] if t["key"] == "forecast")


def _expected_rows(district):
    """The industry forecast as the economy module fits it (retail's series is too short)."""
    from districtops.economy import forecast
    from districtops.economy.models import IndicatorValue
    from districtops.economy.periods import Period

    cumulatives = {
        Period.from_date(v.period): float(v.cumulative)
        for v in IndicatorValue.objects.filter(unit=district, indicator__code="industrial_output")
    }
    december = IndicatorValue.objects.get(
        unit=district, indicator__code="industrial_output", period="2020-12-01"
    )
    goal = float(december.cumulative * (1 + Decimal("8.0") / 100))  # the target: 8 % growth
    expected = forecast.project(cumulatives, 2021, goal)
    assert expected.method == "holt_winters"
    return [
        [
            "规上工业总产值",
            number_text(expected.projection / 1e8, 2),
            f"{number_text(expected.low / 1e8, 2)}～{number_text(expected.high / 1e8, 2)}",
            number_text(goal / 1e8, 2),
            f"{number_text(expected.probability * 100, 0)}%",
        ]
    ]


def _rows(table):
    return [[c["text"] for c in row] for row in table["rows"]]


def test_page_never_fits_compute_forecasts_does_and_then_the_page_shows_it(long_series, users):
    district = services.resolve_district(users["leader"], "410104")
    page = services.district_summary(users["leader"], district, Month(2021, 2))
    table = _forecast_table(page)
    assert table["rows"] == [] and "另有 2 项指标的预测尚在计算" in table["title"]
    # Every indicator without a figure says why in a sentence: pending here.
    assert any("规上工业总产值：预测正在计算" in n for n in table["notes"])

    fitted = services.district_summary(users["leader"], district, Month(2021, 2), compute_forecasts=True)
    table = _forecast_table(fitted)
    assert "尚在计算" not in table["title"]
    assert _rows(table) == _expected_rows(district)
    # Retail's series is too short: the table says so instead of leaving it out silently.
    assert any("历史数据不足13个月" in n for n in table["notes"])
    # The fits are in the economy's cache now: the page shows them without fitting.
    assert _forecast_table(services.district_summary(users["leader"], district, Month(2021, 2))) == table


def test_briefing_fits_in_another_process_and_this_one_remembers(long_series, users):
    from districtops.cockpit import briefing

    district = services.resolve_district(users["leader"], "410104")
    result = briefing.build(users["leader"], district, Month(2021, 2), pdf=False)
    table = _forecast_table(result.summary)
    assert "尚在计算" not in table["title"] and _rows(table) == _expected_rows(district)
    # This process did not fit them (its economy cache is empty) but remembers the other's fits.
    page = services.district_summary(users["leader"], district, Month(2021, 2))
    assert _forecast_table(page) == table


def test_briefing_fits_here_when_the_other_process_fails(long_series, users, monkeypatch, caplog):
    from districtops.cockpit import briefing

    monkeypatch.setattr(sys, "executable", "/bin/false")
    district = services.resolve_district(users["leader"], "410104")
    result = briefing.build(users["leader"], district, Month(2021, 2), pdf=False)
    assert _rows(_forecast_table(result.summary)) == _expected_rows(district)
    assert "the forecast process failed" in caplog.text


def test_peek_project_answers_without_fitting():
    from districtops.economy import forecast
    from districtops.economy.periods import Period

    cache.clear()
    short = {Period(2020, 2): 10.0, Period(2020, 3): 15.0}
    assert forecast.peek_project(short, 2020, None) == (False, None)
    assert forecast.cached_project(short, 2020, None) is None  # too short to forecast
    assert forecast.peek_project(short, 2020, None) == (True, None)  # known: nothing to show
    assert forecast.peek_project(short, 2020, 30.0) == (False, None)  # another goal, another fit
    cache.clear()


def test_page_loads_the_pending_forecasts_from_its_fragment(long_series, users, login):
    cache.clear()
    yearend._fitted.clear()
    client = login("leader")
    page = client.get("/cockpit/410104/?period=2021-02").content.decode()
    assert 'data-testid="forecast-loading"' in page and "/cockpit/410104/forecasts/?period=2021-02" in page
    fragment = client.get("/cockpit/410104/forecasts/?period=2021-02").content.decode()
    district = services.resolve_district(users["leader"], "410104")
    for cell in _expected_rows(district)[0]:
        assert cell in fragment
    assert "历史数据不足13个月" in fragment  # retail: a sentence, not a silent gap
    # Fitted now: the page shows the table itself, nothing left to load.
    assert (
        'data-testid="forecast-loading"' not in client.get("/cockpit/410104/?period=2021-02").content.decode()
    )
    # Another district's forecasts are a 404, like the cockpit.
    assert client.get("/cockpit/410105/forecasts/").status_code == 404
