"""站内通知: the matter's loop reaches the responsible people, read and unread, page, badge and API."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from districtops.notifications import services as notifications
from districtops.notifications.jobs import deadlines
from districtops.notifications.models import Notification
from districtops.supervision import services


@pytest.fixture
def matter(org, users):
    return services.assign_matter(
        users["supervisor"], title="修复南关街路灯", lead_unit=org["units"]["南关街街道"],
        supporting_units=[org["units"]["城建局"]], assigned_on=dt.date(2021, 3, 29), working_days=10,
    )  # fmt: skip


def _inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_loop_reaches_the_lead_unit_and_the_supervisor(matter, users):
    nanguan, supervisor, chengjian = users["nanguan"], users["supervisor"], users["chengjian"]
    assert _inbox(nanguan) == ["assigned"] and _inbox(chengjian) == ["supporting"]
    assert _inbox(supervisor) == []  # the actor is not told of what they did
    assert _inbox(users["beixiajie"]) == []  # another street hears nothing
    matter = services.acknowledge(nanguan, matter)
    matter = services.report_progress(nanguan, matter, progress=50, note="已更换灯头")
    matter = services.request_closure(nanguan, matter, note="已修复")
    assert _inbox(supervisor) == ["closure_requested"]
    matter = services.return_for_rework(supervisor, matter, note="照片不清晰，请补充")
    note = Notification.objects.filter(recipient=nanguan).first()
    assert note.kind == "returned" and "照片不清晰" in note.body and note.url == matter.get_absolute_url()
    matter = services.remind(supervisor, matter)
    assert Notification.objects.filter(recipient=nanguan).first().kind == "reminded"


def test_mail_goes_to_those_with_an_address_after_the_commit(org, users, django_capture_on_commit_callbacks):
    users["nanguan"].email = "nanguan@example.gov.cn"
    users["nanguan"].save()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_matter(
            users["supervisor"], title="邮件事项", lead_unit=org["units"]["南关街街道"],
            assigned_on=dt.date(2021, 3, 29), working_days=3,
        )  # fmt: skip
    assert [m.to for m in mail.outbox] == [["nanguan@example.gov.cn"]] and "邮件事项" in mail.outbox[
        0
    ].subject


class RefusingBackend(EmailBackend):
    """A mail server that refuses the recipient (550)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"nanguan@example.gov.cn": (550, b"mailbox unavailable")})


def test_a_mail_failure_is_recorded_retried_and_shown_to_the_unit(
    org, users, login, settings, django_capture_on_commit_callbacks
):
    """Once swallowed by a log line; now a delivery record with its reason, retried later."""
    from districtops.delivery import services as delivery
    from districtops.delivery.models import Message, Status

    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    users["nanguan"].email = "nanguan@example.gov.cn"
    users["nanguan"].save()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_matter(
            users["supervisor"], title="退信事项", lead_unit=org["units"]["南关街街道"],
            assigned_on=dt.date(2021, 3, 29), working_days=3,
        )  # fmt: skip
    row = Message.objects.get(source="notification")
    assert row.status == Status.RETRYING and row.last_reason == "收件地址被邮件服务器拒绝"
    assert row.recipient == users["nanguan"] and row.unit == org["units"]["南关街街道"]
    assert "退信事项" in login("nanguan").get("/delivery/").content.decode()
    assert "退信事项" not in login("beixiajie").get("/delivery/").content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.send_due(row.next_attempt_at)["sent"] == 1
    assert [m.to for m in mail.outbox] == [["nanguan@example.gov.cn"]]


def test_the_daily_job_tells_of_approaching_and_passed_deadlines_once(org, users):
    soon = services.assign_matter(
        users["supervisor"], title="即将到期", lead_unit=org["units"]["南关街街道"],
        assigned_on=dt.date(2021, 3, 1), deadline=dt.date(2021, 4, 2),
    )  # fmt: skip
    late = services.assign_matter(
        users["supervisor"], title="已逾期", lead_unit=org["units"]["南关街街道"],
        assigned_on=dt.date(2021, 3, 1), deadline=dt.date(2021, 3, 20),
    )  # fmt: skip
    lines = []
    first = deadlines(lines.append, "2021-03-31")
    again = deadlines(lines.append, "2021-03-31")
    mine = Notification.objects.filter(
        recipient=users["nanguan"],
        object_id__in=[str(soon.pk), str(late.pk)],
        kind__in=["due_soon", "overdue"],
    )
    assert sorted(mine.values_list("kind", "object_id")) == sorted(
        [("due_soon", str(soon.pk)), ("overdue", str(late.pk))]
    )
    assert first["added"] >= 2 and again["added"] == 0


