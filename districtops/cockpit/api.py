from django.core.exceptions import ValidationError
from ninja import Router, Schema

from districtops.gate.api_utils import Limit, Offset, page, page_schema

from . import services
from .figures import Month

router = Router(tags=["cockpit"])


class DistrictOut(Schema):
    id: int
    division_code: str
    name: str


class CellOut(Schema):
    text: str
    url: str


class FigureOut(Schema):
    key: str
    label: str
    value: float | None
    text: str
    unit: str
    url: str
    light: str
    note: str


class TableOut(Schema):
    key: str
    title: str
    headers: list[str]
    rows: list[list[CellOut]]
    empty: str = ""  # why there is no row
    notes: list[str] = []


class ChartOut(Schema):
    key: str
    title: str
    kind: str  # growth, peers, map, stacked, heat: what cockpit/static/cockpit/charts.js draws
    data: dict
    url: str
    empty: str  # why there is nothing to draw


class SectionOut(Schema):
    key: str
    title: str
    figures: list[FigureOut]
    tables: list[TableOut]
    charts: list[ChartOut] = []
    warnings: list[str] = []


class DistrictRef(Schema):
    id: int
    code: str
    name: str


class SummaryOut(Schema):
    district: DistrictRef
    period: str
    period_label: str
    statistics_period: str  # the one period of every economic figure and chart ("" when none)
    statistics_period_label: str
    today: str
    pinned: bool
    as_of: str
    as_of_text: str
    sections: list[SectionOut]
    warnings: list[str]


@router.get("/", response=page_schema(DistrictOut, "DistrictPage"))
def list_districts(request, limit: Limit = 500, offset: Offset = 0):
    """Districts whose cockpit the caller may open."""
    return page(list(services.districts_for(request.auth)), limit, offset)


@router.get("/{district_code}", response=SummaryOut)
def district_summary(request, district_code: str, period: str | None = None):
    """The cockpit of one district: the same figures as the page and the monthly briefing.

    ``period`` (YYYY-MM) picks the reporting month; a district outside the caller's scope is 404.
    """
    district = services.resolve_district(request.auth, district_code)
    try:
        month = Month.parse(period) if period else None
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    return services.cached_summary(request.auth, district, month)
