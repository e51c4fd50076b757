"""Pages for each persona: permitted, another unit, another district, bad input."""

import pytest

from districtops.economy.models import Enterprise, Finding, MonthlyReport
from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import INDUSTRY_HEADER, import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(economy):
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    return economy


@pytest.mark.parametrize("username", ["tongji", "leader", "supervisor", "nanguan"])
def test_dashboard_for_permitted_personas(data, login, username):
    response = login(username).get("/economy/")
    assert response.status_code == 200
    assert "规上工业总产值" in response.content.decode()


def test_dashboard_street_view_is_the_street(data, login):
    response = login("nanguan").get("/economy/")
    assert response.context["unit"].name == "南关街街道"
    assert response.context["drivers"] is None  # other enterprises' contributions are not a street's to see


def test_dashboard_refused_without_economic_scope(data, login):
    # 城建局's head holds no district or street role that opens the statistics.
    assert login("chengjian").get("/economy/").status_code == 403
    assert login("chengjian").get(f"/economy/?unit={data['districts']['410104'].pk}").status_code == 403


def test_dashboard_of_another_district_refused_to_a_street(data, login):
    # 金水's street sees its own street's dashboard, never 管城's.
    client = login("jinshui")
    response = client.get("/economy/")
    assert response.status_code == 200 and response.context["unit"].name == "经八路街道"
    assert client.get(f"/economy/?unit={data['districts']['410104'].pk}").status_code == 403


def test_dashboard_query_count_is_bounded(data, login, django_assert_max_num_queries):
    client = login("tongji")
    client.get("/economy/")  # warm the forecast cache
    with django_assert_max_num_queries(60):
        assert client.get("/economy/").status_code == 200


def test_dashboard_export(data, login):
    response = login("tongji").get("/economy/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.parametrize(
    ("username", "status"), [("tongji", 200), ("nanguan", 200), ("beixiajie", 404), ("jinshui", 404)]
)
def test_enterprise_and_report_detail_scope(data, login, username, status):
    enterprise = Enterprise.objects.get(credit_code=fictional_credit_code(1))
    report = MonthlyReport.objects.filter(enterprise=enterprise).first()
    client = login(username)
    assert client.get(f"/economy/enterprises/{enterprise.pk}/").status_code == status
    assert client.get(f"/economy/reports/{report.pk}/").status_code == status


def test_enterprise_list_filters_and_scope(data, login, django_assert_max_num_queries):
    client = login("nanguan")
    with django_assert_max_num_queries(15):
        body = client.get("/economy/enterprises/").content.decode()
    assert "示例机械制造有限公司" in body and "示例食品有限公司" not in body  # 北下街's
    assert "示例食品有限公司" in login("tongji").get("/economy/enterprises/?above=0").content.decode()
    assert login("jinshui").get("/economy/enterprises/").context["page"].paginator.count == 0
    export = login("tongji").get("/economy/enterprises/export/")
    assert export.status_code == 200


def test_explain_through_the_page(data, login):
    finding = Finding.objects.filter(status="open").first()
    client = login("tongji")
    response = client.post(
        f"/economy/findings/{finding.pk}/explain/",
        {"version": finding.version, "explanation": "核实无误"},
        follow=True,
    )
    assert "套话" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == "open"
    client.post(
        f"/economy/findings/{finding.pk}/explain/",
        {"version": finding.version, "explanation": "春节后新增出口订单，两条产线满负荷运行"},
    )
    finding.refresh_from_db()
    assert finding.status == "explained"
    assert (
        login("beixiajie")
        .post(f"/economy/findings/{finding.pk}/review/", {"version": 1, "decision": "accept"})
        .status_code
        == 404
    )
    assert (
        login("nanguan")
        .post(f"/economy/findings/{finding.pk}/review/", {"version": finding.version, "decision": "accept"})
        .status_code
        == 403
    )
    client.post(f"/economy/findings/{finding.pk}/review/", {"version": finding.version, "decision": "accept"})
    finding.refresh_from_db()
    assert finding.status == "accepted"


