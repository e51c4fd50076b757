"""Synthetic enterprise panel with labelled falsifications, for the detection-quality bench.

Each enterprise has a level, its own seasonal profile around its sector's, a yearly trend, monthly
noise and — for factories — electricity proportional to output. Some enterprises have *genuine*
breaks (a new production line: output and electricity both up for good; a lost customer: both
down), which a good check should not call false. Figures are filled in whole 千元, as on the forms.

Injected falsifications (label = the report is untrue), kept cumulative-consistent so that the
mandatory rules pass, as a careful falsifier would:
- ``inflate``: output and revenue × 1.3–1.8, electricity left as it was (factories);
- ``copy``: the previous comparable period's figures copied (1-2月 copies last year's 1-2月);
- ``round``: figures replaced by whole 10万元 amounts;
- ``jump``: a fabricated spike or collapse (× 2.5–4 or × 0.2–0.35), electricity unchanged.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from districtops.economy.periods import Period

SEASON = {
    "industry": [0.75, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 0.98, 1.05, 1.05, 1.08, 1.25],
    "trade": [1.1, 0.9, 0.95, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.1, 1.1, 1.25],
    "services": [0.8, 0.7, 0.95, 0.95, 1.0, 1.05, 1.0, 1.0, 1.05, 1.05, 1.1, 1.4],
}
KINDS = ("inflate", "copy", "round", "jump")


@dataclass
class Report:
    enterprise: int
    period: Period
    values: dict  # field → (current, cumulative) in yuan (Decimal); electricity current only
    label: str | None = None  # falsification kind, None when true


@dataclass
class Enterprise:
    n: int
    sector: str  # industry / trade / services
    reports: dict[Period, Report] = field(default_factory=dict)
    genuine_break: Period | None = None


def periods(first_year: int, years: int) -> list[Period]:
    result = []
    for year in range(first_year, first_year + years):
        result += [Period(year, m) for m in range(2, 13)]
    return result


def generate(
    enterprises: int = 600,
    years: int = 3,
    first_year: int = 2018,
    falsify_share: float = 0.04,
    break_share: float = 0.05,
    seed: int = 1,
) -> list[Enterprise]:
    rng = random.Random(seed)
    all_periods = periods(first_year, years)
    panel = []
    for n in range(enterprises):
        sector = rng.choices(["industry", "trade", "services"], weights=[0.55, 0.25, 0.2])[0]
        ent = Enterprise(n, sector)
        level = math.exp(rng.uniform(math.log(1e6), math.log(8e7)))  # yuan a month
        trend = rng.gauss(0.06, 0.08)
        season = [s * rng.gauss(1, 0.05) for s in SEASON[sector]]
        noise = rng.uniform(0.03, 0.09)
        intensity = rng.uniform(3, 12)  # yuan of output per kWh
        revenue_share = rng.uniform(0.85, 1.0)
        if rng.random() < break_share:
            ent.genuine_break = rng.choice(all_periods[14:])
            break_factor = rng.choice([rng.uniform(1.5, 2.2), rng.uniform(0.45, 0.65)])
        monthly = {}
        for year in range(first_year, first_year + years):
            for month in range(1, 13):
                t = (year - first_year) + (month - 1) / 12
                value = level * (1 + trend) ** t * season[month - 1] * math.exp(rng.gauss(0, noise))
                if ent.genuine_break and Period(year, max(month, 2)) >= ent.genuine_break:
                    value *= break_factor
                monthly[(year, month)] = value
        cumulative: dict[str, Decimal] = {}
        history_first: dict[int, dict] = {}
        previous: dict | None = None
        for period in all_periods:
            if period.is_first_of_year:
                cumulative = {}
            output = (
                monthly[(period.year, 1)] + monthly[(period.year, 2)]
                if period.month == 2
                else monthly[(period.year, period.month)]
            )
            current = {
                "gross_output": _kq(output),
                "main_revenue": _kq(output * revenue_share * rng.gauss(1, 0.015)),
            }
            power = Decimal(round(output / intensity * rng.gauss(1, 0.035))) if sector == "industry" else None
            label = None
            eligible = period >= all_periods[13]  # falsify once there is a year of history to hide in
            if eligible and rng.random() < falsify_share:
                kinds = KINDS if sector == "industry" else ("copy", "round", "jump")
                label = rng.choice(kinds)
                if label == "inflate":
                    factor = Decimal(str(round(rng.uniform(1.3, 1.8), 3)))
                    current = {k: _round_kq(v * factor) for k, v in current.items()}
                elif label == "jump":
                    factor = rng.choice([rng.uniform(2.5, 4.0), rng.uniform(0.2, 0.35)])
                    current = {k: _round_kq(v * Decimal(str(round(factor, 3)))) for k, v in current.items()}
                elif label == "copy":
                    source = history_first.get(period.year - 1) if period.is_first_of_year else previous
                    if source is None:
                        label = None
                    else:
                        current = dict(source["current"])
                        power = source["power"]
                elif label == "round":
                    current = {k: Decimal(max(1, round(v / 100_000))) * 100_000 for k, v in current.items()}
            values = {}
            for code, value in current.items():
                cumulative[code] = cumulative.get(code, Decimal(0)) + value
                values[code] = (value, cumulative[code])
            if power is not None:
                values["electricity"] = (power, None)
            ent.reports[period] = Report(n, period, values, label)
            snapshot = {"current": current, "power": power}
            if period.is_first_of_year:
                history_first[period.year] = snapshot
            previous = snapshot
        panel.append(ent)
    return panel


def _kq(yuan: float) -> Decimal:
    return Decimal(max(1, round(yuan / 1000))) * 1000


def _round_kq(yuan: Decimal) -> Decimal:
    return Decimal(max(1, round(yuan / 1000))) * 1000
