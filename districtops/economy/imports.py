"""Importing what the statistical systems export: the enterprise register, monthly reports, and
electricity/tax figures from other sources. Every import is all-or-nothing: the whole file is
checked first, every problem is reported by row and column in Chinese, and nothing is written
unless there is no error. Verification warnings do not refuse a file; they become findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Aggregate, Max, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from districtops.core import clock, locks
from districtops.core.codes import (
    Sector,
    classify_scale,
    credit_code_check_char,
    validate_credit_code,
    validate_industry_code,
)
from districtops.core.excel import CellError, Column, normalise_header, read_table, write_workbook
from districtops.gate import permissions, services
from districtops.org.models import Unit, UnitKind

from . import indicators, policies, rules
from .models import (
    AuditRule,
    EconomySettings,
    Enterprise,
    Finding,
    FindingStatus,
    ImportBatch,
    ImportKind,
    MonthlyReport,
    PeriodRelease,
    ReleaseState,
    ReportStatus,
    ReportType,
    ReportValue,
    SourceFigure,
    Target,
)
from .periods import Period, parse_period
from .reference import ensure_reference_data


@dataclass
class ImportResult:
    kind: str
    filename: str
    accepted: bool
    checked_only: bool
    rows: int = 0
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    batch: ImportBatch | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.filename,
            "accepted": self.accepted,
            "check_only": self.checked_only,
            "rows": self.rows,
            "summary": self.summary,
            "findings": [e.as_dict() for e in self.errors + self.warnings],
        }


def _read(source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return source.read()
    with open(source, "rb") as fh:
        return fh.read()


CHUNK = 5000  # SQLite allows ~32k bound parameters per statement


def _chunks(items, size: int = CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _enterprises_by_code(codes) -> dict[str, Enterprise]:
    found = {}
    for chunk in _chunks(set(codes)):
        found.update({e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=chunk)})
    return found


def _units_by_code() -> dict[str, Unit]:
    return {
        u.division_code: u
        for u in Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.SUBDISTRICT]).exclude(
            division_code=""
        )
    }


def _finish(result: ImportResult, actor, content: bytes) -> ImportResult:
    result.accepted = not result.errors
    if not result.accepted and not result.checked_only:
        # A refusal is an event worth keeping: who tried which file and why it was refused.
        services.record(
            actor,
            "import_refused",
            None,
            object_type=f"economy.{result.kind}",
            object_id=hashlib.sha256(content).hexdigest()[:16],
            object_repr=result.filename,
            after={"errors": [e.as_dict() for e in result.errors[:50]], "error_count": len(result.errors)},
            message=f"{result.filename}：{len(result.errors)} 处错误，未导入",
        )
    return result


# --------------------------------------------------------------------------- enterprises

ENTERPRISE_COLUMNS = [
    Column("name", "单位详细名称", ("企业名称", "单位名称", "法人单位详细名称"), required=True, width=30),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), required=True, width=22),
    Column("industry_code", "行业代码", ("国民经济行业代码", "行业代码GB/T4754-2017", "行业小类代码")),
    Column("division_code", "统计用区划代码", ("区划代码", "行政区划代码", "地址区划代码"), required=True),
    Column("annual_revenue", "营业收入", ("主营业务收入", "年营业收入", "上年营业收入"), kind="money"),
    Column("is_key", "重点企业", ("是否重点企业",), kind="bool"),
    Column("is_candidate", "小升规培育", ("小升规", "培育对象"), kind="bool"),
    Column("is_individual", "个体工商户", ("是否个体户",), kind="bool"),
    Column("converted_from_individual", "个转企", ("是否个转企",), kind="bool"),
    Column("construction_qualified", "建筑业资质", ("有资质", "资质等级"), kind="bool"),
    Column("development_active", "开发经营活动", ("有开发经营活动",), kind="bool"),
    Column("taxpayer_class", "纳税人类型", ("增值税纳税人类型", "纳税人资格"), width=14),
]
TAXPAYER_TEXTS = {
    "一般纳税人": "general",
    "一般": "general",
    "general": "general",
    "小规模纳税人": "small_scale",
    "小规模": "small_scale",
    "small_scale": "small_scale",
}
ENTERPRISE_COLUMNS[2].required = True
_DIVISION_RE = re.compile(r"^\s*([\d ]*)(.*)$", re.S)


def import_enterprises(actor, source, filename: str = "", *, check_only: bool = False) -> ImportResult:
    """Add or update register entries from an exported sheet (matched by credit code)."""
    districts = policies.require_statistician(actor, message="只有统计员可以导入统计数据")
    ensure_reference_data()
    content = _read(source)
    table = read_table(io.BytesIO(content), ENTERPRISE_COLUMNS)
    result = ImportResult(
        "enterprises", filename, False, check_only, rows=len(table.rows), errors=list(table.errors)
    )
    headers = {c.key: c.header for c in ENTERPRISE_COLUMNS}
    units = _units_by_code()
    seen: dict[str, int] = {}
    prepared = []
    for row in table.rows:
        r = row["_row"]

        def error(key, message, rule="format"):
            result.errors.append(CellError(r, headers[key], message, rule=rule))  # noqa: B023

        code = industry = division = None
        if row.get("credit_code"):
            try:
                code = validate_credit_code(row["credit_code"])
            except ValidationError as exc:
                error("credit_code", exc.messages[0], "valid_codes")
            else:
                if code in seen:
                    error("credit_code", f"与第 {seen[code]} 行重复", "duplicate")
                seen.setdefault(code, r)
        if row.get("industry_code"):
            try:
                industry = validate_industry_code(row["industry_code"])
            except ValidationError as exc:
                error("industry_code", exc.messages[0], "valid_codes")
        district = street = None
        # "410104003000 南关街街道" as the template's drop-down offers it, or the bare code.
        digits, written_name = _DIVISION_RE.match(str(row.get("division_code") or "")).groups()
        raw_division = digits.replace(" ", "") if digits.strip() else written_name.replace(" ", "")
        written_name = written_name.strip() if digits.strip() else ""
        if raw_division:
            if not raw_division.isdigit() or len(raw_division) not in (9, 12):
                error("division_code", f"区划代码应为12位（或9位）数字：{raw_division}", "valid_codes")
            else:
                division = raw_division.ljust(12, "0")
                street = units.get(division[:9])
                district = units.get(division[:6])
                if district is None:
                    error("division_code", f"区划代码 {division} 不属于本市已建区县", "valid_codes")
                elif districts != permissions.ALL and district.pk not in districts:
                    error("division_code", f"区划代码 {division} 属于{district.name}，不在您的辖区", "scope")
                elif street is None and division[6:9] != "000":
                    error(
                        "division_code",
                        f"区划代码 {division} 的乡镇街道（{division[:9]}）不存在",
                        "valid_codes",
                    )
                elif written_name and written_name != (street or district).name:
                    error(
                        "division_code",
                        f"区划代码 {division[:9]} 是{(street or district).name}，与所写名称“{written_name}”不符",
                        "valid_codes",
                    )
        raw_class = str(row.get("taxpayer_class") or "").strip()
        if raw_class and raw_class not in TAXPAYER_TEXTS:
            error("taxpayer_class", f"纳税人类型应为“一般纳税人”或“小规模纳税人”：{raw_class}")
        row["taxpayer_class"] = TAXPAYER_TEXTS.get(raw_class, "")
        if code and industry and district:
            prepared.append(RegisterRow(row, code, industry, division, district, street))
    if result.errors or check_only:
        return _finish(result, actor, content)
    with transaction.atomic():
        existing = {
            e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=[p.code for p in prepared])
        }
        created = updated = 0
        batch_district = prepared[0].district if prepared else None
        for p in prepared:
            row, code, industry, division, district, street = (
                p.row,
                p.code,
                p.industry,
                p.division,
                p.district,
                p.street,
            )
            flags = {
                k: bool(row.get(k))
                for k in (
                    "is_key",
                    "is_candidate",
                    "is_individual",
                    "converted_from_individual",
                    "construction_qualified",
                    "development_active",
                )
                if k in row
            }
            classification = classify_scale(
                industry,
                row.get("annual_revenue"),
                construction_qualified=flags.get("construction_qualified", False),
                development_active=flags.get("development_active", False),
            )
            data = {
                "name": row["name"],
                "industry_code": industry,
                "division_code": division,
                "district": district,
                "street": street,
                "annual_revenue": row.get("annual_revenue"),
                "sector": classification.sector or "",
                "is_above_scale": classification.above and not flags.get("is_individual", False),
                **flags,
                **({"taxpayer_class": row["taxpayer_class"]} if row["taxpayer_class"] else {}),
            }
            current = existing.get(code)
            if current is None:
                services.create_object(
                    actor, Enterprise(credit_code=code, **data), message=f"导入 {filename}"
                )
                created += 1
            else:
                changes = {k: v for k, v in data.items() if getattr(current, k) != v}
                if changes:
                    services.update_object(
                        actor,
                        current,
                        changes,
                        expected_version=None,
                        action="change",
                        message=f"导入 {filename}",
                    )
                    updated += 1
        result.summary = {
            "created": created,
            "updated": updated,
            "unchanged": len(prepared) - created - updated,
        }
        if batch_district is not None:
            result.batch = ImportBatch.objects.create(
                district=batch_district,
                kind=ImportKind.ENTERPRISES,
                filename=filename,
                sha256=hashlib.sha256(content).hexdigest(),
                row_count=len(prepared),
                summary=result.summary,
                imported_by=actor,
            )
            services.record(actor, "import", result.batch, after=result.summary, message=filename)
    return _finish(result, actor, content)


# --------------------------------------------------------------------------- monthly reports


BASE_REPORT_COLUMNS = [
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), required=True, width=22),
    Column("period", "报告期", ("期别", "统计期", "年月", "报告期别"), required=True),
    Column("name", "单位详细名称", ("企业名称", "单位名称"), width=30),
    Column("explanation", "情况说明", ("核实说明", "说明", "异常说明"), width=40),
]


def field_headers(report_field) -> tuple[list[str], list[str]]:
    """Header texts under which exports carry a field's current and cumulative figures (units in
    the header are read by the shared reader, so "用电量（万千瓦时）" is found as 用电量)."""
    names = report_field.header_names()
    current = [
        n for name in names for n in (f"{name}本月", f"{name}本期", f"本月{name}", f"{name}当月", name)
    ]
    cumulative = [
        n
        for name in names
        for n in (
            f"{name}本年累计",
            f"{name}累计",
            f"本年累计{name}",
            f"累计{name}",
            f"1-本月{name}",
            f"1-本月累计{name}",
            f"{name}1-本月",
            f"{name}1-本月累计",
        )
    ]
    return current, (cumulative if report_field.has_cumulative else [])


def template_headers(report_field) -> tuple[str, str | None]:
    """The headers the download template writes for a field (before the unit): 本月 and 本年累计
    for a field with a cumulative figure, the bare name for one without (用电量, 从业人员期末人数)."""
    if report_field.has_cumulative:
        return f"{report_field.name}本月", f"{report_field.name}本年累计"
    return report_field.name, None


def report_columns(report_types) -> list[Column]:
    """One column per distinct header text: report forms share headers (营业收入 is a field of the
    industry and the services forms), so a header is bound to a field only once the row's
    enterprise — and hence its form — is known."""
    columns = list(BASE_REPORT_COLUMNS)
    seen = {normalise_header(c.header) for c in columns}
    for report_type in report_types:
        for f in report_type.fields.all():
            current, cumulative = field_headers(f)
            for text in current + cumulative:
                key = normalise_header(text)
                if key not in seen:
                    seen.add(key)
                    columns.append(
                        Column(
                            "h:" + key,
                            text,
                            kind="money" if f.is_money else "decimal",
                            unit=None if f.is_money else f.unit,
                        )
                    )
    return columns


@dataclass
class _FieldPlan:
    """How one report form's fields are read from this file: per field, the column keys holding its
    current and cumulative figures and the headers to name in a finding."""

    fields: dict[str, dict]  # field code → {"name", "required", "has_cumulative", "is_money"}
    columns: list[tuple[str, str | None, str | None, str, str]]  # code, cur key, cum key, cur/cum header
    units: dict[str, tuple[str, str]] = field(default_factory=dict)  # money field → file's units


# A money column's factor to yuan (as the reader found it in the header) → the unit's name.
MONEY_UNIT_NAMES = {factor: name for name, factor in rules.MONEY_UNITS.items()}


def _money_unit(key: str | None, factors: dict) -> str:
    """The unit a money column of the file is written in: the reader scales 千元/万元/亿元 headers
    (``Table.units``) and reads a header without a unit as 元."""
    if key is None:
        return rules.FORM_UNIT
    return MONEY_UNIT_NAMES.get(factors.get(key, Decimal(1)), rules.FORM_UNIT)


def _field_plan(report_type, present: set[str], headers: dict[str, str], factors=None) -> _FieldPlan:
    """``headers``: column key → its header. A figure whose column the file
    lacks is named by the template's header (工业总产值本年累计), not by the bare field name."""
    fields, columns, units = {}, [], {}
    factors = factors or {}
    for f in report_type.fields.all():
        fields[f.code] = {
            "name": f.name,
            "required": f.required,
            "has_cumulative": f.has_cumulative,
            "is_money": f.is_money,
        }
        current, cumulative = field_headers(f)
        current_key = next((k for k in ("h:" + normalise_header(t) for t in current) if k in present), None)
        cumulative_key = next(
            (k for k in ("h:" + normalise_header(t) for t in cumulative) if k in present), None
        )
        current_name, cumulative_name = template_headers(f)
        columns.append(
            (
                f.code,
                current_key,
                cumulative_key,
                headers.get(current_key) or current_name,
                headers.get(cumulative_key) or cumulative_name or f.name,
            )
        )
        if f.is_money:
            units[f.code] = (_money_unit(current_key, factors), _money_unit(cumulative_key, factors))
    return _FieldPlan(fields, columns, units)


