"""The matter list's filters: one definition for the list page, the Excel export and the API
(``gate.listing``).

The cockpit links to the list with these names (``district``, ``closed_in``, ``overdue``,
``open``, ``state``, ``escalation``, ``lead_unit``); a value that does not read is a Chinese
message on the page, 422 on the API.
"""

from typing import Annotated

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup
from pydantic import Field

from districtops.core import clock
from districtops.core.params import month_param
from districtops.gate.api_utils import Id, Month, one_of
from districtops.gate.listing import ListFilters

from .models import Escalation, Matter
from .states import MatterState


class MatterFilters(ListFilters):
    model = Matter
    labels = {
        "state": _l("状态"), "overdue": _l("仅逾期"), "open": _l("未销号"), "escalation": _l("督办级别"),
        "lead_unit": _l("牵头单位"), "district": _l("区"), "closed_in": _l("办结月份"), "q": _l("搜索"),
    }  # fmt: skip
    chips = ("district", "lead_unit", "closed_in", "open")
    choices = {"escalation": dict(Escalation.choices)}

    state: Annotated[MatterState | None, FilterLookup("state")] = None
    overdue: bool = Field(False, description="仅逾期（未办结且已过时限）")
    open: bool = Field(False, description="仅未销号（未办结）")
    escalation: one_of(Escalation.values) | None = Field(None, description="督办级别")
    lead_unit: Annotated[Id | None, FilterLookup("lead_unit_id")] = None
    district: Annotated[Id | None, FilterLookup("district_id")] = None
    closed_in: Month | None = Field(None, description="办结月份 YYYY-MM")
    q: Annotated[str | None, FilterLookup(["title__icontains", "code__icontains"])] = Field(
        None, description="标题或编号（部分）"
    )

    def filter_overdue(self, value) -> Q:
        return Matter.objects.overdue_q(clock.today())

    def filter_open(self, value) -> Q:
        return Matter.objects.open_q()

    def filter_escalation(self, value) -> Q:
        return Q(escalation=int(value))

    def filter_closed_in(self, value) -> Q:
        month = month_param({"m": value}, "m")
        if month is None:  # the pattern's shape, but no calendar month (year 0000)
            return Q(pk__in=[])
        first, last = month
        return Q(state=MatterState.CLOSED, closed_on__gte=first, closed_on__lte=last)

    def chip_district(self, value, user):
        return self.unit_chip(_("区"), value, user)

    def chip_lead_unit(self, value, user):
        return self.unit_chip(_("牵头单位"), value, user)

    def chip_closed_in(self, value, user):
        return _("%(m)s 办结") % {"m": value}

    def chip_open(self, value, user):
        return _("未销号")
