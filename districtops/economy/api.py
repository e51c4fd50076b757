"""Economy API: register, reports, findings, indicators, targets, forecasts, rules and imports —
read through the permission gate and written through the same services as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from districtops.core import excel, uploads
from districtops.gate.api_utils import Limit, Offset, gated_get, page, page_schema
from districtops.org.models import Unit

from . import dashboard as dash
from . import imports, policies, quality, releases, services
from .models import AuditRule, Enterprise, Finding, Indicator, MonthlyReport, PriceIndex, Target
from .periods import parse_period

router = Router(tags=["economy"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    industry_code: str
    division_code: str
    district_id: int
    street_id: int | None
    sector: str
    annual_revenue: Decimal | None
    is_above_scale: bool
    is_key: bool
    is_candidate: bool
    is_individual: bool
    converted_from_individual: bool
    version: int


class EnterprisePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EnterpriseOut]


class ValueOut(Schema):
    field_code: str
    current: Decimal | None
    cumulative: Decimal | None


class FindingOut(Schema):
    id: int
    report_id: int
    rule: str = Field(..., alias="rule.code")
    severity: str = "verification"
    field_code: str
    message: str
    status: str
    grade: str
    explanation: str
    review_comment: str
    version: int


class EvidenceOut(Schema):
    rule: str
    name: str
    field: str
    message: str
    points: float


class MonthlyReportOut(Schema):
    id: int
    enterprise_id: int
    report_type: str = Field(..., alias="report_type.code")
    period: dt.date
    version: int
    is_current: bool
    status: str
    risk_score: float
    risk_evidence: list[EvidenceOut]
    values: list[ValueOut] = Field(..., alias="value_list")
    findings: list[FindingOut] = Field(..., alias="finding_list")


class MonthlyReportPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MonthlyReportOut]


class FindingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FindingOut]


class ExplainIn(Schema):
    version: int
    explanation: str = Field(..., min_length=1, max_length=2000)


class ReviewIn(Schema):
    version: int
    accept: bool
    comment: str = ""


class TargetStatusOut(Schema):
    growth: Decimal
    label: str
    light: str
    gap_light: str
    progress_light: str
    gap: Decimal | None
    progress: Decimal | None


class ForecastOut(Schema):
    method: str
    projection: float
    low: float
    high: float
    probability: float | None
    goal: float | None
    mase_ratio: float | None
    backtest_mape: float | None
    observations: int


class IndicatorRowOut(Schema):
    code: str
    name: str
    source: str
    period: str | None
    cumulative: Decimal | None
    growth: Decimal | None
    enterprise_count: int | None
    note: str = ""
    deflated: bool = False
    annual: TargetStatusOut | None
    quarter: TargetStatusOut | None
    light: str
    rank: int | None
    peers: int
    forecast: ForecastOut | None


class DashboardOut(Schema):
    unit_id: int
    unit: str
    period: str | None
    indicators: list[IndicatorRowOut]


class TargetOut(Schema):
    id: int
    indicator: str = Field(..., alias="indicator.code")
    unit_id: int
    year: int
    kind: str
    quarter: int | None
    growth: Decimal
    label: str
    version: int


class TargetIn(Schema):
    indicator: str
    unit_id: int
    year: int = Field(..., ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    growth: Decimal
    label: str = ""


class PriceIndexOut(Schema):
    id: int
    district_id: int
    division: str
    period: str
    index: Decimal
    note: str
    version: int

    @staticmethod
    def resolve_period(obj):
        return f"{obj.period:%Y-%m}"


class PriceIndexIn(Schema):
    district_id: int
    division: str = ""
    period: str
    index: Decimal
    note: str = Field("", max_length=200)


class PriceIndexPatch(Schema):
    version: int
    index: Decimal
    note: str = Field("", max_length=200)


class RuleOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    is_enabled: bool
    params: dict
    weight: float
    version: int


class RulePatch(Schema):
    version: int
    is_enabled: bool
    params: dict = {}
    weight: float | None = None


class ImportOut(Schema):
    kind: str
    file: str
    accepted: bool
    check_only: bool
    rows: int
    summary: dict
    findings: list[dict]


@router.get("/enterprises", response=EnterprisePage)
def list_enterprises(
    request, q: str = "", sector: str = "", above: bool | None = None, limit: Limit = 100, offset: Offset = 0
):
    qs = Enterprise.objects.restrict(request.auth, "view").order_by("name")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    if sector:
        qs = qs.filter(sector=sector)
    if above is not None:
        qs = qs.filter(is_above_scale=above)
    return page(qs, limit, offset)


@router.get("/enterprises/{int:pk}", response=EnterpriseOut)
def get_enterprise(request, pk: int):
    return gated_get(Enterprise, request.auth, pk)


def _with_children(report):
    report.value_list = list(report.values.all())
    report.finding_list = list(report.findings.all())
    return report


@router.get("/reports", response=MonthlyReportPage)
def list_reports(
    request,
    enterprise: int | None = None,
    period: str = "",
    current: bool = True,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = (
        MonthlyReport.objects.restrict(request.auth, "view")
        .select_related("report_type")
        .prefetch_related("values", "findings__rule")
        .order_by("-period", "enterprise_id", "-version")
    )
    if enterprise:
        qs = qs.filter(enterprise_id=enterprise)
    if period:
        qs = qs.filter(period=parse_period(period).date)
    if current:
        qs = qs.filter(is_current=True)
    result = page(qs, limit, offset)
    result["items"] = [_with_children(r) for r in result["items"]]
    return result


@router.get("/reports/{int:pk}", response=MonthlyReportOut)
def get_report(request, pk: int):
    queryset = MonthlyReport.objects.select_related("report_type").prefetch_related(
        "values", "findings__rule"
    )
    return _with_children(gated_get(MonthlyReport, request.auth, pk, queryset=queryset))


@router.get("/findings", response=FindingPage)
def list_findings(
    request, filters: quality.FindingFilters = Query(...), limit: Limit = 100, offset: Offset = 0
):
    """The findings list with the filters of the pages (``economy.quality.FindingFilters``):
    status (open, explained, accepted, rejected, unresolved, all), rule code, report period
    (2021-02), unit (district or street id), q (name or credit code)."""
    qs = filters.rows(request.auth).select_related("rule")
    return page(qs.order_by("-report__period", "pk"), limit, offset)


@router.get("/findings/export")
def export_findings(request, filters: quality.FindingFilters = Query(...)):
    """The same list as an Excel workbook (what the page's 导出 Excel button gives)."""
    content, filename = quality.findings_workbook(request.auth, filters)
    return excel.xlsx_response(content, filename)


@router.post("/findings/{int:pk}/explain", response=FindingOut)
def explain(request, pk: int, payload: ExplainIn):
    finding = gated_get(Finding, request.auth, pk)
    try:
        services.explain_finding(request.auth, finding, payload.explanation, expected_version=payload.version)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"explanation": exc.messages}) from exc
        raise
    return Finding.objects.select_related("rule").get(pk=pk)