@dataclass(slots=True)
class RegisterRow:
    """A register row that passed its checks: the file row and what it resolved to."""

    row: dict
    code: str
    industry: str
    division: str
    district: object
    street: object


@dataclass(slots=True)
class AcceptedReport:
    """A monthly report row that passed the mandatory rules, on its way to the store: its file row,
    enterprise, form, period, values ``{field: (本月, 本年累计)}``, the rules' assessment, the file
    columns of each field, and the findings its score raises (set once the batch is scored)."""

    row: dict
    enterprise: object
    report_type: object
    period: object
    values: dict
    assessment: object
    columns_of: dict
    warnings: list = field(default_factory=list)


@dataclass(slots=True)
class _Registered:
    """The register entry of a reporting enterprise: the columns the audit reads, without the ORM."""

    pk: int
    district_id: int
    street_id: int | None
    sector: str
    name: str
    industry_code: str
    division_code: str
    taxpayer_class: str


def _registered_by_code(codes) -> dict[str, _Registered]:
    codes = set(codes)
    fields = (
        "credit_code",
        "pk",
        "district_id",
        "street_id",
        "sector",
        "name",
        "industry_code",
        "division_code",
        "taxpayer_class",
    )
    if len(codes) > CHUNK:
        # A city-wide file names most of the register: one scan is cheaper than compiling (and
        # running) tens of thousands of IN parameters.
        rows = Enterprise.objects.values_list(*fields).iterator(chunk_size=20000)
        return {code: _Registered(*rest) for code, *rest in rows if code in codes}
    return {
        code: _Registered(*rest)
        for code, *rest in Enterprise.objects.filter(credit_code__in=codes).values_list(*fields)
    }


