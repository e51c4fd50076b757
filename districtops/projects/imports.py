"""Excel in and out for projects: templates, exports with the list's filters, round-trip imports.

Both imports are ``gate.importing.Importer``s (docs/imports.md): an exported file imports again.
A construction row whose 项目编号 names a project the person may see updates it through
``services.update_construction_project`` (version-checked with the export's 版本, audited); a row
with a new 项目编号 (or none) creates one. A node row of an existing project (项目编号 + 顺序)
updates that node through ``services.update_node`` — the node form's path: the fields the form
edits (name, owner, planned and actual dates), the node's 版本 checked, audited, a planned-date
change of a node in a baseline needing its 变更原因; progress stays with progress reports and an
existing project gets no new nodes from a file. An
investment row whose 编号 (ZS-000123, from the pk) names a project updates it through
``services.update_investment_project``; its stage and stage dates must match the stored ones
(stage changes need evidence). Every row is checked first (the services' rules: units in the
person's scope, credit codes, dates in node order, no future actual dates, no negative amounts)
and nothing is written if any row is wrong. New construction projects are written in bulk
(thousands of rows must load in seconds; see docs/projects.md), each audited.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from districtops.core import clock
from districtops.core.codes import validate_credit_code
from districtops.core.excel import Column, fold, read_table, write_workbook
from districtops.gate import importing, permissions
from districtops.gate import services as core_services
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_ROLES

from . import battlemap, ledger, measures, pace, services
from .models import (
    Conference,
    ConstructionCategory,
    ConstructionProject,
    FundSource,
    InvestmentProject,
    ProjectNode,
    Sector,
    SigningMode,
    Stage,
)

WAN = Decimal(10000)


def _category_choices():
    return [(c.code, c.name) for c in ConstructionCategory.objects.all()]


CONSTRUCTION_COLUMNS = [
    Column(
        "code",
        "项目编号",
        ("编号",),
        width=14,
        help="已有编号：修改该项目（以导出文件为底稿）；新编号：新增（节点表据此关联）；空：新增，节点按类别模板",
    ),  # fmt: skip
    Column("name", "项目名称", ("名称",), required=True, width=30),
    Column("category", "工程类别", ("类别",), required=True, kind="choice", width=18),
    Column("lead_unit", "牵头街道", ("牵头单位", "责任单位"), required=True, width=16),
    Column("supporting_units", "配合部门", ("配合单位",), width=24, help="多个单位用“、”分隔"),
    Column("command_post", "指挥部", width=20),
    Column("responsible_leader", "分管领导", width=12),
    Column("location", "位置", width=20),
    Column("scale", "建设规模", width=20),
    Column("budget", "总投资（万元）", ("总投资",), kind="money", width=14),
    Column("showcase_group", "示范片区", width=12),
    Column("planned_start", "计划开始", required=True, kind="date", width=12),
    Column("planned_end", "计划完成", required=True, kind="date", width=12),
]
NODE_COLUMNS = [
    Column("code", "项目编号", ("编号",), required=True, width=14),
    Column("sequence", "顺序", required=True, kind="int", width=8),
    Column("name", "节点名称", ("节点",), required=True, width=16),
    Column("owner", "责任人", width=12),
    Column("planned_start", "计划开始", required=True, kind="date", width=12),
    Column("planned_end", "计划完成", required=True, kind="date", width=12),
    Column("actual_start", "实际开始", kind="date", width=12),
    Column("actual_end", "实际完成", kind="date", width=12),
    Column("progress", "进度（%）", ("进度",), kind="int", width=10),
    Column("reason", "变更原因", ("调整原因",), width=30, help="已纳入计划基线的节点调整计划日期时必填"),
    Column("version", "版本", kind="int", width=8, help="导出时节点的版本，请勿修改"),
]
INVESTMENT_COLUMNS = [
    Column("name", "项目名称", ("名称",), required=True, width=30),
    Column("conference", "签约推介会", ("推介会",), width=24, help="推介会名称，须已登记"),
    Column("signing_mode", "签约方式", kind="choice", choices=SigningMode.choices, width=12),
    Column("investor_name", "投资方", ("投资企业",), required=True, width=26),
    Column("investor_domestic", "境内企业", kind="bool", width=10),
    Column("investor_credit_code", "统一社会信用代码", ("信用代码",), width=22),
    Column("sector", "产业领域", required=True, kind="choice", width=20),
    Column("contracted_amount", "签约金额（万元）", ("签约金额",), required=True, kind="money", width=14),
    Column("planned_investment", "计划投资（万元）", ("计划投资",), kind="money", width=14),
    Column("lead_unit", "落地街道", ("牵头单位",), required=True, width=16),
    Column("supporting_units", "配合单位", width=24, help="多个单位用“、”分隔"),
    Column("responsible_leader", "分管领导", width=12),
    Column(
        "stage", "阶段", kind="choice", choices=Stage.choices, width=10, help="洽谈、签约、注册、开工或投产"
    ),
    Column("negotiating_since", "洽谈开始日期", kind="date", width=12, help="仅洽谈阶段；空则为今天"),
    Column("signed_on", "签约日期", kind="date", width=12, help="签约及以后的阶段必填"),
    Column("registered_on", "注册日期", kind="date", width=12, help="注册及以后的阶段必填"),
    Column("started_on", "开工日期", kind="date", width=12, help="开工及以后的阶段必填"),
    Column("producing_on", "投产日期", kind="date", width=12, help="投产阶段必填"),
    Column("register_due", "约定注册日期", kind="date", width=12),
    Column("start_due", "约定开工日期", kind="date", width=12),
]
# The date each stage was reached, in stage order (signed → producing).
STAGE_DATES = [
    (Stage.SIGNED, "signed_on", "签约日期"),
    (Stage.REGISTERED, "registered_on", "注册日期"),
    (Stage.STARTED, "started_on", "开工日期"),
    (Stage.PRODUCING, "producing_on", "投产日期"),
]


def _check_lengths(obj) -> None:
    """bulk_create skips the services' save path: every text cell held to its field's length
    (CharField max_length, TextField TEXT_MAX_LENGTH) here, before anything is written."""
    from django.db import models

    core_services.check_text_lengths(obj)
    errors = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if isinstance(field, models.CharField) and field.max_length and isinstance(value, str):
            if len(value) > field.max_length:
                errors[field.name] = [
                    f"“{field.verbose_name}”最多 {field.max_length} 个字符（现为 {len(value)} 个）。"
                ]
    if errors:
        raise ValidationError(errors)


def _header(columns, key: str, default: str) -> str:
    """The Excel header of a service field, so an error points at the column the person sees."""
    return next((c.header for c in columns if c.key == key), default)


def _with_choices(columns, **choices):
    result = []
    for c in columns:
        if c.key in choices:
            c = Column(**{**c.__dict__, "choices": choices[c.key]})
        result.append(c)
    return result


def construction_columns():
    return _with_choices(CONSTRUCTION_COLUMNS, category=_category_choices())


def investment_columns():
    return _with_choices(
        INVESTMENT_COLUMNS, sector=[(s.pk, s.name) for s in Sector.objects.filter(is_active=True)]
    )


def template(kind: str, actor=None) -> bytes:
    if kind == "construction":
        return write_workbook(
            [("项目", construction_columns(), []), ("节点", NODE_COLUMNS, [])], template=True
        )
    return write_workbook([("招商项目", investment_columns(), [])], template=True)


# An investment project has no number of its own: its 编号 is derived from the primary key, shown
# on the project page and written by the export, so a re-imported row finds its project.
INVESTMENT_CODE_PREFIX = "ZS-"
INVESTMENT_CODE_COLUMN = Column(
    "code", "编号", width=12, help="已有编号：修改该项目（以导出文件为底稿）；空：新增一个项目"
)
_INVESTMENT_CODE = re.compile(r"^ZS-?(\d{1,12})$", re.IGNORECASE)


def investment_code(pk: int) -> str:
    """The stable 编号 of an investment project: ZS-000123."""
    return f"{INVESTMENT_CODE_PREFIX}{pk:06d}"


def investment_pk(code: str) -> int | None:
    match = _INVESTMENT_CODE.match((code or "").strip())
    return int(match.group(1)) if match else None


# --- export --------------------------------------------------------------------------------------


def _money(value):
    return None if value is None else Decimal(value) / WAN


def export_construction(projects, today: dt.date) -> bytes:
    """The filtered projects and their nodes, in the import template's layout (round trip)."""
    projects = list(
        projects.select_related("category", "lead_unit", "command_post").prefetch_related("supporting_units")
    )
    figures = measures.project_figures([(p.pk, p.category_id) for p in projects], today)
    code_of = {p.pk: p.code or f"P{p.pk}" for p in projects}
    rows = [
        [
            code_of[p.pk],
            p.name,
            p.category.name,
            p.lead_unit.name,
            "、".join(u.name for u in p.supporting_units.all()),
            p.command_post.name if p.command_post else "",
            p.responsible_leader,
            p.location,
            p.scale,
            _money(p.budget),
            p.showcase_group,
            p.planned_start,
            p.planned_end,
        ]  # fmt: skip
        for p in projects
    ]
    extra = [
        Column("progress", "总体进度（%）"),
        Column("state", "状态"),
        Column("execution", "预算执行率（%）"),
        Column("archives", "档案完备率（%）"),
    ]
    for row, p in zip(rows, projects, strict=True):
        fig = figures[p.pk]
        row += [
            round(fig.progress),
            str(pace.NODE_STATE_LABELS[fig.worst]),
            None if fig.execution_rate is None else round(fig.execution_rate * 100, 1),
            None if fig.completeness is None else round(fig.completeness * 100),
            p.version,
        ]
    nodes = [
        [
            code_of[n.project_id],
            n.sequence,
            n.name,
            n.owner,
            n.planned_start,
            n.planned_end,
            n.actual_start,
            n.actual_end,
            n.progress,
            "",
            n.version,
        ]  # fmt: skip
        for n in ProjectNode.objects.filter(project_id__in=[p.pk for p in projects]).order_by(
            "project_id", "sequence"
        )
    ]
    extra.append(importing.Importer.version_column)
    return write_workbook([("项目", CONSTRUCTION_COLUMNS + extra, rows), ("节点", NODE_COLUMNS, nodes)])


