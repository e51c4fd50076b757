from decimal import Decimal

import pytest

from districtops.economy.models import Enterprise, IndicatorValue, MonthlyReport, ReportStatus
from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import ENTERPRISE_HEADER, import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


def test_enterprise_register_import_derives_street_scale_and_units(economy):
    factory = Enterprise.objects.get(credit_code=fictional_credit_code(1))
    assert factory.street.name == "南关街街道"
    assert factory.district.division_code == "410104"
    assert factory.annual_revenue == Decimal("300000000")  # 30000 万元
    assert factory.is_above_scale and factory.sector == "industry" and factory.is_key
    small = Enterprise.objects.get(credit_code=fictional_credit_code(2))
    assert small.street.name == "北下街街道"
    assert not small.is_above_scale and small.sector == "industry"  # 1800 万元 < 2000 万元


def test_report_history_import_computes_indicator_growth(economy):
    result = import_industry(industry_history(1))
    assert result.accepted, [str(e) for e in result.errors]
    assert MonthlyReport.objects.count() == 23  # 2019: 11 periods, 2020: 11, 2021: 1-2月
    value = IndicatorValue.objects.get(
        indicator__code="industrial_output", unit__division_code="410104", period="2021-02-01"
    )
    # 1-2月 2021: 2 × 10000 × 1.05² + 14 = 22064 千元; 2020: 2 × 10000 × 1.05 + 14 = 21014 千元
    assert value.cumulative == Decimal("22064000")
    assert value.cumulative_last_year == Decimal("21014000")
    assert value.growth == Decimal("5.00")
    street = IndicatorValue.objects.get(
        indicator__code="industrial_output", unit__name="南关街街道", period="2021-02-01"
    )
    assert street.growth == Decimal("5.00")


def test_correction_is_a_new_version(economy):
    import_industry(industry_history(1, year_from=2021))
    first = MonthlyReport.objects.get(period="2021-02-01")
    result = import_industry([industry_row(1, "2021年1-2月", 30000, 30000, power=200000, note="")])
    assert result.accepted, [str(e) for e in result.errors]
    versions = MonthlyReport.objects.filter(period="2021-02-01").order_by("version")
    assert [(r.version, r.is_current) for r in versions] == [(1, False), (2, True)]
    assert versions[0].pk == first.pk and versions[0].values.get(
        field_code="gross_output"
    ).current == Decimal("20014000")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (industry_row(1, "2021-02", 100, 90), "工业总产值本年累计", "1-2月的本年累计应等于本期数"),
        (industry_row(1, "2021-02", "一百", 100), "工业总产值本月", "不是数字"),
        (industry_row(1, "2021-02", -5, -5), "工业总产值本月", "不能为负数"),
        (industry_row(1, "2021-05", 100, 100), "报告期", "晚于当前业务日期"),
        (industry_row(1, "2021-01", 100, 100), "报告期", "1月数据不单独报送"),
        (industry_row(99, "2021-02", 100, 100), "统一社会信用代码", "未入名录库"),
        (["91410104MA00000010", "2021-02", 100, 100, 100, 100, 1, ""], "统一社会信用代码", "校验位错误"),
    ],
)
def test_bad_rows_refuse_the_whole_file(economy, row, column, fragment):
    good = industry_row(1, "2021-02", 100, 100)
    rows = [good, row] if row[0] != good[0] or row[1] != good[1] else [row]
    if row[0] == good[0]:
        rows = [row]
    result = import_industry(rows)
    assert not result.accepted
    assert MonthlyReport.objects.count() == 0
    assert any(column in e.column and fragment in e.message for e in result.errors), [
        str(e) for e in result.errors
    ]
    assert all(e.row >= 2 for e in result.errors)


def test_cumulative_smaller_than_last_month(economy):
    import_industry(industry_history(1, year_from=2021))
    result = import_industry([industry_row(1, "2021-03", 100, 1000)])
    assert not result.accepted
    assert "小于上期累计" in result.errors[0].message and result.errors[0].row == 2
    assert result.errors[0].rule == "cumulative_consistency"


def test_duplicated_rows(economy):
    result = import_industry([industry_row(1, "2021-02", 100, 100), industry_row(1, "2021年1-2月", 100, 100)])
    assert not result.accepted
    assert result.errors[0].row == 3 and "与第 2 行重复" in result.errors[0].message


