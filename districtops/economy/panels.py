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