def export_investment(projects) -> bytes:
    """The filtered projects in the import template's layout (export → import gives the same data)."""
    projects = projects.select_related("conference", "sector", "lead_unit").prefetch_related(
        "supporting_units"
    )
    rows = [
        [
            investment_code(p.pk),
            p.name,
            p.conference.name if p.conference else "",
            p.get_signing_mode_display(),
            p.investor_name,
            "是" if p.investor_domestic else "否",
            p.investor_credit_code,
            p.sector.name,
            _money(p.contracted_amount),
            _money(p.planned_investment),
            p.lead_unit.name,
            "、".join(u.name for u in p.supporting_units.all()),
            p.responsible_leader,
            p.get_stage_display(),
            p.stage_changed_on if p.stage == Stage.NEGOTIATING else None,
            p.signed_on,
            p.registered_on,
            p.started_on,
            p.producing_on,
            p.register_due,
            p.start_due,
            p.version,
        ]  # fmt: skip
        for p in projects
    ]
    columns = [INVESTMENT_CODE_COLUMN, *INVESTMENT_COLUMNS, importing.Importer.version_column]
    return write_workbook([("招商项目", columns, rows)])


def export_battle_map(data: dict) -> bytes:
    columns = [
        Column("project", "项目", width=30),
        Column("street", "牵头街道"),
        Column("category", "类别"),
        Column("command_post", "指挥部", width=20),
        Column("node", "节点"),
        Column("start", "计划开始", kind="date", width=12),
        Column("end", "计划完成", kind="date", width=12),
        Column("actual_end", "实际完成", kind="date", width=12),
        Column("progress", "进度（%）", kind="int"),
        Column("state", "状态"),
    ]
    rows = []
    for bar in battlemap.bar_dicts(data):
        head = data["rows"][bar["row"]]
        rows.append(
            [
                head["name"],
                head["street"],
                head["category"],
                head["command_post"],
                bar["name"],
                bar["start"],
                bar["end"],
                bar["actual_end"] or None,
                bar["progress"],
                data["states"][bar["state"]]["label"],
            ]  # fmt: skip
        )
    return write_workbook([("挂图作战", columns, rows)])