@router.post("/findings/{int:pk}/review", response=FindingOut)
def review(request, pk: int, payload: ReviewIn):
    finding = gated_get(Finding, request.auth, pk)
    services.review_finding(
        request.auth,
        finding,
        accept=payload.accept,
        comment=payload.comment,
        expected_version=payload.version,
    )
    return Finding.objects.select_related("rule").get(pk=pk)


def _status(s):
    if s is None:
        return None
    return {
        "growth": s.target.growth,
        "label": s.target.label,
        "light": s.light,
        "gap_light": s.gap_light,
        "progress_light": s.progress_light,
        "gap": s.gap,
        "progress": s.progress,
    }


@router.get("/indicators", response=DashboardOut)
def indicators(request, unit: int | None = None, period: str = ""):
    target_unit = dash.resolve_unit(request.auth, unit)
    data = dash.build(request.auth, target_unit, parse_period(period) if period else None)
    rows = []
    for r in data["rows"]:
        p = r.projection
        rows.append(
            {
                "code": r.indicator.code,
                "name": r.indicator.name,
                "source": r.indicator.source,
                "period": data["period"].label if data["period"] else None,
                "cumulative": r.value.cumulative if r.value else None,
                "growth": r.value.growth if r.value else None,
                "enterprise_count": r.value.enterprise_count if r.value else None,
                "note": r.value.note if r.value else "",
                "deflated": r.indicator.deflated,
                "annual": _status(r.annual),
                "quarter": _status(r.quarter),
                "light": r.light,
                "rank": r.rank,
                "peers": r.peers,
                "forecast": None
                if p is None
                else {
                    "method": p.method,
                    "projection": p.projection,
                    "low": p.low,
                    "high": p.high,
                    "probability": p.probability,
                    "goal": p.goal,
                    "mase_ratio": p.mase_ratio,
                    "backtest_mape": p.backtest_mape,
                    "observations": p.observations,
                },
            }
        )
    return {
        "unit_id": target_unit.pk,
        "unit": target_unit.name,
        "period": data["period"].label if data["period"] else None,
        "indicators": rows,
    }


