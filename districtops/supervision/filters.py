"""The matter list's filters, shared by the list page, the Excel export and the API."""

from django.db.models import Q

from districtops.core import clock

from .models import Matter
from .states import OPEN_STATES, MatterState


def filtered_matters(user, params):
    """The list filters, shared by the list page, the export and the API."""
    matters = Matter.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in MatterState.values:
        matters = matters.filter(state=state)
    if params.get("overdue") == "1":
        matters = matters.filter(state__in=OPEN_STATES, deadline__lt=clock.today())
    escalation = params.get("escalation", "")
    if escalation.isdigit():
        matters = matters.filter(escalation=int(escalation))
    lead = params.get("lead_unit", "")
    if lead.isdigit():
        matters = matters.filter(lead_unit_id=int(lead))
    q = (params.get("q") or "").strip()
    if q:
        matters = matters.filter(Q(title__icontains=q) | Q(code__icontains=q))
    return matters