def _period_keys(periods) -> dict:
    """A database date (a date object, or ISO text from SQLite) → its Period."""
    keys = {}
    for period in periods:
        keys[period.date] = keys[period.date.isoformat()] = period
    return keys


class _GroupConcat(Aggregate):
    """Concatenate a group's texts with commas: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL (the
    two databases the platform runs on; MySQL's GROUP_CONCAT would cut the text at 1,024 bytes)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s(%(expressions)s, ',')"
        )


def _history(enterprises, periods, series_fields) -> tuple[dict, dict]:
    """What the rules read of each enterprise's stored current versions, in two queries over the
    enterprises' districts:

    - ``history``: enterprise → period → {field: (current, cumulative)} at the previous period and
      the same period last year of each period in the file (every field: the cumulative chain,
      copied figures, the tax cross-check);
    - ``stored``: enterprise → series field (main figures, electricity) → {ISO date: current} over
      the ``rules.SERIES_DEPTH`` periods before, one aggregated row per enterprise and field — at
      city scale that is a million and a half figures, which row by row would cost more in Python
      than the whole audit.

    Figures are kept as the database driver returns them (int/float from SQLite, Decimal from
    PostgreSQL); the rules convert where they compute."""
    history: dict[int, dict[Period, dict]] = {e.pk: {} for e in enterprises}
    stored: dict[int, dict[str, dict]] = {e.pk: {} for e in enterprises}
    if not history:
        return history, stored
    span: set[Period] = set()
    for period in periods:
        span.update(rules.periods_back(period, rules.SERIES_DEPTH)[1:])
    full = sorted({q for p in periods for q in (p.previous(), p.same_last_year())})
    keys = _period_keys(span | set(full))
    base = ReportValue.objects.filter(
        report__district_id__in=sorted({e.district_id for e in enterprises}), report__is_current=True
    )
    series = (
        base.filter(
            report__period__gte=min(span).date,
            report__period__lte=max(span).date,
            field_code__in=series_fields,
        )
        .values("report__enterprise_id", "field_code")
        .annotate(
            figures=_GroupConcat(Concat("report__period", Value("="), "current", output_field=TextField()))
        )
        .values_list("report__enterprise_id", "field_code", "figures")
        .order_by()
    )
    for enterprise_id, code, figures in series.iterator(chunk_size=20000):
        own = stored.get(enterprise_id)
        if own is None or not figures:
            continue
        by_date = {}
        for item in figures.split(","):
            day, _, figure = item.partition("=")
            by_date[day[:10]] = float(figure) if figure else None
        own[code] = by_date
    rows = base.filter(report__period__in=[p.date for p in full]).values_list(
        "report__enterprise_id", "report__period", "field_code", "current", "cumulative"
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(50000):
            for enterprise_id, day, code, current, cumulative in batch:
                own = history.get(enterprise_id)
                if own is None:
                    continue
                period = keys.get(day)
                if period is None:
                    period = keys[day] = Period.from_date(
                        day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
                    )
                values = own.get(period)
                if values is None:
                    values = own[period] = {}
                values[code] = (current, cumulative)
    return history, stored


def _sources(enterprise_ids, first: Period) -> dict[str, dict[int, dict[Period, Decimal]]]:
    result: dict[str, dict[int, dict[Period, Decimal]]] = {
        "electricity": defaultdict(dict),
        "tax": defaultdict(dict),
    }
    if not SourceFigure.objects.filter(period__gte=first.date).exists():
        return result
    for chunk in _chunks(enterprise_ids):
        rows = SourceFigure.objects.filter(enterprise_id__in=chunk, period__gte=first.date).values_list(
            "source", "enterprise_id", "period", "value"
        )
        for source, enterprise_id, period, value in rows.iterator(chunk_size=20000):
            result[source][enterprise_id][Period.from_date(period)] = value
    return result


# What the reader itself checks, by the rule code its problems carry (the audit rules have names).
READER_RULE_NAMES = {
    "format": _("格式"),
    "duplicate": _("重复行"),
    "period": _("报告期"),
    "header": _("表头"),
    "empty": _("空文件"),
    "scope": _("辖区"),
    "sector": _("统计专业"),
    "explanation": _("情况说明"),
    "published": _("已审定发布"),
    "file": _("文件"),
    "size": _("文件大小"),
    "valid_codes": _("代码有效"),
}
DEFAULT_THRESHOLD = 1.0


def _thresholds(district_ids) -> dict[int, float]:
    """Each district's risk threshold (EconomySettings; the default where none is saved)."""
    return {
        d: float(t)
        for d, t in EconomySettings.objects.filter(district_id__in=sorted(district_ids)).values_list(
            "district_id", "risk_threshold"
        )
    }


