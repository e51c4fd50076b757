"""Hazards in and out of Excel: filtered export, import template, check-only import.

The export carries every column of the template under the same headers (plus the code,
state and dates the loop sets), so an exported file can be imported again. An import is
all or nothing: every row is checked (columns, units, risk points, the 五定, the rules of
``register_hazard``) and any error anywhere means nothing is written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from districtops.core import excel, permissions
from districtops.org.models import UnitKind

from . import services
from .models import HazardGrade, HazardState, RiskPoint

IMPORT_COLUMNS = [
    excel.Column("title", "隐患名称", aliases=("隐患",), required=True, width=36),
    excel.Column("unit", "责任单位", required=True, width=20),
    excel.Column("risk_point", "风险点", width=24, help="责任单位已登记的风险点名称，可空"),
    excel.Column("location", "位置", required=True, width=24),
    excel.Column("grade", "隐患等级", kind="choice", choices=HazardGrade.choices, required=True),
    excel.Column("found_on", "发现日期", kind="date", required=True),
    excel.Column("responsible_person", "整改责任人", required=True),
    excel.Column("deadline", "整改时限", kind="date", required=True, help="日期，不得早于发现日期"),
    excel.Column("responsibility", "整改责任", required=True, width=24),
    excel.Column("standard", "整改标准", required=True, width=24),
    excel.Column("measures", "整改措施", required=True, width=30),
    excel.Column("description", "隐患描述", width=30),
]
HEADERS = {c.key: c.header for c in IMPORT_COLUMNS}

EXPORT_COLUMNS = [
    excel.Column("code", "编号", width=20),
    *IMPORT_COLUMNS,
    excel.Column("state", "状态"),
    excel.Column("overdue", "是否逾期"),
    excel.Column("closed_on", "销号日期", kind="date"),
]


def export(hazards) -> bytes:
    rows = []
    for h in hazards.select_related("unit", "risk_point"):
        rows.append([
            h.code, h.title, h.unit.name, h.risk_point.name if h.risk_point_id else "", h.location,
            str(HazardGrade(h.grade).label), h.found_on, h.responsible_person, h.deadline, h.responsibility,
            h.standard, h.measures, h.description, str(HazardState(h.state).label),
            "是" if h.is_overdue else "否", h.closed_on,
        ])  # fmt: skip
    return excel.write_workbook([("隐患", EXPORT_COLUMNS, rows)])


def template() -> bytes:
    return excel.write_workbook([("隐患", IMPORT_COLUMNS, [])], template=True)


def importable_units(user):
    """Units ``user`` may register hazards for, by name (a name used twice is ambiguous)."""
    units = permissions.units_for_choice(user, "view").exclude(kind__in=[UnitKind.CITY, UnitKind.DISTRICT])
    by_name: dict[str, list] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    return by_name


def import_hazards(actor, source, *, check_only: bool = False) -> int:
    """Register one hazard per row (as ``actor``, who must be allowed to register for each
    row's unit). Raises ``excel.ImportRefused`` with every error; returns the number of rows."""
    table = excel.read_table(source, IMPORT_COLUMNS)
    if any(e.rule in {"file", "header", "size"} for e in table.errors):
        raise excel.ImportRefused(table.errors)
    if not table.rows:
        raise excel.ImportRefused([excel.CellError(table.header_row + 1, "文件", "没有数据行", rule="empty")])
    unreadable = {e.row for e in table.errors}
    units = importable_units(actor)
    points: dict[tuple[int, str], list[RiskPoint]] = {}
    for point in RiskPoint.objects.restrict(actor, "view").filter(
        unit__in=[u for same in units.values() for u in same]
    ):
        points.setdefault((point.unit_id, point.name), []).append(point)
    errors: list[excel.CellError] = list(table.errors)
    with transaction.atomic():
        for row in table.rows:
            r = row["_row"]
            if r in unreadable:
                continue
            candidates = units.get(row["unit"], [])
            if len(candidates) != 1:
                message = (
                    f"您可登记的单位中没有“{row['unit']}”"
                    if not candidates
                    else f"“{row['unit']}”有重名单位，无法确定是哪一个"
                )
                errors.append(excel.CellError(r, HEADERS["unit"], message))
                continue
            unit = candidates[0]
            point = None
            if row.get("risk_point"):
                found = points.get((unit.pk, row["risk_point"]), [])
                if len(found) != 1:
                    errors.append(excel.CellError(r, HEADERS["risk_point"], (
                        f"{unit.name}没有名为“{row['risk_point']}”的风险点" if not found
                        else f"{unit.name}有多个名为“{row['risk_point']}”的风险点"
                    )))  # fmt: skip
                    continue
                point = found[0]
            try:
                with transaction.atomic():
                    services.register_hazard(
                        actor, unit=unit, risk_point=point, title=row["title"], location=row["location"],
                        grade=row["grade"], found_on=row["found_on"], responsible_person=row["responsible_person"],
                        deadline=row["deadline"], responsibility=row["responsibility"], standard=row["standard"],
                        measures=row["measures"], description=row.get("description") or "",
                    )  # fmt: skip
            except PermissionDenied:
                errors.append(excel.CellError(r, HEADERS["unit"], f"无权为“{unit.name}”登记隐患"))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        errors.append(excel.CellError(r, HEADERS.get(field, HEADERS["title"]), message))
        if errors:
            raise excel.ImportRefused(sorted(errors, key=lambda e: e.row))
        if check_only:
            transaction.set_rollback(True)
    return len(table.rows)