def export_warnings(warnings) -> bytes:
    columns = [
        Column("kind", "预警", width=14),
        Column("severity", "等级", width=8),
        Column("project", "项目", width=30),
        Column("lead_unit", "责任单位", width=16),
        Column("node", "节点", width=14),
        Column("message", "说明", width=50),
    ]
    rows = [
        [
            str(w.kind_label),
            "红" if w.severity == "red" else "黄",
            w.project_name,
            w.lead_unit,
            w.node,
            w.message,
        ]
        for w in warnings
    ]
    return write_workbook([("项目预警", columns, rows)])


def export_fund_ledger(project, entries) -> bytes:
    """The funds ledger of one project, per source with running balances, exact yuan (元)."""
    columns = [
        Column("source", "资金来源", width=10),
        Column("date", "日期", kind="date", width=12),
        Column("kind", "类型", width=8),
        Column("amount", "金额（元）", kind="decimal", width=16),
        Column("reference", "文号/凭证号", width=20),
        Column("counterparty", "拨付账户/收款单位", width=20),
        Column("node", "对应节点", width=14),
        Column("contract", "对应合同", width=16),
        Column("questioned", "审计存疑（元）", kind="decimal", width=14),
        Column("opinion", "审计意见/说明", width=30),
        Column("approved_left", "批复未拨付（元）", kind="decimal", width=16),
        Column("allocated_left", "拨付未支出（元）", kind="decimal", width=16),
        Column("disbursed", "累计支出（元）", kind="decimal", width=16),
    ]
    rows = []
    for source, label in FundSource.choices:
        for entry, cum, early in ledger.running(e for e in entries if e.source == source):
            note = (
                ("期初结转 " if entry.is_opening else "") + ("支出早于批复 " if early else "") + entry.opinion
            )
            rows.append(
                [
                    str(label), entry.date, entry.get_kind_display(), entry.amount, entry.reference,
                    entry.counterparty, entry.node.name if entry.node else "", entry.contract,
                    entry.questioned, note.strip(), cum["approved"] - cum["allocated"],
                    cum["allocated"] - cum["disbursed"], cum["disbursed"],
                ]
            )  # fmt: skip
    return write_workbook([("资金台账", columns, rows)])


# --- import --------------------------------------------------------------------------------------


class _UnitResolver:
    """Names → units of the person's district(s), and whether the person may act for them."""

    def __init__(self, actor):
        self.actor = actor
        units = (
            permissions.units_for_choice(actor) if actor is not None else Unit.objects.filter(is_active=True)
        )
        self.by_name = defaultdict(list)
        for unit in units.exclude(district=None):
            self.by_name[fold(unit.name)].append(unit)
        scope = permissions.scope_of(actor) if actor is not None else None
        self.oversight = scope.districts_with(OVERSIGHT_ROLES) if scope else permissions.ALL
        self.own_units = scope.units_with(UNIT_ROLES) if scope else frozenset()

    def get(self, name: str, kinds=None) -> Unit | None:
        candidates = [u for u in self.by_name.get(fold(name), []) if kinds is None or u.kind in kinds]
        return candidates[0] if len(candidates) == 1 else None

    def may_act(self, units, district_id) -> bool:
        if self.oversight == permissions.ALL or district_id in self.oversight:
            return True
        return bool(self.own_units & {u.pk for u in units if u is not None})


def _too_long(obj, fields, headers) -> dict[str, str]:
    """Text longer than the column allows (bulk inserts do not check it): {header: message}."""
    errors = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, name) or ""
        if field.max_length and len(value) > field.max_length:
            errors[headers.get(name, name)] = f"最多 {field.max_length} 个字符（现为 {len(value)} 个）"
    return errors


