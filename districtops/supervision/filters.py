"""The matter list's filters, shared by the list page, the Excel export and the API.

The cockpit links to the lists with these parameter names (``district``, ``closed_in``,
``overdue``, ``open``, ``state``, ``escalation``, ``lead_unit``); a value that does not parse is
ignored, never an error (``core.params``).
"""

from django.db.models import Q

from districtops.core import clock
from districtops.core.params import id_param, month_param

from .models import Matter
from .states import MatterState


def filtered_matters(user, params):
    """The list filters, shared by the list page, the export and the API."""
    matters = Matter.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in MatterState.values:
        matters = matters.filter(state=state)
    if params.get("overdue") == "1":
        matters = matters.overdue(clock.today())
    if params.get("open") == "1":
        matters = matters.open()
    escalation = str(params.get("escalation") or "")
    if escalation.isdigit() and len(escalation) < 6:
        matters = matters.filter(escalation=int(escalation))
    lead = id_param(params, "lead_unit")
    if lead is not None:
        matters = matters.filter(lead_unit_id=lead)
    district = id_param(params, "district")
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
        pk = id_param(params, name)
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
