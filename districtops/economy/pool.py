"""小升规: enterprises below their 四上 threshold but approaching it, kept as a candidate pool.

An enterprise enters the pool when its trailing-12-month revenue reaches ``candidate_share``
(default 80 %) of its sector's threshold. Trailing revenue comes from its monthly reports when it
has twelve months of them (培育库 enterprises often report to the bureau), otherwise from the
register's annual revenue. The pool should hold ``pool_factor`` (default 1.2) × the annual goal.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal

from django.db import connection

from districtops.core.codes import sector_and_threshold

from .models import MonthlyReport, ReportValue
from .periods import Period

REVENUE_FIELDS = (
    "main_revenue",
    "sales",
    "revenue",
    "operating_revenue",
    "construction_output",
    "housing_sales",
)


def trailing_revenue(enterprises, upto: Period) -> dict[int, Decimal]:
    """Sum of the last twelve calendar months' current revenue, for enterprises with all of them.
    ``enterprises``: ids, or a queryset of enterprises (read as a subquery, not a parameter list).

    Two indexed reads: the enterprises' current reports in the twelve months (by enterprise and
    period), then those reports' revenue figures (by report). One join filtered on the field code
    lets SQLite walk the field-code index over every revenue figure of the city instead — seconds
    for a district's pool of small firms, most of which report nothing."""
    first = upto
    months = 0
    periods = []
    while months < 12:
        periods.append(first)
        months += first.months_covered
        first = first.previous()
    if hasattr(enterprises, "values"):
        enterprises = enterprises.values("pk")
    report_of = {
        pk: (enterprise_id, period)
        for pk, enterprise_id, period in MonthlyReport.objects.filter(
            enterprise_id__in=enterprises, period__in=[p.date for p in periods], is_current=True
        ).values_list("pk", "enterprise_id", "period")
    }
    totals: dict[int, Decimal] = defaultdict(Decimal)
    seen: dict[int, set] = defaultdict(set)
    for report_id, value in _revenue_figures(list(report_of)):
        enterprise_id, period = report_of[report_id]
        totals[enterprise_id] += value if isinstance(value, Decimal) else Decimal(str(value))
        seen[enterprise_id].add(period)
    return {e: v for e, v in totals.items() if len(seen[e]) == len(periods)}


def _revenue_figures(report_ids: list[int]):
    """(report id, current) of the revenue fields of these reports, by the report index. Plain SQL:
    Django compiles each of thousands of IN parameters one by one."""
    quote = connection.ops.quote_name
    fields = ", ".join(["%s"] * len(REVENUE_FIELDS))
    table = quote(ReportValue._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(report_ids), CHUNK):
            chunk = report_ids[i : i + CHUNK]
            cursor.execute(
                f"SELECT {quote('report_id')}, {quote('current')} FROM {table} "
                f"WHERE {quote('report_id')} IN ({', '.join(['%s'] * len(chunk))}) "
                f"AND {quote('field_code')} IN ({fields}) AND {quote('current')} IS NOT NULL",
                [*chunk, *REVENUE_FIELDS],
            )
            yield from cursor.fetchall()


CHUNK = 5000  # bound parameters per statement, well under SQLite's limit


@functools.cache
def _threshold(industry_code: str):
    return sector_and_threshold(industry_code)[1]


def candidate_pool(enterprises_qs, settings, upto: Period) -> dict:
    """The pool for the enterprises in ``enterprises_qs`` (already restricted by the gate)."""
    share = Decimal(settings.candidate_share)
    eligible = enterprises_qs.filter(is_above_scale=False, is_active=True, is_individual=False).exclude(
        sector=""
    )
    # Only what the pool shows: a district has thousands of small firms, and full model rows
    # (with their street's) cost more than everything else on the dashboard.
    candidates = list(
        eligible.select_related("street").only(
            "name", "industry_code", "annual_revenue", "street_id", "street__name"
        )
    )
    trailing = trailing_revenue(eligible, upto)
    pool = []
    for enterprise in candidates:
        threshold = _threshold(enterprise.industry_code)
        if threshold is None:
            continue  # construction and developers enter by qualification / activity, not revenue
        revenue = trailing.get(enterprise.pk, enterprise.annual_revenue)
        if revenue is None:
            continue
        ratio = revenue / threshold
        if ratio >= share:
            pool.append(
                {
                    "enterprise": enterprise,
                    "revenue": revenue,
                    "threshold": threshold,
                    "ratio": ratio.quantize(Decimal("0.001")),
                    "from_reports": enterprise.pk in trailing,
                    "ready": ratio >= 1,
                }
            )
    pool.sort(key=lambda row: row["ratio"], reverse=True)
    goal = settings.annual_upgrade_goal
    needed = int((Decimal(goal) * Decimal(settings.pool_factor)).to_integral_value(rounding="ROUND_CEILING"))
    return {
        "rows": pool,
        "size": len(pool),
        "ready": sum(1 for row in pool if row["ready"]),
        "goal": goal,
        "needed": needed,
        "enough": len(pool) >= needed,
    }
