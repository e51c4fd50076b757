"""The suggestion list's filters: one definition for the list page, the Excel export and the
API (``gate.listing``).

Names are fixed (the cockpit links with them): ``state``, ``district`` (a unit id), ``due=soon``
(reply due within 30 days and not answered), ``overdue`` (reply deadline passed, not answered),
``open`` (not answered), ``handling_unit`` (a unit id), ``q``.
"""

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup
from pydantic import Field

from districtops.core import clock
from districtops.gate.api_utils import Id
from districtops.gate.listing import ListFilters

from .models import Suggestion, SuggestionState

DUE_SOON_DAYS = 30
# Not answered: waiting for the (first or renewed) reply.
UNANSWERED = (SuggestionState.ASSIGNED, SuggestionState.REOPENED)


class SuggestionFilters(ListFilters):
    model = Suggestion
    labels = {
        "state": _l("状态"), "due": _l("到期"), "overdue": _l("仅逾期"), "open": _l("未销号"),
        "district": _l("区"), "handling_unit": _l("承办单位"), "q": _l("搜索"),
    }  # fmt: skip
    chips = ("district", "handling_unit", "due", "open")

    state: Annotated[SuggestionState | None, FilterLookup("state")] = None
    due: Literal["soon"] | None = Field(None, description="soon：30 天内到期、未答复")
    overdue: bool = Field(False, description="仅逾期（答复期限已过、未答复）")
    open: bool = Field(False, description="仅未答复")
    district: Annotated[Id | None, FilterLookup("district_id")] = None
    handling_unit: Annotated[Id | None, FilterLookup("handling_unit_id")] = None
    q: Annotated[str | None, FilterLookup(["title__icontains", "number__icontains"])] = Field(
        None, description="标题或编号（部分）"
    )

    def filter_due(self, value) -> Q:
        today = clock.today()
        return Q(
            state__in=UNANSWERED,
            reply_due__gte=today,
            reply_due__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )

    def filter_overdue(self, value) -> Q:
        return Q(state__in=UNANSWERED, reply_due__lt=clock.today())

    def filter_open(self, value) -> Q:
        return Q(state__in=UNANSWERED)

    def chip_district(self, value, user):
        return self.unit_chip(_("区"), value, user)

    def chip_handling_unit(self, value, user):
        return self.unit_chip(_("承办单位"), value, user)

    def chip_due(self, value, user):
        return _("30 天内到期、未答复")

    def chip_open(self, value, user):
        return _("未销号")
