"""Matters in and out of Excel: filtered export, import template, check-only import.

An import is all or nothing: every row is checked (columns, units, dates, the deadline
rules of ``assign_matter``) and the first error anywhere means nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from districtops.core import excel
from districtops.org.models import Unit

from . import services
from .models import Escalation, Frequency, Priority, Source
from .states import MatterState

IMPORT_COLUMNS = [
    excel.Column("title", "事项名称", aliases=("督办事项", "事项"), required=True, width=40),
    excel.Column("source", "来源", kind="choice", choices=Source.choices),
    excel.Column("basis", "交办依据", width=40),
    excel.Column("lead_unit", "牵头单位", aliases=("责任单位",), required=True, width=20),
    excel.Column(
        "supporting_units", "配合单位", aliases=("协办单位",), width=30, help="多个单位用、或逗号分隔"
    ),
    excel.Column("assigned_on", "交办日期", kind="date"),
    excel.Column("deadline", "办理时限", aliases=("完成时限",), kind="date", help="日期，与工作日天数二选一"),
    excel.Column("working_days", "工作日天数", kind="int", help="按法定节假日及调休计算"),
    excel.Column("priority", "优先级", kind="choice", choices=Priority.choices),
    excel.Column("frequency", "报送频次", kind="choice", choices=Frequency.choices),
]

EXPORT_COLUMNS = [
    excel.Column("code", "编号", width=22),
    excel.Column("title", "事项名称", width=40),
    excel.Column("source", "来源"),
    excel.Column("lead_unit", "牵头单位", width=20),
    excel.Column("supporting_units", "配合单位", width=30),
    excel.Column("assigned_on", "交办日期", kind="date"),
    excel.Column("deadline", "办理时限", kind="date"),
    excel.Column("state", "状态"),
    excel.Column("progress", "进度（%）", kind="int"),
    excel.Column("escalation", "督办级别"),
    excel.Column("overdue", "是否逾期"),
    excel.Column("closed_on", "办结日期", kind="date"),
]


def export(matters) -> bytes:
    rows = []
    for m in matters.select_related("lead_unit").prefetch_related("supporting_units"):
        rows.append([
            m.code, m.title, str(m.get_source_display()), m.lead_unit.name, "、".join(u.name for u in m.supporting_units.all()),
            m.assigned_on, m.deadline, str(MatterState(m.state).label), m.progress, str(Escalation(m.escalation).label),
            "是" if m.is_overdue else "否", m.closed_on,
        ])  # fmt: skip
    return excel.write_workbook([("督办事项", EXPORT_COLUMNS, rows)])


def template() -> bytes:
    return excel.write_workbook([("督办事项", IMPORT_COLUMNS, [])], template=True)


def _split(text: str | None) -> list[str]:
    if not text:
        return []
    for sep in ("，", ",", "；", ";", " "):
        text = text.replace(sep, "、")
    return [p.strip() for p in text.split("、") if p.strip()]


def import_matters(actor, source, *, district: Unit, check_only: bool = False) -> int:
    """Assign one matter per row. Raises ``excel.ImportRefused`` with every error; returns
    the number of rows (created, or that would be created with ``check_only``)."""
    table = excel.read_table(source, IMPORT_COLUMNS)
    if any(e.rule in {"file", "header", "size"} for e in table.errors):
        raise excel.ImportRefused(table.errors)
    # Cell-format errors and rule errors are reported together, so one round fixes the file.
    unreadable = {e.row for e in table.errors}
    if not table.rows:
        raise excel.ImportRefused([excel.CellError(table.header_row + 1, "文件", "没有数据行", rule="empty")])
    units = {u.name: u for u in Unit.objects.filter(district=district, is_active=True)}
    errors: list[excel.CellError] = list(table.errors)
    with transaction.atomic():
        for row in table.rows:
            r = row["_row"]
            if r in unreadable:
                continue
            lead = units.get(row["lead_unit"])
            if lead is None:
                errors.append(excel.CellError(r, "牵头单位", f"本区没有名为“{row['lead_unit']}”的单位"))
                continue
            support = []
            for name in _split(row.get("supporting_units")):
                if name not in units:
                    errors.append(excel.CellError(r, "配合单位", f"本区没有名为“{name}”的单位"))
                support.append(units.get(name))
            if None in support:
                continue
            try:
                services.assign_matter(
                    actor, title=row["title"], lead_unit=lead, supporting_units=support,
                    source=row.get("source") or Source.INSTRUCTION, basis=row.get("basis") or "",
                    assigned_on=row.get("assigned_on"), deadline=row.get("deadline"),
                    working_days=row.get("working_days"), priority=row.get("priority") or Priority.NORMAL,
                    frequency=row.get("frequency") or Frequency.MONTHLY,
                )  # fmt: skip
            except ValidationError as exc:
                headers = {c.key: c.header for c in IMPORT_COLUMNS}
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        errors.append(excel.CellError(r, headers.get(field, "办理时限"), message))
        if errors:
            raise excel.ImportRefused(sorted(errors, key=lambda e: e.row))
        if check_only:
            transaction.set_rollback(True)
    return len(table.rows)
