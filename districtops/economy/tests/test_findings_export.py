"""The findings list's filters, shared by the findings page, the data-quality page, their Excel
export and the API."""

import io

import pytest
from openpyxl import load_workbook

from districtops.economy.models import Finding
from districtops.economy.samples import fictional_credit_code

from .conftest import import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(economy):
    """Factory 1 (南关街): an open electricity-divergence finding at 1-2月 2021; factory 2 (北下街):
    a copied report at 1-2月 2021."""
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    history = industry_history(2, upto=(2020, 12))
    import_industry(history)
    last_year = next(r for r in history if r[1] == "2020-02")
    import_industry([industry_row(2, "2021-02", last_year[2], last_year[3], power=last_year[6])])
    return economy


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("单位详细名称", "统一社会信用代码", "街道", "报告期")
    return rows[1:]


def test_page_filters_and_export_agree(data, login):
    client = login("tongji")
    everything = client.get("/economy/findings/?status=all").context["page"].paginator.count
    assert everything == Finding.objects.count() >= 2
    query = "status=all&rule=electricity_divergence&period=2021-02"
    page = client.get(f"/economy/findings/?{query}")
    assert (
        page.context["page"].paginator.count
        == Finding.objects.filter(rule__code="electricity_divergence", report__period__year=2021).count()
        >= 1
    )
    assert f'href="/economy/findings/export/?{query}"' in page.content.decode().replace("&amp;", "&")
    rows = sheet_rows(client.get(f"/economy/findings/export/?{query}"))
    assert len(rows) == page.context["page"].paginator.count
    assert {r[1] for r in rows} == {fictional_credit_code(1)}
    assert {r[3] for r in rows} == {"2021年1-2月"} and {r[4] for r in rows} == {"产值与电网用电背离"}
    # By enterprise, by credit-code prefix.
    rows = sheet_rows(client.get(f"/economy/findings/export/?status=all&q={fictional_credit_code(2)[:17]}"))
    assert rows and {r[1] for r in rows} == {fictional_credit_code(2)}


def test_export_is_scoped_like_the_page(data, login, economy):
    rows = sheet_rows(login("nanguan").get("/economy/findings/export/?status=all"))
    assert {r[1] for r in rows} == {fictional_credit_code(1)}  # 南关街's own enterprise only
    assert sheet_rows(login("jinshui").get("/economy/findings/export/?status=all")) == []
    # A unit outside the person's scope is not a filter they can use: the page names it (400)
    # and still shows only what the gate lets through; the export writes no workbook.
    other = economy["districts"]["410104"].pk
    refused = login("jinshui").get(f"/economy/findings/export/?unit={other}")
    assert refused.status_code == 400 and "不在您的查看范围内" in refused.content.decode()
    page = login("jinshui").get(f"/economy/findings/?unit={other}&status=all")
    assert page.status_code == 400 and not page.context["page"].object_list
    assert "单位" in page.context["filters"].errors[0]


def test_api_has_the_same_filters_and_export(data, login, api_client):
    client = api_client("tongji")
    query = "status=all&rule=electricity_divergence&period=2021-02"
    listed = client.get(f"/api/v1/economy/findings?{query}").json()
    page = login("tongji").get(f"/economy/findings/?{query}")
    assert listed["count"] == page.context["page"].paginator.count >= 1
    assert {f["rule"] for f in listed["items"]} == {"electricity_divergence"}
    assert len(sheet_rows(client.get(f"/api/v1/economy/findings/export?{query}"))) == listed["count"]
    for bad, field in (("rule=nope", "rule"), ("period=2021-13", "period"), ("status=bogus", "status")):
        response = client.get(f"/api/v1/economy/findings?{bad}")
        assert response.status_code == 422, bad
        assert field in str(response.json())
    other = data["districts"]["410105"].pk  # 金水: not the statistician's
    assert client.get(f"/api/v1/economy/findings?unit={other}").status_code == 422
    assert api_client("jinshui").get(f"/api/v1/economy/findings/export?{query}").status_code == 200
    assert sheet_rows(api_client("jinshui").get(f"/api/v1/economy/findings/export?{query}")) == []


def test_data_quality_page_uses_the_filters(data, login):
    client = login("tongji")
    unfiltered = client.get("/economy/quality/").context["riskiest"]
    assert {r["name"] for r in unfiltered} >= {"示例机械制造有限公司"}
    copied = client.get("/economy/quality/?rule=repeated_figures&status=all")
    names = {r["name"] for r in copied.context["riskiest"]}
    assert names and all(
        Finding.objects.filter(rule__code="repeated_figures", report__enterprise__name=n).exists()
        for n in names
    )
    body = copied.content.decode().replace("&amp;", "&")
    assert "/economy/findings/export/?status=all&rule=repeated_figures&unit=" in body
