"""The hazard list's filters, shared by the list page, the Excel export and the API.

Parameter names are fixed (the cockpit links with them): ``state``, ``grade``, ``open=1``
(not yet closed/销号), ``overdue=1`` (open and past its deadline), ``district=<unit pk>``,
``unit=<unit pk>``, ``q``. A value that does not parse is ignored.
"""

from django.db.models import Q

from districtops.core import clock
from districtops.core.params import id_param

from .models import Hazard, HazardGrade, HazardState


def filtered_hazards(user, params):
    hazards = Hazard.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in HazardState.values:
        hazards = hazards.filter(state=state)
    grade = params.get("grade", "")
    if grade in HazardGrade.values:
        hazards = hazards.filter(grade=grade)
    if params.get("open") == "1":
        hazards = hazards.open()
    if params.get("overdue") == "1":
        hazards = hazards.overdue(clock.today())
    district = id_param(params, "district")
    if district is not None:
        hazards = hazards.filter(district_id=district)
    unit = id_param(params, "unit")
    if unit is not None:
        hazards = hazards.filter(unit_id=unit)
    q = (params.get("q") or "").strip()
    if q:
        hazards = hazards.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(location__icontains=q))
    return hazards
