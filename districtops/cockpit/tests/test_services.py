import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from districtops.cockpit import services
from districtops.cockpit.figures import Month, number_text
from districtops.supervision.cockpit import on_time_rate

from .conftest import add_hazard, add_matter, add_suggestion, figure


def test_month_parse_and_bounds():
    assert Month.parse(" 2021-02 ") == Month(2021, 2)
    assert Month(2021, 2).last_day == dt.date(2021, 2, 28)
    assert Month(2020, 12).last_day == dt.date(2020, 12, 31)
    assert Month(2021, 2).label == "2021年2月"
    for bad in ("2021-13", "2021/02", "", "abc"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            Month.parse(bad)


def test_number_text_rounds_half_up_with_thousands():
    assert number_text(None) == "—"
    assert number_text(1234567) == "1,234,567"
    assert number_text(2.345, 2) == "2.35"
    assert number_text(0.05, 1) == "0.1"


def test_on_time_rate_convention():
    assert on_time_rate(on_time=3, closed=4, overdue=2) == 0.5
    assert on_time_rate(0, 0, 0) is None


def test_supervision_and_hazard_figures(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district, Month(2021, 2))
    assert figure(summary, "matters_overdue")["value"] == 2
    assert figure(summary, "matters_in_progress")["value"] == 2
    assert figure(summary, "matters_closed_in_period")["value"] == 1  # 2021-02-20; the other closed in March
    assert figure(summary, "matters_listed")["value"] == 1
    # on time 1 ÷ (closed 2 + overdue 2)
    assert figure(summary, "on_time_rate")["text"] == "25.0"
    assert figure(summary, "hazards_major_open")["value"] == 1
    assert figure(summary, "hazards_overdue")["value"] == 1
    assert figure(summary, "hazards_open")["value"] == 2
    assert figure(summary, "investment_count")["value"] == 1
    assert figure(summary, "contracted")["text"] == "5.00"
    assert figure(summary, "performance_rate")["text"] == "0.0"  # due 2021-01-31, never registered
    assert figure(summary, "construction_count")["value"] == 1
    assert summary["pinned"] and summary["today"] == "2021-03-31"
    assert any("督办事项逾期 2 件" in w for w in summary["warnings"])


def test_march_counts_the_march_closure(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district, Month(2021, 3))
    assert figure(summary, "matters_closed_in_period")["value"] == 1
    assert figure(summary, "matters_closed_in_period")["label"] == "3月办结"


def test_ranking_orders_units_by_on_time_rate(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district)
    ranking = next(t for s in summary["sections"] for t in s["tables"] if t["key"] == "unit_ranking")
    names = [row[1]["text"] for row in ranking["rows"]]
    assert names[0] == "南关街街道"  # 1 on time of 1
    assert "城建局" in names and "北下街街道" in names
    nanguan, district = district_data["units"]["南关街街道"].pk, district_data["districts"]["410104"].pk
    assert ranking["rows"][0][1]["url"].endswith(f"?lead_unit={nanguan}&district={district}")


def test_another_districts_data_is_not_counted(district_data, users, units, org):
    jinshui = org["jinshui_street"]
    add_matter({"x": jinshui}, "金水逾期", "x", state="in_progress", deadline=dt.date(2021, 1, 1))
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district)
    assert figure(summary, "matters_overdue")["value"] == 2


def test_district_scope(district_data, users, city_leader, org):
    with pytest.raises(Http404):
        services.resolve_district(users["jinshui_leader"], "410104")
    with pytest.raises(Http404):
        services.resolve_district(users["nanguan"], "410104")
    assert list(services.districts_for(users["nanguan"])) == []
    assert [d.division_code for d in services.districts_for(users["leader"])] == ["410104"]
    codes = {d.division_code for d in services.districts_for(city_leader)}
    assert {"410104", "410105"} <= codes
    assert services.resolve_district(city_leader, "410105").name == "金水区"


def test_system_user_sees_the_district(district_data, users):
    district = services.resolve_district(users["leader"], "410104")
    by_system = services.district_summary(None, district, Month(2021, 2))
    by_leader = services.district_summary(users["leader"], district, Month(2021, 2))
    assert [s["figures"] for s in by_system["sections"]] == [s["figures"] for s in by_leader["sections"]]


def test_query_count_is_constant(district_data, users, units):
    district = services.resolve_district(users["leader"], "410104")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            services.district_summary(users["leader"], district, Month(2021, 2))
        return len(ctx.captured_queries)

    before = count()
    for i in range(15):
        add_matter(units, f"更多{i}", "二里岗街道", state="in_progress", deadline=dt.date(2021, 2, 1))
        add_hazard(units, f"HX-{i}", "major")
    assert count() == before


def test_cached_summary_reuses_within_ttl(district_data, users, monkeypatch):
    monkeypatch.setattr(services, "CACHE_SECONDS", 60)
    district = services.resolve_district(users["leader"], "410104")
    first = services.cached_summary(users["leader"], district)
    add_matter(district_data["units"], "新增", "城建局", state="in_progress", deadline=dt.date(2021, 1, 1))
    assert services.cached_summary(users["leader"], district)["as_of"] == first["as_of"]
    assert figure(services.district_summary(users["leader"], district), "matters_overdue")["value"] == 3


