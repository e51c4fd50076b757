import io
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districtops.core import dictionary, excel, uploads
from districtops.core.codes import SECTIONS, Sector, section_of
from districtops.core.params import id_param
from districtops.core.units import YI, to_wan
from districtops.gate import permissions
from districtops.gate.listing import export_refused
from districtops.gate.services import ConflictError
from districtops.gate.views_helpers import apply_service_errors
from districtops.org.models import UnitKind

from . import dashboard as dash
from . import imports, policies, quality, releases, services
from .forms import (
    ExplainForm,
    ImportForm,
    IndicatorValueForm,
    PriceIndexEditForm,
    PriceIndexForm,
    PriceIndexImportForm,
    ReleaseMoveForm,
    ReviewCapacityForm,
    ReviewForm,
    RuleForm,
    TargetForm,
)
from .models import (
    AuditRule,
    Enterprise,
    Finding,
    ImportBatch,
    ImportKind,
    Light,
    MonthlyReport,
    PriceIndex,
    ReleaseState,
    Target,
)
from .periods import parse_period


def _period_param(request):
    raw = request.GET.get("period", "").strip()
    if not raw:
        return None
    try:
        return parse_period(raw)
    except ValidationError:
        return None


@login_required
def dashboard(request):
    unit = dash.resolve_unit(request.user, request.GET.get("unit"))
    data = dash.build(request.user, unit, _period_param(request), with_forecast=False)
    data["units"] = dash.units_for(request.user)
    labels = sorted({(p["key"], p["period"]) for r in data["rows"] for p in r.trend})
    data["chart"] = {
        "periods": [label for _, label in labels],
        "trend": {
            r.indicator.name: [{p["key"]: p["growth"] for p in r.trend}.get(key) for key, _ in labels]
            for r in data["rows"]
            if r.trend
        },
        "peers": [{"name": p["unit"].name, "growth": float(p["growth"])} for p in data["peer_ranking"]],
        "drivers": [
            {"name": d["name"], "pp": float(d["pp"])}
            for d in (data["drivers"] or {}).get("industries", [])[:8]
        ],
    }
    return render(request, "economy/dashboard.html", data)


@login_required
def forecast_fragment(request):
    """The 预判 card, loaded by the dashboard after the page (model fits are cached per series).
    Opened directly (not by HTMX) it is the dashboard, which loads it: never a bare fragment."""
    unit = dash.resolve_unit(request.user, request.GET.get("unit"))
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(reverse("economy:dashboard") + (f"?{query}" if query else ""))
    data = dash.build(request.user, unit, _period_param(request))
    return render(request, "economy/_forecast.html", data)


INDICATOR_COLUMNS = [
    excel.Column("indicator", "指标", width=26),
    excel.Column("period", "报告期"),
    excel.Column("cumulative", "本年累计（亿元）", kind="decimal", number_format="#,##0.00"),
    excel.Column("growth", "累计增速（%）", kind="decimal", number_format="0.0"),
    excel.Column("annual", "全年目标（%）", kind="decimal", number_format="0.0"),
    excel.Column("annual_light", "全年目标灯"),
    excel.Column("quarter", "季度目标（%）", kind="decimal", number_format="0.0"),
    excel.Column("quarter_light", "季度目标灯"),
    excel.Column("rank", "全市位次"),
    excel.Column("projection", "全年预判（亿元）", kind="decimal", number_format="#,##0.00"),
    excel.Column("probability", "完成目标概率", kind="decimal", number_format="0.0%"),
    excel.Column("note", "说明", width=30),
]


