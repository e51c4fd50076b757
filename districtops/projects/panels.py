"""What the projects module shows outside its own pages: the home-page counters and the
section of the person's to-do page (core.todo) — the warnings of the projects their units lead."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from districtops.core import clock
from districtops.gate import permissions
from districtops.org.roles import UNIT_ROLES

from . import filters, measures
from .models import ConstructionProject, InvestmentProject

TODO_ITEMS = 10


def warnings_for(user, chosen: filters.WarningFilters, today: dt.date) -> list[measures.ProjectWarning]:
    """Warnings of the projects ``user`` may see, narrowed by ``chosen`` (the warnings page's
    filters: the construction list's, and ``mine``), red first; every kind (the caller picks)."""
    construction = chosen.rows(user)
    investment = filters.InvestmentFilters(district=chosen.district, street=chosen.street, q=chosen.q).rows(
        user
    )
    if chosen.mine:
        units = permissions.scope_of(user).units_with(UNIT_ROLES)
        construction = construction.filter(Q(lead_unit__in=units) | Q(command_post__in=units))
        investment = investment.filter(lead_unit__in=units)
    warnings = measures.construction_warnings(construction, today) + measures.investment_warnings(
        investment, today
    )
    warnings.sort(key=lambda w: (w.severity != "red", w.kind, w.project_name))
    return warnings


def todo_section(user) -> dict | None:
    """The to-do section (core.todo): warnings of projects led by one of the person's units."""
    if not permissions.scope_of(user).units_with(UNIT_ROLES):
        return None
    warnings = warnings_for(user, filters.WarningFilters(mine=True), clock.today())
    if not warnings:
        return None
    return {
        "key": "projects",
        "title": _("项目预警（本单位牵头）"),
        "total": len(warnings),
        "more_url": reverse("projects:warning_list") + "?mine=1",
        "items": [
            {
                "text": f"{w.project_name}{' · ' + w.node if w.node else ''}：{w.message}",
                "url": w.url,
                "badge": str(w.kind_label),
                "badge_class": "bg-red-lt" if w.severity == "red" else "bg-yellow-lt",
                "date": None,
            }
            for w in warnings[:TODO_ITEMS]
        ],
    }


def home_panel(user):
    today = clock.today()
    construction = ConstructionProject.objects.restrict(user, "view")
    investment = InvestmentProject.objects.restrict(user, "view")
    construction_count, investment_count = construction.count(), investment.count()
    if not construction_count and not investment_count:
        return None
    counts = measures.warning_counts(construction, today)
    stalled = measures.stalled_projects(investment, today).count()
    url = reverse("projects:warning_list")
    return {
        "title": _("项目调度"),
        "counters": [
            {
                "label": _("建设项目"),
                "value": construction_count,
                "url": reverse("projects:construction_list"),
            },
            {"label": _("招商项目"), "value": investment_count, "url": reverse("projects:investment_list")},
            {
                "label": _("节点逾期"),
                "value": counts.get("node_overdue", 0),
                "url": f"{url}?kind=node_overdue",
                "css": "text-red" if counts.get("node_overdue") else "",
            },
            {
                "label": _("进度滞后"),
                "value": counts.get("progress_behind", 0),
                "url": f"{url}?kind=progress_behind",
                "css": "text-orange" if counts.get("progress_behind") else "",
            },
            {
                "label": _("计划多次后延"),
                "value": counts.get("plan_slipped", 0),
                "url": f"{url}?kind=plan_slipped",
                "css": "text-red" if counts.get("plan_slipped") else "",
            },
            {
                "label": _("资金滞后"),
                "value": counts.get("funds_lagging", 0),
                "url": f"{url}?kind=funds_lagging",
            },
            {
                "label": _("档案不全"),
                "value": counts.get("archives_incomplete", 0),
                "url": f"{url}?kind=archives_incomplete",
            },
            {"label": _("招商停滞"), "value": stalled, "url": f"{url}?kind=investment_stalled"},
        ],
    }