def _targets(district_ids, years) -> dict[int, list[float]]:
    """The districts' annual growth targets per year (the collusion check looks for growths on them)."""
    found: dict[int, set] = defaultdict(set)
    for year, growth in Target.objects.filter(
        district_id__in=sorted(district_ids), year__in=sorted(years), kind="annual"
    ).values_list("year", "growth"):
        found[year].add(float(growth))
    return {y: sorted(v) for y, v in found.items()}


def import_reports(actor, source, filename: str = "", *, check_only: bool = False) -> ImportResult:
    """Check and store monthly reports. Each accepted row becomes a new version of the enterprise's
    report for that period; earlier versions are kept. Indicators are recomputed before returning."""
    districts = policies.require_statistician(actor, message="只有统计员可以导入统计数据")
    ensure_reference_data()
    content = _read(source)
    report_types = list(ReportType.objects.prefetch_related("fields"))
    type_by_sector = {s: t for t in report_types for s in t.sector_list()}
    columns = report_columns(report_types)
    headers = {c.key: c.header for c in columns}
    table = read_table(io.BytesIO(content), columns, max_rows=250_000)
    result = ImportResult(
        "reports", filename, False, check_only, rows=len(table.rows), errors=list(table.errors)
    )
    if table.errors and not table.rows:
        return _finish(result, actor, content)
    present = set(table.rows[0]) if table.rows else set()
    field_columns = [c.key for c in columns[len(BASE_REPORT_COLUMNS) :] if c.key in present]
    if table.rows and not field_columns:
        result.errors.append(
            CellError(table.header_row, "表头", "没有识别到任何报表指标列（如 工业总产值本月）", "header")
        )
        return _finish(result, actor, content)
    plans = {t.pk: _field_plan(t, present, headers, table.units) for t in report_types}
    rule_set = [r for r in AuditRule.objects.all() if r.is_enabled]
    code_rules = [r for r in rule_set if r.code == "valid_codes"]
    cross_rules = [r for r in rule_set if r.code in rules.CROSS_FIRM and r.kind == "verification"]
    report_rules = [r for r in rule_set if r.code not in rules.CROSS_FIRM]
    groups: dict = defaultdict(list)
    today = clock.today()
    latest_allowed = Period.from_date(today) if today.month != 1 else Period(today.year - 1, 12)

    # Pass 1: codes, periods, duplicates.
    parsed = []
    seen: dict[tuple, int] = {}
    for row in table.rows:
        r = row["_row"]
        code = period = None
        try:
            code = validate_credit_code(row.get("credit_code"))
        except ValidationError as exc:
            result.errors.append(CellError(r, headers["credit_code"], exc.messages[0], "valid_codes"))
        try:
            period = parse_period(row.get("period"))
        except ValidationError as exc:
            result.errors.append(CellError(r, headers["period"], exc.messages[0], "period"))
        if period is not None and period > latest_allowed:
            result.errors.append(
                CellError(
                    r, headers["period"], f"报告期 {period.label} 晚于当前业务日期 {today:%Y-%m-%d}", "period"
                )
            )
            period = None
        if code and period:
            key = (code, period)
            if key in seen:
                result.errors.append(
                    CellError(
                        r,
                        headers["credit_code"],
                        f"与第 {seen[key]} 行重复（同一企业同一报告期）",
                        "duplicate",
                    )
                )
                continue
            seen[key] = r
            parsed.append((row, code, period))
    enterprises = _registered_by_code(p[1] for p in parsed)
    ids = [e.pk for e in enterprises.values()]
    periods = [p[2] for p in parsed]
    # A published period (数据审定与发布) takes no new report from a person until it is reopened;
    # the system (demo loader, command line) is not refused.
    published = set()
    if actor is not None and periods:
        published = set(
            PeriodRelease.objects.filter(
                district_id__in={e.district_id for e in enterprises.values()},
                period__in={p.date for p in periods},
                state=ReleaseState.PUBLISHED,
            ).values_list("district_id", "period")
        )
    first = Period(min(periods).year - 2, 2) if periods else None
    series_fields = sorted({t.main_field for t in report_types} | {"electricity"})
    history, stored = (
        _history(list(enterprises.values()), set(periods), series_fields) if periods else ({}, {})
    )
    sources = _sources(ids, first) if periods else {"electricity": {}, "tax": {}}
    no_figures: dict = {}

    # Pass 2: rules, in period order so a file with several months chains its own rows. A row with
    # an unreadable cell is refused already; running the rules on it would only repeat that.
    unreadable = {e.row for e in table.errors}
    accepted = []
    for row, code, period in sorted(parsed, key=lambda p: (p[2], p[0]["_row"])):
        r = row["_row"]
        if r in unreadable:
            continue
        enterprise = enterprises.get(code)
        if enterprise is None:
            ctx = rules.ReportContext(
                period=period,
                values={},
                main_field="",
                fields={},
                credit_code=code,
                industry_code="0000",
                division_code="000000000000",
                registered=False,
            )
            for rule_obj, _field, message in rules.run(ctx, code_rules)[0]:
                result.errors.append(CellError(r, headers["credit_code"], message, rule_obj.code))
            continue
        if districts != permissions.ALL and enterprise.district_id not in districts:
            result.errors.append(CellError(r, headers["credit_code"], f"企业 {code} 不在您的辖区", "scope"))
            continue
        if (enterprise.district_id, period.date) in published:
            result.errors.append(
                CellError(
                    r,
                    headers["period"],
                    f"报告期 {period.label} 已审定发布，须先重新打开（说明原因）才能导入更正",
                    "published",
                )
            )
            continue
        report_type = type_by_sector.get(enterprise.sector)
        if report_type is None:
            result.errors.append(
                CellError(
                    r,
                    headers["credit_code"],
                    f"企业 {enterprise.name} 的行业不属于四上统计专业，无需报送",
                    "sector",
                )
            )
            continue
        plan = plans[report_type.pk]
        values, columns_of = {}, {}
        for f, current_key, cumulative_key, current_header, cumulative_header in plan.columns:
            values[f] = (row.get(current_key), row.get(cumulative_key))
            columns_of[f] = (current_header, cumulative_header)
        own_history = history.get(enterprise.pk)
        ctx = rules.ReportContext(
            period=period,
            values=values,
            main_field=report_type.main_field,
            fields=plan.fields,
            history=own_history,
            stored=stored[enterprise.pk],
            electricity=sources["electricity"].get(enterprise.pk, no_figures),
            tax=sources["tax"].get(enterprise.pk, no_figures),
            credit_code=code,
            industry_code=enterprise.industry_code,
            division_code=enterprise.division_code,
            taxpayer_class=enterprise.taxpayer_class,
            registered=True,
            units=plan.units,
        )
        errors, assessment = rules.assess(ctx, report_rules)
        for rule_obj, field_code, message, part in errors:
            current_col, cumulative_col = columns_of.get(field_code, (headers["credit_code"],) * 2)
            column = cumulative_col if part == rules.CUMULATIVE else current_col
            result.errors.append(CellError(r, column, message, rule_obj.code))
        if not errors:
            own_history[period] = values
            if cross_rules:
                yoy, two_year = rules.ytd_growths(ctx, {})
                groups[(enterprise.street_id, period)].append((len(accepted), yoy, two_year))
            accepted.append(
                AcceptedReport(row, enterprise, report_type, period, values, assessment, columns_of)
            )
    # Pass 3: the rules over the whole batch (growths clustering on a target in a street), then each
    # report's score against its district's threshold: only reports at or above it raise findings.
    for rule_obj in cross_rules:
        targets = _targets({a.enterprise.district_id for a in accepted}, {p.year for _, _, p in parsed})
        found = rules.target_clustering(groups, rule_obj.params or {}, targets)
        weight = float(rule_obj.weight or 0)
        for index, items in found.items():
            assessment = accepted[index].assessment
            for field_code, message, strength in items:
                assessment.evidence.append(
                    (
                        rule_obj,
                        field_code or accepted[index].report_type.main_field,
                        message,
                        weight * strength,
                    )
                )
                assessment.score += weight * strength
    thresholds = _thresholds({a.enterprise.district_id for a in accepted})
    for item in accepted:
        row, enterprise, assessment, columns_of = item.row, item.enterprise, item.assessment, item.columns_of
        threshold = thresholds.get(enterprise.district_id, DEFAULT_THRESHOLD)
        warnings = []
        if assessment.score >= threshold:
            for rule_obj, field_code, message, points in assessment.evidence:
                if points > 0:
                    warnings.append((rule_obj, field_code, message))
                    column = columns_of.get(field_code, (headers["credit_code"],))[0]
                    result.warnings.append(
                        CellError(row["_row"], column, message, rule_obj.code, severity="warning")
                    )
        item.warnings = warnings
    if not table.rows and not result.errors:
        result.errors.append(CellError(table.header_row + 1, "文件", "表头下没有数据行", "empty"))
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.warnings.sort(key=lambda e: (e.row, e.column))
    if result.errors or check_only:
        result.summary = {"reports": len(accepted), "warnings": len(result.warnings)}
        return _finish(result, actor, content)
    result.batch, result.summary = _store_reports(actor, filename, content, accepted, result)
    return _finish(result, actor, content)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """A plain parametrised INSERT run with executemany. At city scale (50,000 reports, twice as many
    figures) the ORM's bulk_create spends more time compiling SQL per object than the audit takes;
    values are adapted by the backend's own operations, as the ORM would."""
    meta = model._meta
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(meta.get_field(f).column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 20000):
            cursor.executemany(sql, chunk)