CENT = Decimal("0.01")


def _cents(value: Decimal | None, header: str) -> Decimal | None:
    """An amount in 元 with at most two decimals (万元 × 10000 reads as 250000.5000)."""
    if value is None:
        return None
    exact = value.quantize(CENT)
    if exact != value:
        raise importing.RowError(header, f"金额精确到分（元的两位小数），现为 {value.normalize()} 元")
    return exact


NODE_HEADERS = {c.key: f"节点表·{c.header}" for c in NODE_COLUMNS}
NODE_TEXT = ("name", "owner")
# What a node row of an existing project may change: the node form's fields (forms.NodeForm).
NODE_EDITABLE = ("name", "owner", "planned_start", "planned_end", "actual_start", "actual_end")
NODE_PLAN_DATES = ("planned_start", "planned_end")
NODE_PROGRESS_MESSAGE = "节点进度请在节点页填报进度报告（填写实际完成日期即为 100%）"


@dataclasses.dataclass
class NodeChange:
    """One node row of an existing project that changes its node (applied by ``update_node``)."""

    row: int
    node: ProjectNode
    changes: dict
    reason: str = ""
    version: int | None = None

    def new(self, key):
        return self.changes.get(key, getattr(self.node, key))


def _show_node_value(value) -> str:
    if value is None or value == "":
        return "空"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _apply_order(plans: list[NodeChange]) -> list[NodeChange]:
    """An order in which every single node update keeps the plan's start dates in sequence
    (each ``update_node`` checks its node against the stored neighbours): nodes that start
    later first, last to first, then the others first to last."""
    later = [p for p in plans if p.new("planned_start") > p.node.planned_start]
    rest = [p for p in plans if p not in later]
    return sorted(later, key=lambda p: -p.node.sequence) + sorted(rest, key=lambda p: p.node.sequence)


