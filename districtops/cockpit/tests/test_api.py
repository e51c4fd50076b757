import pytest

from .conftest import figure


def test_summary_for_own_district(district_data, api_client, login):
    response = api_client("leader").get("/api/v1/cockpit/410104?period=2021-02")
    assert response.status_code == 200
    data = response.json()
    assert data["district"]["code"] == "410104" and data["period"] == "2021-02"
    assert figure(data, "matters_overdue")["value"] == 2
    district = data["district"]["id"]
    assert figure(data, "matters_overdue")["url"] == f"/supervision/matters/?overdue=1&district={district}"
    page = login("leader").get("/cockpit/410104/?period=2021-02").content.decode()
    for section in data["sections"]:
        for f in section["figures"]:
            assert f'data-testid="figure-{f["key"]}"' in page
            assert f'<span class="figure-value">{f["text"]}</span>' in page


@pytest.mark.parametrize("username", ["nanguan", "jinshui_leader", "tongji"])
def test_other_district_or_no_oversight_is_404(district_data, api_client, username):
    assert api_client(username).get("/api/v1/cockpit/410104").status_code == 404


def test_unknown_district_is_404(district_data, api_client):
    assert api_client("leader").get("/api/v1/cockpit/999999").status_code == 404


def test_bad_period_is_422_with_field(district_data, api_client):
    response = api_client("leader").get("/api/v1/cockpit/410104?period=2021-2x")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "period"


def test_district_list(district_data, api_client, city_leader):
    assert [d["division_code"] for d in api_client("leader").get("/api/v1/cockpit/").json()["items"]] == [
        "410104"
    ]
    assert len(api_client("city_leader").get("/api/v1/cockpit/").json()["items"]) >= 6
    assert api_client("nanguan").get("/api/v1/cockpit/").json()["items"] == []


def test_requires_authentication(district_data, client):
    assert client.get("/api/v1/cockpit/410104").status_code == 401


def test_summary_carries_the_charts_and_the_statistics_period(economy_data, api_client):
    data = api_client("leader").get("/api/v1/cockpit/410104?period=2021-03").json()
    assert (data["statistics_period"], data["statistics_period_label"]) == ("2021-02", "2021年1-2月")
    charts = {c["key"]: c for s in data["sections"] for c in s["charts"]}
    growth = charts["growth_industrial_output"]
    assert growth["kind"] == "growth" and growth["data"]["target"] == 8.0
    assert growth["data"]["series"][0]["values"][0] == 30.1  # 1-2月 2021
    # No peer district has figures in this data: the ranking says why instead of drawing nothing.
    assert charts["peers"]["empty"] and not charts["peers"]["data"]["indicators"]
    forecast = next(t for s in data["sections"] for t in s["tables"] if t["key"] == "forecast")
    assert forecast["rows"] or forecast["notes"]