REPORT_FIELDS = [
    "enterprise",
    "district",
    "street",
    "report_type",
    "period",
    "version",
    "is_current",
    "status",
    "batch",
    "source_row",
    "created_at",
    "risk_score",
    "risk_evidence",
]


def _store_reports(actor, filename, content, accepted, result):
    explained = invalid_explanations = 0
    ops = connection.ops
    with transaction.atomic():
        district_ids = {a.enterprise.district_id for a in accepted}
        batch = ImportBatch.objects.create(
            district_id=min(district_ids) if district_ids else None,
            kind=ImportKind.REPORTS,
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            row_count=len(accepted),
            imported_by=actor,
        )
        keys = [(a.enterprise.pk, a.period.date) for a in accepted]
        enterprise_ids = sorted({k[0] for k in keys})
        period_dates = sorted({k[1] for k in keys})
        # Earlier versions of the same enterprise and period, found through the enterprises' current
        # districts (few; their ids are tens of thousands, and an enterprise that moved district
        # keeps its reports under the old one).
        wanted = set(enterprise_ids)
        versions = {
            (row["enterprise_id"], row["period"]): row["top"]
            for row in MonthlyReport.objects.filter(
                enterprise__district_id__in=district_ids, period__in=period_dates
            )
            .values("enterprise_id", "period")
            .annotate(top=Max("version"))
            .order_by()
            if row["enterprise_id"] in wanted
        }
        replaced = [k for k in keys if k in versions]
        for period in period_dates:
            for chunk in _chunks(e for e, p in replaced if p == period):
                MonthlyReport.objects.filter(enterprise_id__in=chunk, period=period, is_current=True).update(
                    is_current=False
                )
        now = clock.now()
        created_at = ops.adapt_datetimefield_value(now)
        report_rows, findings_per_report = [], []
        thresholds = _thresholds(district_ids)
        evidence_field = MonthlyReport._meta.get_field("risk_evidence")
        for a in accepted:
            row, enterprise, report_type, period = a.row, a.enterprise, a.report_type, a.period
            assessment, warnings = a.assessment, a.warnings
            status = ReportStatus.ACCEPTED
            explanation = None
            if warnings and row.get("explanation"):
                try:
                    explanation = rules.validate_explanation(row["explanation"])
                except ValidationError as exc:
                    invalid_explanations += 1
                    result.warnings.append(
                        CellError(row["_row"], "情况说明", exc.messages[0], "explanation", severity="warning")
                    )
            if warnings:
                status = ReportStatus.EXPLAINED if explanation else ReportStatus.PENDING
                explained += bool(explanation)
            report_rows.append(
                (
                    enterprise.pk,
                    enterprise.district_id,
                    enterprise.street_id,
                    report_type.pk,
                    ops.adapt_datefield_value(period.date),
                    versions.get((enterprise.pk, period.date), 0) + 1,
                    True,
                    str(status),
                    batch.pk,
                    row["_row"],
                    created_at,
                    ops.adapt_decimalfield_value(Decimal(str(round(assessment.score, 2))), 8, 2),
                    evidence_field.get_db_prep_save(assessment.as_json(), connection),
                )
            )
            level = (
                rules.grade(assessment.score, thresholds.get(enterprise.district_id, DEFAULT_THRESHOLD))
                if warnings
                else ""
            )
            findings_per_report.append((warnings, explanation, status, level))
        insert_rows(MonthlyReport, REPORT_FIELDS, report_rows)
        # The new rows' ids: this batch holds exactly one report per (enterprise, period).
        report_ids = {
            (enterprise_id, str(day)[:10]): pk
            for pk, enterprise_id, day in MonthlyReport.objects.filter(batch=batch)
            .values_list("pk", "enterprise_id", "period")
            .iterator(chunk_size=20000)
        }
        value_rows, finding_rows = [], []
        adapt = ops.adapt_decimalfield_value
        for a, (warnings, explanation, _status, level) in zip(accepted, findings_per_report, strict=True):
            enterprise, period, values = a.enterprise, a.period, a.values
            report_id = report_ids[(enterprise.pk, period.date.isoformat())]
            for code, (current, cumulative) in values.items():
                if current is not None or cumulative is not None:
                    value_rows.append((report_id, code, adapt(current), adapt(cumulative)))
            for rule_obj, field_code, message in warnings:
                finding_rows.append(
                    Finding(
                        report_id=report_id,
                        district_id=enterprise.district_id,
                        street_id=enterprise.street_id,
                        rule=rule_obj,
                        field_code=field_code,
                        message=message[:300],
                        grade=level,
                        status=FindingStatus.EXPLAINED if explanation else FindingStatus.OPEN,
                        explanation=explanation or "",
                        explained_by=actor if explanation else None,
                        explained_at=now if explanation else None,
                    )
                )
        insert_rows(ReportValue, ["report", "field_code", "current", "cumulative"], value_rows)
        Finding.objects.bulk_create(finding_rows, batch_size=2000)
        summary = {
            "reports": len(report_rows),
            "new_versions": len(replaced),
            "findings": len(finding_rows),
            "explained_in_file": explained,
            "invalid_explanations": invalid_explanations,
            "periods": [Period.from_date(p).label for p in period_dates],
        }
        batch.summary = summary
        batch.save(update_fields=["summary"])
        services.record(actor, "import", batch, after=summary, message=filename)
        indicators.recompute(sorted(district_ids), [Period.from_date(p) for p in period_dates])
    return batch, summary