def test_finding_list(data, login):
    assert login("tongji").get("/economy/findings/").context["page"].paginator.count >= 1
    assert login("beixiajie").get("/economy/findings/").context["page"].paginator.count == 0


def test_import_page(economy, login):
    client = login("tongji")
    assert client.get("/economy/imports/").status_code == 200
    content = xlsx_bytes([INDUSTRY_HEADER, industry_row(1, "2021-02", 100, 90)])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("报表.xlsx", content)
    response = client.post("/economy/imports/", {"kind": "reports", "file": upload})
    body = response.content.decode()
    assert "已拒绝" in body and "1-2月的本年累计应等于本期数" in body
    assert MonthlyReport.objects.count() == 0
    fake = SimpleUploadedFile("报表.xlsx", b"MZ\x90\x00not excel")
    response = client.post("/economy/imports/", {"kind": "reports", "file": fake})
    assert "内容与扩展名不符" in response.content.decode()
    assert login("nanguan").get("/economy/imports/").status_code == 403


def test_rules_pages(economy, login):
    from districtops.economy.models import AuditRule

    rule = AuditRule.objects.get(code="round_figures")
    assert login("nanguan").get("/economy/rules/").status_code == 200
    assert login("nanguan").get(f"/economy/rules/{rule.pk}/").status_code == 403
    client = login("tongji")
    response = client.post(
        f"/economy/rules/{rule.pk}/",
        {"version": rule.version, "is_enabled": "on", "weight": "1", "param_threshold": "x"},
    )
    assert response.status_code == 200  # form error: not a number
    client.post(
        f"/economy/rules/{rule.pk}/",
        {"version": rule.version, "is_enabled": "", "weight": "2", "param_threshold": "3"},
    )
    rule.refresh_from_db()
    assert rule.is_enabled is False and rule.params["threshold"] == 3 and rule.weight == 2


def test_quality_pool_and_targets_pages(data, login):
    client = login("tongji")
    body = client.get("/economy/quality/").content.decode()
    assert "本福特" in body and "示例机械制造有限公司" in body
    assert client.get("/economy/pool/").status_code == 200
    assert client.get("/economy/targets/").status_code == 200
    assert login("nanguan").get("/economy/quality/").status_code == 200
    assert "本福特" not in login("nanguan").get("/economy/quality/").content.decode()


def test_target_form_and_value_entry(data, login):
    from districtops.economy.models import Indicator, IndicatorValue, Target

    district = data["districts"]["410104"]
    indicator = Indicator.objects.get(code="fiscal_revenue")
    client = login("tongji")
    client.post(
        "/economy/targets/", {"indicator": indicator.pk, "unit": district.pk, "year": 2021, "growth": "6"}
    )
    assert Target.objects.filter(indicator=indicator, year=2021).exists()
    client.post(
        "/economy/values/",
        {
            "indicator": indicator.pk,
            "unit": district.pk,
            "period": "2021年1-2月",
            "cumulative": "3.5",
            "growth": "8",
        },
    )
    assert IndicatorValue.objects.get(indicator=indicator, unit=district).cumulative == 350_000_000
    response = login("nanguan").post(
        "/economy/targets/", {"indicator": indicator.pk, "unit": district.pk, "year": 2021, "growth": "6"}
    )
    assert response.status_code == 200 and Target.objects.count() == 1


def test_forecast_fragment(data, login):
    response = login("tongji").get("/economy/forecast/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "全年预判" in response.content.decode()
    assert "<html" not in response.content.decode()
    # Opened directly it is the dashboard (which loads the card), never a bare fragment.
    direct = login("tongji").get("/economy/forecast/?period=2021-02")
    assert direct.status_code == 302 and direct.url == "/economy/?period=2021-02"
    assert login("chengjian").get("/economy/forecast/").status_code == 403
    assert login("chengjian").get("/economy/forecast/", HTTP_HX_REQUEST="true").status_code == 403


def test_home_panel(data, login):
    body = login("tongji").get("/").content.decode()
    assert "红灯指标" in body and "待说明" in body
    assert login("chengjian").get("/").status_code == 200
