"""The home page panel: the person's projects and what needs chasing (their unit's to-do)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from districtops.core import clock

from . import measures
from .models import ConstructionProject, InvestmentProject


def home_panel(user):
    today = clock.today()
    construction = ConstructionProject.objects.restrict(user, "view")
    investment = InvestmentProject.objects.restrict(user, "view")
    construction_count, investment_count = construction.count(), investment.count()
    if not construction_count and not investment_count:
        return None
    warnings = measures.construction_warnings(construction, today)
    counts = {}
    for w in warnings:
        counts[w.kind] = counts.get(w.kind, 0) + 1
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
