"""Data-quality screening: Benford's law on many figures and the riskiest enterprises.

Benford (Nigrini, *Benford's Law*, 2012): the mean absolute deviation (MAD) between observed and
expected digit proportions, classed by Nigrini's bounds. A district's few hundred enterprises is
a small sample; below ``MIN_SAMPLE`` figures the result is shown as indicative only.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from districtops.core.codes import SECTIONS, section_of

from .models import FindingStatus, ReportValue

FIRST_DIGIT_BOUNDS = ((0.006, "close"), (0.012, "acceptable"), (0.015, "marginal"))
FIRST_TWO_BOUNDS = ((0.0012, "close"), (0.0018, "acceptable"), (0.0022, "marginal"))
CLASS_LABELS = {
    "close": "高度符合",
    "acceptable": "可接受",
    "marginal": "边缘符合",
    "nonconforming": "不符合",
}
MIN_SAMPLE = 300


def leading_digits(value, n: int) -> int | None:
    """The first ``n`` significant digits of |value| as an integer (None for zero or tiny values)."""
    x = abs(float(value))
    if x == 0 or not math.isfinite(x):
        return None
    exponent = math.floor(math.log10(x))
    digits = int(x / 10 ** (exponent - n + 1) + 1e-9)
    if digits >= 10**n:  # float rounding at a power of ten
        digits //= 10
    return digits if digits >= 10 ** (n - 1) else None


def expected(n: int) -> dict[int, float]:
    return {d: math.log10(1 + 1 / d) for d in range(10 ** (n - 1), 10**n)}


@dataclass
class BenfordResult:
    digits: int
    count: int
    mad: float | None
    conformity: str
    observed: dict[int, float]
    expected: dict[int, float]

    @property
    def label(self) -> str:
        return CLASS_LABELS.get(self.conformity, "样本为空")

    @property
    def small_sample(self) -> bool:
        return self.count < MIN_SAMPLE

    def chart_rows(self) -> list[dict]:
        return [
            {"digit": d, "observed": round(self.observed.get(d, 0.0), 4), "expected": round(p, 4)}
            for d, p in self.expected.items()
        ]


def benford(values, digits: int = 1) -> BenfordResult:
    """First-digit (``digits=1``) or first-two-digits (``digits=2``) test with Nigrini's MAD classes.
    Values below 10 are left out of the two-digit test, as Nigrini does."""
    floor = 10 if digits == 2 else 1
    leads = [d for v in values if abs(float(v)) >= floor and (d := leading_digits(v, digits)) is not None]
    exp = expected(digits)
    if not leads:
        return BenfordResult(digits, 0, None, "empty", {}, exp)
    counts = Counter(leads)
    total = len(leads)
    observed = {d: counts.get(d, 0) / total for d in exp}
    mad = sum(abs(observed[d] - exp[d]) for d in exp) / len(exp)
    bounds = FIRST_DIGIT_BOUNDS if digits == 1 else FIRST_TWO_BOUNDS
    conformity = next((label for bound, label in bounds if mad <= bound), "nonconforming")
    return BenfordResult(digits, total, mad, conformity, observed, exp)


def report_figures(district_id: int, period_dates=None, section: str | None = None):
    """Current money figures (current month) of the district's current report versions."""
    qs = ReportValue.objects.filter(
        report__district_id=district_id, report__is_current=True, current__gt=0, field_code__in=MONEY_FIELDS
    )
    if period_dates:
        qs = qs.filter(report__period__in=period_dates)
    rows = qs.values_list("current", "report__enterprise__industry_code")
    if section:
        return [v for v, code in rows if section_of(code) == section]
    return [v for v, _ in rows]


MONEY_FIELDS = (
    "gross_output",
    "main_revenue",
    "sales",
    "retail_sales",
    "revenue",
    "operating_revenue",
    "construction_output",
    "housing_sales",
    "development_investment",
)


def benford_by_section(district_id: int, period_dates=None) -> list[dict]:
    rows = ReportValue.objects.filter(
        report__district_id=district_id, report__is_current=True, current__gt=0, field_code__in=MONEY_FIELDS
    )
    if period_dates:
        rows = rows.filter(report__period__in=period_dates)
    by_section = defaultdict(list)
    for value, code in rows.values_list("current", "report__enterprise__industry_code"):
        by_section[section_of(code)].append(value)
    result = []
    for section, values in sorted(by_section.items()):
        first = benford(values, 1)
        result.append({"section": section, "name": SECTIONS[section], "first": first, "two": benford(values, 2)})
    return result


# --------------------------------------------------------------------------- risk

STATUS_WEIGHT = {
    FindingStatus.OPEN: Decimal("1.0"),
    FindingStatus.REJECTED: Decimal("1.5"),
    FindingStatus.EXPLAINED: Decimal("0.5"),
    FindingStatus.ACCEPTED: Decimal("0.1"),
}


def riskiest_enterprises(findings_qs, limit: int = 20) -> list[dict]:
    """Enterprises ranked by weighted findings (rule weight × status weight) with the reasons."""
    scores: dict[int, Decimal] = defaultdict(Decimal)
    reasons: dict[int, Counter] = defaultdict(Counter)
    names: dict[int, str] = {}
    open_counts: Counter = Counter()
    rows = findings_qs.values_list(
        "report__enterprise_id", "report__enterprise__name", "rule__name", "rule__weight", "status"
    )
    for enterprise_id, name, rule_name, weight, status in rows:
        scores[enterprise_id] += weight * STATUS_WEIGHT[FindingStatus(status)]
        reasons[enterprise_id][rule_name] += 1
        names[enterprise_id] = name
        if status in (FindingStatus.OPEN, FindingStatus.REJECTED):
            open_counts[enterprise_id] += 1
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    return [
        {
            "enterprise_id": e,
            "name": names[e],
            "score": score.quantize(Decimal("0.1")),
            "unresolved": open_counts[e],
            "reasons": [f"{rule}×{n}" for rule, n in reasons[e].most_common()],
        }
        for e, score in ranked
    ]


def finding_counts(findings_qs) -> dict[str, int]:
    counts = Counter(findings_qs.values_list("status", flat=True))
    return {status.value: counts.get(status.value, 0) for status in FindingStatus}

