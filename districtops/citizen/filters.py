"""The residents' reports list's filters: one definition for the list page and the API
(``core.listing``)."""

from typing import Annotated

from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup

from districtops.core.listing import ListFilters

from .models import Report, ReportStatus


class ReportFilters(ListFilters):
    model = Report
    labels = {"status": _l("状态")}

    status: Annotated[ReportStatus | None, FilterLookup("status")] = None