class ConstructionImporter(importing.Importer):
    """Sheet 项目 (one project a row) and sheet 节点 (the node plan of the projects, by 项目编号).

    An update may change the project's name, units (lead, supporting, command post — within its
    district; the scope is checked before and after), leader, location, scale, budget, showcase
    group and planned span; not its category (the node plan and the document checklist follow the
    category). Node rows of an existing project are compared with the stored nodes and must be
    unchanged; a node row of a new project builds its plan (without node rows: the category's
    template). A project whose nodes are all completed is closed: an import leaves it alone."""

    title = "项目"
    noun = "建设项目"
    model = ConstructionProject
    code_field = "import_code"  # the 项目编号, or P<pk> for a project registered without one
    code_column = CONSTRUCTION_COLUMNS[0]
    new_codes_create = True
    updatable = frozenset(
        {"name", "lead_unit", "supporting_units", "command_post", "responsible_leader", "location", "scale",
         "budget", "showcase_group", "planned_start", "planned_end"}
    )  # fmt: skip
    closed_message = "的节点已全部完成，导入不能修改"
    permission_column = "牵头街道"

    def __init__(self, actor, **options):
        self.columns = construction_columns()[1:]
        super().__init__(actor, **options)

    def template(self) -> bytes:
        return template("construction", self.actor)

    def run(self, source, *, check_only: bool = False, filename: str = ""):
        data = source.read() if hasattr(source, "read") else bytes(source)
        self._check_only = check_only
        self._node_table = read_table(io.BytesIO(data), NODE_COLUMNS, sheet="节点")
        return super().run(data, check_only=check_only, filename=filename)

    def select(self, qs):
        return qs.select_related("category", "lead_unit", "command_post").prefetch_related(
            "supporting_units", "nodes"
        )

    def prepare(self):
        self.resolver = _UnitResolver(self.actor)
        self.categories = {c.code: c for c in ConstructionCategory.objects.all()}
        self._existing, self._ambiguous, self._taken, self._file_codes = {}, set(), set(), set()
        self._nodes_by_code = defaultdict(list)
        self._node_plans = {}
        for e in self._node_table.errors:
            if e.rule == "file" or (e.rule == "header" and "找不到表头行" in e.message):
                continue  # the node sheet is optional
            self.row_error(e.row, f"节点表·{e.column}", e.message, e.rule)
        for row in self._node_table.rows:
            if None in (
                row.get("code"),
                row.get("sequence"),
                row.get("planned_start"),
                row.get("planned_end"),
            ):
                continue  # a missing required cell is reported by read_table
            if row.get("name"):
                self._nodes_by_code[row["code"]].append(row)

    def existing(self, codes):
        self._file_codes = set(codes)
        qs = self.select(self.queryset())
        by_pk = {}
        for code in codes:
            match = re.fullmatch(r"P(\d{1,12})", code)
            if match:
                by_pk[int(match.group(1))] = code
        found = list(qs.filter(code__in=list(codes)))
        found += list(qs.filter(code="", pk__in=list(by_pk)))
        count = defaultdict(int)
        for project in found:
            project.import_code = project.code or f"P{project.pk}"
            count[project.import_code] += 1
        self._ambiguous = {code for code, n in count.items() if n > 1}
        self._existing = {p.import_code: p for p in found}
        # Codes of projects the person may not see: a new row may not take one in their district.
        seen = [p.pk for p in found]
        self._taken = set(
            ConstructionProject._base_manager.filter(code__in=list(codes))
            .exclude(pk__in=seen)
            .values_list("code", "district_id")
        )
        return found

    def current(self, obj):
        values = {key: getattr(obj, key) for key in self.headers if key != "supporting_units"}
        values["supporting_units"] = list(obj.supporting_units.all())
        return values

    def is_closed(self, obj):
        nodes = list(obj.nodes.all())
        return bool(nodes) and all(n.actual_end for n in nodes)

    def resolve(self, row):
        r, code = row["_row"], row.get("code") or ""
        if code in self._ambiguous:
            raise importing.RowError(
                self.code_column.header, f"有多个项目的编号都是“{code}”，无法确定修改哪一个，请在项目页处理"
            )
        obj = self._existing.get(code)
        resolver = self.resolver
        lead = resolver.get(row.get("lead_unit") or "", services.LEAD_KINDS)
        if lead is None:
            raise importing.RowError("牵头街道", f"“{row.get('lead_unit') or ''}”不是您可选的街道或部门")
        supporting, ok = [], True
        for name in importing.split_list(row.get("supporting_units")):
            unit = resolver.get(name, services.LEAD_KINDS)
            if unit is None:
                self.row_error(r, "配合部门", f"“{name}”不是您可选的单位")
                ok = False
            supporting.append(unit)
        command_post = None
        if row.get("command_post"):
            command_post = resolver.get(row["command_post"], {UnitKind.COMMAND_POST})
            if command_post is None:
                self.row_error(r, "指挥部", f"“{row['command_post']}”不是本区的指挥部")
                ok = False
        if not ok or row.get("planned_start") is None or row.get("planned_end") is None:
            return None
        category = self.categories.get(row.get("category")) if row.get("category") else None
        values = {
            "name": row.get("name") or "",
            "category": category,
            "lead_unit": lead,
            "supporting_units": supporting,
            "command_post": command_post,
            "responsible_leader": row.get("responsible_leader") or "",
            "location": row.get("location") or "",
            "scale": row.get("scale") or "",
            "budget": _cents(row.get("budget"), "总投资（万元）") or Decimal(0),
            "showcase_group": row.get("showcase_group") or "",
            "planned_start": row["planned_start"],
            "planned_end": row["planned_end"],
        }
        if obj is not None:
            self._plan_node_changes(obj, self._nodes_by_code.get(code, []))
            return values
        if not row.get("name") or category is None:
            return None  # already reported as a required cell
        if not resolver.may_act([lead, command_post, *supporting], lead.district_id):
            raise importing.RowError("牵头街道", "您不属于该项目的牵头、配合单位，也不是本区领导或督查人员")
        if code and (code, lead.district_id) in self._taken:
            raise importing.RowError(
                self.code_column.header, f"本区已有编号为“{code}”的项目（您无权查看），请换一个编号"
            )
        project = ConstructionProject(district_id=lead.district_id, code=code, **{
            k: v for k, v in values.items() if k != "supporting_units"
        })  # fmt: skip
        try:
            services.check_units(lead, supporting, command_post)
            services.check_construction(project)
            _check_lengths(project)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for m in messages:
                    self.row_error(r, _header(CONSTRUCTION_COLUMNS, name, "项目"), m)
            return None
        headers = {c.key: c.header for c in CONSTRUCTION_COLUMNS}
        for header, message in _too_long(project, ("code", "name", "responsible_leader", "location",
                                                    "scale", "showcase_group"), headers).items():  # fmt: skip
            self.row_error(r, header, message)
        nodes = self._new_nodes(project, self._nodes_by_code.get(code, [])) if code else []
        if nodes is None:
            return None
        values.update(code=code, _project=project, _nodes=nodes)
        return values

    def _new_nodes(self, project, rows) -> list[ProjectNode] | None:
        """The node plan of a new (unsaved) project from its node rows (checked in order), or None."""
        code = project.code
        rows = sorted(rows, key=lambda x: x["sequence"])
        built, ok = [], True
        for i, row in enumerate(rows):
            if i and rows[i - 1]["sequence"] == row["sequence"]:
                self.row_error(row["_row"], "节点表·顺序", f"项目“{code}”的顺序 {row['sequence']} 重复")
                ok = False
                continue
            node = ProjectNode(
                project=project,
                sequence=row["sequence"],
                name=row["name"],
                owner=row.get("owner") or "",
                planned_start=row["planned_start"],
                planned_end=row["planned_end"],
                actual_start=row.get("actual_start"),
                actual_end=row.get("actual_end"),
                progress=100 if row.get("actual_end") else (row.get("progress") or 0),
            )
            for header, message in _too_long(node, NODE_TEXT, NODE_HEADERS).items():
                self.row_error(row["_row"], header, message)
                ok = False
            built.append((row["_row"], node))
        for i, (r, node) in enumerate(built):
            previous = built[i - 1][1] if i else None
            problems = dict(services.node_errors(node, previous, None))
            try:
                _check_lengths(node)
            except ValidationError as exc:
                problems.update({f: m[0] for f, m in exc.message_dict.items()})
            for name, message in problems.items():
                self.row_error(r, NODE_HEADERS.get(name, "节点表"), message)
                ok = False
        return [n for _, n in built] if ok else None

    def _plan_node_changes(self, project, rows) -> None:
        """Node rows of an existing project (matched by 顺序): what each changes of its node,
        checked as the node form and ``update_node`` would (the whole new plan in order, a
        reason for moving the planned dates of a node in a baseline, progress unchanged, the
        node's 版本). A node left out of the file is left as it is; a 顺序 the project lacks is
        an error — an import adds no node to an existing project."""
        code = project.import_code
        stored = {n.sequence: n for n in project.nodes.all()}
        plans, seen = [], {}
        for row in rows:
            r, sequence = row["_row"], row["sequence"]
            if sequence in seen:
                self.row_error(
                    r, NODE_HEADERS["sequence"], f"与节点表第 {seen[sequence]} 行重复（项目“{code}”的顺序 {sequence}）"
                )  # fmt: skip
                continue
            seen[sequence] = r
            node = stored.get(sequence)
            if node is None:
                self.row_error(
                    r, NODE_HEADERS["sequence"],
                    f"项目“{code}”没有顺序为 {sequence} 的节点：导入只修改已有节点，已有项目的节点计划不能由导入增加节点",
                )  # fmt: skip
                continue
            version = row.get("version")
            if version is not None and version != node.version:
                self.row_error(
                    r, NODE_HEADERS["version"],
                    f"节点“{node.name}”在导出后已被修改（导出时版本 {version}，现为 {node.version}），请重新导出后再改",
                    "conflict",
                )  # fmt: skip
                continue
            new = {
                "name": row.get("name") or node.name,
                "owner": row.get("owner") or "",
                "planned_start": row["planned_start"],
                "planned_end": row["planned_end"],
                # A blank actual date keeps the stored one: clearing progress is the node page's.
                "actual_start": row.get("actual_start") or node.actual_start,
                "actual_end": row.get("actual_end") or node.actual_end,
            }
            changes = {
                k: v for k, v in new.items() if v != (getattr(node, k) or ("" if k == "owner" else None))
            }
            completes = "actual_end" in changes and node.actual_end is None
            progress = row.get("progress")
            if progress is not None and progress != node.progress and not (completes and progress == 100):
                self.row_error(
                    r, NODE_HEADERS["progress"], f"{NODE_PROGRESS_MESSAGE}（现为 {node.progress}%）"
                )  # fmt: skip
                continue
            reason = (row.get("reason") or "").strip()
            if any(k in changes for k in NODE_PLAN_DATES) and node.baseline_end is not None and not reason:
                self.row_error(
                    r, NODE_HEADERS["reason"],
                    f"节点“{node.name}”已纳入计划基线，调整计划日期须在“变更原因”列说明原因",
                )  # fmt: skip
                continue
            if len(reason) > 300:
                self.row_error(r, NODE_HEADERS["reason"], f"变更原因最多 300 字（现为 {len(reason)} 字）")
                continue
            if changes:
                plans.append(
                    NodeChange(r, node, changes, reason, node.version if version is None else version)
                )
        # The new plan as a whole, in order: each changed node against its new neighbours.
        planned = {p.node.sequence: p for p in plans}
        ordered = []
        for sequence in sorted(stored):
            node = copy.copy(stored[sequence])
            for key, value in planned[sequence].changes.items() if sequence in planned else ():
                setattr(node, key, value)
            ordered.append(node)
        for i, node in enumerate(ordered):
            plan = planned.get(node.sequence)
            if plan is None:
                continue
            previous = ordered[i - 1] if i else None
            following = ordered[i + 1] if i + 1 < len(ordered) else None
            problems = dict(services.node_errors(node, previous, following))
            problems.update(_too_long(node, NODE_TEXT, {}))
            for name, message in problems.items():
                self.row_error(plan.row, NODE_HEADERS.get(name, "节点表"), message)
        self._node_plans[code] = plans

    def related_changes(self, r, obj, values):
        plans = self._node_plans.get(obj.import_code, [])
        lines = [
            importing.Change(
                f"节点{p.node.sequence}「{p.node.name}」·{NODE_HEADERS[key].removeprefix('节点表·')}",
                _show_node_value(getattr(p.node, key)),
                _show_node_value(value),
            )
            for p in plans
            for key, value in p.changes.items()
        ]
        return ({"_nodes": plans} if plans else {}), lines

    def check_rows(self, preview):
        for code, rows in self._nodes_by_code.items():
            if code not in self._file_codes:
                for row in rows:
                    self.row_error(row["_row"], "节点表·项目编号", f"项目表中没有编号“{code}”")

    def create_all(self, plans):
        if self._check_only:
            return []  # every rule was checked row by row; nothing to roll back
        items = [(p.values["_project"], p.values["supporting_units"], p.values["_nodes"]) for p in plans]
        try:
            created = services.import_construction_projects(self.actor, items)
        except PermissionDenied as exc:
            self._service_errors(plans[0].row, exc)
            return []
        services.record_approval_baseline(self.actor, created)  # 立项 baseline of the imported plan
        for plan, project in zip(plans, created, strict=True):
            plan.code = project.code
        return [p.pk for p in created]

    def update(self, obj, changes, *, expected_version):
        changes = dict(changes)
        nodes = changes.pop("_nodes", [])
        support = changes.pop("supporting_units", None)
        if changes or support is not None:
            obj = services.update_construction_project(
                self.actor, obj, expected_version=expected_version, supporting_units=support, **changes
            )
        for plan in _apply_order(nodes):
            node = ProjectNode.objects.select_related("project__category").get(pk=plan.node.pk)
            try:
                with transaction.atomic():
                    services.update_node(
                        self.actor, node, expected_version=plan.version, reason=plan.reason, **plan.changes
                    )
            except (ValidationError, PermissionDenied, core_services.ConflictError) as exc:
                self._node_service_errors(plan, exc)
        return obj

    def _node_service_errors(self, plan: NodeChange, exc: Exception) -> None:
        """A node the service refused, reported on its row of the 节点 sheet."""
        r, first = plan.row, NODE_HEADERS[next(iter(plan.changes))]
        if isinstance(exc, core_services.ConflictError):
            self.row_error(
                r, NODE_HEADERS["version"],
                f"导入期间节点“{plan.node.name}”已被他人修改（版本 {exc.expected} → {exc.actual}），请重新导出后再改",
                "conflict",
            )  # fmt: skip
        elif isinstance(exc, PermissionDenied):
            message = str(exc) if exc.args and not str(exc).isascii() else "无权修改该节点"
            self.row_error(r, first, message, "permission")
        elif hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.row_error(r, NODE_HEADERS.get(name, first), message)
        else:
            for message in exc.messages:
                self.row_error(r, first, message)


