import pytest

from districtops.jobs.models import Job, JobStatus
from districtops.jobs.services import run_job


def test_home_redirects_to_own_district(district_data, login):
    response = login("leader").get("/cockpit/")
    assert response.status_code == 302 and response.url == "/cockpit/410104/"


def test_home_refused_without_oversight(district_data, login):
    assert login("nanguan").get("/cockpit/").status_code == 403


def test_page_shows_figures_with_links_as_of_and_pinned_date(district_data, login):
    response = login("leader").get("/cockpit/410104/?period=2021-02")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="as-of"' in html and "报告期 2021年2月" in html
    assert 'data-testid="pinned-date"' in html and "2021-03-31" in html
    pk = district_data["districts"]["410104"].pk
    assert (
        f'href="/supervision/matters/?overdue=1&amp;district={pk}" data-testid="figure-matters_overdue"'
        in html
    )
    assert f'href="/hazards/?grade=major&amp;open=1&amp;district={pk}"' in html
    assert "督办事项逾期 2 件" in html


@pytest.mark.parametrize("username", ["nanguan", "jinshui_leader", "chengjian", "sysadmin"])
def test_district_outside_scope_is_404(district_data, login, username):
    assert login(username).get("/cockpit/410104/").status_code == 404
    assert login(username).get("/cockpit/410104/screen/").status_code == 404


def test_city_leader_switches_districts(district_data, login, city_leader):
    client = login("city_leader")
    page = client.get("/cockpit/410104/").content.decode()
    assert 'data-testid="cockpit-switch"' in page and "金水区" in page
    assert client.get("/cockpit/410105/").status_code == 200


def test_bad_period_says_so_and_falls_back(district_data, login):
    response = login("leader").get("/cockpit/410104/?period=2021-13", follow=True)
    assert response.status_code == 200
    assert "报告期“2021-13”格式有误" in response.content.decode()


def test_big_screen_and_its_data_endpoint(district_data, login):
    client = login("leader")
    page = client.get("/cockpit/410104/screen/").content.decode()
    assert 'data-refresh-seconds="60"' in page and 'data-testid="bigscreen"' in page
    assert "<script>" not in page and "onchange=" not in page and "onclick=" not in page
    data = client.get("/cockpit/410104/screen/data/").json()
    assert {f["key"] for f in data["alarms"]} >= {"matters_overdue", "hazards_major_open"}
    overdue = next(f for f in data["alarms"] if f["key"] == "matters_overdue")
    assert overdue["text"] == "2" and "overdue=1" in overdue["url"]
    assert {"matters_by_age", "hazards_by_grade", "nodes_by_post", "streets"} <= set(data["charts"])
    assert data["warnings"] and all(isinstance(w, str) for w in data["warnings"])
    # Someone else's district answers 404 like a missing one, and a stranger is sent to log in.
    assert client.get("/cockpit/410105/screen/data/").status_code == 404
    assert login("beixiajie").get("/cockpit/410104/screen/data/").status_code == 404


def test_cockpit_page_has_no_inline_script_and_embeds_its_charts(district_data, login):
    page = login("leader").get("/cockpit/410104/").content.decode()
    assert "onchange=" not in page and "<script>" not in page
    assert 'id="cockpit-charts"' in page and 'data-chart="hazards_by_grade"' in page
    assert "data-district-switch" not in page  # one district: no switch


def test_chart_click_through_urls_are_the_lists_filters(district_data, login):
    from districtops.cockpit import services

    district = district_data["districts"]["410104"]
    summary = services.district_summary(None, district)
    charts = services.charts_of(summary)
    client = login("leader")
    hazards = charts["hazards_by_grade"]["data"]
    general_registered = next(s for s in hazards["series"] if s["state"] == "registered")
    url = general_registered["urls"][0]
    assert url == f"/hazards/?grade=general&state=registered&district={district.pk}"
    assert general_registered["values"][0] == 1
    assert client.get(url).content.decode().count("隐患H-2") == 1
    streets = charts["streets"]["data"]
    row = streets["rows"].index("北下街街道")
    assert streets["values"][row][0] == 1 and "overdue=1" in streets["urls"][row][0]
    assert "逾期一" in client.get(streets["urls"][row][0]).content.decode()


