"""The month lifecycle (数据审定与发布): leaders see the latest published period only."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.cockpit import services as cockpit
from districtops.cockpit.figures import Month
from districtops.cockpit.sections import statistics_period
from districtops.economy import dashboard as dash
from districtops.economy import imports, releases
from districtops.economy.models import Enterprise, MonthlyReport, PeriodRelease, ReleaseState
from districtops.economy.periods import Period
from districtops.economy.samples import fictional_credit_code, xlsx_bytes

from .conftest import ENTERPRISE_HEADER, import_industry, industry_history, industry_row

FEB, MARCH = Period(2021, 2), Period(2021, 3)


@pytest.fixture
def history(economy):
    """Three industry firms with history up to 1-2月 2021, which the bureau has published."""
    content = xlsx_bytes(
        [
            ENTERPRISE_HEADER,
            ["示例电子科技有限公司", fictional_credit_code(4), "3971", "410104001000", 25000, ""],
        ]
    )
    assert imports.import_enterprises(None, content, "名录.xlsx").accepted
    rows = [r for n in (1, 2, 4) for r in industry_history(n, base=10000 + n * 500)]
    result = import_industry(rows)
    assert result.accepted, [str(e) for e in result.errors]
    district = economy["districts"]["410104"]
    assert releases.publish_all(None, district) > 0
    return district


def import_march(firms=(1, 2, 4)):
    # Cumulative = 1-2月 cumulative + March month, in 千元, as the history helper wrote them.
    feb_rows = {
        r[0]: r for n in firms for r in industry_history(n, base=10000 + n * 500) if r[1] == "2021-02"
    }
    march = []
    for n in firms:
        feb_row = feb_rows[fictional_credit_code(n)]
        month = round(feb_row[2] / 2 * 1.02)
        march.append(industry_row(n, "2021-03", month, feb_row[3] + month))
    result = import_industry(march)
    assert result.accepted, [str(e) for e in result.errors]
    return result


def test_importing_march_keeps_the_leaders_on_the_published_month(history, users):
    import_march()
    assert releases.state_of(history.pk, MARCH) == ReleaseState.COLLECTING
    # The cockpit, its big screen and briefing all take statistics_period: still 1-2月, named.
    assert statistics_period(history, Month(2021, 4)) == FEB
    summary = cockpit.district_summary(users["leader"], history, Month(2021, 3))
    assert (summary["statistics_period"], summary["statistics_period_label"]) == ("2021-02", "2021年1-2月")
    # The economy dashboard: the leader opens on 1-2月, the statistician on March (collecting).
    assert dash.latest_period(users["leader"], history) == FEB
    assert dash.latest_period(users["tongji"], history) == MARCH
    # A leader asking for March explicitly gets the published month, told which one was asked.
    data = dash.build(users["leader"], history, MARCH, with_forecast=False)
    assert data["period"] == FEB and data["unpublished"] == MARCH
    keys = [point["key"] for row in data["rows"] for point in row.trend]
    assert keys and max(keys) == 202102
    assert dash.build(users["tongji"], history, MARCH, with_forecast=False)["period"] == MARCH


def test_publishing_march_flips_the_cockpit_and_is_audited(history, users):
    from districtops.audit.models import AuditRecord

    import_march()
    release = releases.start_review(users["tongji"], history, MARCH)
    assert release.state == ReleaseState.REVIEWING
    assert statistics_period(history, Month(2021, 4)) == FEB  # reviewing is not published
    release = releases.publish(users["tongji"], history, MARCH, expected_version=release.version)
    assert release.state == ReleaseState.PUBLISHED and release.published_by == users["tongji"]
    summary = cockpit.district_summary(users["leader"], history, Month(2021, 3))
    assert (summary["statistics_period"], summary["statistics_period_label"]) == ("2021-03", "2021年3月")
    assert dash.latest_period(users["leader"], history) == MARCH
    # Reopened with a reason: the leaders fall back to 1-2月; the reason is kept and audited.
    reopened = releases.reopen(
        users["tongji"], history, MARCH, "企业更正3月产值", expected_version=release.version
    )
    assert reopened.state == ReleaseState.REVIEWING and reopened.reopen_reason == "企业更正3月产值"
    assert statistics_period(history, Month(2021, 4)) == FEB
    messages = list(
        AuditRecord.objects.filter(
            object_type__icontains="periodrelease", object_id=str(release.pk)
        ).values_list("message", flat=True)
    )
    assert "审定发布" in messages and "重新打开：企业更正3月产值" in messages


def test_refusals_say_why_in_chinese(history, users):
    import_march()
    with pytest.raises(PermissionDenied, match="只有本区统计员可以审定和发布统计数据"):
        releases.publish(users["nanguan"], history, MARCH)
    with pytest.raises(PermissionDenied):
        releases.publish(users["leader"], history, MARCH)
    assert not PeriodRelease.objects.filter(district=history, period=MARCH.date).exists()
    release = releases.publish(users["tongji"], history, MARCH)
    with pytest.raises(ValidationError, match="已是“已发布”状态，不能重复操作"):
        releases.publish(users["tongji"], history, MARCH, expected_version=release.version)
    for reason in ("", "   ", "改"):
        with pytest.raises(ValidationError, match="须说明原因"):
            releases.reopen(users["tongji"], history, MARCH, reason, expected_version=release.version)
    with pytest.raises(PermissionDenied):
        releases.reopen(users["nanguan"], history, MARCH, "企业更正3月产值", expected_version=release.version)
    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED and release.version == 1
    # A stale version is a conflict, not a silent overwrite.
    from districtops.gate.services import ConflictError

    with pytest.raises(ConflictError):
        releases.reopen(
            users["tongji"], history, MARCH, "企业更正3月产值", expected_version=release.version + 5
        )
    # Nothing to publish in a month without data; a published month goes back only by reopening.
    with pytest.raises(ValidationError, match="还没有任何报表或指标，不能发布"):
        releases.publish(users["tongji"], history, Period(2021, 7))
    with pytest.raises(ValidationError, match="当前为“已发布”，不能变为“采集中”"):
        releases.back_to_collecting(users["tongji"], history, MARCH, expected_version=release.version)


def test_progress_equals_the_register(history, users):
    import_march(firms=(1, 4))
    expected = Enterprise.objects.filter(district=history, is_active=True, is_above_scale=True)
    reported = set(
        MonthlyReport.objects.filter(district=history, period=MARCH.date, is_current=True).values_list(
            "enterprise_id", flat=True
        )
    )
    progress = releases.progress(history.pk, MARCH, today=dt.date(2021, 4, 5))
    assert progress.expected == expected.count() and progress.expected >= 3
    assert progress.reported == len(reported & set(expected.values_list("pk", flat=True)))
    assert {e.pk for e in progress.missing} == set(expected.values_list("pk", flat=True)) - reported
    assert sum(t.expected for t in progress.by_street) == progress.expected
    assert sum(t.reported for t in progress.by_section) == progress.reported
    assert progress.deadline == dt.date(2021, 4, 10)
    assert not progress.overdue and progress.missing_label == "未报"
    late = releases.progress(history.pk, MARCH, today=dt.date(2021, 4, 11))
    assert late.overdue and late.missing_label == "迟报/拒报"
    # December's reports are due in January of the next year.
    assert releases.deadline(history.pk, Period(2021, 12)) == dt.date(2022, 1, 10)


def test_release_page_lists_states_and_moves_with_refusals(history, login, users):
    import_march(firms=(1,))
    tongji = login("tongji")
    page = tongji.get("/economy/releases/?period=2021-03")
    assert page.status_code == 200
    text = page.content.decode()
    assert "采集中" in text and "已发布" in text and "已报 1 / 应报" in text
    assert "示例电子科技有限公司" in text  # missing in March
    # Street staff and leaders are refused the page and the moves.
    assert login("nanguan").get("/economy/releases/").status_code == 403
    assert (
        login("leader")
        .post("/economy/releases/move/", {"action": "publish", "period": "2021-03"})
        .status_code
        == 403
    )
    assert releases.state_of(history.pk, MARCH) == ReleaseState.COLLECTING
    # Bad input: a clear message, nothing written.
    response = tongji.post("/economy/releases/move/", {"action": "publish", "period": "2021-13"}, follow=True)
    assert "报告期格式有误" in response.content.decode()
    response = tongji.post("/economy/releases/move/", {"action": "publish", "period": "2021-03"}, follow=True)
    assert "审定发布完成" in response.content.decode()
    assert releases.state_of(history.pk, MARCH) == ReleaseState.PUBLISHED
    release = PeriodRelease.objects.get(district=history, period=MARCH.date)
    response = tongji.post(
        "/economy/releases/move/",
        {"action": "reopen", "period": "2021-03", "version": release.version, "reason": ""},
        follow=True,
    )
    assert "须说明原因" in response.content.decode()
    assert releases.state_of(history.pk, MARCH) == ReleaseState.PUBLISHED


def test_release_api(history, api_client):
    import_march(firms=(1, 4))
    tongji = api_client("tongji")
    listed = tongji.get("/api/v1/economy/periods").json()["items"]
    states = {r["period"]: r["state"] for r in listed}
    assert states["2021-03"] == "collecting" and states["2021-02"] == "published"
    # Before publishing, the leaders' indicators API reads 1-2月, even when asked for March.
    for query in ("", "?period=2021-03"):
        rows = api_client("leader").get(f"/api/v1/economy/indicators{query}").json()["indicators"]
        assert rows and {r["period"] for r in rows} == {"2021年1-2月"}
    progress = tongji.get("/api/v1/economy/periods/2021-03/progress").json()
    assert (progress["reported"], progress["deadline"]) == (2, "2021-04-10")
    assert progress["expected"] == len(progress["missing"]) + progress["reported"]
    assert api_client("nanguan").get("/api/v1/economy/periods").status_code == 403
    bad = tongji.get("/api/v1/economy/periods/2021-13/progress")
    assert bad.status_code == 422 and "格式有误" in str(bad.json())
    refused = tongji.post(
        "/api/v1/economy/periods/2021-03/release", {"action": "fly"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "操作应为" in str(refused.json())
    done = tongji.post(
        "/api/v1/economy/periods/2021-03/release", {"action": "publish"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == "published"
    again = tongji.post(
        "/api/v1/economy/periods/2021-03/release",
        {"action": "publish", "version": done.json()["version"]},
        content_type="application/json",
    )
    assert again.status_code == 422 and "不能重复操作" in str(again.json())
    # The leader-facing indicators API now reads March.
    rows = api_client("leader").get("/api/v1/economy/indicators").json()["indicators"]
    assert rows and {r["period"] for r in rows} == {"2021年3月"}


def test_leader_dashboard_names_the_published_month_and_prints_no_dash_percent(history, login):
    import_march()
    leader = login("leader")
    page = leader.get("/economy/?period=2021-03").content.decode()
    assert "报告期：2021年1-2月（累计）" in page
    assert "您查看的 2021年3月 尚未发布，此处显示最新已发布的 2021年1-2月。" in page
    assert "—%" not in page
    statistician = login("tongji").get("/economy/").content.decode()
    assert "报告期：2021年3月（累计）" in statistician and "本期状态：采集中" in statistician
    assert "—%" not in statistician


def test_demo_months_are_published_and_a_reload_keeps_them(org):
    from districtops.economy import demo

    demo.load()
    district = org["districts"]["410104"]
    latest = releases.latest_with_data(district)
    assert latest is not None and releases.latest_published(district) == latest
    assert statistics_period(district) == latest
    demo.load()  # idempotent: nothing left to publish, nothing refused
    assert all(r.state == ReleaseState.PUBLISHED for r in releases.period_list(district.pk))


def test_migration_publishes_periods_that_already_had_figures(history):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("districtops.economy.migrations.0006_publish_existing_periods")
    import_march()  # March has district figures now, and no release row
    PeriodRelease.objects.filter(district=history, period=FEB.date).delete()
    migration.publish_existing(apps, None)
    assert releases.state_of(history.pk, FEB) == ReleaseState.PUBLISHED
    assert releases.state_of(history.pk, MARCH) == ReleaseState.PUBLISHED  # it had figures at migration time
    migration.publish_existing(apps, None)  # twice: no duplicate
    assert PeriodRelease.objects.filter(district=history, period=FEB.date).count() == 1


def test_release_page_in_english(history, login, settings):
    import_march(firms=(1,))
    client = login("tongji")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get("/economy/releases/?period=2021-03").content.decode()
    assert "Data approval and release" in text and "1 of 3 firms reported" in text
    assert "Collecting" in text and "Published" in text and "Approve and publish" in text


def test_a_published_period_takes_no_import_until_reopened(history, users):
    feb = MonthlyReport.objects.get(enterprise__credit_code=fictional_credit_code(1), period=FEB.date)
    row = industry_row(1, "2021-02", 99999, 99999)
    result = import_industry([row], actor=users["tongji"])
    assert not result.accepted
    assert any("已审定发布，须先重新打开" in e.message for e in result.errors)
    assert (
        MonthlyReport.objects.get(
            enterprise__credit_code=fictional_credit_code(1), period=FEB.date, is_current=True
        ).pk
        == feb.pk
    )
    releases.reopen(users["tongji"], history, FEB, "企业更正1-2月产值", expected_version=1)
    result = import_industry([row], actor=users["tongji"])
    assert result.accepted, [e.message for e in result.errors]