def test_page_badge_open_and_read_all(matter, users, login):
    client = login("nanguan")
    home = client.get("/").content.decode()
    assert 'data-testid="notifications-badge">1<' in home
    page = client.get("/notifications/").content.decode()
    assert "修复南关街路灯" in page and "新交办" in page and 'data-unread="1"' in page
    note = Notification.objects.get(recipient=users["nanguan"])
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == matter.get_absolute_url()
    note.refresh_from_db()
    assert note.is_read
    assert 'data-testid="notifications-badge"' not in client.get("/").content.decode()
    assert "没有未读通知" in client.get("/notifications/?unread=1").content.decode()
    # Someone else's notification is a plain 404, and reading it changes nothing.
    other = Notification.objects.get(recipient=users["chengjian"])
    assert client.get(f"/notifications/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert not other.is_read
    assert login("chengjian").post("/notifications/read-all/").status_code == 302
    other.refresh_from_db()
    assert other.is_read


def test_the_api_lists_and_reads_only_the_callers_own(matter, users, api_client):
    nanguan = api_client("nanguan")
    body = nanguan.get("/api/v1/notifications/").json()
    assert body["count"] == 1 and body["unread"] == 1 and body["items"][0]["kind_label"] == "新交办"
    other = Notification.objects.get(recipient=users["chengjian"])
    assert nanguan.post(f"/api/v1/notifications/{other.pk}/read").status_code == 404
    mine = body["items"][0]["id"]
    assert nanguan.post(f"/api/v1/notifications/{mine}/read").json() == {"read": 1}
    assert nanguan.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert api_client("chengjian").post("/api/v1/notifications/read-all").json() == {"read": 1}


def test_a_link_never_leaves_the_site_and_texts_are_bounded(users):
    made = notifications.notify(
        [users["nanguan"]], kind="reminded", title="长" * 500, body="文" * 5000, url="https://evil.example/x"
    )
    note = Notification.objects.get(recipient=users["nanguan"])
    assert made == 1 and note.url == "" and len(note.title) == 200 and len(note.body) == 2000
    assert notifications.safe_url("//evil.example/x") == ""
    with pytest.raises(ValueError):
        notifications.notify([users["nanguan"]], kind="no_such_kind", title="x")


def test_the_daily_run_includes_the_deadline_notices(org):
    import io

    from django.core.management import call_command as run

    out = io.StringIO()
    run("run-periodic", "daily", "--now", stdout=out)
    assert "notifications.deadlines" in out.getvalue()


def test_the_inbox_query_count_does_not_grow_with_the_rows(org, users, login, django_assert_max_num_queries):
    for i in range(40):
        notifications.notify([users["nanguan"]], kind="reminded", title=f"催办 {i}")
    client = login("nanguan")
    client.get("/notifications/")
    with django_assert_max_num_queries(12):
        assert client.get("/notifications/").status_code == 200


def test_support_feedback_tells_the_lead_unit_only(matter, users, org, django_capture_on_commit_callbacks):
    """协办反馈: the lead unit's people hear of it (in the app and by mail, through delivery);
    the supporting unit's own people, the supervisor and another district's people do not."""
    from districtops.delivery.models import Message
    from districtops.org import demo
    from districtops.org.roles import Role

    head = demo.ensure_person(
        "nanguan_head", "南关街主任（测试）", org["units"]["南关街街道"], Role.UNIT_HEAD
    )
    colleague = demo.ensure_person(
        "chengjian_staff", "城建局员工（测试）", org["units"]["城建局"], Role.UNIT_STAFF
    )
    head.email, colleague.email = "head@example.gov.cn", "colleague@example.gov.cn"
    head.save()
    colleague.save()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.support_feedback(users["chengjian"], matter, note="城建局负责的管线迁改已完成")
    for lead_person in (users["nanguan"], head):
        note = Notification.objects.get(recipient=lead_person)
        assert note.kind == "support_feedback" and note.get_kind_display() == "协办反馈"
        assert (
            note.body.endswith("城建局：城建局负责的管线迁改已完成") and note.url == matter.get_absolute_url()
        )
    for outsider in ("chengjian", "supervisor", "beixiajie", "jinshui", "jinshui_leader", "jinshui_sysadmin"):
        assert _inbox(users[outsider]) == [], outsider
    assert _inbox(colleague) == []  # the supporting unit's own people
    assert [m.to for m in mail.outbox] == [["head@example.gov.cn"]]
    assert mail.outbox[0].subject == f"协办反馈：{matter.title}"
    assert Message.objects.get(source="notification").recipient == head
