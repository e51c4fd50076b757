"""Hazards in and out of Excel: filtered export, import template, preview and import.

The export carries the 编号, every column of the template under the same headers, the state and
dates the loop sets (read-only) and the 版本, so an exported file imports again: a row with an
编号 updates that hazard (``services.update_hazard``: version-checked, audited, only the 五定 and
description; a closed hazard is never edited or reopened), a row without one registers a new
hazard. The contract is ``gate.importing.Importer``; an import is all or nothing.
"""

from __future__ import annotations

from districtops.core import excel
from districtops.gate import importing, permissions
from districtops.org.models import UnitKind

from . import services
from .models import Hazard, HazardGrade, HazardState, RiskPoint

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
    importing.Importer.code_column,
    *IMPORT_COLUMNS,
    excel.Column("state", "状态", help="只读：导入不改变状态"),
    excel.Column("overdue", "是否逾期"),
    excel.Column("closed_on", "销号日期", kind="date"),
    importing.Importer.version_column,
]


def export(hazards) -> bytes:
    rows = []
    for h in hazards.select_related("unit", "risk_point"):
        rows.append([
            h.code, h.title, h.unit.name, h.risk_point.name if h.risk_point_id else "", h.location,
            str(HazardGrade(h.grade).label), h.found_on, h.responsible_person, h.deadline, h.responsibility,
            h.standard, h.measures, h.description, str(HazardState(h.state).label),
            "是" if h.is_overdue else "否", h.closed_on, h.version,
        ])  # fmt: skip
    return excel.write_workbook([("隐患", EXPORT_COLUMNS, rows)])


def template(actor=None) -> bytes:
    return HazardImporter(actor).template()


def importable_units(user):
    """Units ``user`` may register hazards for, by name (a name used twice is ambiguous)."""
    units = permissions.units_for_choice(user, "view").exclude(kind__in=[UnitKind.CITY, UnitKind.DISTRICT])
    by_name: dict[str, list] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    return by_name


class HazardImporter(importing.Importer):
    title = "隐患"
    noun = "隐患"
    model = Hazard
    columns = IMPORT_COLUMNS
    updatable = services.EDITABLE_FIELDS
    closed_message = "已销号，导入不能修改或重新打开"
    permission_column = HEADERS["unit"]

    def template_columns(self):
        if self.actor is None:
            return list(IMPORT_COLUMNS)
        names = sorted(n for n, same in importable_units(self.actor).items() if len(same) == 1)
        return [
            excel.Column(**{**c.__dict__, "options": names}) if c.key == "unit" else c for c in IMPORT_COLUMNS
        ]

    def select(self, qs):
        return qs.select_related("unit", "risk_point")

    def prepare(self):
        self.units = importable_units(self.actor)
        self.points: dict[tuple[int, str], list[RiskPoint]] = {}
        for point in RiskPoint.objects.restrict(self.actor, "view").filter(
            unit__in=[u for same in self.units.values() for u in same]
        ):
            self.points.setdefault((point.unit_id, point.name), []).append(point)

    def resolve(self, row):
        candidates = self.units.get(row["unit"], [])
        if len(candidates) != 1:
            raise importing.RowError(
                HEADERS["unit"],
                f"您可登记的单位中没有“{row['unit']}”"
                if not candidates
                else f"“{row['unit']}”有重名单位，无法确定是哪一个",
            )
        unit = candidates[0]
        point = None
        if row.get("risk_point"):
            found = self.points.get((unit.pk, row["risk_point"]), [])
            if len(found) != 1:
                raise importing.RowError(HEADERS["risk_point"], (
                    f"{unit.name}没有名为“{row['risk_point']}”的风险点" if not found
                    else f"{unit.name}有多个名为“{row['risk_point']}”的风险点"
                ))  # fmt: skip
            point = found[0]
        values = {key: row.get(key) for key in HEADERS}
        values.update(unit=unit, risk_point=point, description=row.get("description") or "")
        return values

    def current(self, obj):
        return {key: getattr(obj, key) for key in HEADERS}

    def is_closed(self, obj):
        return obj.state == HazardState.CLOSED

    def create(self, values):
        return services.register_hazard(self.actor, **values)

    def update(self, obj, changes, *, expected_version):
        return services.update_hazard(self.actor, obj, expected_version=expected_version, **changes)


def import_hazards(actor, source, *, check_only: bool = False) -> importing.Preview:
    """Register or update one hazard per row (as ``actor``). Raises ``excel.ImportRefused`` with
    every error (and the preview); returns the preview (``.total`` rows created or changed)."""
    return HazardImporter(actor).run(source, check_only=check_only, filename=getattr(source, "name", ""))