def import_construction(actor, upload, *, check_only: bool = False) -> importing.Preview:
    """Import projects (sheet 项目) and their nodes (sheet 节点): rows with a known 项目编号 update
    that project, others create one (a project without node rows gets its category's template).
    Raises ``excel.ImportRefused`` (with the preview) listing every bad cell; nothing is written
    unless the whole file is valid. Returns the preview (新增/修改/不变 and every change)."""
    return ConstructionImporter(actor).run(
        upload, check_only=check_only, filename=getattr(upload, "name", "")
    )


def _stage_and_dates(row, today: dt.date, bad) -> tuple[str | None, dict]:
    """The row's stage and the dates of the stages it has reached: every reached stage needs its
    date, no later stage may have one, dates never run backwards nor lie in the future."""
    signed = row.get("signed_on")
    stage = row.get("stage") or (Stage.SIGNED if signed else Stage.NEGOTIATING)
    reached = list(Stage.values).index(stage)
    dates: dict = {}
    previous = None
    ok = True
    for index, (_stage, field, label) in enumerate(STAGE_DATES, start=1):
        value = row.get(field)
        if index <= reached:
            if value is None:
                bad(label, f"阶段为“{Stage(stage).label}”时须填写{label}")
                ok = False
                continue
            if value > today:
                bad(label, f"{label}（{value}）不能晚于今天（{today}）")
                ok = False
            elif previous is not None and value < previous[0]:
                bad(label, f"{label}（{value}）不能早于{previous[1]}（{previous[0]}）")
                ok = False
            previous = (value, label)
            dates[field] = value
        elif value is not None:
            bad(label, f"阶段为“{Stage(stage).label}”，尚未到达该阶段，{label}应为空")
            ok = False
    since = row.get("negotiating_since")
    if stage == Stage.NEGOTIATING:
        if since is not None and since > today:
            bad("洽谈开始日期", f"洽谈开始日期（{since}）不能晚于今天（{today}）")
            ok = False
        dates["stage_changed_on"] = since or today
    else:
        if since is not None:
            bad("洽谈开始日期", "仅洽谈阶段的项目填写洽谈开始日期")
            ok = False
        dates["stage_changed_on"] = previous[0] if previous else today
    return (stage if ok else None), dates


