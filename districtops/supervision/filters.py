"""The matter list's filters, shared by the list page, the Excel export and the API.

The cockpit links to the lists with these parameter names (``district``, ``closed_in``,
``overdue``, ``open``, ``state``, ``escalation``, ``lead_unit``); a value that does not parse is
ignored, never an error. The helpers below are shared with the hazard and suggestion lists.
"""

import calendar
import datetime as dt
import re

from django.db.models import Q

from districtops.core import clock

from .models import Matter
from .states import OPEN_STATES, MatterState

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def int_param(params, name: str) -> int | None:
    """A positive integer parameter, or None when absent or malformed."""
    value = str(params.get(name) or "").strip()
    if not value.isdigit() or len(value) > 12:
        return None
    return int(value) or None


def month_param(params, name: str) -> tuple[dt.date, dt.date] | None:
    """``YYYY-MM`` → (first day, last day) of that month, or None when absent or malformed."""
    match = _MONTH.match(str(params.get(name) or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def filtered_matters(user, params):
    """The list filters, shared by the list page, the export and the API."""
    matters = Matter.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in MatterState.values:
        matters = matters.filter(state=state)
    if params.get("overdue") == "1":
        matters = matters.filter(state__in=OPEN_STATES, deadline__lt=clock.today())
    if params.get("open") == "1":
        matters = matters.filter(state__in=OPEN_STATES)
    escalation = str(params.get("escalation") or "")
    if escalation.isdigit() and len(escalation) < 6:
        matters = matters.filter(escalation=int(escalation))
    lead = int_param(params, "lead_unit")
    if lead is not None:
        matters = matters.filter(lead_unit_id=lead)
    district = int_param(params, "district")
    if district is not None:
        matters = matters.filter(district_id=district)
    closed_in = month_param(params, "closed_in")
    if closed_in is not None:
        matters = matters.filter(
            state=MatterState.CLOSED, closed_on__gte=closed_in[0], closed_on__lte=closed_in[1]
        )
    q = (params.get("q") or "").strip()
    if q:
        matters = matters.filter(Q(title__icontains=q) | Q(code__icontains=q))
    return matters


def active_filters(user, params) -> list[dict]:
    """The narrow filters a link (e.g. from the cockpit) may carry that the list's own form has
    no control for: the list keeps them as hidden fields and names them above the table."""
    from django.utils.translation import gettext as _

    from districtops.org.models import Unit

    found = []
    for name, label in (("district", _("区")), ("lead_unit", _("牵头单位"))):
        pk = int_param(params, name)
        if pk is not None:
            unit = Unit.objects.restrict(user, "view").filter(pk=pk).values_list("name", flat=True).first()
            found.append({"name": name, "value": pk, "label": f"{label}：{unit or pk}"})
    if month_param(params, "closed_in") is not None:
        value = params["closed_in"].strip()
        found.append({"name": "closed_in", "value": value, "label": _("%(m)s 办结") % {"m": value}})
    if params.get("due") == "soon":
        found.append({"name": "due", "value": "soon", "label": _("30 天内到期、未答复")})
    if params.get("open") == "1":
        found.append({"name": "open", "value": "1", "label": _("未销号")})
    return found
