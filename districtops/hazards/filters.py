"""The hazard list's filters: one definition for the list page, the Excel export and the API
(``gate.listing``).

Names are fixed (the cockpit links with them): ``state``, ``grade``, ``open`` (not yet
closed/销号), ``overdue`` (open and past its deadline), ``district``/``unit`` (unit ids), ``q``.
"""

from typing import Annotated

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup
from pydantic import Field

from districtops.core import clock
from districtops.gate.api_utils import Id
from districtops.gate.listing import ListFilters

from .models import Hazard, HazardGrade, HazardState


class HazardFilters(ListFilters):
    model = Hazard
    labels = {
        "state": _l("状态"), "grade": _l("等级"), "open": _l("未销号"), "overdue": _l("仅逾期"),
        "district": _l("区"), "unit": _l("责任单位"), "q": _l("搜索"),
    }  # fmt: skip
    chips = ("district", "unit", "open")

    state: Annotated[HazardState | None, FilterLookup("state")] = None
    grade: Annotated[HazardGrade | None, FilterLookup("grade")] = None
    open: bool = Field(False, description="仅未销号")
    overdue: bool = Field(False, description="仅逾期（未销号且已过整改时限）")
    district: Annotated[Id | None, FilterLookup("district_id")] = None
    unit: Annotated[Id | None, FilterLookup("unit_id")] = None
    q: Annotated[str | None, FilterLookup(["title__icontains", "code__icontains", "location__icontains"])] = (
        Field(None, description="标题、编号或地点（部分）")
    )

    def filter_open(self, value) -> Q:
        return Hazard.objects.open_q()

    def filter_overdue(self, value) -> Q:
        return Hazard.objects.overdue_q(clock.today())

    def chip_district(self, value, user):
        return self.unit_chip(_("区"), value, user)

    def chip_unit(self, value, user):
        return self.unit_chip(_("责任单位"), value, user)

    def chip_open(self, value, user):
        return _("未销号")
