"""Matters in and out of Excel: filtered export, import template, preview and import.

The export carries the 编号, every template column, the state and figures the loop sets
(read-only) and the 版本, so an exported file imports again: a row with an 编号 updates that
matter (``services.update_matter``: title, source, basis, supporting units, priority, frequency
— version-checked, audited; a closed matter is never edited or reopened; the lead unit and the
deadline are the assignment and are not changed by an import), a row without one assigns a new
matter (``assign_matter``). The contract is ``gate.importing.Importer``; all or nothing.
"""

from __future__ import annotations

from districtops.core import excel
from districtops.gate import importing
from districtops.org.models import Unit

from . import services
from .models import Escalation, Frequency, Matter, Priority, Source
from .states import OPEN_STATES, MatterState

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
    excel.Column("working_days", "工作日天数", kind="int", help="按法定节假日及调休计算；仅新增时使用"),
    excel.Column("priority", "优先级", kind="choice", choices=Priority.choices),
    excel.Column("frequency", "报送频次", kind="choice", choices=Frequency.choices),
]
HEADERS = {c.key: c.header for c in IMPORT_COLUMNS}

EXPORT_COLUMNS = [
    importing.Importer.code_column,
    *(c for c in IMPORT_COLUMNS if c.key in ("title", "source", "lead_unit", "supporting_units")),
    *(c for c in IMPORT_COLUMNS if c.key in ("assigned_on", "deadline")),
    excel.Column("state", "状态", help="只读：导入不改变状态"),
    excel.Column("progress", "进度（%）", kind="int"),
    excel.Column("escalation", "督办级别"),
    excel.Column("overdue", "是否逾期"),
    excel.Column("closed_on", "办结日期", kind="date"),
    *(c for c in IMPORT_COLUMNS if c.key in ("basis", "working_days", "priority", "frequency")),
    importing.Importer.version_column,
]


def export(matters) -> bytes:
    rows = []
    for m in matters.select_related("lead_unit").prefetch_related("supporting_units"):
        rows.append([
            m.code, m.title, str(m.get_source_display()), m.lead_unit.name,
            "、".join(u.name for u in m.supporting_units.all()), m.assigned_on, m.deadline,
            str(MatterState(m.state).label), m.progress, str(Escalation(m.escalation).label),
            "是" if m.is_overdue else "否", m.closed_on, m.basis, None, str(m.get_priority_display()),
            str(m.get_frequency_display()), m.version,
        ])  # fmt: skip
    return excel.write_workbook([("督办事项", EXPORT_COLUMNS, rows)])


def template(actor=None, district: Unit | None = None) -> bytes:
    return MatterImporter(actor, district=district).template()


def _split(text: str | None) -> list[str]:
    if not text:
        return []
    for sep in ("，", ",", "；", ";", " "):
        text = text.replace(sep, "、")
    return [p.strip() for p in text.split("、") if p.strip()]


class MatterImporter(importing.Importer):
    title = "督办事项"
    noun = "督办事项"
    model = Matter
    columns = IMPORT_COLUMNS
    updatable = services.EDITABLE_FIELDS
    permission_column = HEADERS["lead_unit"]

    def _units(self):
        district = self.options.get("district")
        if district is None:
            return Unit.objects.none()
        return Unit.objects.filter(district=district, is_active=True)

    def template_columns(self):
        names = sorted(u.name for u in self._units() if u.kind in services.ASSIGNABLE_KINDS)
        return [
            excel.Column(**{**c.__dict__, "options": names}) if c.key == "lead_unit" and names else c
            for c in IMPORT_COLUMNS
        ]

    def queryset(self):
        qs = super().queryset()
        district = self.options.get("district")
        return qs.filter(district=district) if district is not None else qs

    def select(self, qs):
        return qs.select_related("lead_unit").prefetch_related("supporting_units")

    def prepare(self):
        self.units = {u.name: u for u in self._units()}

    def resolve(self, row):
        lead = self.units.get(row["lead_unit"])
        if lead is None:
            raise importing.RowError(HEADERS["lead_unit"], f"本区没有名为“{row['lead_unit']}”的单位")
        support = []
        for name in _split(row.get("supporting_units")):
            if name not in self.units:
                raise importing.RowError(HEADERS["supporting_units"], f"本区没有名为“{name}”的单位")
            support.append(self.units[name])
        values = {key: row.get(key) for key in HEADERS}
        values.update(lead_unit=lead, supporting_units=support, basis=row.get("basis") or "")
        return values

    def current(self, obj):
        # working_days only sets a new matter's deadline; an existing one is compared by its date.
        values = {
            key: getattr(obj, key) for key in HEADERS if key not in ("supporting_units", "working_days")
        }
        values["supporting_units"] = list(obj.supporting_units.all())
        return values

    def is_closed(self, obj):
        return obj.state not in OPEN_STATES

    def create(self, values):
        return services.assign_matter(
            self.actor, title=values["title"], lead_unit=values["lead_unit"],
            supporting_units=values["supporting_units"], source=values.get("source") or Source.INSTRUCTION,
            basis=values["basis"], assigned_on=values.get("assigned_on"), deadline=values.get("deadline"),
            working_days=values.get("working_days"), priority=values.get("priority") or Priority.NORMAL,
            frequency=values.get("frequency") or Frequency.MONTHLY,
        )  # fmt: skip

    def update(self, obj, changes, *, expected_version):
        changes = dict(changes)
        support = changes.pop("supporting_units", None)
        return services.update_matter(
            self.actor, obj, expected_version=expected_version, supporting_units=support, **changes
        )


def import_matters(actor, source, *, district: Unit, check_only: bool = False) -> importing.Preview:
    """Assign or update one matter per row. Raises ``excel.ImportRefused`` with every error (and
    the preview); returns the preview."""
    return MatterImporter(actor, district=district).run(
        source, check_only=check_only, filename=getattr(source, "name", "")
    )
