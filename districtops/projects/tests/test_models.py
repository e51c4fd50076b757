"""Pure rules: credit codes (core.codes, as projects use them), node states (时间过半、任务过半), fund lag, stalled projects."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from districtops.core.codes import validate_credit_code
from districtops.projects import pace
from districtops.projects.pace import NodeState, node_status

D = dt.date


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91350200776049653A", "9135021359498494XQ"])
def test_seed_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code


def test_credit_code_lower_case_and_spaces_are_normalised():
    assert validate_credit_code("  91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91350100M000100Y44", "校验位错误"),
        ("91350100M000100Y4", "18位"),
        ("91350100M00010OY43", "不允许的字符"),
    ],
)
def test_wrong_credit_codes_are_refused_with_reason(code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert fragment in exc.value.messages[0]


# A 100-day node: 2021-01-01 .. 2021-04-10. On 2021-02-19 fifty days (half) have gone.
START, END = D(2021, 1, 1), D(2021, 4, 10)


def test_half_time_needs_half_done():
    assert node_status(START, END, None, 50, D(2021, 2, 19)).state == NodeState.ON_TRACK
    behind = node_status(START, END, None, 49, D(2021, 2, 19))
    assert behind.state == NodeState.AT_RISK and not behind.far_behind


def test_far_behind_below_seventy_percent_of_elapsed_share():
    # elapsed 0.5 → red below 35 %
    assert not node_status(START, END, None, 35, D(2021, 2, 19)).far_behind
    assert node_status(START, END, None, 34, D(2021, 2, 19)).far_behind


def test_pending_before_start_overdue_after_end_done_when_finished():
    assert node_status(START, END, None, 0, D(2020, 12, 31)).state == NodeState.PENDING
    assert node_status(START, END, None, 99, END).state == NodeState.AT_RISK  # last day, not done
    assert node_status(START, END, None, 100, END).state == NodeState.ON_TRACK
    assert node_status(START, END, None, 100, END + dt.timedelta(days=1)).state == NodeState.OVERDUE
    assert node_status(START, END, D(2021, 5, 1), 100, D(2021, 6, 1)).state == NodeState.DONE


def test_funds_lag_margin_boundary():
    assert pace.funds_lag(60, Decimal(100), Decimal(40), margin=20) is None  # exactly 20 points: tolerated
    assert pace.funds_lag(60, Decimal(100), Decimal(39), margin=20) == pytest.approx(21)
    assert pace.funds_lag(60, Decimal(0), Decimal(0), margin=20) is None  # nothing approved: no ratio


def test_stalled_after_configured_days():
    today = D(2021, 3, 31)
    assert not pace.is_stalled("signed", today - dt.timedelta(days=90), today, days=90)
    assert pace.is_stalled("signed", today - dt.timedelta(days=91), today, days=90)
    assert not pace.is_stalled("producing", D(2019, 1, 1), today, days=90)


@pytest.mark.django_db
def test_thresholds_default_to_settings_until_edited(settings):
    from districtops.projects import services

    settings.PROJECTS_STALLED_DAYS, settings.PROJECTS_FUND_LAG_POINTS = 60, 14
    assert (pace.stalled_days(), pace.fund_lag_points()) == (60, 14)
    services.update_thresholds(None, stalled_days=45)
    assert (pace.stalled_days(), pace.fund_lag_points()) == (45, 14)
    today = D(2021, 3, 31)
    assert pace.is_stalled("signed", today - dt.timedelta(days=46), today)
    assert pace.funds_lag(60, Decimal(100), Decimal(45)) == pytest.approx(15)


@pytest.mark.django_db
def test_sql_states_agree_with_node_status_on_every_day_and_progress(road):
    """The stored pace dates and the SQL CASE give the same state and red flag as node_status,
    across the boundaries of 时间过半、任务过半 (every progress step of a short node, every day)."""
    from districtops.projects.models import ProjectNode

    node = ProjectNode.objects.filter(project=road).order_by("sequence").first()
    start = node.planned_start
    span_end = start + dt.timedelta(days=6)  # a 7-day node: shares 1/7 … 7/7
    checked = 0
    for progress in range(0, 101, 3):
        ProjectNode.objects.filter(pk=node.pk).update(planned_end=span_end, progress=progress)
        fresh = ProjectNode.objects.get(pk=node.pk)
        fresh.save()  # save() derives the pace dates
        for offset in range(-1, 9):
            today = start + dt.timedelta(days=offset)
            expected = node_status(start, span_end, None, progress, today)
            state, far = (
                ProjectNode.objects.filter(pk=node.pk)
                .values_list(pace.node_state_sql(today), pace.far_behind_sql(today))
                .get()
            )
            assert (state, bool(far)) == (expected.state, expected.far_behind), (progress, today)
            assert ProjectNode.objects.filter(pk=node.pk).filter(pace.node_state_q(state, today)).exists()
            checked += 1
    assert checked == 34 * 10


@pytest.mark.django_db
def test_daily_job_repairs_pace_dates_written_around_save(road):
    from districtops.projects import jobs
    from districtops.projects.models import ProjectNode

    node = ProjectNode.objects.filter(project=road).order_by("sequence").first()
    ProjectNode.objects.filter(pk=node.pk).update(progress=80, on_pace_until=None)
    assert jobs.run_daily(None) == {"nodes_repaired": 1}
    node.refresh_from_db()
    assert (node.on_pace_until, node.amber_until) == pace.pace_dates(node.planned_start, node.planned_end, 80)
    assert jobs.run_daily(None) == {"nodes_repaired": 0}


def test_pace_repair_is_a_daily_job():
    from django.apps import apps

    from districtops.jobs import registry

    assert apps.is_installed("districtops.projects")
    assert registry.JOBS["projects.refresh_pace"] == "districtops.projects.jobs.run_daily"
    assert "projects.refresh_pace" in registry.DAILY
