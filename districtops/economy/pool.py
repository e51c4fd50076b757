"""小升规: enterprises below their 四上 threshold but approaching it, kept as a candidate pool.

An enterprise enters the pool when its trailing-12-month revenue reaches ``candidate_share``
(default 80 %) of its sector's threshold. Trailing revenue comes from its monthly reports when it
has twelve months of them (培育库 enterprises often report to the bureau), otherwise from the
register's annual revenue. The pool should hold ``pool_factor`` (default 1.2) × the annual goal.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from districtops.core.codes import sector_and_threshold

from .models import ReportValue
from .periods import Period

REVENUE_FIELDS = ("main_revenue", "sales", "revenue", "operating_revenue", "construction_output", "housing_sales")


def trailing_revenue(enterprise_ids, upto: Period) -> dict[int, Decimal]:
    """Sum of the last twelve calendar months' current revenue, for enterprises with all of them."""
    first = upto
    months = 0
    periods = []
    while months < 12:
        periods.append(first)
        months += first.months_covered
        first = first.previous()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    seen: dict[int, set] = defaultdict(set)
    rows = ReportValue.objects.filter(
        report__enterprise_id__in=enterprise_ids,
        report__is_current=True,
        report__period__in=[p.date for p in periods],
        field_code__in=REVENUE_FIELDS,
        current__isnull=False,
    ).values_list("report__enterprise_id", "report__period", "current")
    for enterprise_id, period, value in rows:
        totals[enterprise_id] += value
        seen[enterprise_id].add(period)
    return {e: v for e, v in totals.items() if len(seen[e]) == len(periods)}


def candidate_pool(enterprises_qs, settings, upto: Period) -> dict:
    """The pool for the enterprises in ``enterprises_qs`` (already restricted by the gate)."""
    share = Decimal(settings.candidate_share)
    candidates = list(
        enterprises_qs.filter(is_above_scale=False, is_active=True, is_individual=False)
        .exclude(sector="")
        .select_related("street")
    )
    trailing = trailing_revenue([e.pk for e in candidates], upto)
    pool = []
    for enterprise in candidates:
        _, threshold = sector_and_threshold(enterprise.industry_code)
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
