"""The risk score through the import: stored with its evidence, findings only at the threshold,
graded, the findings page as a ranked queue with the review capacity shown and set."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from districtops.economy import services
from districtops.economy.models import EconomySettings, Finding, MonthlyReport

from .conftest import import_grid, import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


def inflated(n, factor=2.0):
    """Factory n's history, then 1-2月 2021 with output × factor and its own 用电量 inflated alike,
    while the grid meter reads what it always read."""
    rows = industry_history(n, upto=(2021, 2))
    import_industry(rows[:-1])
    honest = rows[-1]
    import_grid([(honest[0], "2021-02", honest[6])])
    value = round(honest[2] * factor)
    return import_industry(
        [industry_row(n, "2021-02", value, value, power=round(honest[6] * factor))], grid=False
    )


def test_evidence_is_stored_on_the_report_and_shown(economy, login):
    result = inflated(1)
    assert result.accepted and result.summary["findings"] >= 2
    report = MonthlyReport.objects.get(
        enterprise__credit_code=industry_row(1, "", 0, 0)[0], period="2021-02-01"
    )
    codes = {e["rule"] for e in report.risk_evidence}
    assert {"electricity_divergence", "power_mismatch"} <= codes
    assert report.risk_score == Decimal(str(round(sum(e["points"] for e in report.risk_evidence), 2)))
    assert report.risk_score >= 1 and report.status == "pending"
    assert set(report.findings.values_list("grade", flat=True)) == {"high"}
    body = login("tongji").get(f"/economy/reports/{report.pk}/").content.decode()
    assert 'data-testid="risk-score">' + str(report.risk_score) in body
    assert "自报用电量" in body and "产值与电网用电背离" in body


def test_threshold_is_the_districts_setting(economy, users):
    district = economy["districts"]["410104"]
    services.update_settings(users["tongji"], district, expected_version=None, risk_threshold=Decimal("50"))
    result = inflated(1)
    report = MonthlyReport.objects.get(period="2021-02-01")
    assert result.summary["findings"] == 0 and report.status == "accepted"
    assert report.risk_score > 1 and report.risk_evidence  # the evidence is kept below the threshold


def test_queue_is_ranked_and_shows_the_capacity(economy, login, users):
    inflated(1, factor=1.6)
    inflated(2, factor=3.0)
    district = economy["districts"]["410104"]
    services.update_settings(users["tongji"], district, expected_version=None, review_capacity=1)
    response = login("tongji").get("/economy/findings/")
    rows = list(response.context["page"])
    scores = [f.report.risk_score for f in rows]
    assert scores == sorted(scores, reverse=True) and len(set(f.report_id for f in rows)) == 2
    top = rows[0].report_id
    assert response.context["within"] == {top}
    body = response.content.decode()
    assert "前 1 家为本期重点核查" in body and "超出核查能力" in body and "本期核查" in body
    assert 'data-testid="risk-threshold"' in body  # the statistician may change it here
    assert 'data-testid="risk-threshold"' not in login("leader").get("/economy/findings/").content.decode()


def test_capacity_form_saves_and_refuses(economy, login):
    client = login("tongji")
    response = client.post("/economy/findings/capacity/", {"risk_threshold": "2.5", "review_capacity": "30"})
    assert response.status_code == 302
    setting = EconomySettings.objects.get(district__division_code="410104")
    assert setting.risk_threshold == Decimal("2.5") and setting.review_capacity == 30
    refused = client.post(
        "/economy/findings/capacity/",
        {"risk_threshold": "0", "review_capacity": "30", "version": setting.version},
        follow=True,
    )
    assert "风险分阈值应在 0.1 到 100 之间" in refused.content.decode()
    setting.refresh_from_db()
    assert setting.risk_threshold == Decimal("2.5")
    assert login("nanguan").post(
        "/economy/findings/capacity/", {"risk_threshold": "3", "review_capacity": "1"}
    ).status_code in (302, 403)
    setting.refresh_from_db()
    assert setting.risk_threshold == Decimal("2.5")  # a street cannot change it


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"risk_threshold": "abc"}, "risk_threshold"),
        ({"risk_threshold": "1000"}, "risk_threshold"),
        ({"review_capacity": -1}, "review_capacity"),
        ({"review_capacity": "x"}, "review_capacity"),
    ],
)
def test_capacity_settings_refused(economy, users, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.update_settings(
            users["tongji"], economy["districts"]["410104"], expected_version=None, **changes
        )
    assert field in exc.value.message_dict


def test_rule_weight_and_tax_events_through_the_service(economy, users):
    from districtops.economy.models import AuditRule

    rule = AuditRule.objects.get(code="tax_divergence")
    events = [{"from": "2020-03", "to": "2021-12", "taxpayer_class": "small_scale", "factor": 0.3333}]
    saved = services.update_rule(
        users["tongji"],
        rule,
        is_enabled=True,
        params={"events": events},
        weight=2,
        expected_version=rule.version,
    )
    assert saved.weight == 2 and saved.params["events"][0]["taxpayer_class"] == "small_scale"
    for params, weight, fragment in (
        ({"events": [{"from": "2021-03", "to": "2020-03", "factor": 0.5}]}, None, "早于开始月份"),
        ({"bogus": 1}, None, "没有参数"),
        ({}, -1, "风险权重"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.update_rule(
                users["tongji"], saved, is_enabled=True, params=params, weight=weight, expected_version=None
            )
        assert fragment in str(exc.value)
    saved.refresh_from_db()
    assert saved.weight == 2


def test_finding_workflow_still_works_on_graded_findings(economy, users):
    inflated(1)
    finding = Finding.objects.filter(status="open").first()
    explained = services.explain_finding(
        users["tongji"], finding, "新增出口订单，产线满负荷运行", expected_version=finding.version
    )
    assert explained.status == "explained" and explained.grade


def test_import_page_names_rules_in_chinese_and_amounts_in_thousands(economy, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from districtops.economy.samples import xlsx_bytes

    from .conftest import INDUSTRY_HEADER

    content = xlsx_bytes([INDUSTRY_HEADER, industry_row(1, "2021-02", 100, 90)])
    response = login("tongji").post(
        "/economy/imports/", {"kind": "reports", "file": SimpleUploadedFile("报表.xlsx", content)}
    )
    body = response.content.decode()
    assert "1-2月的本年累计应等于本期数（100 千元）" in body  # the file's unit, not 100,000 元
    assert "<td>累计数衔接</td>" in body and "cumulative_consistency" not in body


def test_api_gives_the_score_its_evidence_and_the_grade(economy, api_client):
    inflated(1)
    item = api_client("tongji").get("/api/v1/economy/reports?period=2021-02").json()["items"][0]
    assert item["risk_score"] >= 1 and {e["rule"] for e in item["risk_evidence"]} >= {"power_mismatch"}
    assert {f["grade"] for f in item["findings"]} == {"high"}


def test_rule_page_edits_list_parameters_as_json(economy, login):
    import json

    from districtops.economy.models import AuditRule

    rule = AuditRule.objects.get(code="tax_divergence")
    client = login("tongji")
    assert client.get(f"/economy/rules/{rule.pk}/").status_code == 200
    form = {
        "version": rule.version,
        "is_enabled": "on",
        "weight": "1.5",
        "param_tolerance": "0.3",
        "param_broken_bases": json.dumps(rule.params["broken_bases"]),
    }
    bad = client.post(
        f"/economy/rules/{rule.pk}/",
        {**form, "param_events": json.dumps([{"from": "2020-3", "factor": 0.5}])},
    )
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()
    good = [{"from": "2022-04", "to": "2022-12", "taxpayer_class": "small_scale", "factor": 0.01}]
    assert (
        client.post(f"/economy/rules/{rule.pk}/", {**form, "param_events": json.dumps(good)}).status_code
        == 302
    )
    rule.refresh_from_db()
    assert rule.params["events"][0]["from"] == "2022-04" and rule.weight == Decimal("1.5")