def test_missing_column_and_other_order(economy):
    # Columns in another order are fine …
    rows = [
        [
            "报告期",
            "工业总产值本年累计（千元）",
            "工业总产值本月（千元）",
            "营业收入本年累计",
            "营业收入本月",
            "信用代码",
        ],
        ["2021-02", 100, 100, 100000, 100000, fictional_credit_code(1).lower()],
    ]
    from districtops.economy import imports

    result = imports.import_reports(
        None, xlsx_bytes(rows, title_rows=["工业产销总值", "单位：见表头"]), "x.xlsx"
    )
    assert result.accepted, [str(e) for e in result.errors]
    assert MonthlyReport.objects.get().values.get(field_code="main_revenue").cumulative == Decimal("100000")
    # … a missing required column is named.
    result = imports.import_reports(
        None, xlsx_bytes([["报告期", "工业总产值本月"], ["2021-02", 1]]), "y.xlsx"
    )
    assert not result.accepted and "统一社会信用代码" in str(result.errors[0])


def test_check_only_writes_nothing(economy):
    result = import_industry(industry_history(1, year_from=2021), check_only=True)
    assert result.accepted and MonthlyReport.objects.count() == 0


def test_messy_enterprise_sheet(economy):
    from districtops.economy import imports

    rows = [
        ["序号", "企业名称", "信用代码", "国民经济行业代码", "行政区划代码", "主营业务收入(千元)"],
        [
            1,
            "示例物流有限公司",
            " " + fictional_credit_code(10).lower() + " ",
            "Ｇ５４３０",
            "４１０１０４０１１０００",
            "25,000",
        ],
        [None, None, None, None, None, None],
        [2, "示例软件有限公司", fictional_credit_code(11), "6510", "410104011000", 9000],
    ]
    result = imports.import_enterprises(
        None, xlsx_bytes(rows, title_rows=["管城回族区法人单位名录"]), "名录2.xlsx"
    )
    assert result.accepted, [str(e) for e in result.errors]
    logistics = Enterprise.objects.get(credit_code=fictional_credit_code(10))
    assert (logistics.industry_code, logistics.street.name, logistics.annual_revenue) == (
        "5430",
        "南曹街道",
        Decimal("25000000"),
    )
    assert logistics.is_above_scale  # G ≥ 2000 万元
    assert not Enterprise.objects.get(
        credit_code=fictional_credit_code(11)
    ).is_above_scale  # 900 万 < 2000 万


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        (["坏企业", "91410104MA0000001X", "3411", "410104003000"], "统一社会信用代码", "校验位"),
        (["坏企业", fictional_credit_code(20), "9999", "410104003000"], "行业代码", "不存在"),
        (["坏企业", fictional_credit_code(20), "3411", "410199001000"], "统计用区划代码", "不属于本市"),
        (["坏企业", fictional_credit_code(20), "3411", "41010400"], "统计用区划代码", "12位"),
    ],
)
def test_bad_enterprise_rows(economy, cells, column, fragment):
    from districtops.economy import imports

    rows = [ENTERPRISE_HEADER[:4], ["好企业", fictional_credit_code(21), "3411", "410104003000"], cells]
    result = imports.import_enterprises(None, xlsx_bytes(rows), "bad.xlsx")
    assert not result.accepted
    assert not Enterprise.objects.filter(credit_code=fictional_credit_code(21)).exists()
    error = result.errors[0]
    assert (error.row, error.column) == (3, column) and fragment in error.message, str(error)


def test_verification_finding_keeps_report_out_until_explained(economy):
    from districtops.economy import services
    from districtops.economy.models import Finding

    rows = industry_history(1, upto=(2021, 2))
    rows[-1] = industry_row(1, "2021-02", 40000, 40000, power=200000)  # output doubles, power flat
    result = import_industry(rows[:-1])
    assert result.accepted
    result = import_industry([rows[-1]])
    assert result.accepted and {w.rule for w in result.warnings} >= {"electricity_divergence", "yoy_outlier"}
    report = MonthlyReport.objects.get(period="2021-02-01", is_current=True)
    assert report.status == ReportStatus.PENDING
    value = IndicatorValue.objects.get(
        indicator__code="industrial_output", unit__division_code="410104", period="2021-02-01"
    )
    assert value.cumulative == 0 and value.growth is None
    for finding in Finding.objects.filter(report=report):
        services.explain_finding(
            None,
            finding,
            "春节后新增大额出口订单，生产线满负荷运行，用电按峰谷电价由园区统一结算",
            expected_version=finding.version,
        )
    value.refresh_from_db()
    assert value.cumulative == Decimal("40000000") and value.growth > 80


def test_register_read_by_scan_matches_the_in_list(economy, monkeypatch):
    """A city-wide file names most of the register: read by one scan past CHUNK codes."""
    from districtops.economy import imports

    codes = [fictional_credit_code(n) for n in (1, 2, 3, 99)]
    by_in_list = imports._registered_by_code(codes)
    monkeypatch.setattr(imports, "CHUNK", 2)
    assert imports._registered_by_code(codes) == by_in_list
    assert set(by_in_list) == {fictional_credit_code(n) for n in (1, 2, 3)}
