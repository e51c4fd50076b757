import datetime as dt

import pytest
from django.urls import reverse

from districtops.supervision import services
from districtops.supervision.models import Matter, MatterEvent
from districtops.supervision.states import MatterState as S

from .factories import matter


@pytest.fixture
def m(org):
    return matter(org["units"], state=S.ASSIGNED)


def test_todo_lists_for_each_persona(org, login, m):
    assert m.code in login("nanguan").get(reverse("supervision:todo")).content.decode()
    body = login("chengjian").get(reverse("supervision:todo") + "?tab=support").content.decode()
    assert m.code in body
    assert m.code not in login("beixiajie").get(reverse("supervision:todo")).content.decode()


def test_review_tab_lists_closure_requests(org, login):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    assert m.code in login("supervisor").get(reverse("supervision:todo") + "?tab=review").content.decode()
    assert m.code not in login("nanguan").get(reverse("supervision:todo") + "?tab=review").content.decode()


def test_todo_query_count_constant(org, login):
    """The same number of queries for 1 matter as for 12 (the page includes other modules'
    to-do sections, e.g. the projects warnings, so the figure is compared, not fixed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("supervision:todo")).status_code == 200
        return len(ctx.captured_queries)

    matter(org["units"], state=S.IN_PROGRESS, title="事项0")
    c = login("nanguan")
    c.get(reverse("supervision:todo"))
    few = queries()
    for i in range(1, 12):
        matter(org["units"], state=S.IN_PROGRESS, title=f"事项{i}")
    assert queries() == few
    assert few <= 17  # 16 + the street's findings to explain (economy's to-do section, one query)


def test_list_query_count_constant(org, login, django_assert_max_num_queries):
    for i in range(15):
        matter(org["units"], title=f"事项{i}")
    c = login("supervisor")
    with django_assert_max_num_queries(14):
        r = c.get(reverse("supervision:matter_list"))
    assert r.content.decode().count("supervision/matters/") >= 15


def test_list_filters_and_htmx(org, login, m):
    overdue = matter(org["units"], title="已逾期事项", deadline=dt.date(2021, 3, 20))
    c = login("supervisor")
    body = c.get(reverse("supervision:matter_list") + "?overdue=1", HTTP_HX_REQUEST="true").content.decode()
    assert overdue.code in body and m.code not in body and "<html" not in body


def test_detail_visible_to_lead_support_oversight_only(org, login, m):
    url = m.get_absolute_url()
    for username in ("nanguan", "chengjian", "supervisor", "leader"):
        assert login(username).get(url).status_code == 200, username
    for username in ("beixiajie", "jinshui", "jinshui_leader", "tongji"):
        assert login(username).get(url).status_code == 404, username


def test_script_in_text_shown_as_text(org, login):
    m = matter(org["units"], title="<script>alert(1)</script>")
    body = login("nanguan").get(m.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_full_loop_through_the_web(org, login, m):
    street, office = login("nanguan"), login("supervisor")
    url = lambda a: reverse("supervision:matter_action", args=[m.pk, a])  # noqa: E731

    def version():
        m.refresh_from_db()
        return m.version

    assert street.post(url("acknowledge"), {"version": version()}).status_code == 302
    street.post(url("report_progress"), {"progress": 60, "note": "拆除违建 12 处", "version": version()})
    street.post(url("request_closure"), {"note": "全部完成", "version": version()})
    r = office.post(
        url("verify_close"), {"note": "现场核验通过", "version": version(), "confirmed": "1"}, follow=True
    )
    assert "已审核办结" in r.content.decode()
    m.refresh_from_db()
    assert m.state == S.CLOSED
    assert list(MatterEvent.objects.filter(matter=m).values_list("action", flat=True)) == [
        "assign", "acknowledge", "report_progress", "request_closure", "verify_close",
    ]  # fmt: skip


def test_refused_transition_shows_message(org, login, m):
    r = login("supervisor").post(
        reverse("supervision:matter_action", args=[m.pk, "verify_close"]), {"version": m.version}, follow=True
    )
    assert "不能执行“审核办结”" in r.content.decode()
    m.refresh_from_db()
    assert m.state == S.ASSIGNED


def test_street_cannot_verify_and_other_unit_cannot_act(org, login):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    assert (
        login("nanguan").post(reverse("supervision:matter_action", args=[m.pk, "verify_close"])).status_code
        == 403
    )
    assert (
        login("beixiajie").post(reverse("supervision:matter_action", args=[m.pk, "acknowledge"])).status_code
        == 404
    )
    assert (
        login("jinshui_leader").post(reverse("supervision:matter_action", args=[m.pk, "remind"])).status_code
        == 404
    )


def test_stale_version_is_a_conflict(org, login, m):
    r = login("nanguan").post(
        reverse("supervision:matter_action", args=[m.pk, "acknowledge"]),
        {"version": m.version - 1},
        follow=True,
    )
    assert "已被他人修改" in r.content.decode()


def test_extension_request_and_decision(org, login):
    m = matter(org["units"], state=S.IN_PROGRESS)
    login("nanguan").post(
        reverse("supervision:matter_action", args=[m.pk, "request_extension"]),
        {"new_deadline": "2021-05-31", "reason": "征收未完成", "version": m.version},
    )
    ext = m.extensions.get()
    assert (
        login("nanguan")
        .post(reverse("supervision:extension_decide", args=[ext.pk]), {"approve": "1"})
        .status_code
        == 404
    )
    login("supervisor").post(
        reverse("supervision:extension_decide", args=[ext.pk]), {"approve": "1", "note": "同意"}
    )
    m.refresh_from_db()
    assert m.deadline == dt.date(2021, 5, 31)


def test_assign_form(org, login, users):
    c = login("supervisor")
    assert c.get(reverse("supervision:matter_create")).status_code == 200
    units = org["units"]
    r = c.post(
        reverse("supervision:matter_create"),
        {"title": "清明节前完成祭扫安全检查", "source": "instruction", "lead_unit": units["南关街街道"].pk,
         "supporting_units": [units["应急管理局"].pk], "assigned_on": "2021-03-31", "working_days": 3,
         "priority": "high", "frequency": "once"},
    )  # fmt: skip
    assert r.status_code == 302
    created = Matter.objects.get(title="清明节前完成祭扫安全检查")
    assert created.deadline == dt.date(2021, 4, 6)  # 4-1, 4-2, then 清明 4-3..4-5, then 4-6
    assert login("nanguan").get(reverse("supervision:matter_create")).status_code == 403


def test_assign_form_bad_input(org, login):
    units = org["units"]
    r = login("supervisor").post(
        reverse("supervision:matter_create"),
        {"title": "x", "source": "instruction", "lead_unit": units["南关街街道"].pk, "assigned_on": "2021-03-31",
         "deadline": "2021-03-01", "priority": "normal", "frequency": "monthly"},
    )  # fmt: skip
    assert r.status_code == 200 and "早于交办日期" in r.content.decode()
    r = login("supervisor").post(
        reverse("supervision:matter_create"),
        {"title": "x", "source": "instruction", "lead_unit": units["南关街街道"].pk, "assigned_on": "2021-03-31",
         "priority": "normal", "frequency": "monthly"},
    )  # fmt: skip
    assert "二者选其一" in r.content.decode()


def test_meeting_decisions_to_matters(org, login):
    units = org["units"]
    office = login("supervisor")
    r = office.post(
        reverse("supervision:meeting_create"),
        {"title": "三项工程、一项管理推进会", "organiser": units["双改办"].pk, "held_on": "2021-03-05"},
    )
    meeting_url = r["Location"]
    pk = int(meeting_url.rstrip("/").rsplit("/", 1)[1])
    office.post(reverse("supervision:decision_add", args=[pk]),
                {"text": "老旧小区改造 4 月底前全部开工", "lead_unit": units["南关街街道"].pk, "deadline": "2021-04-30"})  # fmt: skip
    office.post(reverse("supervision:decision_add", args=[pk]),
                {"text": "道路改造完成管线迁改", "lead_unit": units["城建局"].pk, "deadline": "2021-05-15"})  # fmt: skip
    assert login("nanguan").post(reverse("supervision:meeting_assign", args=[pk])).status_code == 404
    terms = {"priority": "normal", "frequency": "monthly"}
    r = office.post(reverse("supervision:meeting_assign", args=[pk]), terms, follow=True)
    assert "已将 2 项议定事项转为督办事项" in r.content.decode()
    assert Matter.objects.filter(source="meeting").count() == 2
    r = office.post(reverse("supervision:meeting_assign", args=[pk]), terms, follow=True)
    assert "没有待转办的议定事项" in r.content.decode()


def test_meeting_visible_in_district_only(org, login):
    meeting = services.create_meeting(
        None, organiser=org["units"]["双改办"], title="推进会", held_on=dt.date(2021, 3, 5)
    )
    assert login("supervisor").get(meeting.get_absolute_url()).status_code == 200
    assert login("jinshui_leader").get(meeting.get_absolute_url()).status_code == 404
    assert login("nanguan").get(meeting.get_absolute_url()).status_code == 404


def test_home_counters(org, login):
    matter(org["units"], title="逾期", deadline=dt.date(2021, 3, 20))
    matter(org["units"], state=S.CLOSED)
    body = login("nanguan").get(reverse("portal:home")).content.decode()
    assert "督查督办" in body and "本月办结" in body


def test_no_panel_for_administrators(org, login):
    assert "本月办结" not in login("sysadmin").get(reverse("portal:home")).content.decode()


def test_detail_log_shows_labels(org, login):
    m = matter(org["units"], state=S.IN_PROGRESS)
    body = login("nanguan").get(m.get_absolute_url()).content.decode()
    assert "<strong>签收</strong>" in body and "已交办 → 已签收" in body


def test_unknown_action_404(org, login, m):
    assert (
        login("supervisor").post(reverse("supervision:matter_action", args=[m.pk, "bogus"])).status_code
        == 404
    )


def test_todo_first_review_equals_the_ordered_list(org, users):
    """The merged top of the review list is exactly the first rows of the review queryset
    (closure requested or a pending extension, once each, by deadline then id)."""
    u = org["units"]
    made = []
    for i, day in enumerate([12, 3, 25, 3, 18, 9]):
        made.append(matter(u, state=S.CLOSURE_REQUESTED, title=f"审{i}", deadline=dt.date(2021, 4, day)))
    for i, day in enumerate([5, 3, 30]):
        m_ = matter(u, state=S.IN_PROGRESS, title=f"延{i}", deadline=dt.date(2021, 4, day))
        services.request_extension(None, m_, new_deadline=dt.date(2021, 5, 30), reason="拆迁")
    both = matter(u, state=S.IN_PROGRESS, title="两者", deadline=dt.date(2021, 4, 7))
    services.request_extension(None, both, new_deadline=dt.date(2021, 5, 30), reason="拆迁")
    services.request_closure(None, both, note="已完成")
    matter(u, state=S.IN_PROGRESS, title="无关", deadline=dt.date(2021, 4, 1))
    matter({"x": org["jinshui_street"]}, lead="x", support=(), state=S.CLOSURE_REQUESTED, title="金水")
    supervisor = users["supervisor"]
    expected = list(services.todo_querysets(supervisor)["review"].order_by("deadline", "id"))
    assert len(expected) == 10 and "两者" in [m.title for m in expected]
    for limit in (1, 4, 10, 50):
        got = services.todo_first_review(supervisor, limit)
        assert [m.pk for m in got] == [m.pk for m in expected[:limit]]
    assert services.todo_first_review(users["nanguan"], 50) == []


@pytest.mark.parametrize("username", ["nanguan", "chengjian", "beixiajie", "supervisor", "leader", "jinshui"])
def test_todo_lists_equal_the_gate_restricted_lists(org, users, username):
    """The to-do lists skip repeating the gate's OR (see services.todo_querysets): they must be
    exactly what the gate lets the person see."""
    from django.db.models import Q

    from districtops.supervision.states import OPEN_STATES

    u = org["units"]
    for state in (S.ASSIGNED, S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.CLOSED):
        matter(u, state=state, title=f"南关{state}")
        matter(u, state=state, lead="北下街街道", support=("城建局", "南关街街道"), title=f"北下{state}")
        matter(u, state=state, lead="城建局", support=(), title=f"城建{state}")
    verified = matter(u, state=S.CLOSURE_REQUESTED, lead="北下街街道", support=(), title="督查室审核")
    services.verify_close(users["supervisor"], verified)
    matter({"x": org["jinshui_street"]}, lead="x", support=(), state=S.CLOSED, title="金水")
    user = users[username]
    units = services.my_units(user)
    visible = Matter.objects.restrict(user, "view")
    supported = Matter.supporting_units.through.objects.filter(unit_id__in=units).values("matter_id")
    reviewed = MatterEvent.objects.filter(actor=user, action="verify_close").values("matter_id")
    lists = services.todo_querysets(user)

    def ids(qs):
        return set(qs.values_list("pk", flat=True))

    assert ids(lists["lead"]) == ids(visible.filter(state__in=OPEN_STATES, lead_unit_id__in=units))
    assert ids(lists["support"]) == ids(visible.filter(state__in=OPEN_STATES, pk__in=supported))
    still_overseen = Matter.objects.restrict(user, "manage").filter(pk__in=reviewed).values("pk")
    expected_done = visible.filter(state=S.CLOSED).filter(
        Q(lead_unit_id__in=units) | Q(pk__in=supported) | Q(pk__in=still_overseen)
    )
    assert ids(lists["done"]) == ids(expected_done)
    assert ids(lists["done"]) <= ids(visible) and ids(lists["review"]) <= ids(visible)
    if username == "supervisor":
        assert verified.pk in ids(lists["done"])
    if username == "chengjian":
        assert ids(lists["support"]) and ids(lists["lead"])
