"""Reference data every district starts with: report forms and their fields, the audit rule set,
the headline indicators. Installed idempotently (``ensure_reference_data``); afterwards they are
data the statistician tunes, not code."""

from __future__ import annotations

from django.db import transaction

from districtops.core.codes import Sector

from .models import AuditRule, Indicator, IndicatorSource, ReportField, ReportType
from .rules import DEFAULT_RULES

# code, name, sectors, main field, [(field code, name, aliases, unit, has_cumulative, required, is_money)]
REPORT_TYPES = [
    (
        "B204-1",
        "工业产销总值及主要产品产量",
        [Sector.INDUSTRY],
        "gross_output",
        [
            ("gross_output", "工业总产值", "工业总产值（当年价格）|总产值", "元", True, True, True),
            ("main_revenue", "营业收入", "主营业务收入|营业收入合计", "元", True, True, True),
            ("electricity", "用电量", "工业用电量|综合用电量", "千瓦时", False, False, False),
            ("employees", "从业人员期末人数", "从业人员|期末从业人员", "人", False, False, False),
        ],
    ),
    (
        "E204-1",
        "批发和零售业商品购进、销售和库存",
        [Sector.WHOLESALE, Sector.RETAIL],
        "sales",
        [
            ("sales", "商品销售额", "销售额|商品销售总额", "元", True, True, True),
            ("retail_sales", "零售额", "商品零售额|其中：零售额", "元", True, True, True),
        ],
    ),
    (
        "S204-1",
        "住宿和餐饮业经营情况",
        [Sector.ACCOMMODATION_CATERING],
        "revenue",
        [
            ("revenue", "营业额", "营业收入", "元", True, True, True),
            ("retail_sales", "商品销售和餐费收入", "零售额|餐费收入", "元", True, True, True),
        ],
    ),
    (
        "F203",
        "服务业财务状况",
        [Sector.SERVICES],
        "operating_revenue",
        [
            ("operating_revenue", "营业收入", "服务业营业收入", "元", True, True, True),
            ("employees", "从业人员期末人数", "从业人员|期末从业人员", "人", False, False, False),
        ],
    ),
    (
        "C204",
        "建筑业生产情况",
        [Sector.CONSTRUCTION],
        "construction_output",
        [("construction_output", "建筑业总产值", "总产值|建筑业总产值（当年价格）", "元", True, True, True)],
    ),
    (
        "X204",
        "房地产开发经营情况",
        [Sector.REAL_ESTATE],
        "housing_sales",
        [
            ("housing_sales", "商品房销售额", "销售额", "元", True, True, True),
            ("development_investment", "房地产开发投资", "开发投资|本年完成投资", "元", True, True, True),
        ],
    ),
]

# code, name, source, fields, sectors, unit label, responsible, quarterly
INDICATORS = [
    (
        "industrial_output",
        "规上工业总产值",
        "aggregate",
        "gross_output",
        Sector.INDUSTRY,
        "亿元",
        "统计局",
        False,
    ),
    # Growth only (at comparable prices, see indicators.DeflatedAggregate): no level is stored.
    (
        "industrial_value_added",
        "规上工业增加值",
        "aggregate",
        "gross_output",
        Sector.INDUSTRY,
        "亿元",
        "统计局",
        False,
    ),
    (
        "retail_sales",
        "社会消费品零售总额（限上）",
        "aggregate",
        "retail_sales",
        ",".join([Sector.WHOLESALE, Sector.RETAIL, Sector.ACCOMMODATION_CATERING]),
        "亿元",
        "商务局",
        False,
    ),
    (
        "services_revenue",
        "规上服务业营业收入",
        "aggregate",
        "operating_revenue",
        Sector.SERVICES,
        "亿元",
        "统计局",
        False,
    ),
    (
        "construction_output",
        "资质内建筑业总产值",
        "aggregate",
        "construction_output",
        Sector.CONSTRUCTION,
        "亿元",
        "城建局",
        False,
    ),
    ("fixed_investment", "固定资产投资", "entered", "", "", "亿元", "发改委", False),
    ("fiscal_revenue", "一般公共预算收入", "entered", "", "", "亿元", "财政局", False),
    ("gdp", "地区生产总值", "entered", "", "", "亿元", "统计局", True),
]
# Aggregates computed at comparable prices (deflated by the entered PPI, ``PriceIndex``).
DEFLATED = {"industrial_value_added"}


def ensure_reference_data() -> None:
    """Install missing report forms, fields, rules and indicators; never overwrite tuned ones."""
    if (
        ReportType.objects.count() >= len(REPORT_TYPES)
        and AuditRule.objects.count() >= len(DEFAULT_RULES)
        and Indicator.objects.count() >= len(INDICATORS)
    ):
        return
    with transaction.atomic():
        for code, name, sectors, main_field, fields in REPORT_TYPES:
            report_type, _ = ReportType.objects.get_or_create(
                code=code, defaults={"name": name, "sectors": ",".join(sectors), "main_field": main_field}
            )
            for order, (fcode, fname, aliases, unit, cumulative, required, money) in enumerate(fields):
                ReportField.objects.get_or_create(
                    report_type=report_type,
                    code=fcode,
                    defaults={
                        "name": fname,
                        "aliases": aliases,
                        "unit": unit,
                        "has_cumulative": cumulative,
                        "required": required,
                        "is_money": money,
                        "sort_order": order,
                    },
                )
        for code, name, kind, params, description in DEFAULT_RULES:
            AuditRule.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "params": params, "description": description}
            )
        for order, (code, name, source, fields, sectors, unit, responsible, quarterly) in enumerate(
            INDICATORS
        ):
            indicator, created = Indicator.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "source": IndicatorSource(source),
                    "field_codes": fields,
                    "sectors": sectors,
                    "unit_label": unit,
                    "responsible": responsible,
                    "quarterly": quarterly,
                    "deflated": code in DEFLATED,
                    "sort_order": order,
                },
            )
            if not created and indicator.sort_order != order:
                # A newer release inserted an indicator before it: keep the table's order.
                Indicator.objects.filter(pk=indicator.pk).update(sort_order=order)
