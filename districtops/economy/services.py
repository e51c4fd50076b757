"""Writes of the economy module. Imports live in ``imports.py``; everything else is here.

Who may do what:
- the district's statisticians (统计员) import, explain findings, accept or reject explanations,
  tune the audit rules, enter department figures, set targets and tune the district's parameters;
- a street's staff may record the enterprise's explanation for a finding in their street;
- the system (``actor=None``) does everything, for the demo loader and the command line.
Imported figures are never edited here: a correction is a new import (a new report version).
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from districtops.core import clock
from districtops.core.excel import Column
from districtops.gate import services
from districtops.org.models import Unit, UnitKind

from . import indicators, policies, rules
from .imports import import_enterprises, import_reports, import_source_figures
from .models import (
    FINDING_TRANSITIONS,
    AuditRule,
    EconomySettings,
    Finding,
    FindingStatus,
    Indicator,
    IndicatorSource,
    IndicatorValue,
    MonthlyReport,
    PriceIndex,
    ReportStatus,
    Target,
    TargetKind,
)
from .periods import Period, parse_period

__all__ = [
    "import_enterprises",
    "import_reports",
    "import_source_figures",
    "explain_finding",
    "review_finding",
    "update_rule",
    "enter_indicator_value",
    "set_target",
    "save_price_index",
    "import_price_indices",
    "update_settings",
    "settings_for",
]


def _transition(finding: Finding, target: str) -> None:
    if target not in FINDING_TRANSITIONS[FindingStatus(finding.status)]:
        raise ValidationError(
            {
                "status": f"当前状态“{finding.get_status_display()}”不能变为“{FindingStatus(target).label}”",
            }
        )


def _refresh_report_status(report: MonthlyReport) -> bool:
    """Derive the report's status from its findings; True when the counted set changed."""
    statuses = set(report.findings.values_list("status", flat=True))
    if not statuses or statuses == {FindingStatus.ACCEPTED}:
        new = ReportStatus.ACCEPTED
    elif FindingStatus.REJECTED in statuses:
        new = ReportStatus.REJECTED
    elif FindingStatus.OPEN in statuses:
        new = ReportStatus.PENDING
    else:
        new = ReportStatus.EXPLAINED
    if new == report.status:
        return False
    MonthlyReport.objects.filter(pk=report.pk).update(status=new)
    was_counted = report.status in (ReportStatus.ACCEPTED, ReportStatus.EXPLAINED)
    report.status = new
    return was_counted != (new in (ReportStatus.ACCEPTED, ReportStatus.EXPLAINED))


def _after_finding_change(finding: Finding) -> None:
    report = MonthlyReport.objects.get(pk=finding.report_id)
    if _refresh_report_status(report) and report.is_current:
        indicators.recompute(report.district_id, [report.period_obj])


def explain_finding(actor, finding: Finding, explanation: str, *, expected_version: int | None) -> Finding:
    """Record the enterprise's explanation of a verification finding. Boilerplate (“核实无误”)
    is refused. The report counts in the indicators again until a statistician rejects it."""
    if not policies.may_explain(actor, finding):
        raise PermissionDenied("无权说明该审核发现")
    text = rules.validate_explanation(explanation)
    with transaction.atomic():
        _transition(finding, FindingStatus.EXPLAINED)
        finding = services.update_object(
            actor,
            finding,
            {
                "explanation": text,
                "status": FindingStatus.EXPLAINED,
                "explained_by": actor,
                "explained_at": clock.now(),
            },
            expected_version=expected_version,
            action="report",
            audit_action="explain",
        )
        _after_finding_change(finding)
    return finding


def review_finding(
    actor, finding: Finding, *, accept: bool, comment: str = "", expected_version: int | None
) -> Finding:
    """The statistician accepts or rejects an explanation. A rejection takes the report out of the
    indicators until a better explanation (or a corrected report) arrives."""
    policies.require_statistician(actor, finding.district_id)
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"review_comment": "退回说明时请写明理由"})
    status = FindingStatus.ACCEPTED if accept else FindingStatus.REJECTED
    with transaction.atomic():
        _transition(finding, status)
        finding = services.update_object(
            actor,
            finding,
            {"status": status, "review_comment": comment, "reviewed_by": actor, "reviewed_at": clock.now()},
            expected_version=expected_version,
            action="manage",
            audit_action="accept" if accept else "reject",
        )
        _after_finding_change(finding)
    return finding