# --------------------------------------------------------------------------- other sources

SOURCE_COLUMNS = [
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "纳税人识别号"), required=True),
    Column("period", "报告期", ("期别", "所属期", "年月", "月份"), required=True),
    Column("value", "数值", ("税收", "入库税收", "税额", "实缴税额"), required=True, kind="money"),
]
# Electricity is in 千瓦时: a header in 万千瓦时 is scaled, one in 元 refused.
ELECTRICITY_COLUMNS = [
    *SOURCE_COLUMNS[:2],
    Column("value", "数值", ("用电量", "工业用电量", "售电量"), required=True, kind="decimal", unit="千瓦时"),
]


def import_source_figures(
    actor, source, filename: str = "", *, kind: str, check_only: bool = False
) -> ImportResult:
    """Electricity (from the power company) or tax (from the tax bureau) per enterprise and month,
    for the cross-check rules. A later file replaces the same enterprise/period figure."""
    if kind not in ("electricity", "tax"):
        raise ValueError(kind)
    districts = policies.require_statistician(actor, message="只有统计员可以导入统计数据")
    content = _read(source)
    table = read_table(io.BytesIO(content), ELECTRICITY_COLUMNS if kind == "electricity" else SOURCE_COLUMNS)
    result = ImportResult(kind, filename, False, check_only, rows=len(table.rows), errors=list(table.errors))
    codes = {}
    for row in table.rows:
        try:
            codes[row["_row"]] = validate_credit_code(row.get("credit_code"))
        except ValidationError as exc:
            result.errors.append(CellError(row["_row"], "统一社会信用代码", exc.messages[0], "valid_codes"))
    enterprises = _enterprises_by_code(codes.values())
    prepared, seen = [], {}
    for row in table.rows:
        r, code = row["_row"], codes.get(row["_row"])
        try:
            period = parse_period(row.get("period"))
        except ValidationError as exc:
            result.errors.append(CellError(r, "报告期", exc.messages[0], "period"))
            continue
        if code is None:
            continue
        enterprise = enterprises.get(code)
        if enterprise is None:
            result.errors.append(CellError(r, "统一社会信用代码", f"企业 {code} 未入名录库", "valid_codes"))
        elif districts != permissions.ALL and enterprise.district_id not in districts:
            result.errors.append(CellError(r, "统一社会信用代码", f"企业 {code} 不在您的辖区", "scope"))
        elif (code, period) in seen:
            result.errors.append(
                CellError(r, "统一社会信用代码", f"与第 {seen[(code, period)]} 行重复", "duplicate")
            )
        elif row.get("value") is not None and row["value"] < 0:
            result.errors.append(CellError(r, "数值", "不能为负数", "non_negative"))
        else:
            seen[(code, period)] = r
            prepared.append((enterprise, period, row.get("value")))
    if result.errors or check_only or not prepared:
        return _finish(result, actor, content)
    with transaction.atomic():
        # Two imports of the same source would both delete, then both insert: one at a time.
        locks.serialise(f"economy.sources:{kind}")
        batch = ImportBatch.objects.create(
            district_id=prepared[0][0].district_id,
            kind=kind,
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            row_count=len(prepared),
            imported_by=actor,
        )
        for period in {p for _, p, _ in prepared}:
            for chunk in _chunks(e.pk for e, p, _ in prepared if p == period):
                SourceFigure.objects.filter(source=kind, period=period.date, enterprise_id__in=chunk).delete()
        SourceFigure.objects.bulk_create(
            [
                SourceFigure(enterprise=e, source=kind, period=p.date, value=v, batch=batch)
                for e, p, v in prepared
            ],
            batch_size=5000,
        )
        result.summary = {"figures": len(prepared)}
        services.record(actor, "import", batch, after=result.summary, message=filename)
    result.batch = batch
    return _finish(result, actor, content)


