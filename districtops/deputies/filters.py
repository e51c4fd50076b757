"""The suggestion list's filters, shared by the list page, the Excel export and the API.

Parameter names are fixed (the cockpit links with them): ``state``, ``district=<unit pk>``,
``due=soon`` (reply due within 30 days and not answered), ``overdue=1`` (reply deadline
passed, not answered), ``handling_unit=<unit pk>``, ``q``. A value that does not parse is ignored.
"""

import datetime as dt

from django.db.models import Q

from districtops.core import clock
from districtops.core.params import id_param

from .models import Suggestion, SuggestionState

DUE_SOON_DAYS = 30
# Not answered: waiting for the (first or renewed) reply.
UNANSWERED = (SuggestionState.ASSIGNED, SuggestionState.REOPENED)


def filtered_suggestions(user, params):
    items = Suggestion.objects.restrict(user, "view")
    state = params.get("state", "")
    if state in SuggestionState.values:
        items = items.filter(state=state)
    today = clock.today()
    if params.get("due") == "soon":
        items = items.filter(
            state__in=UNANSWERED,
            reply_due__gte=today,
            reply_due__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
    if params.get("overdue") == "1":
        items = items.filter(state__in=UNANSWERED, reply_due__lt=today)
    if params.get("open") == "1":
        items = items.filter(state__in=UNANSWERED)
    district = id_param(params, "district")
    if district is not None:
        items = items.filter(district_id=district)
    unit = id_param(params, "handling_unit")
    if unit is not None:
        items = items.filter(handling_unit_id=unit)
    q = (params.get("q") or "").strip()
    if q:
        items = items.filter(Q(title__icontains=q) | Q(number__icontains=q))
    return items