def update_rule(
    actor,
    rule: AuditRule,
    *,
    is_enabled: bool,
    params: dict,
    expected_version: int | None,
    weight=None,
):
    """Switch a rule, tune its parameters and its weight in the risk score. Parameters must be ones
    the rule already knows, each checked by ``rules.validate_params`` (numbers ≥ 0; periods, tax-rate
    events and targets item by item)."""
    if not policies.can_tune_rules(actor):
        raise PermissionDenied("只有统计员可以调整审核规则")
    if not isinstance(params, dict):
        raise ValidationError({"params": "参数应为键值对"})
    for key in params:
        if key not in (rule.params or {}):
            raise ValidationError({"params": f"规则“{rule.name}”没有参数 {key}"})
    clean = rules.validate_params(rule.code, params)
    for key, number in clean.items():
        if isinstance(number, float) and number.is_integer() and isinstance(rule.params[key], int):
            clean[key] = int(number)
    if weight is not None:
        try:
            weight = Decimal(str(weight))
        except (InvalidOperation, ValueError):
            raise ValidationError({"weight": f"风险权重应为数字：{weight}"}) from None
        if not weight.is_finite() or not Decimal(0) <= weight <= Decimal(100):
            raise ValidationError({"weight": "风险权重应在 0 到 100 之间"})
    # The rule set is city-wide configuration outside the data-scope gate: the role check above
    # is the permission; the audit row and the version check are the same as update_object's.
    with transaction.atomic():
        current = AuditRule.objects.select_for_update().get(pk=rule.pk)
        if expected_version is not None and int(expected_version) != current.version:
            raise services.ConflictError(current, expected_version, current.version)
        before = services.snapshot(current)
        current.is_enabled = bool(is_enabled)
        current.params = {**current.params, **clean}
        if weight is not None:
            current.weight = weight
        current.version += 1
        current.save()
        services.record(actor, "update", current, before=before, after=services.snapshot(current))
    return current


def enter_indicator_value(
    actor,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    *,
    cumulative: Decimal | None,
    growth: Decimal | None,
    published: bool = False,
    note: str = "",
) -> IndicatorValue:
    """A department's figure (fiscal revenue, GDP from the city bureau, a peer district's published
    value). Only for indicators whose source is ``entered``; aggregates are computed, never typed."""
    if indicator.source != IndicatorSource.ENTERED and unit.kind != UnitKind.DISTRICT:
        raise ValidationError({"indicator": f"“{indicator.name}”由企业数据汇总，不能手工填报"})
    district_id = unit.district_id
    own_district = policies.is_statistician(actor, district_id)
    # A statistician records peer districts' published figures for comparison.
    if not policies.can_enter_figure(actor, district_id, published=published):
        raise PermissionDenied("只有本区统计员可以填报指标")
    if indicator.source == IndicatorSource.AGGREGATE and own_district and not published:
        raise ValidationError({"indicator": f"“{indicator.name}”由企业数据汇总，不能手工填报"})
    if cumulative is None and growth is None:
        raise ValidationError({"cumulative": "累计值和增速至少填一项"})
    if cumulative is not None and cumulative < 0:
        raise ValidationError({"cumulative": "累计值不能为负数"})
    if period.date > clock.today():
        raise ValidationError({"period": f"报告期 {period.label} 晚于当前业务日期"})
    with transaction.atomic():
        existing = IndicatorValue.objects.filter(indicator=indicator, unit=unit, period=period.date).first()
        fields = {
            "cumulative": cumulative,
            "growth": growth,
            "is_entered": True,
            "is_published": published,
            "note": note,
        }
        if existing is None:
            return services.create_object(
                actor,
                IndicatorValue(
                    indicator=indicator, unit=unit, district_id=district_id, period=period.date, **fields
                ),
            )
        return services.update_object(actor, existing, fields, expected_version=None, action="report")