# --------------------------------------------------------------------------- download templates
#
# A template per kind the page imports: the register, each monthly form (by its industry
# sections), electricity and tax. Each has the columns the importer reads under their template
# headers (units in the header: 千元, 千瓦时, 人), drop-downs for the closed lists (报告期, the
# district's streets, 是/否, 纳税人类型) on a hidden list sheet, and a 说明 sheet: what each column
# means, the conventions, and one example row — on the 说明 sheet only, so an example left in place
# is never imported as data.

TEMPLATE_COMMON_NOTES = [
    "填写说明：第一个工作表是数据表，每行一户企业（月报：每行一户企业一个报告期）；表头不要改动，列的顺序可以调整。",
    "带 * 的列为必填；有下拉箭头的列请从下拉列表中选择（列表在隐藏的工作表中）。",
    "金额单位为千元（表头已注明“（千元）”）；如按万元或元填报，请把表头的单位改成“（万元）”或“（元）”，系统按表头单位换算。",
    "统一社会信用代码为18位，大小写均可；全角数字、千分位逗号可以识别。",
    "整个文件先检查后导入：任何一行有强制性错误，整个文件不导入，错误按行和列列出。建议先勾选“只检查，不导入”。",
]
REPORT_NOTES = [
    "报告期：1月不单独报送，1-2月合并报送，写作“2021年1-2月”或“2021-02”；其余月份写作“2021年3月”或“2021-03”。",
    "本年累计：1-2月的本年累计等于本月数；以后各月，上期本年累计 + 本月 = 本年累计（允许舍入误差）。",
    "更正：同一企业同一报告期再次导入，形成新的版本（更正版本），原版本保留可查；不会覆盖或删除。",
    "情况说明：审核提示（数据异常）时写明原因，如新增订单、新产线投产、价格变化；“核实无误”不能作为说明。",
]
ENTERPRISE_NOTES = [
    "同一统一社会信用代码再次导入即更新该企业的名录信息（新增、更新、未变分别计数）。",
    "统计用区划代码：从下拉列表选择所在乡镇街道（“代码 名称”形式），或直接填写12位代码。",
    "规模以上（四上）按行业和营业收入自动判定；建筑业看资质，房地产开发看开发经营活动。",
]
SOURCE_NOTES = [
    "同一企业同一报告期再次导入，以新文件的数字为准（替换原数字）。",
    "报告期写作“2021年1-2月”“2021-03”等，1月并入1-2月。",
]
EXAMPLE_MARK = "【示例，仅供参考，不会被导入；请在第一个工作表中填写】"


def _template_periods(count: int = 2 * rules.YEAR) -> list[str]:
    """The periods a template's drop-down offers: the latest one a report may be for, and the two
    years before it (corrections of last year's reports included)."""
    today = clock.today()
    period = Period.from_date(today) if today.month != 1 else Period(today.year - 1, 12)
    labels = []
    for _step in range(count):
        labels.append(period.label)
        period = period.previous()
    return labels


def _division_options(actor) -> list[str]:
    """The district(s) of the statistician and their streets, as "410104003000 南关街街道"."""
    districts = policies.require_statistician(actor, message="只有统计员可以下载导入模板")
    units = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.SUBDISTRICT]).exclude(division_code="")
    own = None
    if districts != permissions.ALL:
        own = set(Unit.objects.filter(pk__in=districts).values_list("division_code", flat=True))
    return [
        f"{code.ljust(12, '0')} {name}"
        for code, name in units.order_by("division_code").values_list("division_code", "name")
        if own is None or code[:6] in own
    ]


def _copy(column: Column, **changes) -> Column:
    return Column(**{**column.__dict__, **changes})


