"""Excel in and out for projects: templates, exports with the list's filters, all-or-nothing imports.

An import checks every row first (the same rules as the services: units in the person's
scope, credit codes, dates in node order, no future actual dates, no negative amounts)
and writes nothing if any row is wrong. A valid file is written in one transaction with
bulk inserts and one audit record listing what it created (thousands of rows must load
in seconds; see docs/projects.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from districtops.core import clock, permissions
from districtops.core import services as core_services
from districtops.core.codes import validate_credit_code
from districtops.core.excel import CellError, Column, ImportRefused, fold, read_table, write_workbook
from districtops.org.models import Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES, UNIT_ROLES

from . import battlemap, ledger, measures, rules, services
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
SEPARATORS = ("、", ",", "，", ";", "；")


def _split(text: str) -> list[str]:
    text = text or ""
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0]) if part.strip()]


def _category_choices():
    return [(c.code, c.name) for c in ConstructionCategory.objects.all()]


CONSTRUCTION_COLUMNS = [
    Column("code", "项目编号", ("编号",), required=True, width=14, help="本次导入内唯一，节点表据此关联"),
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


def template(kind: str) -> bytes:
    if kind == "construction":
        return write_workbook(
            [("项目", construction_columns(), []), ("节点", NODE_COLUMNS, [])], template=True
        )
    return write_workbook([("招商项目", investment_columns(), [])], template=True)


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
            str(rules.NODE_STATE_LABELS[fig.worst]),
            None if fig.execution_rate is None else round(fig.execution_rate * 100, 1),
            None if fig.completeness is None else round(fig.completeness * 100),
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
        ]  # fmt: skip
        for n in ProjectNode.objects.filter(project_id__in=[p.pk for p in projects]).order_by(
            "project_id", "sequence"
        )
    ]
    return write_workbook([("项目", CONSTRUCTION_COLUMNS + extra, rows), ("节点", NODE_COLUMNS, nodes)])


def export_investment(projects) -> bytes:
    """The filtered projects in the import template's layout (export → import gives the same data)."""
    projects = projects.select_related("conference", "sector", "lead_unit").prefetch_related(
        "supporting_units"
    )
    rows = [
        [
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
        ]  # fmt: skip
        for p in projects
    ]
    return write_workbook([("招商项目", INVESTMENT_COLUMNS, rows)])


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