def test_economy_figures_lights_and_warnings(economy_data, users):
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district, Month(2021, 2))
    industry = figure(summary, "growth_industrial_output")
    assert (industry["text"], industry["light"], industry["unit"]) == ("30.1", "green", "%")
    retail = figure(summary, "growth_retail_sales")
    assert retail["light"] == "red"
    economy = next(s for s in summary["sections"] if s["key"] == "economy")
    indicators = next(t for t in economy["tables"] if t["key"] == "indicators")
    assert [c["text"] for c in indicators["rows"][0]] == ["规上工业总产值", "13.72", "30.1", "8.0", "绿灯"]
    assert indicators["title"] == "主要经济指标（2021年1-2月）"
    assert any(
        "社会消费品零售总额（限上）2021年1-2月累计增长2.0%，低于全年目标8.0个百分点" in w
        for w in summary["warnings"]
    )
    # March has no figures yet: the cockpit shows the latest month of the year, 1-2月.
    march = services.district_summary(users["leader"], district, Month(2021, 3))
    assert figure(march, "growth_industrial_output")["note"] == "2021年1-2月"


def test_one_statistics_period_the_latest_with_data_named(economy_data, users):
    district = services.resolve_district(users["leader"], "410104")
    # Nothing published for 2022 yet: the cockpit shows the latest period with data, and names it.
    summary = services.district_summary(users["leader"], district, Month(2022, 2))
    assert (summary["statistics_period"], summary["statistics_period_label"]) == ("2021-02", "2021年1-2月")
    economy = next(s for s in summary["sections"] if s["key"] == "economy")
    assert all(f["note"] == "2021年1-2月" for f in economy["figures"])
    peers = next(c for c in economy["charts"] if c["key"] == "peers")
    assert peers["data"]["period"] == "2021年1-2月"
    # Before the first statistics: no economy section, and no period named.
    before = services.district_summary(users["leader"], district, Month(2018, 5))
    assert "economy" not in [s["key"] for s in before["sections"]]
    assert before["statistics_period"] == ""


def test_street_staff_see_no_cockpit_but_economy_is_gated(economy_data, users):
    # A leader of another district sees none of 管城's indicators even through the system-free path.
    from districtops.cockpit.figures import Context
    from districtops.cockpit.sections import economy_section, statistics_period

    district = economy_data["districts"]["410104"]
    period = statistics_period(district, Month(2021, 2))
    assert period is not None
    ctx = Context(users["jinshui_leader"], district, Month(2021, 2), dt.date(2021, 3, 31), statistics=period)
    assert economy_section(ctx) is None
    ctx.user = users["leader"]
    assert economy_section(ctx) is not None


def test_deputies_suggestions_due_and_overdue(district_data, users, units):
    def add(number, state, reply_due, satisfaction=""):
        return add_suggestion(units, number, state, reply_due, satisfaction)

    add("S1", "assigned", dt.date(2021, 3, 20))  # overdue
    add("S2", "assigned", dt.date(2021, 4, 15))  # due within 30 days
    add("S3", "reopened", dt.date(2021, 6, 30))
    add("S4", "closed", dt.date(2021, 2, 1), satisfaction="satisfied")
    add("S5", "closed", dt.date(2021, 2, 1), satisfaction="dissatisfied")
    district = services.resolve_district(users["leader"], "410104")
    summary = services.district_summary(users["leader"], district)
    assert figure(summary, "suggestions_waiting")["value"] == 3
    assert figure(summary, "suggestions_due_soon")["value"] == 1
    assert figure(summary, "suggestions_overdue")["value"] == 1
    assert figure(summary, "suggestions_satisfaction")["text"] == "50.0"
    assert (
        figure(summary, "suggestions_overdue")["url"]
        == f"/deputies/suggestions/?overdue=1&district={district.pk}"
    )
    assert (
        figure(summary, "suggestions_due_soon")["url"]
        == f"/deputies/suggestions/?due=soon&district={district.pk}"
    )


@pytest.mark.parametrize(
    ("growth", "target", "progress", "expected"),
    [
        (Decimal("19.0"), Decimal("12.0"), None, "甲2021年1-2月累计增长19.0%，高于全年目标7.0个百分点。"),
        (Decimal("2.0"), Decimal("10.0"), None, "甲2021年1-2月累计增长2.0%，低于全年目标8.0个百分点。"),
        (Decimal("8.0"), Decimal("8.0"), None, "甲2021年1-2月累计增长8.0%，与全年目标持平。"),
        (None, Decimal("8.0"), None, "甲2021年1-2月暂无累计增速，无法与全年目标比较。"),
        (
            Decimal("19.0"),
            Decimal("12.0"),
            (Decimal("0.1000"), Decimal("0.1500")),
            "甲2021年1-2月累计增长19.0%，高于全年目标7.0个百分点；完成全年目标水平的10.0%，慢于时序进度15.0%。",
        ),
    ],
)
def test_target_sentence_says_above_for_a_positive_gap_and_never_a_dash_percent(
    growth, target, progress, expected
):
    from types import SimpleNamespace

    from districtops.cockpit.figures import target_sentence

    status = SimpleNamespace(progress=progress[0], elapsed=progress[1]) if progress else None
    text = target_sentence("甲", "2021年1-2月", growth, target, status)
    assert text == expected
    assert "—%" not in text and "-" not in text.replace("1-2月", "")