def _enterprise_template_columns(actor) -> list[Column]:
    helps = {
        "name": "单位详细名称，与营业执照一致",
        "credit_code": "18位统一社会信用代码（名录按此匹配：已有的更新，没有的新增）",
        "industry_code": "国民经济行业代码（GB/T 4754-2017）4位小类代码，如 3411",
        "division_code": "所在乡镇街道：从下拉列表选择，或填12位统计用区划代码",
        "annual_revenue": "上年营业收入，千元（判定是否规模以上）",
        "is_key": "是/否",
        "is_candidate": "小升规培育对象：是/否",
        "is_individual": "个体工商户：是/否（个体户不计入四上）",
        "converted_from_individual": "由个体工商户转为企业：是/否",
        "construction_qualified": "建筑业：有总承包或专业承包资质为“是”",
        "development_active": "房地产开发：本年有开发经营活动为“是”",
        "taxpayer_class": "增值税纳税人类型：一般纳税人 / 小规模纳税人",
    }
    divisions = _division_options(actor)
    columns = []
    for c in ENTERPRISE_COLUMNS:
        changes = {"help": helps.get(c.key, "")}
        if c.key == "annual_revenue":
            changes["header"] = "营业收入（千元）"
        elif c.key == "division_code":
            changes.update(options=divisions, width=30)
        elif c.key == "taxpayer_class":
            changes["options"] = ["一般纳税人", "小规模纳税人"]
        columns.append(_copy(c, **changes))
    return columns


def _report_template_columns(report_type) -> list[Column]:
    periods = _template_periods()
    credit, period, name, explanation = BASE_REPORT_COLUMNS
    columns = [
        _copy(credit, help="18位统一社会信用代码；企业须已在名录库中"),
        _copy(period, options=periods, help="报告期：1-2月合并报送；从下拉列表选择"),
        _copy(name, help="单位详细名称（可不填，便于核对）"),
    ]
    for f in report_type.fields.all():
        unit = "千元" if f.is_money else f.unit
        suffix = f"（{unit}）" if unit else ""
        current, cumulative = template_headers(f)
        kind = "money" if f.is_money else "decimal"
        what = "必填" if f.required else "选填"
        columns.append(
            Column(
                f.code,
                current + suffix,
                kind=kind,
                unit=None if f.is_money else f.unit,
                required=f.required,
                help=f"{f.name}{'本月数' if cumulative else ''}，{unit or '数值'}（{what}）",
            )
        )
        if cumulative:
            columns.append(
                Column(
                    f.code + ":cumulative",
                    cumulative + suffix,
                    kind=kind,
                    unit=None if f.is_money else f.unit,
                    required=f.required,
                    help=f"{f.name}1月至本月累计，{unit or '数值'}（{what}）；1-2月等于本月数",
                )
            )
    columns.append(_copy(explanation, help="数据异常时的情况说明（不少于10个字）；没有可不填"))
    return columns


def _source_template_columns(kind: str) -> list[Column]:
    periods = _template_periods()
    credit, period, value = ELECTRICITY_COLUMNS if kind == "electricity" else SOURCE_COLUMNS
    if kind == "electricity":
        value = _copy(value, header="用电量（千瓦时）", help="当月用电量，千瓦时（电网计量）")
    else:
        value = _copy(value, header="税收（千元）", help="当月入库税收，千元（税务部门）")
    return [
        _copy(credit, help="18位统一社会信用代码；企业须已在名录库中"),
        _copy(period, options=periods, help="报告期：1-2月合并；从下拉列表选择"),
        value,
    ]


def _example_row(columns: list[Column], kind: str) -> list:
    first17 = "91410104MA0000001"
    code = first17 + credit_code_check_char(first17)
    periods = _template_periods()
    first_of_year = next((p for p in periods if "1-2月" in p), periods[0])
    values = {
        "name": "示例：某机械制造有限公司",
        "credit_code": code,
        "industry_code": "3411",
        "annual_revenue": 300000,
        "is_key": "是",
        "taxpayer_class": "一般纳税人",
        "period": first_of_year,
        "explanation": "",
        "value": 12000,
    }
    row = []
    for c in columns:
        if c.key == "division_code":
            row.append((c.options or ["410104003000"])[0])
        elif c.key in values:
            row.append(values[c.key])
        elif c.kind in ("money", "decimal"):
            row.append(20000 if c.kind == "money" else 150)  # 1-2月: 本年累计 = 本月
        elif c.kind == "bool":
            row.append("否")
        else:
            row.append("")
    return row


def template_kinds() -> list[tuple[str, str]]:
    """(kind, title) of every download template: the register, each monthly form, the sources."""
    ensure_reference_data()
    kinds = [(ImportKind.ENTERPRISES.value, str(ImportKind.ENTERPRISES.label))]
    for report_type in ReportType.objects.order_by("code"):
        sections = "、".join(Sector.LABELS.get(s, s) for s in report_type.sector_list())
        kinds.append((report_type.code, f"{report_type.code} {report_type.name}（{sections}）"))
    kinds += [(k.value, str(k.label)) for k in (ImportKind.ELECTRICITY, ImportKind.TAX)]
    return kinds


def template(actor, kind: str) -> tuple[bytes, str]:
    """The template workbook for ``kind`` (see ``template_kinds``) and its file name; LookupError
    for an unknown kind. Only a statistician downloads one (it lists the district's streets)."""
    policies.require_statistician(actor, message="只有统计员可以下载导入模板")
    ensure_reference_data()
    if kind == ImportKind.ENTERPRISES:
        title, columns, notes = "企业名录", _enterprise_template_columns(actor), ENTERPRISE_NOTES
    elif kind in (ImportKind.ELECTRICITY, ImportKind.TAX):
        title = str(ImportKind(kind).label)
        columns, notes = _source_template_columns(kind), SOURCE_NOTES
    else:
        report_type = ReportType.objects.prefetch_related("fields").filter(code=kind).first()
        if report_type is None:
            raise LookupError(kind)
        title, columns, notes = report_type.code, _report_template_columns(report_type), REPORT_NOTES
    content = write_workbook(
        [(title, columns, [])],
        template=True,
        instructions=[*TEMPLATE_COMMON_NOTES, *notes],
        example=[[EXAMPLE_MARK], [c.header for c in columns], _example_row(columns, kind)],
    )
    name = dict(template_kinds()).get(kind, title).split("（")[0]
    return content, f"{name}导入模板.xlsx"
