"""What the supervision module shows on a person's home page (``portal/home_panels.py`` lists
these): the matters' counters, and the system administrator's reminder of next year's holidays.
The cockpit's section is ``cockpit.py``."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from districtops.core import clock
from districtops.gate import permissions
from districtops.org.roles import UNIT_ROLES, Role

from . import workdays
from .models import Escalation, Matter
from .states import MatterState


def home_panel(user):
    """Home counters: in progress, overdue, closed this month, listed for leaders."""
    if not permissions.scope_of(user).has_role(*UNIT_ROLES):
        return None  # administrators (三员) have no business panel
    visible = Matter.objects.restrict(user, "view")
    today = clock.today()
    open_q = Matter.objects.open_q()
    counts = visible.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=Matter.objects.overdue_q(today)),
        closed=Count("pk", filter=Q(state=MatterState.CLOSED, closed_on__gte=today.replace(day=1))),
        listed=Count("pk", filter=open_q & Q(escalation=Escalation.LISTED)),
    )
    url = reverse("supervision:matter_list")
    return {
        "title": _("督查督办"),
        "counters": [
            {"label": _("办理中"), "value": counts["open"], "url": url, "css": ""},
            {
                "label": _("已逾期"),
                "value": counts["overdue"],
                "url": f"{url}?overdue=1",
                "css": "text-danger",
            },
            {
                "label": _("本月办结"),
                "value": counts["closed"],
                "url": f"{url}?state=closed",
                "css": "text-success",
            },
            {
                "label": _("挂牌督办"),
                "value": counts["listed"],
                "url": f"{url}?escalation=2",
                "css": "text-warning",
            },
        ],
    }


def calendar_panel(user):
    """The system administrator's home: from 1 November, next year's holiday notice if missing."""
    if not permissions.has_role(user, Role.SYS_ADMIN):
        return None
    year = workdays.next_year_missing(clock.today())
    if year is None:
        return None
    return {
        "title": _("节假日安排"),
        "alert": _("%(year)d 年的节假日安排尚未录入：该年的工作日时限目前按推算（不含调休）。")
        % {"year": year},
        "counters": [],
        "action": {"label": _("录入节假日安排"), "url": reverse("supervision:holiday_list")},
    }