@router.get("/targets", response=page_schema(TargetOut, "TargetPage"))
def list_targets(request, year: int | None = None, limit: Limit = 500, offset: Offset = 0):
    qs = Target.objects.restrict(request.auth, "view").select_related("indicator")
    if year:
        qs = qs.filter(year=year)
    return page(list(qs), limit, offset)


@router.post("/targets", response={201: TargetOut})
def create_target(request, payload: TargetIn):
    indicator = Indicator.objects.filter(code=payload.indicator).first()
    if indicator is None:
        raise ValidationError({"indicator": f"未知指标 {payload.indicator}"})
    unit = get_object_or_404(Unit.objects.restrict(request.auth, "view"), pk=payload.unit_id)
    target = services.set_target(
        request.auth,
        indicator,
        unit,
        payload.year,
        growth=payload.growth,
        quarter=payload.quarter,
        label=payload.label,
    )
    return Status(201, target)


@router.get("/price-indices", response=page_schema(PriceIndexOut, "PriceIndexPage"))
def list_price_indices(
    request, period: str = "", division: str | None = None, limit: Limit = 500, offset: Offset = 0
):
    """工业生产者出厂价格指数 (same period last year = 100) the person may see."""
    qs = PriceIndex.objects.restrict(request.auth, "view")
    if period:
        qs = qs.filter(period=parse_period(period).date)
    if division is not None:
        qs = qs.filter(division=division.strip())
    return page(list(qs), limit, offset)


@router.post("/price-indices", response={200: PriceIndexOut, 201: PriceIndexOut})
def save_price_index(request, payload: PriceIndexIn):
    """Enter (201) or correct (200) the index of a division — or all industry (division "") — and period."""
    district = get_object_or_404(Unit.objects.restrict(request.auth, "view"), pk=payload.district_id)
    period = parse_period(payload.period)
    existed = PriceIndex.objects.filter(
        district=district, division=payload.division.strip(), period=period.date
    ).exists()
    row = services.save_price_index(
        request.auth,
        district,
        division=payload.division,
        period=period,
        index=payload.index,
        note=payload.note,
    )
    return Status(200 if existed else 201, row)


@router.patch("/price-indices/{int:pk}", response=PriceIndexOut)
def patch_price_index(request, pk: int, payload: PriceIndexPatch):
    row = gated_get(PriceIndex, request.auth, pk)
    return services.save_price_index(
        request.auth,
        row.district,
        division=row.division,
        period=row.period_obj,
        index=payload.index,
        note=payload.note,
        expected_version=payload.version,
    )


@router.get("/rules", response=page_schema(RuleOut, "RulePage"))
def list_rules(request, limit: Limit = 500, offset: Offset = 0):
    return page(list(AuditRule.objects.all()), limit, offset)


@router.patch("/rules/{int:pk}", response=RuleOut)
def patch_rule(request, pk: int, payload: RulePatch):
    rule = get_object_or_404(AuditRule, pk=pk)
    return services.update_rule(
        request.auth,
        rule,
        is_enabled=payload.is_enabled,
        params=payload.params,
        weight=payload.weight,
        expected_version=payload.version,
    )


@router.post("/imports/{kind}", response={200: ImportOut, 422: ImportOut})
def upload(request, kind: str, file: UploadedFile = File(...), check_only: bool = False):
    """Import an Excel file. 200 when accepted (or passing the check), 422 with row/column
    findings when refused — nothing is written then."""
    policies.require_statistician(request.auth)
    uploads.validate_upload(file, kinds=("office",))
    content = file.read()
    if kind == "enterprises":
        result = imports.import_enterprises(request.auth, content, file.name, check_only=check_only)
    elif kind == "reports":
        result = imports.import_reports(request.auth, content, file.name, check_only=check_only)
    elif kind in ("electricity", "tax"):
        result = imports.import_source_figures(
            request.auth, content, file.name, kind=kind, check_only=check_only
        )
    else:
        raise ValidationError({"kind": "应为 enterprises、reports、electricity 或 tax"})
    return Status(200 if result.accepted else 422, result.as_dict())


