"""Matters in a given state, built through the services (as the system) so they are real."""

import datetime as dt

from districtops.supervision import services
from districtops.supervision.models import Source
from districtops.supervision.states import MatterState as S

PATH = {
    S.ASSIGNED: [],
    S.ACKNOWLEDGED: ["acknowledge"],
    S.IN_PROGRESS: ["acknowledge", "report_progress"],
    S.CLOSURE_REQUESTED: ["acknowledge", "report_progress", "request_closure"],
    S.RETURNED: ["acknowledge", "report_progress", "request_closure", "return_for_rework"],
    S.CLOSED: ["acknowledge", "report_progress", "request_closure", "verify_close"],
}

KWARGS = {
    "acknowledge": {},
    "report_progress": {"progress": 50, "note": "已完成一半"},
    "request_closure": {"note": "已完成"},
    "verify_close": {},
    "return_for_rework": {"note": "材料不全"},
    "remind": {},
    "list_for_supervision": {"note": "多次催办未果"},
    "record_overdue_reason": {"reason": "拆迁协调延误"},
    "add_opinion": {"note": "请注意质量"},
    "support_feedback": {"note": "城建局负责的管线迁改已完成"},
}


def matter(units, *, state=S.ASSIGNED, lead="南关街街道", support=("城建局",), title="背街小巷整治",
           assigned_on=dt.date(2021, 3, 1), deadline=dt.date(2021, 4, 30), actor=None, **kw):  # fmt: skip
    m = services.assign_matter(
        actor,
        title=title,
        source=Source.MEETING,
        lead_unit=units[lead],
        supporting_units=[units[u] for u in support],
        assigned_on=assigned_on,
        deadline=deadline,
        **kw,
    )
    return advance(m, state)


def advance(m, state):
    if m.deadline < dt.date(2021, 3, 31) and not m.overdue_reason:
        m = services.record_overdue_reason(None, m, reason="前期手续办理时间较长")
    for action in PATH[state]:
        m = services.ACTION_FUNCTIONS[action](None, m, **KWARGS[action])
    return m
