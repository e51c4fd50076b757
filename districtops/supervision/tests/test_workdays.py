import datetime as dt

import pytest

from districtops.supervision import services, workdays
from districtops.supervision.models import HolidayEntry


def test_spring_festival_2021_is_skipped_and_makeup_sunday_counts(db):
    # 2021: 2-11..2-17 holiday; Sunday 2-7 and Saturday 2-20 are 调休 working days.
    r = workdays.add_working_days(dt.date(2021, 2, 5), 1)  # Friday
    assert r == workdays.WorkdayResult(dt.date(2021, 2, 7), False)
    r = workdays.add_working_days(dt.date(2021, 2, 10), 1)
    assert r.deadline == dt.date(2021, 2, 18)
    r = workdays.add_working_days(dt.date(2021, 2, 10), 3)
    assert r.deadline == dt.date(2021, 2, 20)  # Thursday, Friday, then the make-up Saturday


def test_plain_weekend(db):
    assert workdays.add_working_days(dt.date(2021, 3, 26), 1).deadline == dt.date(2021, 3, 29)


def test_years_beyond_the_package_fall_back_to_the_table(db):
    # Without a notice the statutory days come from the holidays package (国庆 10-01..10-05 in its
    # reckoning), flagged as a fallback; the administrator's rows adjust it.
    plain = workdays.add_working_days(dt.date(2027, 9, 30), 1)
    assert plain == workdays.WorkdayResult(dt.date(2027, 10, 6), True)
    for day in range(1, 8):
        HolidayEntry.objects.create(date=dt.date(2027, 10, day), name="国庆节")
    HolidayEntry.objects.create(date=dt.date(2027, 10, 9), name="调休", is_workday=True)
    r = workdays.add_working_days(dt.date(2027, 9, 30), 2)
    assert r == workdays.WorkdayResult(dt.date(2027, 10, 9), True)


def test_fallback_flag_set_on_matter(org):
    m = services.assign_matter(
        None,
        title="远期事项",
        lead_unit=org["units"]["南关街街道"],
        assigned_on=dt.date(2027, 1, 4),
        working_days=5,
    )
    assert m.deadline_fallback and m.deadline == dt.date(2027, 1, 11)


def test_working_days_between_counts_makeup_days(db):
    assert workdays.working_days_between(dt.date(2021, 2, 5), dt.date(2021, 2, 21)) == 7


@pytest.mark.parametrize("n", [0, -1])
def test_zero_working_days_refused(db, n):
    with pytest.raises(ValueError):
        workdays.add_working_days(dt.date(2021, 3, 1), n)


def test_holiday_screen_for_sysadmin_only(org, login):
    c = login("sysadmin")
    response = c.post("/supervision/holidays/", {"form": "day", "date": "2027-10-06", "name": "国庆节"})
    assert response.status_code == 302
    assert "2027-10-06" in c.get("/supervision/holidays/").content.decode()
    assert services.compute_deadline(dt.date(2027, 9, 30), working_days=1).deadline == dt.date(2027, 10, 7)
    entry = HolidayEntry.objects.get()
    assert c.post("/supervision/holidays/", {"delete": entry.pk}).status_code == 302
    assert not HolidayEntry.objects.exists()
    for username in ("supervisor", "nanguan"):
        assert login(username).get("/supervision/holidays/").status_code == 403
