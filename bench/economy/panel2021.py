"""A labelled panel of 2019–2021 for the verification-rules evaluation (``evaluation.py``).

Broader than the rules: it is written from how the figures behave, not from what the rules look
at. Every enterprise has a level, a yearly trend, its own seasonal shape (its sector's, jittered),
monthly log-normal noise and the real events of 2020–2021: 1-2月 2020 collapsed by the epidemic
(March partly), tourism, catering and ice-and-snow firms hit through most of 2020, the small-scale
VAT rate cut from 3 % to 1 % from March 2020. Independent sources come from the *true* figures:
the grid company's meter (industry: output ÷ intensity, ±2 %) and the tax bureau's (rate × revenue,
±10 % a month). Firms fill in whole 千元.

Honest kinds: ordinary, heating, tourism, ice_snow, construction, covid_base (a far deeper 2020
collapse), small_scale (small-scale taxpayers, the VAT cut), fixed_fee (round monthly fees, the
same month after month), big_contract (+40–80 % from a month of 2021, grid and tax alike),
lost_customer (−30–50 %, likewise).

Falsification kinds (labels on the untrue reports only): inflate (output and the firm's own
用电量 × 1.3–1.7; meter and tax unchanged), under_report (× 0.45–0.7), period_shift (a month
× 1.25–1.5, the next month short by the same amount), near_copy (last month, two years back or
last December ± 1–4 千元 on every money field), invented (figures rounded to two significant digits
or written as a repeated digit), collusion (4–6 firms of one street whose year-to-date growth —
the two-year average where the base is broken — sits on the district target 8.0 % or 8.5 %),
too_regular (from 2020-07 a constant month-on-month growth, whatever the season).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from districtops.economy.periods import Period

SCORED = [Period(2021, m) for m in range(2, 7)]
PERIODS = [Period(y, m) for y in (2019, 2020) for m in range(2, 13)] + SCORED
MONTHS = [(y, m) for y in (2019, 2020, 2021) for m in range(1, 13) if (y, m) <= (2021, 6)]
STREETS = [f"410104{n:03d}000" for n in range(1, 13)]
TARGETS = (8.0, 8.5)

SEASONS = {
    "industry": [0.8, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 0.98, 1.05, 1.05, 1.08, 1.25],
    "retail": [1.15, 0.95, 0.95, 0.95, 1.05, 1.0, 0.95, 0.95, 1.0, 1.1, 1.15, 1.25],
    "services": [0.85, 0.75, 0.95, 0.95, 1.0, 1.05, 1.0, 1.0, 1.05, 1.05, 1.1, 1.4],
    "heating": [2.3, 2.0, 1.2, 0.35, 0.15, 0.15, 0.15, 0.15, 0.2, 0.4, 1.6, 2.2],
    "tourism": [0.7, 1.1, 0.8, 1.0, 1.4, 0.9, 1.4, 1.5, 0.9, 1.6, 0.7, 0.6],
    "ice_snow": [2.6, 2.2, 0.5, 0.2, 0.2, 0.2, 0.3, 0.3, 0.2, 0.3, 0.6, 2.0],
    "construction": [0.35, 0.45, 0.9, 1.0, 1.05, 1.2, 1.0, 1.0, 1.1, 1.1, 1.25, 1.9],
    "flat": [1.0] * 12,
}
# kind → (share of firms, sector family, industry codes, season)
HONEST = {
    "ordinary": (0.50, None, None, None),
    "heating": (0.035, "industry", ["4430"], "heating"),
    "tourism": (0.035, "accommodation", ["6110", "7291"], "tourism"),
    "ice_snow": (0.025, "services", ["8930"], "ice_snow"),
    "construction": (0.05, "construction", ["4710", "4812", "4991"], "construction"),
    "covid_base": (0.035, "industry", None, None),
    "small_scale": (0.035, "accommodation", ["6210", "6220"], None),
    "fixed_fee": (0.035, "services", ["7020", "7040", "7211"], "flat"),
    "big_contract": (0.03, None, None, None),
    "lost_customer": (0.03, None, None, None),
}
FALSIFIED = {
    "inflate": 0.025,
    "under_report": 0.025,
    "period_shift": 0.025,
    "near_copy": 0.025,
    "invented": 0.025,
    "collusion": 0.03,
    "too_regular": 0.015,
}
FAMILIES = {  # for ordinary firms and the falsifiers: sector family → (weight, industry codes)
    "industry": (0.5, ["3411", "1411", "2614", "3311", "3921", "1711", "2929", "3511"]),
    "retail": (0.2, ["5211", "5261", "5271"]),
    "services": (0.2, ["6510", "7211", "7350", "6420"]),
    "construction": (0.1, ["4710", "4812"]),
}
FAMILY_SEASON = {
    "industry": "industry",
    "retail": "retail",
    "services": "services",
    "construction": "construction",
}
FAMILY_SECTOR = {
    "accommodation": "accommodation",
}


@dataclass
class Firm:
    n: int
    kind: str
    falsifier: bool
    family: str  # industry / retail / services / construction / accommodation
    industry_code: str
    street: str
    taxpayer_class: str
    reported: dict = field(default_factory=dict)  # Period → {field: current yuan}
    labels: dict = field(default_factory=dict)  # Period → falsification kind (untrue reports)
    grid: dict = field(default_factory=dict)  # Period → kWh (grid meter)
    tax: dict = field(default_factory=dict)  # Period → yuan (tax bureau)
    annual_revenue: float = 0.0


def _family_of(code: str) -> str:
    """The report form a GB/T 4754 code files on (see reference.REPORT_TYPES)."""
    division = int(code[:2])
    if division in (61, 62):
        return "accommodation"
    if 47 <= division <= 50:
        return "construction"
    if division in (51, 52):
        return "retail"
    if 6 <= division <= 46:
        return "industry"
    return "services"


def _period_of(year: int, month: int) -> Period:
    return Period(year, max(month, 2))


def _kq(yuan: float) -> int:
    return max(1, round(yuan / 1000))


def generate(firms: int = 2000, seed: int = 2) -> list[Firm]:
    rng = random.Random(seed)
    kinds = [(k, s, False) for k, (s, *_rest) in HONEST.items()] + [
        (k, s, True) for k, s in FALSIFIED.items()
    ]
    weights = [s for _, s, _ in kinds]
    panel = []
    collusion_street = {t: rng.choice(STREETS) for t in TARGETS}
    for n in range(1, firms + 1):
        kind, _share, falsifier = rng.choices(kinds, weights)[0]
        family, codes, season_name = (None, None, None) if falsifier else HONEST[kind][1:]
        if family is None:
            names = list(FAMILIES)
            family = rng.choices(names, [FAMILIES[f][0] for f in names])[0]
            if kind in ("inflate",):
                family = "industry"
        if codes is None:
            codes = FAMILIES[family][1] if family in FAMILIES else ["6110"]
        season_name = season_name or FAMILY_SEASON.get(family, "services")
        code = rng.choice(codes)
        family = _family_of(code)
        street = rng.choice(STREETS)
        target = None
        if kind == "collusion":
            target = rng.choice(TARGETS)
            street = collusion_street[target]
        firm = Firm(
            n,
            kind,
            falsifier,
            family,
            code,
            street,
            "small_scale" if kind == "small_scale" else "general",
        )
        _simulate(firm, rng, season_name, target)
        panel.append(firm)
    return panel


def _simulate(firm: Firm, rng: random.Random, season_name: str, target: float | None) -> None:
    kind = firm.kind
    if kind == "small_scale":
        level = math.exp(rng.uniform(math.log(2.5e5), math.log(4e5)))  # < 500万 a year
    elif kind == "fixed_fee":
        level = rng.choice([6, 8, 12, 15, 20, 25, 30, 50]) * 1e5
    else:
        level = math.exp(rng.uniform(math.log(2.5e6), math.log(6e7)))
    trend = rng.gauss(0.06, 0.06)
    season = [s * rng.lognormvariate(0, 0.04) for s in SEASONS[season_name]]
    noise = 0.0 if kind == "fixed_fee" else rng.uniform(0.03, 0.08)
    intensity = rng.uniform(3, 12)
    covid = {
        (2020, 1): rng.uniform(0.45, 0.75),
        (2020, 2): rng.uniform(0.35, 0.7),
        (2020, 3): rng.uniform(0.8, 0.95),
    }
    if kind == "covid_base":
        covid = {
            (2020, 1): rng.uniform(0.15, 0.3),
            (2020, 2): rng.uniform(0.1, 0.3),
            (2020, 3): rng.uniform(0.4, 0.6),
        }
    if kind in ("tourism", "ice_snow") or firm.industry_code[:2] in ("61", "62"):
        for m in range(1, 13):
            covid[(2020, m)] = min(
                covid.get((2020, m), 1), rng.uniform(0.2, 0.5) if m <= 5 else rng.uniform(0.55, 0.9)
            )
    change_at = change = None
    if kind in ("big_contract", "lost_customer"):
        change_at = rng.choice(SCORED[:-1])
        change = rng.uniform(1.4, 1.8) if kind == "big_contract" else rng.uniform(0.5, 0.7)
    true_monthly = {}
    fee = level
    for y, m in MONTHS:
        if kind == "fixed_fee":
            if m == 1 and y > 2019 and rng.random() < 0.5:
                fee = round(fee * rng.uniform(1.0, 1.1) / 10000) * 10000
            value = fee * covid.get((y, m), 1) ** 0.3 if (y, m) in covid else fee
            value = fee if (y, m) not in covid else round(value / 10000) * 10000
        else:
            t = (y - 2019) + (m - 1) / 12
            value = (
                level * (1 + trend) ** t * season[m - 1] * rng.lognormvariate(0, noise) * covid.get((y, m), 1)
            )
        if change_at is not None and _period_of(y, m) >= change_at:
            value *= change
        true_monthly[(y, m)] = value
    true = {}
    for p in PERIODS:
        true[p] = (
            true_monthly[(p.year, 1)] + true_monthly[(p.year, 2)]
            if p.month == 2
            else true_monthly[(p.year, p.month)]
        )
    reported = {p: v for p, v in true.items()}
    # Independent sources from the truth.
    rate = 0.035 if firm.taxpayer_class == "general" else 0.03
    for p, v in true.items():
        r = rate / 3 if firm.taxpayer_class == "small_scale" and p >= Period(2020, 3) else rate
        firm.tax[p] = round(v * r * rng.lognormvariate(0, 0.10))
        if firm.family == "industry":
            firm.grid[p] = round(v / intensity * rng.lognormvariate(0, 0.02))
    own_power_bias = rng.uniform(0.99, 1.01)
    power_follows = {}
    if firm.falsifier:
        _falsify(firm, rng, reported, target, power_follows)
    for p in PERIODS:
        v = reported[p]
        values = {"main": float(_kq(v) * 1000)}
        if kind == "fixed_fee" or (firm.labels.get(p) == "near_copy"):
            pass
        if firm.family in ("industry", "retail", "accommodation"):
            share = {"industry": 0.95, "retail": 0.6, "accommodation": 0.4}[firm.family]
            values["second"] = float(_kq(v * share * rng.lognormvariate(0, 0.015)) * 1000)
        if firm.family == "industry":
            base = power_follows.get(p, true[p])
            values["power"] = float(round(base / intensity * own_power_bias * rng.lognormvariate(0, 0.01)))
        firm.reported[p] = values
    if firm.falsifier:
        _post_process(firm, rng)
    firm.annual_revenue = sum(true_monthly[(2020, m)] for m in range(1, 13))


def _falsify(
    firm: Firm, rng: random.Random, reported: dict, target: float | None, power_follows: dict
) -> None:
    kind = firm.kind
    if kind == "inflate":
        start = rng.choice(SCORED[:-1])
        factor = rng.uniform(1.3, 1.7)
        for p in SCORED:
            if p >= start:
                reported[p] *= factor
                power_follows[p] = reported[p]  # the firm's own 用电量 inflated alike
                firm.labels[p] = kind
    elif kind == "under_report":
        start = rng.choice(SCORED)
        factor = rng.uniform(0.45, 0.7)
        for p in SCORED:
            if p >= start:
                reported[p] *= factor
                power_follows[p] = reported[p]
                firm.labels[p] = kind
    elif kind == "period_shift":
        i = rng.randrange(1, len(SCORED) - 1)  # a single month (not 1-2月), and the next
        spike, dip = SCORED[i], SCORED[i + 1]
        moved = reported[dip] * rng.uniform(0.25, 0.5)
        reported[spike] += moved
        reported[dip] -= moved
        firm.labels[spike] = firm.labels[dip] = kind
    elif kind == "too_regular":
        start = PERIODS.index(Period(2020, 7))
        growth = rng.uniform(1.005, 1.02)
        value = reported[PERIODS[start - 1]]
        for p in PERIODS[start:]:
            value *= growth
            reported[p] = value * p.months_covered
            if p in SCORED:
                firm.labels[p] = kind
    elif kind == "collusion":
        for p in SCORED:
            firm.labels[p] = kind
        firm.labels["target"] = target  # resolved after the cumulative figures are known
    # near_copy and invented act on the reported 千元 figures (_post_process).


def _post_process(firm: Firm, rng: random.Random) -> None:
    kind = firm.kind
    rep = firm.reported
    if kind == "near_copy":
        months = rng.sample(SCORED, rng.choice([1, 2]))
        for p in months:
            source = rng.choice(["previous", "two_years", "december", "last_year"])
            if source == "previous":
                q = PERIODS[PERIODS.index(p) - 1]
            elif source == "two_years":
                q = Period(p.year - 2, p.month)
            elif source == "december":
                q = Period(p.year - 1, 12)
            else:
                q = Period(p.year - 1, p.month)
            if q.is_first_of_year != p.is_first_of_year and source != "december":
                q = Period(p.year - 2, p.month)
            for key in ("main", "second"):
                if key in rep[p]:
                    rep[p][key] = max(1000.0, rep[q][key] + rng.choice([-1, 1]) * rng.randint(1, 4) * 1000)
            firm.labels[p] = kind
    elif kind == "invented":
        months = [p for p in SCORED if rng.random() < 0.6] or [rng.choice(SCORED)]
        for p in months:
            for key in ("main", "second"):
                if key not in rep[p]:
                    continue
                q = rep[p][key] / 1000 * rng.uniform(0.9, 1.25)
                if rng.random() < 0.3:
                    digits = len(str(int(q)))
                    digit = rng.randint(1, 9)
                    q = int(str(digit) * digits)
                else:
                    q = float(f"{q:.2g}")
                rep[p][key] = float(max(1, int(q)) * 1000)
            firm.labels[p] = kind
    elif kind == "collusion":
        target = firm.labels.pop("target")
        for p in SCORED:
            ytd = [Period(p.year, m) for m in range(2, p.month + 1)]
            base_year = p.year - 2 if p <= Period(2021, 3) else p.year - 1
            years = p.year - base_year
            base = sum(rep[Period(base_year, q.month)]["main"] for q in ytd)
            goal = base * (1 + (target + rng.uniform(-0.04, 0.04)) / 100) ** years
            before = sum(rep[q]["main"] for q in ytd[:-1])
            old = rep[p]["main"]
            rep[p]["main"] = float(_kq(max(goal - before, 1000)) * 1000)
            scale = rep[p]["main"] / old if old else 1
            if "second" in rep[p]:
                rep[p]["second"] = float(_kq(rep[p]["second"] * scale) * 1000)
            if "power" in rep[p]:
                rep[p]["power"] = round(rep[p]["power"] * scale)
