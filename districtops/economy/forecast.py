"""预判: where will an indicator end the year, how sure are we, will it meet the target?

Monthly values are derived from the cumulative series (1-2月 split evenly over January and
February). With at least two years of history a Holt-Winters model (statsmodels, additive trend,
multiplicative seasonality) forecasts the remaining months; shorter or non-positive series fall back
to seasonal naive scaled by this year's cumulative growth. The 80 % interval and the probability of
meeting the annual target come from the method's own one-step-ahead backtest errors (normal
approximation, spread growing with √months ahead); the backtest's MASE against plain seasonal
naive is reported beside the figure.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist, fmean, pstdev

import numpy as np
from django.core.cache import cache

from .periods import Period

Z80 = NormalDist().inv_cdf(0.9)  # two-sided 80 %
MIN_ETS = 24
BACKTEST_ORIGINS = 12

Month = tuple[int, int]  # (year, calendar month 1..12)


def monthly_series(cumulatives: dict[Period, float]) -> list[tuple[Month, float]]:
    """Calendar-month values from period cumulatives; stops at the first gap."""
    series = []
    periods = sorted(cumulatives)
    if not periods:
        return series
    period = periods[0] if periods[0].is_first_of_year else None
    if period is None:
        return series
    while period in cumulatives:
        cum = float(cumulatives[period])
        if period.is_first_of_year:
            series += [((period.year, 1), cum / 2), ((period.year, 2), cum / 2)]
        else:
            series.append(((period.year, period.month), cum - float(cumulatives[period.previous()])))
        period = period.next()
    return series


def seasonal_naive(values: list[float], horizon: int) -> list[float]:
    return [values[len(values) - 12 + (h % 12)] for h in range(horizon)]


def _scaled_naive(values: list[float], months: list[Month], horizon: int) -> list[float]:
    """Seasonal naive times this year's cumulative growth (1 when the year has not started)."""
    year = months[-1][0]
    this = [v for (y, _), v in zip(months, values, strict=True) if y == year]
    last = values[-12 - len(this) : -12] if len(values) >= 12 + len(this) else []
    ratio = sum(this) / sum(last) if last and sum(last) > 0 else 1.0
    return [v * ratio for v in seasonal_naive(values, horizon)]


def _ets(values: list[float], horizon: int) -> list[float] | None:
    if len(values) < MIN_ETS or min(values) <= 0:
        return None
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = ExponentialSmoothing(
                values, trend="add", seasonal="mul", seasonal_periods=12, initialization_method="estimated"
            ).fit()
        except (ValueError, np.linalg.LinAlgError):
            return None
    forecast = list(fit.forecast(horizon))
    return forecast if all(math.isfinite(x) for x in forecast) else None


def forecast_months(values: list[float], months: list[Month], horizon: int) -> tuple[str, list[float]]:
    ets = _ets(values, horizon)
    if ets is not None:
        return "holt_winters", ets
    return "seasonal_naive", _scaled_naive(values, months, horizon)


METHOD_LABELS = {
    "holt_winters": "Holt-Winters 指数平滑（statsmodels）",
    "seasonal_naive": "季节性朴素法（按本年累计增速调整）",
}


@dataclass
class Forecast:
    method: str
    year: int
    actual_to_date: float
    projection: float
    low: float
    high: float
    probability: float | None  # of reaching the target level
    goal: float | None
    mase_ratio: float | None  # backtest MAE of the method ÷ MAE of plain seasonal naive
    backtest_mape: float | None  # % one-step error
    observations: int

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]


def backtest(values: list[float], months: list[Month]) -> tuple[list[float], list[float], list[float]]:
    """One-step-ahead errors of the method and of plain seasonal naive over the last origins."""
    errors, naive_errors, actuals = [], [], []
    for end in range(max(13, len(values) - BACKTEST_ORIGINS), len(values)):
        _, predicted = forecast_months(values[:end], months[:end], 1)
        errors.append(predicted[0] - values[end])
        naive_errors.append(seasonal_naive(values[:end], 1)[0] - values[end])
        actuals.append(values[end])
    return errors, naive_errors, actuals


def cached_project(cumulatives: dict[Period, float], year: int, goal: float | None = None) -> Forecast | None:
    """``project`` memoised on its inputs: fitting takes seconds, the series changes only on import."""
    material = repr((year, goal, sorted((p.year, p.month, round(v, 2)) for p, v in cumulatives.items())))
    key = "economy:forecast:" + hashlib.sha1(material.encode(), usedforsecurity=False).hexdigest()
    hit = cache.get(key)
    if hit is None:
        hit = ("v", project(cumulatives, year, goal))
        cache.set(key, hit, timeout=7 * 24 * 3600)
    return hit[1]


def project(cumulatives: dict[Period, float], year: int, goal: float | None = None) -> Forecast | None:
    """Year-end projection for ``year`` from the cumulative series (None with under 13 months)."""
    series = [(m, v) for m, v in monthly_series(cumulatives) if m[0] <= year]
    if len(series) < 13:
        return None
    months = [m for m, _ in series]
    values = [v for _, v in series]
    done = [v for (y, _), v in series if y == year]
    remaining = 12 - len(done)
    method, future = forecast_months(values, months, remaining) if remaining else ("seasonal_naive", [])
    projection = sum(done) + sum(future)
    errors, naive_errors, actuals = backtest(values, months)
    sigma_step = pstdev(errors) if len(errors) >= 2 else (abs(errors[0]) if errors else 0.0)
    sigma = sigma_step * math.sqrt(remaining)
    mase = None
    if naive_errors and fmean(abs(e) for e in naive_errors) > 0:
        mase = fmean(abs(e) for e in errors) / fmean(abs(e) for e in naive_errors)
    mape = fmean(abs(e) / a for e, a in zip(errors, actuals, strict=True) if a) * 100 if actuals else None
    probability = None
    if goal is not None:
        if sigma > 0:
            probability = 1 - NormalDist(projection, sigma).cdf(goal)
        else:
            probability = 1.0 if projection >= goal else 0.0
    return Forecast(
        method=method,
        year=year,
        actual_to_date=sum(done),
        projection=projection,
        low=projection - Z80 * sigma,
        high=projection + Z80 * sigma,
        probability=probability,
        goal=goal,
        mase_ratio=mase,
        backtest_mape=mape,
        observations=len(values),
    )


def peek_project(
    cumulatives: dict[Period, float], year: int, goal: float | None = None
) -> tuple[bool, Forecast | None]:
    """What ``cached_project`` would return, without fitting: ``(True, forecast)`` when the cache
    holds the fit for these inputs (the forecast may be None: too short a series), ``(False, None)``
    when it does not yet. For pages that must not wait seconds for a fit (the cockpit)."""
    material = repr((year, goal, sorted((p.year, p.month, round(v, 2)) for p, v in cumulatives.items())))
    hit = cache.get("economy:forecast:" + hashlib.sha1(material.encode(), usedforsecurity=False).hexdigest())
    return (False, None) if hit is None else (True, hit[1])