def set_target(
    actor,
    indicator: Indicator,
    unit: Unit,
    year: int,
    *,
    growth: Decimal,
    quarter: int | None = None,
    label: str = "",
) -> Target:
    """Set (or change) an annual or quarterly growth target. Q1 is the 开门红 target."""
    policies.require_statistician(actor, unit.district_id)
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "季度应为 1–4"})
    if growth is None or not Decimal(-100) < Decimal(growth) < Decimal(1000):
        raise ValidationError({"growth": "目标增速应在 -100% 与 1000% 之间"})
    kind = TargetKind.QUARTER if quarter else TargetKind.ANNUAL
    with transaction.atomic():
        existing = Target.objects.filter(
            indicator=indicator, unit=unit, year=year, kind=kind, quarter=quarter
        ).first()
        if existing is None:
            return services.create_object(
                actor,
                Target(
                    indicator=indicator,
                    unit=unit,
                    district_id=unit.district_id,
                    year=year,
                    kind=kind,
                    quarter=quarter,
                    growth=Decimal(growth),
                    label=label,
                ),
            )
        return services.update_object(
            actor,
            existing,
            {"growth": Decimal(growth), "label": label},
            expected_version=None,
            action="change",
        )


PRICE_INDEX_RANGE = (Decimal(50), Decimal(200))
INDUSTRY_SECTIONS = {"B", "C", "D"}  # 采矿业, 制造业, 电力热力燃气及水生产和供应业


def clean_price_index(division, period: Period, index) -> tuple[str, Decimal]:
    """Check one PPI entry; the messages name the field (form, API and import rows share them)."""
    from districtops.core.codes import DIVISIONS

    division = str(division or "").strip()
    errors = {}
    if division and (division not in DIVISIONS or DIVISIONS[division][0] not in INDUSTRY_SECTIONS):
        errors["division"] = f"“{division}”不是工业行业大类代码（应为 06–46 的两位代码，留空为全部工业）"
    if index in (None, ""):
        errors["index"] = "请填写价格指数"
    else:
        try:
            index = Decimal(str(index))
        except ArithmeticError:
            errors["index"] = f"价格指数“{index}”不是数字"
        else:
            low, high = PRICE_INDEX_RANGE
            if not index.is_finite() or not low <= index <= high:
                errors["index"] = f"价格指数应在 {low} 与 {high} 之间（上年同期=100），收到 {index}"
    if period.date > clock.today():
        errors["period"] = f"报告期 {period.label} 晚于当前业务日期"
    if errors:
        raise ValidationError(errors)
    return division, index.quantize(Decimal("0.01"))


def save_price_index(
    actor,
    district: Unit,
    *,
    division: str,
    period: Period,
    index,
    note: str = "",
    expected_version: int | None = None,
    recompute: bool = True,
) -> PriceIndex:
    """Enter or correct the PPI (same period last year = 100) of an industry division — or of all
    industry (``division=""``) — for a period. The district's statisticians only; the comparable-price
    indicators of that period are recomputed in the same transaction."""
    policies.require_statistician(actor, district.pk)
    if district.kind != UnitKind.DISTRICT:
        raise ValidationError({"district": "价格指数按区填报"})
    division, index = clean_price_index(division, period, index)
    with transaction.atomic():
        existing = PriceIndex.objects.filter(district=district, division=division, period=period.date).first()
        if existing is None:
            row = services.create_object(
                actor,
                PriceIndex(district=district, division=division, period=period.date, index=index, note=note),
            )
        else:
            row = services.update_object(
                actor,
                existing,
                {"index": index, "note": note},
                expected_version=expected_version,
                action="change",
            )
        if recompute:
            indicators.recompute(district.pk, [period])
    return row


PRICE_INDEX_COLUMNS = [
    Column("division", "行业大类代码", ("行业代码", "行业大类", "大类代码", "行业")),
    Column("period", "报告期", ("期别", "年月", "月份"), required=True),
    Column(
        "index",
        "价格指数",
        ("价格指数（上年同期=100）", "出厂价格指数", "工业生产者出厂价格指数", "指数", "上年同期=100"),
        required=True,
    ),
    Column("note", "备注", ("说明",)),
]
ALL_INDUSTRY_WORDS = ("全部工业", "全部", "工业", "合计")