def test_briefing_button_runs_a_recorded_job(district_data, login, users):
    client = login("leader")
    response = client.post("/cockpit/410104/briefing/", {"period": "2021-02"})
    job = Job.objects.get(name="cockpit.briefing")
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.created_by == users["leader"]
    job = run_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.log
    assert job.result_file.name.endswith(".docx")
    assert client.get(f"/jobs/{job.pk}/result/").status_code == 200
    annex = client.get(f"/cockpit/briefings/{job.pk}/xlsx/")
    assert annex.status_code == 200 and b"".join(annex.streaming_content)[:2] == b"PK"
    # Another person cannot fetch the annex of someone else's job.
    # Those who may see the district's cockpit see its briefing; a street's staff and admins do not.
    assert login("supervisor").get(f"/cockpit/briefings/{job.pk}/xlsx/").status_code == 200
    assert login("nanguan").get(f"/cockpit/briefings/{job.pk}/xlsx/").status_code == 404
    assert login("sysadmin").get(f"/cockpit/briefings/{job.pk}/xlsx/").status_code == 404
    # The PDF offered is LibreOffice's conversion of that document; the 文号 is in the register
    # and on the cockpit page, and the next briefing of the year takes the next number.
    pdf = b"".join(client.get(f"/cockpit/briefings/{job.pk}/pdf/").streaming_content)
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as printed:
        assert printed.metadata["Producer"].startswith("LibreOffice")
    assert job.result["doc_number"] == "管政办通〔2021〕1号"
    page = client.get("/cockpit/410104/").content.decode()
    assert 'data-testid="doc-number">管政办通〔2021〕1号<' in page
    assert "管政办通〔2021〕1号" not in login("jinshui_leader").get("/cockpit/410105/").content.decode()
    from districtops.cockpit.models import IssuedBriefing

    row = IssuedBriefing.objects.get()
    assert (row.job_id, row.created_by, row.period) == (job.pk, users["leader"], "2021-02")


def test_briefing_button_refuses_bad_period_and_other_districts(district_data, login):
    response = login("leader").post("/cockpit/410104/briefing/", {"period": "02/2021"}, follow=True)
    assert "格式有误" in response.content.decode()
    assert not Job.objects.filter(name="cockpit.briefing").exists()
    assert login("jinshui_leader").post("/cockpit/410104/briefing/", {"period": "2021-02"}).status_code == 404
    assert login("leader").get("/cockpit/410104/briefing/").status_code == 405


def test_subscribe_and_cancel(district_data, login, users, org):
    from districtops.cockpit.models import Subscription

    client = login("leader")
    district = org["districts"]["410104"]
    response = client.post(
        "/cockpit/subscriptions/",
        {"district": district.pk, "channel": "email", "target": "leader@example.gov.cn", "weekday": 0},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=users["leader"])
    assert "leader@example.gov.cn" in client.get("/cockpit/subscriptions/").content.decode()
    # Someone else's subscription is not theirs to cancel.
    assert login("supervisor").post(f"/cockpit/subscriptions/{subscription.pk}/delete/").status_code == 404
    assert client.post(f"/cockpit/subscriptions/{subscription.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"channel": "email", "target": "not-an-address"}, "target", "有效的电子邮件地址"),
        ({"channel": "dingtalk", "target": "http://oapi.dingtalk.com/robot/send"}, "target", "https://"),
        ({"channel": "wecom", "target": "https://qyapi.weixin.qq.com/x", "secret": "s"}, "secret", "钉钉"),
    ],
)
def test_subscription_bad_input(district_data, login, org, data, field, message):
    from districtops.cockpit.models import Subscription

    payload = {"district": org["districts"]["410104"].pk, "weekday": 0, **data}
    response = login("leader").post("/cockpit/subscriptions/", payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Subscription.objects.exists()


def test_subscription_to_another_district_refused(district_data, login, org):
    response = login("leader").post(
        "/cockpit/subscriptions/",
        {"district": org["districts"]["410105"].pk, "channel": "email", "target": "a@b.cn", "weekday": 0},
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert login("nanguan").get("/cockpit/subscriptions/").status_code == 403


def test_query_count_of_the_page_is_constant(district_data, login, units, django_assert_max_num_queries):
    from .conftest import add_matter

    client = login("leader")
    client.get("/cockpit/410104/")  # warm the session and the scope
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get("/cockpit/410104/")
    for i in range(20):
        add_matter(units, f"批量{i}", "金岱街道", state="in_progress", deadline=dt.date(2021, 1, 1))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/cockpit/410104/")


def test_briefing_job_fails_cleanly_for_a_district_out_of_scope(district_data, users):
    from districtops.jobs.services import start_job

    job = start_job(
        users["nanguan"],
        "cockpit.briefing",
        {"district_code": "410104", "period": "2021-02", "user_id": users["nanguan"].pk},
        enqueue=False,
    )
    job = run_job(job.pk)
    assert job.status == JobStatus.FAILED and "无权查看区 410104" in job.log


def test_no_pdf_link_without_libreoffice(district_data, login, monkeypatch):
    from districtops.cockpit import briefing

    monkeypatch.setattr(briefing.shutil, "which", lambda name: None)
    client = login("leader")
    client.post("/cockpit/410104/briefing/", {"period": "2021-02"})
    job = run_job(Job.objects.get(name="cockpit.briefing").pk)
    assert "未安装 LibreOffice" in job.log
    assert client.get(f"/cockpit/briefings/{job.pk}/pdf/").status_code == 404


def test_subscription_list_masks_the_robot_url(district_data, login, users, org, monkeypatch):
    """A robot's webhook URL carries its key: the list shows target_display, never the URL."""
    from districtops.cockpit import services
    from districtops.core import webhooks

    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    secret = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={secret}"
    sub = services.create_subscription(
        users["leader"], district=org["districts"]["410104"], channel="wecom", target=url
    )
    page = login("leader").get("/cockpit/subscriptions/").content.decode()
    assert secret not in page and secret[:8] not in page
    assert sub.target_display in page and "qyapi.weixin.qq.com/cgi-bin/webhook/send" in page
