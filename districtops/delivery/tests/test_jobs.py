"""The retry job: registered to run every few minutes, once per 5-minute slot."""

import datetime as dt

import pytest
from django.utils import timezone

from districtops.delivery.models import Channel, Source, Status
from districtops.jobs.registry import DAILY, FREQUENT, JOBS

pytestmark = pytest.mark.django_db


def test_registered_frequent_and_daily():
    assert JOBS["delivery.send_due"] == "districtops.delivery.jobs.send_due"
    assert "delivery.send_due" in FREQUENT and "delivery.send_due" in DAILY


def test_run_periodic_frequent_runs_the_retry_once_per_slot(org, fake_api):
    from districtops.delivery import services
    from districtops.jobs.services import run_job, run_periodic

    unit = org["units"]["南关街街道"]
    row = services.queue([
        services.message(source=Source.REMINDER, channel=Channel.WECOM_ROBOT, subject="s", body="b", unit=unit,
                         district=unit.district_id, destination={"url": f"{fake_api.base}/cgi-bin/webhook/send?key=k"})
    ])[0]  # fmt: skip
    row.status, row.next_attempt_at = Status.RETRYING, timezone.now() - dt.timedelta(seconds=1)
    row.save()
    jobs = run_periodic("frequent", day_key="2021-03-31T10:05")
    assert [j.name for j in jobs] == ["delivery.send_due", "delivery.check_receipts"]
    assert run_job(jobs[0].pk).result == {"sent": 1, "retrying": 0, "failed": 0}
    assert run_periodic("frequent", day_key="2021-03-31T10:05") == []  # the same slot starts nothing
    row.refresh_from_db()
    assert row.status == Status.SENT
