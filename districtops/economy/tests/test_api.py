import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from districtops.economy.models import AuditRule, Enterprise, Finding, MonthlyReport
from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import INDUSTRY_HEADER, import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(economy):
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    return economy


def test_enterprises_scope(data, api_client):
    assert api_client("tongji").get("/api/v1/economy/enterprises").json()["count"] == 3
    names = {e["name"] for e in api_client("nanguan").get("/api/v1/economy/enterprises").json()["items"]}
    assert names == {"示例机械制造有限公司", "示例百货零售有限公司"}
    assert api_client("jinshui").get("/api/v1/economy/enterprises").json()["count"] == 0
    pk = Enterprise.objects.get(credit_code=fictional_credit_code(1)).pk
    assert api_client("beixiajie").get(f"/api/v1/economy/enterprises/{pk}").status_code == 404
    assert api_client("nanguan").get(f"/api/v1/economy/enterprises/{pk}").json()[
        "credit_code"
    ] == fictional_credit_code(1)


def test_reports_and_findings(data, api_client):
    client = api_client("tongji")
    reports = client.get("/api/v1/economy/reports?period=2021-02").json()
    assert reports["count"] == 1 and reports["items"][0]["status"] == "pending"
    assert {f["rule"] for f in reports["items"][0]["findings"]} >= {"electricity_divergence"}
    report_pk = reports["items"][0]["id"]
    assert api_client("jinshui").get(f"/api/v1/economy/reports/{report_pk}").status_code == 404
    findings = client.get("/api/v1/economy/findings?status=open").json()["items"]
    assert client.get("/api/v1/economy/findings?status=bogus").status_code == 422
    finding = findings[0]
    url = f"/api/v1/economy/findings/{finding['id']}/explain"
    bad = client.post(
        url, {"version": finding["version"], "explanation": "核实无误"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "explanation"]
    stale = client.post(
        url, {"version": 99, "explanation": "新增出口订单，产线满负荷运行中"}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert (
        api_client("beixiajie")
        .post(
            url,
            {"version": finding["version"], "explanation": "新增出口订单，产线满负荷运行中"},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    ok = client.post(
        url,
        {"version": finding["version"], "explanation": "新增出口订单，产线满负荷运行中"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "explained"
    review = f"/api/v1/economy/findings/{finding['id']}/review"
    body = {"version": ok.json()["version"], "accept": True}
    assert api_client("nanguan").post(review, body, content_type="application/json").status_code == 403
    assert client.post(review, body, content_type="application/json").json()["status"] == "accepted"


def test_indicators_endpoint(data, api_client):
    payload = api_client("tongji").get("/api/v1/economy/indicators").json()
    assert payload["unit"] == "管城回族区" and payload["period"] == "2021年1-2月"
    row = next(r for r in payload["indicators"] if r["code"] == "industrial_output")
    assert row["cumulative"] is not None
    assert api_client("chengjian").get("/api/v1/economy/indicators").status_code == 403
    district = data["districts"]["410104"].pk
    assert api_client("nanguan").get(f"/api/v1/economy/indicators?unit={district}").status_code == 403


def test_targets_endpoint(data, api_client):
    district = data["districts"]["410104"].pk
    body = {
        "indicator": "industrial_output",
        "unit_id": district,
        "year": 2021,
        "quarter": 1,
        "growth": "35",
        "label": "开门红",
    }
    created = api_client("tongji").post("/api/v1/economy/targets", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["kind"] == "quarter"
    assert (
        api_client("nanguan")
        .post("/api/v1/economy/targets", body, content_type="application/json")
        .status_code
        == 403
    )
    bad = api_client("tongji").post(
        "/api/v1/economy/targets", {**body, "quarter": 7}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert len(api_client("leader").get("/api/v1/economy/targets").json()["items"]) == 1
    assert api_client("jinshui").get("/api/v1/economy/targets").json()["items"] == []


def test_rules_endpoint(economy, api_client):
    rule = AuditRule.objects.get(code="sudden_jump")
    url = f"/api/v1/economy/rules/{rule.pk}"
    body = {"version": rule.version, "is_enabled": True, "params": {"spike_share": 0.2}}
    assert api_client("nanguan").patch(url, body, content_type="application/json").status_code == 403
    assert (
        api_client("tongji").patch(url, body, content_type="application/json").json()["params"]["spike_share"]
        == 0.2
    )
    assert api_client("tongji").patch(url, body, content_type="application/json").status_code == 409


def test_import_endpoint(economy, api_client):
    content = xlsx_bytes([INDUSTRY_HEADER, industry_row(1, "2021-02", 100, 90)])
    url = "/api/v1/economy/imports/reports"
    refused = api_client("tongji").post(url, {"file": SimpleUploadedFile("r.xlsx", content)})
    assert refused.status_code == 422
    finding = refused.json()["findings"][0]
    assert (
        finding["row"] == 2 and finding["rule"] == "cumulative_consistency" and finding["severity"] == "error"
    )
    good = xlsx_bytes([INDUSTRY_HEADER, industry_row(1, "2021-02", 100, 100)])
    checked = api_client("tongji").post(
        url + "?check_only=true", {"file": SimpleUploadedFile("r.xlsx", good)}
    )
    assert checked.status_code == 200 and MonthlyReport.objects.count() == 0
    assert api_client("tongji").post(url, {"file": SimpleUploadedFile("r.xlsx", good)}).status_code == 200
    assert MonthlyReport.objects.count() == 1
    assert api_client("nanguan").post(url, {"file": SimpleUploadedFile("r.xlsx", good)}).status_code == 403


def test_cli_import_commands(economy, tmp_path, capsys):
    from django.core.management import call_command

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes([INDUSTRY_HEADER, *industry_history(1, year_from=2021)]))
    call_command("import-reports", str(good), "--check-only", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["accepted"] and out["check_only"] and MonthlyReport.objects.count() == 0
    call_command("import-reports", str(good))
    assert "导入通过" in capsys.readouterr().out and MonthlyReport.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([INDUSTRY_HEADER, industry_row(1, "2021-03", "abc", 100)]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-reports", str(bad), "--json")
    assert exit_info.value.code == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings[0]["row"] == 2 and "不是数字" in findings[0]["message"]
    enterprises = tmp_path / "e.xlsx"
    enterprises.write_bytes(
        xlsx_bytes(
            [
                ["企业名称", "信用代码", "行业代码", "区划代码"],
                ["新企业（示例）", fictional_credit_code(40), "7211", "410104005000"],
            ]
        )
    )
    call_command("import-enterprises", str(enterprises), "--json")
    assert json.loads(capsys.readouterr().out)["summary"]["created"] == 1
    assert Finding.objects.count() == 0
