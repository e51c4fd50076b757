"""The state machine, exhaustively: every state × every action, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from districtops.supervision import services, states
from districtops.supervision.models import ExtensionStatus, MatterEvent
from districtops.supervision.states import MatterState as S

from .factories import KWARGS, matter

# Who takes each action in the tests, by its side (states.SIDE): the lead street, the supporting
# bureau, the office for oversight.
ACTOR = {"lead": "nanguan", "support": "chengjian", "oversight": "supervisor"}


def _perform(users, m, action):
    actor = users[ACTOR[states.SIDE[action]]]
    if action == "request_extension":
        return services.request_extension(
            actor, m, new_deadline=m.deadline + dt.timedelta(days=10), reason="资金未到位"
        )
    if action == "decide_extension":
        ext = m.extensions.get()
        return services.decide_extension(actor, ext, approve=True)
    return services.ACTION_FUNCTIONS[action](actor, m, **KWARGS[action])


@pytest.mark.parametrize("state", S.values)
@pytest.mark.parametrize("action", states.ACTIONS)
def test_every_state_every_action(org, users, state, action):
    units = org["units"]
    # Overdue (with its reason on file) and already reminded, so the actions' own
    # preconditions hold and only the table decides.
    m = matter(units, state=S.ASSIGNED, deadline=dt.date(2021, 3, 20), assigned_on=dt.date(2021, 3, 1))
    m = services.remind(None, m)
    if action == "decide_extension":
        # An extension asked while the matter was still open, then the matter moved on.
        from .factories import PATH

        ext_state = S.CLOSURE_REQUESTED if state == S.CLOSED else state
        for step in PATH[ext_state]:
            m = services.ACTION_FUNCTIONS[step](None, m, **KWARGS[step])
        services.request_extension(None, m, new_deadline=dt.date(2021, 4, 30), reason="需要协调")
        m.refresh_from_db()
        if state == S.CLOSED:
            m = services.verify_close(None, m)
    else:
        from .factories import advance

        m = advance(m, state)
    assert m.state == state
    expected = states.target(action, state)
    events_before = MatterEvent.objects.filter(matter=m).count()
    if expected is None:
        with pytest.raises(ValidationError) as err:
            _perform(users, m, action)
        assert "不能" in " ".join(err.value.messages)
        m.refresh_from_db()
        assert m.state == state
        assert MatterEvent.objects.filter(matter=m).count() == events_before
    else:
        _perform(users, m, action)
        m.refresh_from_db()
        assert m.state == expected
        last = MatterEvent.objects.filter(matter=m).last()
        assert (last.action, last.from_state, last.to_state) == (action, state, expected)


def test_table_has_no_way_to_close_without_verification():
    into_closed = [
        (a, s)
        for a, (_p, table, _l) in states.TRANSITIONS.items()
        for s, t in table.items()
        if t == S.CLOSED and s != S.CLOSED
    ]
    assert into_closed == [("verify_close", S.CLOSURE_REQUESTED)]


def test_street_cannot_verify_its_own_closure(org, users):
    m = matter(org["units"], state=S.CLOSURE_REQUESTED)
    with pytest.raises(PermissionDenied):
        services.verify_close(users["nanguan"], m)


def test_other_street_and_other_district_refused(org, users):
    m = matter(org["units"], state=S.ASSIGNED)
    for username in ("beixiajie", "jinshui", "jinshui_leader"):
        with pytest.raises(PermissionDenied):
            services.acknowledge(users[username], m)


def test_first_times_kept_across_rework(org, users):
    m = matter(org["units"], state=S.RETURNED)
    first_ack, first_done = m.first_acknowledged_at, m.first_completed_at
    assert first_ack and first_done
    m = services.request_closure(users["nanguan"], m, note="整改完毕")
    m = services.verify_close(users["supervisor"], m)
    assert (m.first_acknowledged_at, m.first_completed_at) == (first_ack, first_done)
    assert m.closed_on == dt.date(2021, 3, 31) and m.closed_at is not None


def test_opinions_are_appended_never_overwritten(org, users):
    m = matter(org["units"], state=S.IN_PROGRESS)
    services.add_opinion(users["supervisor"], m, note="第一条意见")
    services.add_opinion(users["leader"], m, note="第二条意见")
    notes = list(MatterEvent.objects.filter(matter=m, action="add_opinion").values_list("note", flat=True))
    assert notes == ["第一条意见", "第二条意见"]


def test_overdue_matter_needs_reason_before_closure(org, users):
    m = services.assign_matter(
        None, title="x", lead_unit=org["units"]["南关街街道"], assigned_on=dt.date(2021, 3, 1),
        deadline=dt.date(2021, 3, 10),
    )  # fmt: skip
    m = services.acknowledge(users["nanguan"], m)
    with pytest.raises(ValidationError) as err:
        services.request_closure(users["nanguan"], m, note="完成")
    assert "逾期原因" in str(err.value)
    m = services.record_overdue_reason(users["nanguan"], m, reason="天气原因")
    assert services.request_closure(users["nanguan"], m, note="完成").state == S.CLOSURE_REQUESTED


def test_reason_refused_when_not_overdue(org, users):
    m = matter(org["units"], state=S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.record_overdue_reason(users["nanguan"], m, reason="x")


def test_listing_needs_reminder_first(org, users):
    m = matter(org["units"], state=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as err:
        services.list_for_supervision(users["supervisor"], m, note="挂牌")
    assert "先催办" in str(err.value)
    m = services.remind(users["supervisor"], m)
    assert services.list_for_supervision(users["supervisor"], m, note="挂牌").escalation == 2


def test_extension_refused_keeps_deadline_and_needs_reason(org, users):
    m = matter(org["units"], state=S.IN_PROGRESS)
    ext = services.request_extension(users["nanguan"], m, new_deadline=dt.date(2021, 5, 31), reason="资金")
    with pytest.raises(ValidationError):
        services.decide_extension(users["supervisor"], ext, approve=False)
    with pytest.raises(PermissionDenied):
        services.decide_extension(users["nanguan"], ext, approve=True)
    ext = services.decide_extension(users["supervisor"], ext, approve=False, note="理由不充分")
    m.refresh_from_db()
    assert ext.status == ExtensionStatus.REFUSED and m.deadline == dt.date(2021, 4, 30)


def test_extension_must_be_later(org, users):
    m = matter(org["units"], state=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as err:
        services.request_extension(users["nanguan"], m, new_deadline=dt.date(2021, 4, 1), reason="x")
    assert "new_deadline" in err.value.message_dict


def test_extension_after_closure_refused(org, users):
    m = matter(org["units"], state=S.CLOSED)
    with pytest.raises(ValidationError) as err:
        services.request_extension(users["nanguan"], m, new_deadline=dt.date(2021, 5, 31), reason="x")
    assert "已办结" in str(err.value)


def test_deadline_before_assignment_refused(org):
    with pytest.raises(ValidationError) as err:
        services.assign_matter(
            None, title="x", lead_unit=org["units"]["南关街街道"], assigned_on=dt.date(2021, 3, 10),
            deadline=dt.date(2021, 3, 1),
        )  # fmt: skip
    assert "早于交办日期" in err.value.message_dict["deadline"][0]


def test_only_oversight_assigns(org, users):
    with pytest.raises(PermissionDenied):
        services.assign_matter(
            users["nanguan"], title="x", lead_unit=org["units"]["南关街街道"], working_days=5
        )
    with pytest.raises(PermissionDenied):
        services.assign_matter(
            users["jinshui_leader"], title="x", lead_unit=org["units"]["南关街街道"], working_days=5
        )
    m = services.assign_matter(
        users["leader"], title="x", lead_unit=org["units"]["南关街街道"], working_days=5
    )
    assert m.assigned_by == users["leader"] and m.deadline == dt.date(2021, 4, 8)  # 清明 4-3..4-5
