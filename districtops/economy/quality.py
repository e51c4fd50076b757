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

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from pydantic import Field, PrivateAttr, field_validator

from districtops.core.codes import SECTIONS, section_of
from districtops.gate.api_utils import Id, one_of
from districtops.gate.listing import ListFilters

from .models import Finding, FindingStatus, ReportValue

FIRST_DIGIT_BOUNDS = ((0.006, "close"), (0.012, "acceptable"), (0.015, "marginal"))
FIRST_TWO_BOUNDS = ((0.0012, "close"), (0.0018, "acceptable"), (0.0022, "marginal"))
CLASS_LABELS = {
    "close": "高度符合",
    "acceptable": "可接受",
    "marginal": "边缘符合",
    "nonconforming": "不符合",
}
MIN_SAMPLE = 300  # enterprises, not figures: twelve months of one firm are one source


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


def enterprise_count(district_id: int, period_dates=None) -> int:
    """Independent sources behind the figures: an enterprise's months are not independent draws."""
    qs = ReportValue.objects.filter(report__district_id=district_id, report__is_current=True, current__gt=0)
    if period_dates:
        qs = qs.filter(report__period__in=period_dates)
    return qs.values("report__enterprise_id").distinct().count()


def figures_by_section(district_id: int, period_dates=None) -> dict[str, list]:
    """Current money figures (current month) of the district's current report versions, by GB/T
    section — one read for the overall and the per-section tests."""
    qs = ReportValue.objects.filter(
        report__district_id=district_id, report__is_current=True, current__gt=0, field_code__in=MONEY_FIELDS
    )
    if period_dates:
        qs = qs.filter(report__period__in=period_dates)
    by_section: dict[str, list] = defaultdict(list)
    sections: dict[str, str] = {}
    for value, code in qs.values_list("current", "report__enterprise__industry_code").iterator(
        chunk_size=20000
    ):
        section = sections.get(code)
        if section is None:
            section = sections[code] = section_of(code)
        by_section[section].append(value)
    return by_section


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


def benford_by_section(district_id: int, period_dates=None, by_section=None) -> list[dict]:
    by_section = figures_by_section(district_id, period_dates) if by_section is None else by_section
    result = []
    for section, values in sorted(by_section.items()):
        first = benford(values, 1)
        result.append(
            {"section": section, "name": SECTIONS[section], "first": first, "two": benford(values, 2)}
        )
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


# --------------------------------------------------------------------------- the findings list

UNRESOLVED = "unresolved"  # everything not yet accepted: open, explained, rejected
STATUS_FILTERS = {
    **{status.value: status.label for status in FindingStatus},
    UNRESOLVED: _("未了结"),
    "all": _("全部"),
}


StatusFilter = one_of(STATUS_FILTERS)


