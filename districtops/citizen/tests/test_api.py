from districtops.citizen import services

BASE = "/api/v1/citizen"


def test_api_triage_and_decline(org, categories, api_client):
    a = services.file_report(service=categories["road"], description="坑", address="x")
    b = services.file_report(service=categories["road"], description="非本区", address="y")
    office = api_client("supervisor")
    assert office.get(f"{BASE}/reports").json()["count"] == 2
    assert api_client("nanguan").get(f"{BASE}/reports").json()["count"] == 0
    assert api_client("jinshui_leader").get(f"{BASE}/reports/{a.pk}").status_code == 404
    body = {"lead_unit_id": org["units"]["南关街街道"].pk, "working_days": 2}
    assert (
        api_client("nanguan")
        .post(f"{BASE}/reports/{a.pk}/triage", body, content_type="application/json")
        .status_code
        == 404
    )
    r = office.post(f"{BASE}/reports/{a.pk}/triage", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "assigned" and r.json()["matter_id"]
    assert api_client("nanguan").get(f"{BASE}/reports/{a.pk}").status_code == 200
    r = office.post(f"{BASE}/reports/{a.pk}/triage", body, content_type="application/json")
    assert r.status_code == 422
    r = office.post(f"{BASE}/reports/{b.pk}/decline", {"reason": " "}, content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = office.post(
        f"{BASE}/reports/{b.pk}/decline", {"reason": "属金水区管辖"}, content_type="application/json"
    )
    assert r.json()["public_open"] is False
