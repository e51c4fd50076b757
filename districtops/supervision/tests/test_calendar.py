"""The holiday calendar after the calendar package's last year: notices, recomputed deadlines, warnings."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.audit.models import AuditRecord
from districtops.core import excel
from districtops.supervision import calendar_io, services, workdays
from districtops.supervision.models import CalendarYear, HolidayEntry, MatterEvent
from districtops.supervision.services import CalendarDay

SPRING_2027 = [CalendarDay(dt.date(2027, 1, 1), "元旦", False)] + [
    CalendarDay(dt.date(2027, 2, d), "春节", False) for d in range(5, 12)
] + [CalendarDay(dt.date(2027, 2, 20), "春节调休", True)]  # fmt: skip


def _matter(org, assigned_on, working_days, **kwargs):
    return services.assign_matter(
        None, title="节假日测试事项", lead_unit=org["units"]["南关街街道"], assigned_on=assigned_on,
        working_days=working_days, **kwargs,
    )  # fmt: skip


def test_the_fallback_knows_new_year_and_spring_festival_of_2027(db):
    day = workdays.is_workday(dt.date(2027, 1, 1))
    assert day == (False, True)  # a holiday, and we said it is a guess
    # Thursday 2027-02-04 + 1 working day: the Spring Festival days (2-05..2-10 by the package) are skipped.
    assert workdays.add_working_days(dt.date(2027, 2, 4), 1) == workdays.WorkdayResult(
        dt.date(2027, 2, 11), True
    )


def test_a_notice_is_the_calendar_of_its_year_and_recomputes_open_deadlines(org, users):
    guessed = _matter(org, dt.date(2027, 2, 4), 5)
    dated = services.assign_matter(
        None, title="定日期", lead_unit=org["units"]["南关街街道"], assigned_on=dt.date(2027, 2, 4),
        deadline=dt.date(2027, 2, 26),
    )  # fmt: skip
    assert guessed.deadline_fallback and guessed.deadline == dt.date(2027, 2, 17)
    calendar, moved = services.publish_calendar_year(
        users["sysadmin"], year=2027, notice="国办发明电〔2026〕9号", days=SPRING_2027,
        published_on=dt.date(2026, 11, 20),
    )  # fmt: skip
    assert moved == 1 and workdays.source_of(2027) == "notice"
    guessed.refresh_from_db()
    # 2-05..2-11 off, then 2-12 (Fri), 2-15, 2-16, 2-17, 2-18: the notice moves it one day later.
    assert guessed.deadline == dt.date(2027, 2, 18) and not guessed.deadline_fallback
    assert guessed.version == 2
    event = MatterEvent.objects.get(matter=guessed, action="recompute_deadline")
    assert "2027-02-17" in event.note and "2027-02-18" in event.note
    assert (
        AuditRecord.objects.filter(action="matter.recompute_deadline", object_id=str(guessed.pk)).count() == 1
    )
    assert AuditRecord.objects.filter(action="calendar.publish", object_id=str(calendar.pk)).count() == 1
    dated.refresh_from_db()
    assert dated.deadline == dt.date(2027, 2, 26) and dated.version == 1  # a date deadline is not touched
    # The make-up Saturday counts: 2-19 (Fri) + 1 working day = Saturday 2-20.
    assert workdays.add_working_days(dt.date(2027, 2, 19), 1) == workdays.WorkdayResult(
        dt.date(2027, 2, 20), False
    )
    # Publishing the same notice again moves nothing.
    assert (
        services.publish_calendar_year(
            users["sysadmin"], year=2027, notice="国办发明电〔2026〕9号", days=SPRING_2027
        )[1]
        == 0
    )


def test_a_notice_overrides_the_calendar_package_for_a_year_it_knows(org, users):
    matter = _matter(org, dt.date(2021, 3, 26), 5)
    assert matter.deadline == dt.date(2021, 4, 2)
    days = [CalendarDay(dt.date(2021, 4, d), "清明节", False) for d in (3, 4, 5)]
    days.append(CalendarDay(dt.date(2021, 3, 31), "临时调整（测试）", False))
    services.publish_calendar_year(users["sysadmin"], year=2021, notice="测试通知", days=days)
    matter.refresh_from_db()
    assert matter.deadline == dt.date(2021, 4, 6)
    assert any(d.day == dt.date(2021, 3, 31) for d in workdays.compare_sources(2021))


def test_closed_or_extended_matters_keep_their_deadline(org, users):
    from districtops.supervision.models import ExtensionStatus

    extended = _matter(org, dt.date(2027, 2, 4), 5)
    ext = services.request_extension(
        users["nanguan"], extended, new_deadline=dt.date(2027, 3, 31), reason="工程量大"
    )
    services.decide_extension(users["supervisor"], ext, approve=True)
    extended.refresh_from_db()
    assert extended.extensions.get().status == ExtensionStatus.APPROVED
    services.publish_calendar_year(users["sysadmin"], year=2027, notice="通知", days=SPRING_2027)
    extended.refresh_from_db()
    assert extended.deadline == dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    "kwargs, field, message",
    [
        ({"year": 1999}, "year", "2000"),
        ({"notice": "  "}, "notice", "文号"),
        ({"days": [CalendarDay(dt.date(2027, 2, 20), "调休", True)]}, "days", "至少"),
        (
            {"days": [*SPRING_2027, CalendarDay(dt.date(2027, 3, 3), "周三", True)]},
            "days",
            "无需标为调休上班",
        ),
        ({"days": [*SPRING_2027, CalendarDay(dt.date(2026, 12, 31), "跨年", False)]}, "days", "不在 2027 年"),
        ({"days": [*SPRING_2027, CalendarDay(dt.date(2027, 1, 1), "元旦", False)]}, "days", "重复"),
        ({"days": [*SPRING_2027, CalendarDay(dt.date(2027, 5, 1), " ", False)]}, "days", "缺少名称"),
    ],
)
def test_a_bad_notice_is_refused_and_nothing_is_written(org, users, kwargs, field, message):
    args = {"year": 2027, "notice": "通知", "days": SPRING_2027, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.publish_calendar_year(users["sysadmin"], **args)
    assert message in " ".join(exc.value.message_dict[field])
    assert not CalendarYear.objects.exists() and not HolidayEntry.objects.exists()


@pytest.mark.parametrize("username", ["supervisor", "leader", "secadmin", "auditadmin", "nanguan"])
def test_only_the_system_administrator_keeps_the_calendar(org, users, login, username):
    with pytest.raises(PermissionDenied):
        services.publish_calendar_year(users[username], year=2027, notice="通知", days=SPRING_2027)
    assert login(username).post("/supervision/holidays/", {"form": "notice", "year": 2027}).status_code == 403
    assert not CalendarYear.objects.exists()


def test_the_page_takes_typed_lines_a_csv_and_the_template(org, login):
    c = login("sysadmin")
    lines = "2027-01-01 元旦 放假\n2027-02-05 春节 放假\n2027-02-20 春节 调休上班\n"
    response = c.post(
        "/supervision/holidays/", {"form": "notice", "year": 2027, "notice": "国办通知", "lines": lines}
    )
    assert response.status_code == 302
    assert sorted(HolidayEntry.objects.values_list("date", "is_workday")) == [
        (dt.date(2027, 1, 1), False), (dt.date(2027, 2, 5), False), (dt.date(2027, 2, 20), True),
    ]  # fmt: skip
    page = c.get("/supervision/holidays/").content.decode()
    assert "国务院通知（已录入）" in page and "国办通知" in page

    csv_file = io.BytesIO(
        "日期,名称,类型\n2028-01-01,元旦,放假\n2028-01-29,春节,调休上班\n".encode("gb18030")
    )
    csv_file.name = "2028.csv"
    response = c.post(
        "/supervision/holidays/", {"form": "notice", "year": 2028, "notice": "2028通知", "file": csv_file}
    )
    assert response.status_code == 302 and workdays.source_of(2028) == "notice"

    template = c.get("/supervision/holidays/?template=1")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    table = excel.read_table(io.BytesIO(template.content), calendar_io.COLUMNS)
    assert table.ok and table.rows == []
    filled = excel.write_workbook(
        [
            (
                "节假日安排",
                calendar_io.COLUMNS,
                [[dt.date(2029, 1, 1), "元旦", "放假"], [dt.date(2029, 2, 17), "春节", "调休上班"]],
            )
        ]
    )
    upload = io.BytesIO(filled)
    upload.name = "2029.xlsx"
    response = c.post(
        "/supervision/holidays/", {"form": "notice", "year": 2029, "notice": "2029通知", "file": upload}
    )
    assert response.status_code == 302
    assert HolidayEntry.objects.get(date=dt.date(2029, 2, 17)).is_workday


def test_bad_lines_are_named_on_the_page_and_nothing_is_written(org, login):
    c = login("sysadmin")
    lines = "2027-01-01 元旦 放假\n2027-13-01 春节 放假\n2027-02-20 春节 加班\n"
    response = c.post(
        "/supervision/holidays/", {"form": "notice", "year": 2027, "notice": "通知", "lines": lines}
    )
    assert response.status_code == 200
    errors = [str(e) for e in response.context["import_errors"]]
    assert any("第 2 行" in e and "日期" in e for e in errors) and any(
        "第 3 行" in e and "类型" in e for e in errors
    )
    assert not HolidayEntry.objects.exists()
    fake = io.BytesIO(b"MZ\x90\x00" + b"0" * 100)
    fake.name = "calendar.xlsx"
    response = c.post(
        "/supervision/holidays/", {"form": "notice", "year": 2027, "notice": "通知", "file": fake}
    )
    assert response.status_code == 200 and "不符" in response.content.decode()
    response = c.post("/supervision/holidays/", {"form": "notice", "year": 2027, "notice": "通知"})
    assert "请上传节假日表" in response.content.decode()


def test_the_administrators_home_warns_from_the_first_of_november(org, login, monkeypatch, users):
    monkeypatch.setenv("DISTRICTOPS_TODAY", "2026-10-31")
    assert "尚未录入" not in login("sysadmin").get("/").content.decode()
    monkeypatch.setenv("DISTRICTOPS_TODAY", "2026-11-01")
    assert "2027 年的节假日安排尚未录入" in login("sysadmin").get("/").content.decode()
    assert "节假日安排尚未录入" not in login("supervisor").get("/").content.decode()
    services.publish_calendar_year(users["sysadmin"], year=2027, notice="通知", days=SPRING_2027)
    assert "尚未录入" not in login("sysadmin").get("/").content.decode()