class FindingFilters(ListFilters):
    """What the findings list, the data-quality page, their Excel export and the API filter by
    (``gate.listing``): ``status`` (a FindingStatus value, ``unresolved`` or ``all``), ``rule``
    (an AuditRule code), ``period`` (the report's), ``unit`` (a district or a street the person
    may see), ``q`` (enterprise name, part, or credit code, prefix)."""

    model = Finding
    labels = {
        "status": _("状态"), "rule": _("审核规则"), "period": _("报告期"), "unit": _("单位"), "q": _("企业"),
    }  # fmt: skip
    choices = {"status": STATUS_FILTERS}

    status: StatusFilter | None = Field(
        None, description="状态：open、explained、accepted、rejected、unresolved、all"
    )
    rule: str | None = Field(None, description="审核规则代码")
    period: str | None = Field(None, description="报告期，如 2021-02")
    unit: Id | None = Field(None, description="区或街道的单位 id")
    q: str | None = Field(None, description="企业名称（部分）或统一社会信用代码（前缀）")

    _unit: object = PrivateAttr(default=None)

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, value):
        from .models import AuditRule

        if value and not AuditRule.objects.filter(code=value).exists():
            raise ValueError(f"没有代码为 {value} 的审核规则")
        return value

    @field_validator("period")
    @classmethod
    def _a_period(cls, value):
        from django.core.exceptions import ValidationError

        from .periods import parse_period

        if value:
            try:
                parse_period(value)
            except ValidationError as exc:
                raise ValueError(exc.messages[0]) from None
        return value

    @field_validator("q")
    @classmethod
    def _short(cls, value):
        return value[:100] if value else value

    @property
    def report_period(self):
        """The report period (periods.Period) or None."""
        from .periods import parse_period

        return parse_period(self.period) if self.period else None

    @property
    def unit_obj(self):
        """The org.Unit of ``unit``, checked against the person (after ``prepare``)."""
        return self._unit

    def with_unit(self, unit) -> FindingFilters:
        """These filters on ``unit`` (already checked against the person)."""
        copy = self.model_copy(update={"unit": unit.pk})
        copy._unit = unit
        return copy

    def check(self, user) -> dict[str, str]:
        from . import dashboard

        if self.unit is None or (self._unit is not None and self._unit.pk == self.unit):
            return {}
        try:
            self._unit = dashboard.resolve_unit(user, self.unit)
        except PermissionDenied:
            return {"unit": f"单位 {self.unit} 不存在或不在您的查看范围内"}
        return {}

    def filter_status(self, value) -> models.Q:
        if value == UNRESOLVED:
            return ~models.Q(status=FindingStatus.ACCEPTED)
        if value in FindingStatus.values:
            return models.Q(status=value)
        return models.Q()  # all

    def filter_rule(self, value) -> models.Q:
        return models.Q(rule__code=value)

    def filter_period(self, value) -> models.Q:
        return models.Q(report__period=self.report_period.date)

    def filter_unit(self, value) -> models.Q:
        unit = self._unit
        if unit is None:
            return models.Q(pk__in=[])  # never checked: nothing rather than everything
        return models.Q(district_id=unit.pk) if unit.kind == "district" else models.Q(street_id=unit.pk)

    def filter_q(self, value) -> models.Q:
        return models.Q(report__enterprise__name__icontains=value) | models.Q(
            report__enterprise__credit_code__startswith=value.upper()
        )


FINDING_EXPORT_HEADERS = [
    ("enterprise", "单位详细名称", 30),
    ("credit_code", "统一社会信用代码", 22),
    ("street", "街道", 14),
    ("period", "报告期", 12),
    ("rule", "审核规则", 16),
    ("field", "指标", 12),
    ("message", "问题", 50),
    ("status", "状态", 12),
    ("explanation", "情况说明", 40),
    ("review", "审核意见", 30),
]


def finding_export_rows(findings_qs, limit: int = 100_000) -> list[list]:
    """One row per finding, in the order of the list page, with the names a person reads."""
    rows = findings_qs.order_by("-report__period", "report__enterprise__name", "pk").values_list(
        "report__enterprise__name",
        "report__enterprise__credit_code",
        "street__name",
        "report__period",
        "rule__name",
        "field_code",
        "message",
        "status",
        "explanation",
        "review_comment",
    )[:limit]
    from .models import ReportField
    from .periods import Period

    labels = dict(FindingStatus.choices)
    field_names = dict(ReportField.objects.values_list("code", "name"))
    return [
        [
            name,
            code,
            street or "",
            Period.from_date(day).label,
            rule,
            field_names.get(field, field),
            message,
            str(labels[status]),
            explanation,
            review,
        ]
        for name, code, street, day, rule, field, message, status, explanation, review in rows
    ]


def findings_workbook(user, filters: FindingFilters) -> tuple[bytes, str]:
    """The findings the person may see, filtered by ``filters``, as an Excel workbook and its name."""
    from districtops.core import excel

    rows = finding_export_rows(filters.rows(user))
    columns = [excel.Column(key, header, width=width) for key, header, width in FINDING_EXPORT_HEADERS]
    label = "_".join(
        part
        for part in (
            filters.unit_obj.name if filters.unit_obj else "",
            filters.report_period.label if filters.period else "",
            str(STATUS_FILTERS[filters.status or "all"]),
        )
        if part
    )
    return excel.write_workbook([("审核发现", columns, rows)]), f"审核发现_{label}.xlsx"