@login_required
def dashboard_export(request):
    unit = dash.resolve_unit(request.user, request.GET.get("unit"))
    data = dash.build(request.user, unit, _period_param(request))
    rows = []
    for r in data["rows"]:
        v = r.value
        rows.append(
            [
                r.indicator.name,
                data["period"].label if data["period"] else "",
                round(v.cumulative / YI, 4) if v and v.cumulative is not None else None,
                v.growth if v else None,
                r.annual.target.growth if r.annual else None,
                Light(r.annual.light).label if r.annual else "",
                r.quarter.target.growth if r.quarter else None,
                Light(r.quarter.light).label if r.quarter else "",
                f"{r.rank}/{r.peers}" if r.rank else "",
                round(Decimal(r.projection.projection) / YI, 4) if r.projection else None,
                round(r.projection.probability, 3)
                if r.projection and r.projection.probability is not None
                else None,
                # Why a computed growth is missing (缺少价格指数 …); entered values keep their notes.
                v.note if v else "",
            ]
        )
    sheets = [("指标", INDICATOR_COLUMNS, rows)]
    if data["pool"]:
        sheets.append(
            (
                "小升规培育库",
                [
                    excel.Column("name", "企业", width=30),
                    excel.Column("street", "街道"),
                    excel.Column("revenue", "近12个月营业收入（万元）", kind="decimal"),
                    excel.Column("ratio", "达标比例", kind="decimal", number_format="0.0%"),
                ],
                [
                    [
                        p["enterprise"].name,
                        str(p["enterprise"].street or ""),
                        to_wan(p["revenue"], 1),
                        p["ratio"],
                    ]
                    for p in data["pool"]["rows"]
                ],
            )
        )
    sheets.append(
        (
            "数据质量",
            [
                excel.Column("name", "企业", width=30),
                excel.Column("score", "风险分"),
                excel.Column("reasons", "原因", width=50),
            ],
            [[r["name"], r["score"], "；".join(r["reasons"])] for r in data["riskiest"]],
        )
    )
    filename = f"经济运行_{unit.name}_{data['period'].label if data['period'] else ''}.xlsx"
    return excel.xlsx_response(excel.write_workbook(sheets), filename)


ENTERPRISE_EXPORT_COLUMNS = [
    excel.Column("name", "单位详细名称", width=30),
    excel.Column("credit_code", "统一社会信用代码", width=22),
    excel.Column("industry_code", "行业代码"),
    excel.Column("division_code", "统计用区划代码", width=16),
    excel.Column("street", "街道"),
    excel.Column("sector", "专业"),
    excel.Column("annual_revenue", "营业收入（万元）", kind="decimal"),
    excel.Column("above", "四上"),
]


def _enterprise_queryset(request):
    qs = Enterprise.objects.restrict(request.user, "view").select_related("street")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    if request.GET.get("sector") in Sector.LABELS:
        qs = qs.filter(sector=request.GET["sector"])
    street = id_param(request.GET, "street")
    if street is not None:
        qs = qs.filter(street_id=street)
    if request.GET.get("above") in ("1", "0"):
        qs = qs.filter(is_above_scale=request.GET["above"] == "1")
    return qs.order_by("name")


@login_required
def enterprise_list(request):
    qs = _enterprise_queryset(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    streets = permissions.units_for_choice(request.user).filter(kind=UnitKind.SUBDISTRICT)
    return render(
        request,
        "economy/enterprise_list.html",
        {"page": page, "sectors": Sector.LABELS.items(), "streets": streets, "filters": request.GET},
    )


@login_required
def enterprise_export(request):
    rows = [
        [
            e.name,
            e.credit_code,
            e.industry_code,
            e.division_code,
            str(e.street or ""),
            Sector.LABELS.get(e.sector, ""),
            to_wan(e.annual_revenue, 1),
            "是" if e.is_above_scale else "否",
        ]
        for e in _enterprise_queryset(request)[:100_000]
    ]
    return excel.xlsx_response(
        excel.write_workbook([("企业名录", ENTERPRISE_EXPORT_COLUMNS, rows)]), "企业名录.xlsx"
    )


@login_required
def enterprise_detail(request, pk):
    enterprise = get_object_or_404(
        Enterprise.objects.restrict(request.user, "view").select_related("street", "district"), pk=pk
    )
    reports = (
        MonthlyReport.objects.filter(enterprise=enterprise)
        .select_related("batch")
        .prefetch_related("values", "findings")
        .order_by("-period", "-version")
    )
    return render(
        request,
        "economy/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "reports": reports,
            "section": SECTIONS[section_of(enterprise.industry_code)],
            "sector_label": Sector.LABELS.get(enterprise.sector, "非四上行业"),
        },
    )


@login_required
def report_detail(request, pk):
    report = get_object_or_404(
        MonthlyReport.objects.restrict(request.user, "view").select_related(
            "enterprise", "report_type", "batch", "street"
        ),
        pk=pk,
    )
    names = {f.code: f for f in report.report_type.fields.all()}
    values = [(names.get(v.field_code), v) for v in report.values.all()]
    findings = report.findings.select_related("rule", "explained_by", "reviewed_by")
    versions = MonthlyReport.objects.filter(enterprise=report.enterprise, period=report.period).order_by(
        "-version"
    )
    findings = list(findings)
    moves = policies.finding_moves(request.user, findings)
    for f in findings:
        f.moves = moves[f.pk]
    return render(
        request,
        "economy/report_detail.html",
        {
            "report": report,
            "values": values,
            "findings": findings,
            "versions": versions,
        },
    )