def _digest(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    return digest


def _finish(actor, model, ids: list[int], kind: str, digest: str, rows: int) -> None:
    core_services.record(
        actor,
        "import",
        None,
        object_type=model._meta.label_lower,
        message=f"Excel 导入{kind} {rows} 个（sha256 {digest[:16]}…）",
        after={"ids": ids, "sha256": digest},
    )
    if actor is not None:
        allowed = model.objects.restrict(actor, "report").filter(pk__in=ids).count()
        if allowed != len(ids):
            raise PermissionDenied("导入的项目超出了您的数据权限范围，已回滚。")


def import_construction(actor, upload, *, check_only: bool = False) -> int:
    """Import projects (sheet 项目) and their nodes (sheet 节点); a project without node rows
    gets its category's template. Raises ImportRefused listing every bad cell; nothing is written
    unless the whole file is valid. Returns the number of projects (to be) created."""
    digest = _digest(upload)
    data = upload.read()
    projects_table = read_table(io.BytesIO(data), construction_columns(), sheet="项目")
    nodes_table = read_table(io.BytesIO(data), NODE_COLUMNS, sheet="节点")
    errors = list(projects_table.errors)
    for e in nodes_table.errors:
        if e.rule == "header" and "找不到表头行" in e.message:
            continue  # the node sheet is optional
        errors.append(CellError(e.row, f"节点表·{e.column}", e.message, e.rule))
    if projects_table.errors and not projects_table.rows:
        raise ImportRefused(errors)
    resolver = _UnitResolver(actor)
    categories = {c.code: c for c in ConstructionCategory.objects.all()}
    seen_codes = {}
    planned: list[tuple[ConstructionProject, list[Unit]]] = []
    for row in projects_table.rows:
        r = row["_row"]

        def bad(column, message, r=r):
            errors.append(CellError(r, column, message, "rule"))

        if not row.get("code") or not row.get("name") or not row.get("category"):
            continue  # already reported as a required cell
        if row["code"] in seen_codes:
            bad("项目编号", f"与第 {seen_codes[row['code']]} 行重复")
            continue
        seen_codes[row["code"]] = r
        lead = resolver.get(row.get("lead_unit") or "", services.LEAD_KINDS)
        if lead is None:
            bad("牵头街道", f"“{row.get('lead_unit') or ''}”不是您可选的街道或部门")
            continue
        supporting = []
        for name in _split(row.get("supporting_units") or ""):
            unit = resolver.get(name, services.LEAD_KINDS)
            if unit is None:
                bad("配合部门", f"“{name}”不是您可选的单位")
            supporting.append(unit)
        command_post = None
        if row.get("command_post"):
            command_post = resolver.get(row["command_post"], {UnitKind.COMMAND_POST})
            if command_post is None:
                bad("指挥部", f"“{row['command_post']}”不是本区的指挥部")
        if None in supporting or (row.get("command_post") and command_post is None):
            continue
        if not resolver.may_act([lead, command_post, *supporting], lead.district_id):
            bad("牵头街道", "您不属于该项目的牵头、配合单位，也不是本区领导或督查人员")
            continue
        if row.get("planned_start") is None or row.get("planned_end") is None:
            continue
        project = ConstructionProject(
            district_id=lead.district_id,
            code=row["code"],
            name=row["name"],
            category=categories[row["category"]],
            lead_unit=lead,
            command_post=command_post,
            responsible_leader=row.get("responsible_leader") or "",
            location=row.get("location") or "",
            scale=row.get("scale") or "",
            budget=row.get("budget") or Decimal(0),
            showcase_group=row.get("showcase_group") or "",
            planned_start=row["planned_start"],
            planned_end=row["planned_end"],
        )
        try:
            services.check_units(lead, supporting, command_post)
            services.check_construction(project)
            _check_lengths(project)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = _header(CONSTRUCTION_COLUMNS, field, "项目")
                for m in messages:
                    bad(str(label), m)
            continue
        planned.append((project, supporting))
    nodes_by_code = defaultdict(list)
    for row in nodes_table.rows:
        r = row["_row"]
        if row.get("code") not in seen_codes:
            if row.get("code"):
                errors.append(CellError(r, "节点表·项目编号", f"项目表中没有编号“{row['code']}”", "rule"))
            continue
        if None in (row.get("sequence"), row.get("planned_start"), row.get("planned_end"), row.get("name")):
            continue
        nodes_by_code[row["code"]].append(row)
    node_objects = {}
    for code, rows in nodes_by_code.items():
        rows.sort(key=lambda x: x["sequence"])
        built = []
        for i, row in enumerate(rows):
            if i and rows[i - 1]["sequence"] == row["sequence"]:
                errors.append(
                    CellError(
                        row["_row"], "节点表·顺序", f"项目“{code}”的顺序 {row['sequence']} 重复", "rule"
                    )
                )
                continue
            built.append(
                (
                    row["_row"],
                    ProjectNode(
                        sequence=row["sequence"],
                        name=row["name"],
                        owner=row.get("owner") or "",
                        planned_start=row["planned_start"],
                        planned_end=row["planned_end"],
                        actual_start=row.get("actual_start"),
                        actual_end=row.get("actual_end"),
                        progress=100 if row.get("actual_end") else (row.get("progress") or 0),
                    ),
                )
            )
        for i, (r, node) in enumerate(built):
            previous = built[i - 1][1] if i else None
            problems = dict(services.node_errors(node, previous, None))
            try:
                _check_lengths(node)
            except ValidationError as exc:
                problems.update({f: m[0] for f, m in exc.message_dict.items()})
            for field, message in problems.items():
                label = _header(NODE_COLUMNS, field, "节点")
                errors.append(CellError(r, f"节点表·{label}", message, "rule"))
        node_objects[code] = [n for _, n in built]
    if errors:
        errors.sort(key=lambda e: (e.column.startswith("节点表"), e.row))
        raise ImportRefused(errors)
    if check_only:
        return len(planned)
    with transaction.atomic():
        created = ConstructionProject.objects.bulk_create([p for p, _ in planned], batch_size=1000)
        through = ConstructionProject.supporting_units.through
        through.objects.bulk_create(
            [
                through(constructionproject_id=p.pk, unit_id=u.pk)
                for p, (_, units) in zip(created, planned, strict=True)
                for u in units
            ],
            batch_size=2000,
        )
        nodes = []
        for project in created:
            given = node_objects.get(project.code)
            if given:
                for node in given:
                    node.project = project
                nodes.extend(given)
            else:
                nodes.extend(services.plan_nodes(project))
        ProjectNode.objects.bulk_create([n.refresh_pace() for n in nodes], batch_size=2000)
        services.record_approval_baseline(actor, created)  # 立项 baseline of the imported plan
        _finish(actor, ConstructionProject, [p.pk for p in created], "建设项目", digest, len(created))
    return len(created)


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


def import_investment(actor, upload, *, check_only: bool = False) -> int:
    """Import investment projects at any stage with the dates of the stages they have reached
    (the project's history starts with the import: no evidence files, the audit row names the
    file). All or nothing; every bad cell reported by row and column."""
    digest = _digest(upload)
    table = read_table(upload, investment_columns())
    errors = list(table.errors)
    resolver = _UnitResolver(actor)
    # Names are matched folded on both sides (core.excel.fold: full-width → half-width), so a
    # name typed with （） matches one stored with () and the reverse.
    conferences = {
        fold(c.name): c
        for c in (Conference.objects.restrict(actor, "view") if actor else Conference.objects.all())
    }
    sectors = {s.pk: s for s in Sector.objects.all()}
    today = clock.today()
    planned = []
    for row in table.rows:
        r = row["_row"]

        def bad(column, message, r=r):
            errors.append(CellError(r, column, message, "rule"))

        if not row.get("name") or not row.get("sector") or row.get("contracted_amount") is None:
            continue
        lead = resolver.get(row.get("lead_unit") or "", services.LEAD_KINDS)
        if lead is None:
            bad("落地街道", f"“{row.get('lead_unit') or ''}”不是您可选的街道或部门")
            continue
        supporting = [resolver.get(n, services.LEAD_KINDS) for n in _split(row.get("supporting_units") or "")]
        if None in supporting:
            bad("配合单位", "含有不是您可选的单位")
            continue
        if not resolver.may_act([lead, *supporting], lead.district_id):
            bad("落地街道", "您不属于该项目的牵头、配合单位，也不是本区领导或督查人员")
            continue
        conference = None
        if row.get("conference"):
            conference = conferences.get(fold(row["conference"]))
            if conference is None:
                bad("签约推介会", f"找不到推介会“{row['conference']}”")
                continue
        domestic = True if row.get("investor_domestic") is None else row["investor_domestic"]
        code = row.get("investor_credit_code") or ""
        if domestic and code:
            try:
                code = validate_credit_code(code)
            except ValidationError as exc:
                bad("统一社会信用代码", exc.messages[0])
                continue
        stage, dates = _stage_and_dates(row, today, bad)
        if stage is None:
            continue
        for key, label in (("contracted_amount", "签约金额"), ("planned_investment", "计划投资")):
            if row.get(key) is not None and row[key] < 0:
                bad(label, "不能为负数")
        project = InvestmentProject(
            district_id=lead.district_id,
            name=row["name"],
            conference=conference,
            signing_mode=row.get("signing_mode") or SigningMode.OTHER,
            investor_name=row["investor_name"] or "",
            investor_domestic=domestic,
            investor_credit_code=code,
            sector=sectors[row["sector"]],
            contracted_amount=row["contracted_amount"],
            planned_investment=row.get("planned_investment") or Decimal(0),
            lead_unit=lead,
            responsible_leader=row.get("responsible_leader") or "",
            stage=stage,
            **dates,
            register_due=row.get("register_due"),
            start_due=row.get("start_due"),
        )
        try:
            services.check_investor(project)
            _check_lengths(project)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                bad(_header(INVESTMENT_COLUMNS, field, "项目"), messages[0])
            continue
        planned.append((project, supporting))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.row))
    if check_only:
        return len(planned)
    with transaction.atomic():
        created = InvestmentProject.objects.bulk_create([p for p, _ in planned], batch_size=1000)
        through = InvestmentProject.supporting_units.through
        through.objects.bulk_create(
            [
                through(investmentproject_id=p.pk, unit_id=u.pk)
                for p, (_, units) in zip(created, planned, strict=True)
                for u in units
            ]
        )
        _finish(actor, InvestmentProject, [p.pk for p in created], "招商项目", digest, len(created))
    return len(created)