def import_price_indices(actor, district: Unit, source, filename: str = "") -> tuple[int, list]:
    """The bureau's PPI table as a sheet (行业大类代码 — empty or 全部工业 for all industry —, 报告期,
    价格指数). All or nothing: any bad row refuses the file, each error naming its row and column;
    accepted rows are entered (or corrected) one by one through ``save_price_index`` (audited) and the
    indicators of the periods concerned are recomputed once. Returns (rows saved, errors)."""
    from districtops.core.excel import CellError, read_table

    policies.require_statistician(actor, district.pk)
    table = read_table(io.BytesIO(source) if isinstance(source, bytes) else source, PRICE_INDEX_COLUMNS)
    errors = list(table.errors)
    labels = {c.key: c.header for c in PRICE_INDEX_COLUMNS}
    prepared, seen = [], {}
    for row in table.rows:
        r = row["_row"]
        division = str(row.get("division") or "").strip()
        division = "" if division in ALL_INDUSTRY_WORDS else division.split(" ")[0].removesuffix(".0")
        if division.isdigit() and len(division) == 1:
            division = division.zfill(2)  # a number cell drops the leading zero of 06–09
        try:
            period = parse_period(row.get("period"))
        except ValidationError as exc:
            errors.append(CellError(r, labels["period"], exc.messages[0], "period"))
            continue
        try:
            division, index = clean_price_index(division, period, row.get("index"))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.append(CellError(r, labels.get(key, key), messages[0], "price_index"))
            continue
        if (division, period) in seen:
            errors.append(
                CellError(r, labels["division"], f"与第 {seen[(division, period)]} 行重复", "duplicate")
            )
            continue
        seen[(division, period)] = r
        prepared.append((division, period, index, str(row.get("note") or "")[:200]))
    if not errors and not prepared:
        errors.append(CellError(0, "文件", "没有价格指数数据行", "empty"))
    if errors:
        services.record(
            actor,
            "import_refused",
            None,
            object_type="economy.priceindex",
            object_repr=filename[:200],
            after={"errors": [e.as_dict() for e in errors[:50]], "error_count": len(errors)},
            message=f"价格指数 {filename}：{len(errors)} 处错误，未导入",
        )
        return 0, errors
    with transaction.atomic():
        for division, period, index, note in prepared:
            save_price_index(
                actor, district, division=division, period=period, index=index, note=note, recompute=False
            )
        indicators.recompute(district.pk, sorted({p for _d, p, _i, _n in prepared}))
    return len(prepared), []


def settings_for(district_id: int) -> EconomySettings:
    """The district's parameters (defaults when never tuned; not saved until changed)."""
    return EconomySettings.objects.filter(district_id=district_id).first() or EconomySettings(
        district_id=district_id
    )


def update_settings(actor, district: Unit, *, expected_version: int | None, **changes) -> EconomySettings:
    policies.require_statistician(actor, district.pk)
    allowed = {
        "candidate_share",
        "pool_factor",
        "annual_upgrade_goal",
        "yellow_gap_pp",
        "risk_threshold",
        "review_capacity",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({next(iter(unknown)): "未知参数"})
    if "candidate_share" in changes and not Decimal(0) < Decimal(changes["candidate_share"]) <= Decimal(1):
        raise ValidationError({"candidate_share": "入池比例应在 0 与 1 之间"})
    if "risk_threshold" in changes:
        try:
            threshold = Decimal(str(changes["risk_threshold"]))
        except (InvalidOperation, ValueError):
            raise ValidationError({"risk_threshold": "风险分阈值应为数字"}) from None
        if not threshold.is_finite() or not Decimal("0.1") <= threshold <= Decimal(100):
            raise ValidationError({"risk_threshold": "风险分阈值应在 0.1 到 100 之间"})
        changes["risk_threshold"] = threshold
    if "review_capacity" in changes:
        try:
            capacity = int(changes["review_capacity"])
        except (TypeError, ValueError):
            raise ValidationError({"review_capacity": "核查能力应为整数（家）"}) from None
        if not 0 <= capacity <= 100000:
            raise ValidationError({"review_capacity": "核查能力应在 0 到 100000 家之间（0 为不限）"})
        changes["review_capacity"] = capacity
    current = EconomySettings.objects.filter(district=district).first()
    if current is None:
        return services.create_object(actor, EconomySettings(district=district, **changes))
    return services.update_object(actor, current, changes, expected_version=expected_version, action="change")