@login_required
def finding_list(request):
    """The review queue: findings ranked by their report's risk score; the first ``review_capacity``
    reports (a setting of the district) are this period's reviews, the rest wait below the line."""
    filters = quality.FindingFilters.from_params(request.GET, status="open")
    qs = (
        filters.rows(request.user)
        .select_related("report__enterprise", "rule", "street")
        .order_by("-report__risk_score", "-report__period", "report__enterprise__name", "pk")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    unit = dash.resolve_unit(request.user)
    setting = services.settings_for(unit.district_id)
    capacity = setting.review_capacity
    within = None
    if capacity:
        # The distinct reports at the head of the queue (one query; the page marks the line).
        within = set()
        for report_id in qs.values_list("report_id", flat=True).iterator(chunk_size=2000):
            within.add(report_id)
            if len(within) >= capacity:
                break
    can_tune = policies.is_statistician(request.user, unit.district_id)
    capacity_form = ReviewCapacityForm(
        initial={
            "version": setting.version if setting.pk else None,
            "risk_threshold": setting.risk_threshold,
            "review_capacity": capacity,
        }
    )
    return render(
        request,
        "economy/finding_list.html",
        {
            "page": page,
            "filters": filters,
            "query": urlencode(filters.query()),
            "statuses": quality.STATUS_FILTERS.items(),
            "rules": AuditRule.objects.filter(kind="verification").values_list("code", "name"),
            "units": dash.units_for(request.user),
            "setting": setting,
            "within": within,
            "can_tune": can_tune,
            "capacity_form": capacity_form,
        },
        status=filters.http_status,
    )


@login_required
@require_POST
def review_capacity(request):
    """The statistician sets the risk threshold and the review capacity (shown on the queue)."""
    unit = dash.resolve_unit(request.user)
    form = ReviewCapacityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("economy:finding_list")
    try:
        services.update_settings(
            request.user,
            unit.district,
            expected_version=form.cleaned_data["version"],
            risk_threshold=form.cleaned_data["risk_threshold"],
            review_capacity=form.cleaned_data["review_capacity"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        messages.error(request, _("参数已被他人修改，请刷新后重试。"))
    else:
        messages.success(request, _("核查能力已保存；新阈值用于此后导入的报表。"))
    return redirect("economy:finding_list")


@login_required
def finding_export(request):
    """The findings list as Excel, with the filters of the page it was asked from."""
    filters = quality.FindingFilters.from_params(request.GET, status="all")
    filters.prepare(request.user)
    if refused := export_refused(filters):
        return refused
    content, filename = quality.findings_workbook(request.user, filters)
    return excel.xlsx_response(content, filename)


@login_required
@require_POST
def finding_explain(request, pk):
    finding = get_object_or_404(Finding.objects.restrict(request.user, "view"), pk=pk)
    form = ExplainForm(request.POST)
    if form.is_valid():
        try:
            services.explain_finding(
                request.user,
                finding,
                form.cleaned_data["explanation"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        except ConflictError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已记录情况说明。"))
    else:
        messages.error(request, _("请填写情况说明。"))
    return redirect(finding.get_absolute_url())


@login_required
@require_POST
def finding_review(request, pk):
    finding = get_object_or_404(Finding.objects.restrict(request.user, "view"), pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    try:
        services.review_finding(
            request.user,
            finding,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["review_comment"],
            expected_version=form.cleaned_data["version"],
        )
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("审核意见已保存。"))
    return redirect(finding.get_absolute_url())


@login_required
def import_view(request):
    policies.require_statistician(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            uploads.validate_upload(upload, kinds=("office",))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            kind, check_only = form.cleaned_data["kind"], form.cleaned_data["check_only"]
            content = upload.read()
            if kind == ImportKind.ENTERPRISES:
                result = imports.import_enterprises(request.user, content, upload.name, check_only=check_only)
            elif kind == ImportKind.REPORTS:
                result = imports.import_reports(request.user, content, upload.name, check_only=check_only)
            else:
                result = imports.import_source_figures(
                    request.user, content, upload.name, kind=kind, check_only=check_only
                )
    batches = ImportBatch.objects.restrict(request.user, "view").select_related("imported_by")[:20]
    problems = None
    if result is not None:
        names = {**imports.READER_RULE_NAMES, **dict(AuditRule.objects.values_list("code", "name"))}

        def rule_name(code):
            # A rule the dictionary does not know either is shown as "其他检查", never by its code.
            return names.get(code) or (
                dictionary.rule_label(code) if code in dictionary.RULES else _("审核规则")
            )

        problems = {
            "errors": [(e, rule_name(e.rule)) for e in result.errors],
            "warnings": [(e, rule_name(e.rule)) for e in result.warnings],
        }
    return render(
        request,
        "economy/import.html",
        {
            "form": form,
            "result": result,
            "batches": batches,
            "problems": problems,
            "templates": imports.template_kinds(),
        },
    )


@login_required
def import_template(request, kind):
    """The import template for one kind (the register, a monthly form, a source) to fill in."""
    policies.require_statistician(request.user)
    try:
        content, filename = imports.template(request.user, kind)
    except LookupError:
        raise Http404(_("没有这种导入模板")) from None
    return excel.xlsx_response(content, filename)


@login_required
def rule_list(request):
    rules = AuditRule.objects.all()
    return render(
        request,
        "economy/rule_list.html",
        {"rules": rules, "can_tune": policies.can_tune_rules(request.user)},
    )


@login_required
def rule_edit(request, pk):
    policies.require_statistician(request.user)
    rule = get_object_or_404(AuditRule, pk=pk)
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rule(
                request.user,
                rule,
                is_enabled=form.cleaned_data["is_enabled"],
                params=form.params(),
                weight=form.cleaned_data["weight"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, ConflictError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("规则已保存。"))
            return redirect("economy:rule_list")
    return render(request, "economy/rule_form.html", {"form": form, "rule": rule})


@login_required
def data_quality(request):
    # The findings behind the risk list follow the page's filters (status, rule, report period);
    # the Benford screen always looks at the twelve periods up to the page's period.
    filters = quality.FindingFilters.from_params(request.GET, status=quality.UNRESOLVED)
    filters.prepare(request.user)
    unit = filters.unit_obj or dash.resolve_unit(request.user)
    filters = filters.with_unit(unit)
    findings = filters.rows(request.user)
    counted = filters.model_copy(update={"status": "all", "q": None})
    period = filters.report_period or dash.latest_period(request.user, unit)
    sections, overall = [], None
    if dash.district_wide(request.user, unit.district_id):
        # Benford needs many figures: the last twelve periods of the whole district.
        periods = []
        if period:
            p = period
            for _ in range(12):
                periods.append(p.date)
                p = p.previous()
        by_section = quality.figures_by_section(unit.district_id, periods)
        sections = quality.benford_by_section(unit.district_id, periods, by_section)
        values = [v for figures in by_section.values() for v in figures]
        overall = {
            "first": quality.benford(values, 1),
            "two": quality.benford(values, 2),
            "enterprises": quality.enterprise_count(unit.district_id, periods),
        }
    return render(
        request,
        "economy/data_quality.html",
        {
            "unit": unit,
            "units": dash.units_for(request.user),
            "period": period,
            "filters": filters,
            "query": urlencode(filters.query()),
            "statuses": quality.STATUS_FILTERS.items(),
            "rules": AuditRule.objects.filter(kind="verification").values_list("code", "name"),
            "riskiest": quality.riskiest_enterprises(findings, limit=30),
            "counts": quality.finding_counts(counted.rows(request.user)),
            "sections": sections,
            "overall": overall,
            "min_sample": quality.MIN_SAMPLE,
        },
        status=filters.http_status,
    )


@login_required
def pool_view(request):
    unit = dash.resolve_unit(request.user, request.GET.get("unit"))
    enterprises = Enterprise.objects.restrict(request.user, "view").filter(district_id=unit.district_id)
    if unit.kind == UnitKind.SUBDISTRICT:
        enterprises = enterprises.filter(street=unit)
    period = dash.latest_period(request.user, unit)
    data = (
        dash.pool.candidate_pool(enterprises, services.settings_for(unit.district_id), period)
        if period
        else None
    )
    return render(request, "economy/pool.html", {"unit": unit, "pool": data, "period": period})


@login_required
def target_list(request):
    targets = Target.objects.restrict(request.user, "view").select_related("indicator", "unit")
    form = TargetForm(request.POST or None, user=request.user)
    value_form = IndicatorValueForm(None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_target(
                request.user,
                data["indicator"],
                data["unit"],
                data["year"],
                growth=data["growth"],
                quarter=data["quarter"],
                label=data["label"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("目标已保存。"))
            return redirect("economy:target_list")
    return render(
        request,
        "economy/target_list.html",
        {"targets": targets, "form": form, "value_form": value_form},
    )


@login_required
@require_POST
def indicator_value_enter(request):
    form = IndicatorValueForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = parse_period(data["period"])
            services.enter_indicator_value(
                request.user,
                data["indicator"],
                data["unit"],
                period,
                cumulative=data["cumulative"] * YI if data["cumulative"] is not None else None,
                growth=data["growth"],
                published=data["published"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("指标数据已保存。"))
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
    return redirect("economy:target_list")


@login_required
def price_index_list(request):
    """工业生产者出厂价格指数 the statisticians enter; leaders and supervisors read them."""
    rows = PriceIndex.objects.restrict(request.user, "view").select_related("district")
    can_enter = policies.is_statistician(request.user)
    form = PriceIndexForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_price_index(
                request.user,
                data["district"],
                division=data["division"],
                period=data["period"],
                index=data["index"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("价格指数已保存，规上工业增加值已重新计算。"))
            return redirect("economy:price_index_list")
    paginator = Paginator(rows, 100)
    return render(
        request,
        "economy/price_index_list.html",
        {
            "page": paginator.get_page(request.GET.get("page")),
            "form": form,
            "import_form": PriceIndexImportForm(None, user=request.user),
            "can_enter": can_enter,
        },
    )


@login_required
def price_index_import(request):
    """The bureau's PPI sheet, all or nothing; errors name row and column."""
    form = PriceIndexImportForm(request.POST or None, request.FILES or None, user=request.user)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            uploads.validate_upload(upload, kinds=("office",))
            saved, errors = services.import_price_indices(
                request.user, form.cleaned_data["district"], io.BytesIO(upload.read()), upload.name
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_errors(form, exc)
        else:
            if not errors:
                messages.success(
                    request, _("已导入 %(n)s 条价格指数，规上工业增加值已重新计算。") % {"n": saved}
                )
                return redirect("economy:price_index_list")
    return render(request, "economy/price_index_import.html", {"form": form, "errors": errors})


@login_required
def price_index_edit(request, pk):
    row = get_object_or_404(PriceIndex.objects.restrict(request.user, "view"), pk=pk)
    initial = {"version": row.version, "index": row.index, "note": row.note}
    form = PriceIndexEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_price_index(
                request.user,
                row.district,
                division=row.division,
                period=row.period_obj,
                index=data["index"],
                note=data["note"],
                expected_version=data["version"],
            )
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("价格指数已保存，规上工业增加值已重新计算。"))
            return redirect("economy:price_index_list")
    return render(request, "economy/price_index_form.html", {"form": form, "row": row})


def _release_district(request):
    """The district whose periods the statistician moves; anyone else is refused (403)."""
    unit = dash.resolve_unit(request.user, request.GET.get("unit") or request.POST.get("unit"))
    if not releases.sees_unpublished(request.user, unit.district_id):
        raise PermissionDenied(_("只有本区统计员可以审定和发布统计数据"))
    return unit.district


@login_required
def release_list(request):
    """数据审定与发布: the district's periods with their state and moves, and the progress of one
    period (已报 / 应报, by street and industry, who is missing)."""
    district = _release_district(request)
    rows = releases.period_list(district.pk)
    chosen = None
    raw = request.GET.get("period", "").strip()
    if raw:
        try:
            chosen = parse_period(raw)
        except (ValidationError, ValueError):
            messages.error(request, _("报告期格式有误，应为 YYYY-MM，例如 2021-03"))
    if chosen is None:
        open_rows = [r for r in rows if r.state != ReleaseState.PUBLISHED]
        chosen = (open_rows or rows)[0].period if rows else None
    return render(
        request,
        "economy/release_list.html",
        {
            "district": district,
            "rows": rows,
            "chosen": chosen,
            "progress": releases.progress(district.pk, chosen) if chosen else None,
            "published": releases.latest_published(district),
        },
    )


@login_required
@require_POST
def release_move(request):
    district = _release_district(request)
    form = ReleaseMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("economy:release_list")
    data = form.cleaned_data
    period, version = data["period"], data["version"]
    try:
        if data["action"] == "review":
            releases.start_review(request.user, district, period, expected_version=version)
        elif data["action"] == "collect":
            releases.back_to_collecting(request.user, district, period, expected_version=version)
        elif data["action"] == "publish":
            releases.publish(request.user, district, period, expected_version=version)
        else:
            releases.reopen(request.user, district, period, data["reason"], expected_version=version)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except ConflictError:
        messages.error(request, _("该统计期已被他人修改，请刷新后重试。"))
    else:
        messages.success(
            request,
            _("%(period)s：%(action)s完成。")
            % {"period": period.label, "action": dict(form.ACTIONS)[data["action"]]},
        )
    return redirect(
        f"{reverse('economy:release_list')}?{urlencode({'period': period.date.strftime('%Y-%m')})}"
    )
