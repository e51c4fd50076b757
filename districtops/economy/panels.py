"""The economy module's panel on the home page: findings waiting for the person, and red lights."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Finding, FindingStatus


def home_panel(user):
    from . import dashboard

    units = dashboard.units_for(user)
    if not units:
        return None
    findings = Finding.objects.restrict(user, "view")
    open_count = findings.filter(status=FindingStatus.OPEN).count()
    to_review = findings.filter(status=FindingStatus.EXPLAINED).count()
    data = dashboard.build(user, units[0], with_forecast=False)
    red = sum(1 for row in data["rows"] if row.light == "red")
    url = reverse("economy:dashboard")
    findings_url = reverse("economy:finding_list")
    return {
        "title": _("经济运行") + " · " + units[0].name,
        "counters": [
            {"label": _("红灯指标"), "value": red, "url": url, "css": "text-red" if red else ""},
            {"label": _("待说明"), "value": open_count, "url": findings_url + "?status=open", "css": ""},
            {
                "label": _("已说明待审核"),
                "value": to_review,
                "url": findings_url + "?status=explained",
                "css": "",
            },
        ],
    }


TODO_ITEMS = 10


def todo_section(user) -> dict | None:
    """The to-do section (core.todo) of a street's people: findings of the enterprises in their
    streets that wait for an explanation (待说明, or 说明未认可 and to be explained again)."""
    from districtops.gate import permissions
    from districtops.org.roles import UNIT_WORKERS

    units = permissions.scope_of(user).units_with(UNIT_WORKERS)
    if not units:
        return None
    waiting = (
        Finding.objects.restrict(user, "report")
        .filter(street__in=units, status__in=(FindingStatus.OPEN, FindingStatus.REJECTED))
        .select_related("report__enterprise")
        .order_by("report__period", "report__enterprise__name", "pk")
    )
    total = waiting.count()
    if not total:
        return None
    return {
        "key": "economy",
        "title": _("审核发现待说明（本街道企业）"),
        "total": total,
        "more_url": reverse("economy:finding_list") + "?status=open",
        "items": [
            {
                "text": f"{f.report.enterprise.name} {f.report.period_obj.label}：{f.message}",
                "url": f.get_absolute_url(),
                "badge": f.get_status_display(),
                "badge_class": "bg-red-lt" if f.status == FindingStatus.REJECTED else "bg-yellow-lt",
                "date": None,
            }
            for f in waiting[:TODO_ITEMS]
        ],
    }