INVESTMENT_KEYS = (
    "name", "conference", "signing_mode", "investor_name", "investor_domestic", "investor_credit_code",
    "sector", "contracted_amount", "planned_investment", "lead_unit", "supporting_units", "responsible_leader",
    "register_due", "start_due",
)  # fmt: skip
STAGE_MESSAGE = "阶段变更请在项目页办理（须附佐证材料），导入不能改变阶段"


class InvestmentImporter(importing.Importer):
    """Sheet 招商项目. An update may change every field the project's edit form does
    (``services.INVESTMENT_EDITABLE`` and the supporting units); the 阶段 and the dates of the
    stages must be the stored ones (or blank) — a stage moves only through
    ``services.transition_stage`` with its evidence. A new row may start at any stage with the
    dates of the stages reached (``services.import_investment_project``)."""

    title = "招商项目"
    noun = "招商项目"
    model = InvestmentProject
    code_field = "import_code"
    code_column = INVESTMENT_CODE_COLUMN
    updatable = frozenset(INVESTMENT_KEYS)
    permission_column = "落地街道"

    def __init__(self, actor, **options):
        self.columns = investment_columns()
        super().__init__(actor, **options)

    def template(self) -> bytes:
        return template("investment", self.actor)

    def select(self, qs):
        return qs.select_related("conference", "sector", "lead_unit").prefetch_related("supporting_units")

    def existing(self, codes):
        pks = {pk: code for code in codes if (pk := investment_pk(code)) is not None}
        found = list(self.select(self.queryset().filter(pk__in=list(pks))))
        for project in found:
            project.import_code = pks[project.pk]  # as written (zs-12 finds ZS-000012)
        self._by_pk = {p.pk: p for p in found}
        return found

    def prepare(self):
        self._by_pk = {}
        self.resolver = _UnitResolver(self.actor)
        # Names are matched folded on both sides (core.excel.fold: full-width → half-width), so a
        # name typed with （） matches one stored with () and the reverse.
        conferences = (
            Conference.objects.restrict(self.actor, "view") if self.actor else Conference.objects.all()
        )
        self.conferences = {fold(c.name): c for c in conferences}
        self.sectors = {s.pk: s for s in Sector.objects.all()}
        self.today = clock.today()

    def current(self, obj):
        values = {key: getattr(obj, key) for key in INVESTMENT_KEYS if key != "supporting_units"}
        values["supporting_units"] = list(obj.supporting_units.all())
        return values

    def resolve(self, row):
        r = row["_row"]

        def bad(column, message):
            self.row_error(r, column, message)

        obj = self._existing_obj(row)
        if not row.get("name") or not row.get("sector") or row.get("contracted_amount") is None:
            return None  # already reported as a required cell
        lead = self.resolver.get(row.get("lead_unit") or "", services.LEAD_KINDS)
        if lead is None:
            raise importing.RowError("落地街道", f"“{row.get('lead_unit') or ''}”不是您可选的街道或部门")
        supporting = [
            self.resolver.get(n, services.LEAD_KINDS)
            for n in importing.split_list(row.get("supporting_units"))
        ]
        if None in supporting:
            raise importing.RowError("配合单位", "含有不是您可选的单位")
        conference = None
        if row.get("conference"):
            conference = self.conferences.get(fold(row["conference"]))
            if conference is None:
                raise importing.RowError("签约推介会", f"找不到推介会“{row['conference']}”")
        domestic = row.get("investor_domestic")
        if domestic is None:
            domestic = obj.investor_domestic if obj is not None else True
        code = row.get("investor_credit_code") or ""
        if domestic and code:
            try:
                code = validate_credit_code(code)
            except ValidationError as exc:
                raise importing.RowError("统一社会信用代码", exc.messages[0]) from exc
        for key, label in (("contracted_amount", "签约金额"), ("planned_investment", "计划投资")):
            if row.get(key) is not None and row[key] < 0:
                bad(label, "不能为负数")
        values = {
            "name": row["name"],
            "conference": conference,
            "signing_mode": row.get("signing_mode") or (None if obj is not None else SigningMode.OTHER),
            "investor_name": row.get("investor_name") or "",
            "investor_domestic": domestic,
            "investor_credit_code": code,
            "sector": self.sectors[row["sector"]],
            "contracted_amount": _cents(row["contracted_amount"], "签约金额（万元）"),
            "planned_investment": _cents(row.get("planned_investment"), "计划投资（万元）") or Decimal(0),
            "lead_unit": lead,
            "supporting_units": supporting,
            "responsible_leader": row.get("responsible_leader") or "",
            "register_due": row.get("register_due"),
            "start_due": row.get("start_due"),
        }
        if obj is not None:
            self._check_stage_unchanged(r, obj, row)
            return values
        if not self.resolver.may_act([lead, *supporting], lead.district_id):
            raise importing.RowError("落地街道", "您不属于该项目的牵头、配合单位，也不是本区领导或督查人员")
        stage, dates = _stage_and_dates(row, self.today, bad)
        if stage is None:
            return None
        values.update(stage=stage, **dates)
        project = InvestmentProject(district_id=lead.district_id, **{
            k: v for k, v in values.items() if k != "supporting_units"
        })  # fmt: skip
        try:
            services.check_investor(project)
            _check_lengths(project)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                bad(_header(INVESTMENT_COLUMNS, name, "项目"), messages[0])
        return values

    def _existing_obj(self, row):
        pk = investment_pk(row.get("code") or "")
        return None if pk is None else self._by_pk.get(pk)

    def _check_stage_unchanged(self, r, obj, row) -> None:
        stored = Stage(obj.stage)
        if row.get("stage") and row["stage"] != obj.stage:
            self.row_error(r, "阶段", f"{STAGE_MESSAGE}（现为“{stored.label}”）")
        for _stage, field, label in STAGE_DATES:
            value = row.get(field)
            if value is not None and value != getattr(obj, field):
                now = getattr(obj, field) or "空"
                self.row_error(r, label, f"{label}随阶段变更记录，{STAGE_MESSAGE}（现为 {now}）")
        since = row.get("negotiating_since")
        if since is not None:
            if obj.stage != Stage.NEGOTIATING:
                self.row_error(r, "洽谈开始日期", f"该项目已是“{stored.label}”阶段，洽谈开始日期应为空")
            elif since != obj.stage_changed_on:
                self.row_error(
                    r, "洽谈开始日期", f"{STAGE_MESSAGE}（洽谈开始日期现为 {obj.stage_changed_on}）"
                )

    def create(self, values):
        values = dict(values)
        supporting = values.pop("supporting_units")
        project = services.import_investment_project(self.actor, supporting_units=supporting, **values)
        project.import_code = investment_code(project.pk)
        return project

    def update(self, obj, changes, *, expected_version):
        changes = dict(changes)
        support = changes.pop("supporting_units", None)
        return services.update_investment_project(
            self.actor, obj, expected_version=expected_version, supporting_units=support, **changes
        )


def import_investment(actor, upload, *, check_only: bool = False) -> importing.Preview:
    """Import investment projects: rows with a known 编号 update that project (not its stage);
    others create one at any stage with the dates of the stages reached (the project's history
    starts with the import: no evidence files, the import's audit record names the file). All or
    nothing; every bad cell reported by row and column. Returns the preview."""
    return InvestmentImporter(actor).run(upload, check_only=check_only, filename=getattr(upload, "name", ""))
