"""The explanation workflow, rule tuning, targets, entered values and who may do each."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.audit.models import AuditRecord
from districtops.economy import services
from districtops.economy.models import (
    AuditRule,
    Finding,
    FindingStatus,
    Indicator,
    IndicatorValue,
    MonthlyReport,
    ReportStatus,
)
from districtops.economy.periods import Period
from districtops.gate.services import ConflictError

from .conftest import import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db
GOOD = "春节后新增大额出口订单，生产线满负荷运行，用电由园区光伏自供"


@pytest.fixture
def flagged(economy):
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    result = import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    assert result.warnings
    return Finding.objects.filter(report__period="2021-02-01").order_by("pk").first()


def value_2021(code="industrial_output"):
    return IndicatorValue.objects.get(indicator__code=code, unit__division_code="410104", period="2021-02-01")


def test_explain_accept_reject_cycle(flagged, users):
    tongji = users["tongji"]
    with pytest.raises(ValidationError):
        services.explain_finding(tongji, flagged, "核实无误", expected_version=flagged.version)
    for finding in Finding.objects.filter(report=flagged.report):
        services.explain_finding(tongji, finding, GOOD, expected_version=finding.version)
    report = MonthlyReport.objects.get(pk=flagged.report_id)
    assert report.status == ReportStatus.EXPLAINED and value_2021().cumulative == Decimal("40000000")
    finding = Finding.objects.get(pk=flagged.pk)
    with pytest.raises(ValidationError):
        services.review_finding(tongji, finding, accept=False, comment="", expected_version=finding.version)
    finding = services.review_finding(
        tongji, finding, accept=False, comment="用电记录不符", expected_version=finding.version
    )
    assert finding.status == FindingStatus.REJECTED
    assert MonthlyReport.objects.get(pk=flagged.report_id).status == ReportStatus.REJECTED
    assert value_2021().cumulative == 0  # a refused explanation takes the report out again
    assert AuditRecord.objects.filter(action="reject", object_id=str(finding.pk)).exists()
    with pytest.raises(ValidationError):  # accepted → nothing; rejected → only a new explanation
        services.review_finding(tongji, finding, accept=True, expected_version=finding.version)


def test_stale_version_conflicts(flagged, users):
    with pytest.raises(ConflictError):
        services.explain_finding(users["tongji"], flagged, GOOD, expected_version=flagged.version + 1)


def test_street_may_explain_but_not_review(flagged, users):
    finding = services.explain_finding(users["nanguan"], flagged, GOOD, expected_version=flagged.version)
    with pytest.raises(PermissionDenied):
        services.review_finding(users["nanguan"], finding, accept=True, expected_version=finding.version)


@pytest.mark.parametrize("username", ["beixiajie", "jinshui", "chengjian"])
def test_others_may_not_explain(flagged, users, username):
    with pytest.raises(PermissionDenied):
        services.explain_finding(users[username], flagged, GOOD, expected_version=flagged.version)


def test_rule_tuning_is_data_and_changes_the_outcome(economy, users):
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    rule = AuditRule.objects.get(code="electricity_divergence")
    services.update_rule(
        users["tongji"], rule, is_enabled=True, params={"ratio_jump": "3"}, expected_version=rule.version
    )
    yoy = AuditRule.objects.get(code="yoy_outlier")
    services.update_rule(users["tongji"], yoy, is_enabled=False, params={}, expected_version=yoy.version)
    result = import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    assert result.accepted and not {w.rule for w in result.warnings} & {
        "electricity_divergence",
        "yoy_outlier",
    }
    with pytest.raises(ValidationError):
        services.update_rule(
            users["tongji"], rule, is_enabled=True, params={"nonsense": 1}, expected_version=None
        )
    with pytest.raises(ValidationError):
        services.update_rule(
            users["tongji"], rule, is_enabled=True, params={"ratio_jump": "abc"}, expected_version=None
        )
    with pytest.raises(PermissionDenied):
        services.update_rule(users["nanguan"], rule, is_enabled=False, params={}, expected_version=None)


def test_targets_and_entered_values(economy, users):
    district = economy["districts"]["410104"]
    fiscal = Indicator.objects.get(code="fiscal_revenue")
    target = services.set_target(users["tongji"], fiscal, district, 2021, growth=Decimal(6))
    assert target.kind == "annual"
    q1 = services.set_target(
        users["tongji"], fiscal, district, 2021, growth=Decimal(10), quarter=1, label="开门红"
    )
    assert q1.kind == "quarter"
    with pytest.raises(PermissionDenied):
        services.set_target(users["nanguan"], fiscal, district, 2021, growth=Decimal(6))
    with pytest.raises(ValidationError):
        services.set_target(users["tongji"], fiscal, district, 2021, growth=Decimal(6), quarter=5)
    value = services.enter_indicator_value(
        users["tongji"], fiscal, district, Period(2021, 2), cumulative=Decimal("3.5e8"), growth=Decimal("8.2")
    )
    assert value.is_entered and not value.is_published
    with pytest.raises(ValidationError):  # aggregates are computed, never typed for one's own district
        services.enter_indicator_value(
            users["tongji"], Indicator.objects.get(code="industrial_output"), district, Period(2021, 2),
            cumulative=Decimal(1), growth=None,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.enter_indicator_value(
            users["tongji"], fiscal, district, Period(2021, 6), cumulative=Decimal(1), growth=None
        )
    peer = economy["districts"]["410105"]
    published = services.enter_indicator_value(
        users["tongji"], Indicator.objects.get(code="industrial_output"), peer, Period(2021, 2),
        cumulative=None, growth=Decimal("29.0"), published=True,
    )  # fmt: skip
    assert published.district_id == peer.pk and published.is_published
    with pytest.raises(PermissionDenied):
        services.enter_indicator_value(
            users["nanguan"], fiscal, district, Period(2021, 2), cumulative=None, growth=1
        )


def test_settings_validation(economy, users):
    district = economy["districts"]["410104"]
    settings = services.update_settings(
        users["tongji"], district, expected_version=None, annual_upgrade_goal=12
    )
    assert settings.annual_upgrade_goal == 12 and services.settings_for(district.pk).pk == settings.pk
    with pytest.raises(ValidationError):
        services.update_settings(
            users["tongji"], district, expected_version=None, candidate_share=Decimal("1.5")
        )


def test_statistician_cannot_import_another_districts_enterprise(economy, users):
    from districtops.economy import imports
    from districtops.economy.samples import fictional_credit_code, xlsx_bytes

    rows = [["单位详细名称", "统一社会信用代码", "行业代码", "统计用区划代码"],
            ["金水示例有限公司", fictional_credit_code(5, "410105"), "3411", "410105001000"]]  # fmt: skip
    result = imports.import_enterprises(users["tongji"], xlsx_bytes(rows), "x.xlsx")
    assert not result.accepted and "不在您的辖区" in result.errors[0].message
    with pytest.raises(PermissionDenied):
        imports.import_enterprises(users["nanguan"], xlsx_bytes(rows), "x.xlsx")


def test_pool_and_drivers(economy):
    from districtops.economy import indicators, pool
    from districtops.economy.models import Enterprise

    import_industry(industry_history(1))
    settings = services.settings_for(economy["districts"]["410104"].pk)
    settings.annual_upgrade_goal = 1
    result = pool.candidate_pool(Enterprise.objects.all(), settings, Period(2021, 2))
    # 示例食品: 1800 万元 ≥ 80 % of 2000 万元; 示例机械 is 四上 already; the retailer is 四上.
    assert [r["enterprise"].name for r in result["rows"]] == ["示例食品有限公司"]
    assert result["needed"] == 2 and not result["enough"]
    drivers = indicators.growth_drivers(
        Indicator.objects.get(code="industrial_output"), settings.district_id, Period(2021, 2)
    )
    assert drivers["total_pp"] == Decimal("5.00") and drivers["enterprises_up"][0]["pp"] == Decimal("5.00")


def test_pool_reads_trailing_revenue_from_twelve_months_of_reports(economy):
    """示例食品 (not 四上) reports monthly: the pool uses its last twelve months, not the register."""
    from districtops.economy import pool
    from districtops.economy.models import Enterprise

    rows = industry_history(2, year_from=2020)  # 2020 1-2月 … 2021 1-2月, in 千元
    assert import_industry(rows).accepted
    settings = services.settings_for(economy["districts"]["410104"].pk)
    result = pool.candidate_pool(Enterprise.objects.all(), settings, Period(2021, 2))
    row = next(r for r in result["rows"] if r["enterprise"].name == "示例食品有限公司")
    expected = sum(Decimal(r[4]) * 1000 for r in rows if r[1] >= "2020-03")  # 3月 … 12月 and 1-2月
    assert row["from_reports"] and row["revenue"] == expected and row["ready"]
    eleven_months = pool.trailing_revenue(Enterprise.objects.filter(name="示例食品有限公司"), Period(2021, 3))
    assert eleven_months == {}  # 2021-03 not reported: no complete twelve months
