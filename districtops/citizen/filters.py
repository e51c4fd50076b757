"""The residents' reports list's filters: one definition for the list page and the API
(``gate.listing``)."""

from typing import Annotated

from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup

from districtops.gate.listing import ListFilters

from .models import Report, ReportStatus


class ReportFilters(ListFilters):
    model = Report
    labels = {"status": _l("状态")}

    status: Annotated[ReportStatus | None, FilterLookup("status")] = None
