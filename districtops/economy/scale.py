"""City-scale economy data: ≈50,000 reporting (四上) enterprises across the city's 16 districts ×
36 months (2018 1-2月 … 2020-12, plus 2021 1-2月), written with bulk inserts as one accepted batch
per district (the import service would check every row; here the figures are generated consistent
by design), and half as many small firms below their thresholds in the register (the 小升规 pool).
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from districtops.core.codes import classify_scale, sector_and_threshold
from districtops.gate import services as core_services
from districtops.org.models import Unit, UnitKind

from . import indicators
from .imports import REPORT_FIELDS, insert_rows
from .models import (
    Enterprise,
    ImportBatch,
    ImportKind,
    MonthlyReport,
    ReportStatus,
    ReportType,
    ReportValue,
)
from .periods import Period
from .reference import ensure_reference_data
from .samples import fictional_credit_code

ENTERPRISES = 50_000
FIRST, LAST = Period(2018, 2), Period(2021, 2)
MIX = [  # industry code, share, main field, second field and its share of the main figure
    ("3411", 0.30, "gross_output", "main_revenue", 0.95),
    ("5137", 0.15, "sales", "retail_sales", 0.1),
    ("5211", 0.20, "sales", "retail_sales", 0.9),
    ("6210", 0.10, "revenue", "retail_sales", 0.8),
    ("6510", 0.20, "operating_revenue", None, 0),
    ("4710", 0.05, "construction_output", None, 0),
]
SEASON = [0.75, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 0.98, 1.05, 1.05, 1.08, 1.25]
SCALE_MARK = 5_000_000  # credit-code serials from here on are generated ones
SMALL_MARK = 8_000_000  # and from here on the generated small firms
SMALL_CODES = ("3411", "5211", "5137", "6210", "6510")


def _periods() -> list[Period]:
    result, period = [], FIRST
    while period <= LAST:
        result.append(period)
        period = period.next()
    return result


def generate(size: float = 1.0, **_) -> dict:
    """Enterprises and monthly reports for every district of the city (run org's generator first)."""
    ensure_reference_data()
    rng = random.Random(54)
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("division_code"))
    per_district = max(20, int(ENTERPRISES * size / max(1, len(districts))))
    types = {t.code: t for t in ReportType.objects.all()}
    type_for = {
        "gross_output": types["B204-1"],
        "sales": types["E204-1"],
        "revenue": types["S204-1"],
        "operating_revenue": types["F203"],
        "construction_output": types["C204"],
    }
    periods = _periods()
    counts = {"enterprises": 0, "reports": 0, "values": 0, "small_enterprises": 0}
    serial = SCALE_MARK + Enterprise.objects.count()
    for district in districts:
        streets = list(Unit.objects.filter(parent=district, kind=UnitKind.SUBDISTRICT)) or [None]
        with transaction.atomic():
            enterprises, plans = [], []
            for i in range(per_district):
                serial += 1
                code, _share, main, second, second_share = rng.choices(MIX, weights=[m[1] for m in MIX])[0]
                street = streets[i % len(streets)]
                division = (street.division_code if street else district.division_code + "000").ljust(12, "0")
                revenue = Decimal(round(math.exp(rng.uniform(math.log(2.5e7), math.log(5e8)))))
                classification = classify_scale(code, revenue, construction_qualified=True)
                enterprises.append(
                    Enterprise(
                        district=district,
                        street=street,
                        credit_code=fictional_credit_code(serial, district.division_code[:6]),
                        name=f"规模企业{serial:07d}（示例）",
                        industry_code=code,
                        division_code=division,
                        sector=classification.sector,
                        annual_revenue=revenue,
                        is_above_scale=classification.above,
                        construction_qualified=code == "4710",
                    )
                )
                plans.append(
                    (
                        main,
                        second,
                        second_share,
                        float(revenue) / 12,
                        rng.gauss(0.06, 0.06),
                        rng.uniform(3, 12),
                    )
                )
            Enterprise.objects.bulk_create(enterprises, batch_size=2000)
            batch = ImportBatch.objects.create(
                district=district, kind=ImportKind.REPORTS, filename="generate-scale", sha256="-" * 64
            )
            # Plain executemany inserts (as the import writes): the ORM's per-object SQL compilation
            # would take most of the time at 1.7 million reports and 3.5 million figures.
            created_at = connection.ops.adapt_datetimefield_value(timezone.now())
            stored_date = {p: connection.ops.adapt_datefield_value(p.date) for p in periods}
            report_rows, figures = [], []
            for enterprise, (main, second, share, monthly, growth, intensity) in zip(
                enterprises, plans, strict=True
            ):
                cumulative = {}
                for period in periods:
                    if period.is_first_of_year:
                        cumulative = {}
                    months = [1, 2] if period.is_first_of_year else [period.month]
                    t = period.year - FIRST.year
                    figure = sum(
                        monthly * (1 + growth) ** t * SEASON[m - 1] * rng.gauss(1, 0.05) for m in months
                    )
                    report_rows.append(
                        (
                            enterprise.pk,
                            district.pk,
                            enterprise.street_id,
                            type_for[main].pk,
                            stored_date[period],
                            1,
                            True,
                            ReportStatus.ACCEPTED.value,
                            batch.pk,
                            0,
                            created_at,
                            0,
                            "[]",
                        )
                    )
                    key = (enterprise.pk, period.iso)
                    fields = [(main, figure)] + ([(second, figure * share)] if second else [])
                    for field_code, amount in fields:
                        current = Decimal(round(amount / 1000) * 1000)
                        cumulative[field_code] = cumulative.get(field_code, Decimal(0)) + current
                        figures.append((key, field_code, current, cumulative[field_code]))
                    if main == "gross_output":
                        figures.append((key, "electricity", Decimal(round(figure / intensity)), None))
            insert_rows(MonthlyReport, REPORT_FIELDS, report_rows)
            report_ids = {
                (enterprise_id, str(day)[:10]): pk
                for pk, enterprise_id, day in MonthlyReport.objects.filter(batch=batch)
                .values_list("pk", "enterprise_id", "period")
                .iterator(chunk_size=50000)
            }
            adapt = connection.ops.adapt_decimalfield_value
            insert_rows(
                ReportValue,
                ["report", "field_code", "current", "cumulative"],
                [(report_ids[key], code, adapt(cur), adapt(cum)) for key, code, cur, cum in figures],
            )
            counts["enterprises"] += len(enterprises)
            counts["reports"] += len(report_rows)
            counts["values"] += len(figures)
            # Small firms below their threshold: in the register, not reporting — the 小升规 pool's
            # material (their own random stream, so the reporting enterprises stay the same).
            small_rng = random.Random(f"small-{district.division_code}")
            small = []
            for i in range(per_district // 2):
                small_serial = SMALL_MARK + counts["small_enterprises"] + i
                code = small_rng.choice(SMALL_CODES)
                _sector, threshold = sector_and_threshold(code)
                revenue = Decimal(round(float(threshold) * small_rng.uniform(0.1, 0.99)))
                street = streets[i % len(streets)]
                small.append(
                    Enterprise(
                        district=district,
                        street=street,
                        credit_code=fictional_credit_code(small_serial, district.division_code[:6]),
                        name=f"小微企业{small_serial:07d}（示例）",
                        industry_code=code,
                        division_code=(
                            street.division_code if street else district.division_code + "000"
                        ).ljust(12, "0"),
                        sector=classify_scale(code, revenue).sector,
                        annual_revenue=revenue,
                        is_above_scale=False,
                        is_candidate=revenue >= threshold * Decimal("0.8"),
                    )
                )
            Enterprise.objects.bulk_create(small, batch_size=2000)
            counts["small_enterprises"] += len(small)
            indicators.recompute(district.pk, periods)
    core_services.record(
        None,
        "bulk_load",
        None,
        object_type="economy.monthlyreport",
        message="generate-scale: economy",
        after=counts,
    )
    return counts