# --- month lifecycle (数据审定与发布): the district's statisticians only -----------------------


class ReleaseOut(Schema):
    period: str  # YYYY-MM
    label: str
    state: str
    state_label: str
    reports: int
    version: int | None
    reopen_reason: str


class ReleaseMoveIn(Schema):
    action: str = Field(description="review | collect | publish | reopen")
    version: int | None = None
    reason: str = ""


class TallyOut(Schema):
    key: str
    label: str
    expected: int
    reported: int


class MissingOut(Schema):
    id: int
    name: str
    credit_code: str
    street: str
    section: str


class ProgressOut(Schema):
    period: str
    label: str
    state: str
    expected: int
    reported: int
    deadline: dt.date
    overdue: bool
    missing_label: str
    by_street: list[TallyOut]
    by_section: list[TallyOut]
    missing: list[MissingOut]


def _release_district(user, unit_id):
    unit = dash.resolve_unit(user, unit_id)
    if not releases.sees_unpublished(user, unit.district_id):
        raise PermissionDenied("只有本区统计员可以审定和发布统计数据")
    return unit.district


def _release_out(row) -> dict:
    return {
        "period": row.period.date.strftime("%Y-%m"),
        "label": row.period.label,
        "state": row.state,
        "state_label": str(row.state_label),
        "reports": row.reports,
        "version": row.release.version if row.release else None,
        "reopen_reason": row.release.reopen_reason if row.release else "",
    }


def _period_arg(text: str):
    try:
        return parse_period(text)
    except (ValidationError, ValueError):
        raise ValidationError({"period": f"报告期“{text}”格式有误，应为 YYYY-MM，例如 2021-03"}) from None


@router.get("/periods", response=page_schema(ReleaseOut, "ReleasePage"))
def list_periods(request, unit: int | None = None, limit: Limit = 500, offset: Offset = 0):
    """The district's statistics periods with their state (采集中/审核中/已发布)."""
    district = _release_district(request.auth, unit)
    return page([_release_out(r) for r in releases.period_list(district.pk)], limit, offset)


@router.get("/periods/{period}/progress", response=ProgressOut)
def period_progress(request, period: str, unit: int | None = None):
    """已报 / 应报 for one period, by street and by industry section, and who is missing."""
    district = _release_district(request.auth, unit)
    p = releases.progress(district.pk, _period_arg(period))
    return {
        "period": p.period.date.strftime("%Y-%m"),
        "label": p.period.label,
        "state": p.state,
        "expected": p.expected,
        "reported": p.reported,
        "deadline": p.deadline,
        "overdue": p.overdue,
        "missing_label": p.missing_label,
        "by_street": [vars(t) for t in p.by_street],
        "by_section": [vars(t) for t in p.by_section],
        "missing": [
            {
                "id": e.pk,
                "name": e.name,
                "credit_code": e.credit_code,
                "street": e.street_name,
                "section": e.section,
            }
            for e in p.missing
        ],
    }


@router.post("/periods/{period}/release", response=ReleaseOut)
def move_period(request, period: str, payload: ReleaseMoveIn, unit: int | None = None):
    """Move a period: review (进入审核), collect (退回采集), publish (审定发布), reopen (重新打开, with reason)."""
    district = _release_district(request.auth, unit)
    p = _period_arg(period)
    moves = {
        "review": lambda: releases.start_review(request.auth, district, p, expected_version=payload.version),
        "collect": lambda: releases.back_to_collecting(
            request.auth, district, p, expected_version=payload.version
        ),
        "publish": lambda: releases.publish(request.auth, district, p, expected_version=payload.version),
        "reopen": lambda: releases.reopen(
            request.auth, district, p, payload.reason, expected_version=payload.version
        ),
    }
    if payload.action not in moves:
        raise ValidationError({"action": "操作应为 review、collect、publish 或 reopen 之一"})
    moves[payload.action]()
    row = next(r for r in releases.period_list(district.pk, limit=10_000) if r.period == p)
    return _release_out(row)
