"""Deputies' suggestions in and out of Excel: filtered export, import template, preview and import.

The export carries the 建议编号, every template column, the reply and evaluation the handling
sets (read-only) and the 版本, so an exported file imports again: a row with a 建议编号 updates
that suggestion (``services.update_suggestion``: title, content, deputies, supporting units —
version-checked, audited; a closed suggestion is never edited or reopened), a row without one
交办 a new suggestion. Deputies are named as 姓名, or 姓名（联络站） where two deputies of the
district share a name; a name that itself carries parentheses (刘代表（示例）) is matched as a
whole first (``gate.importing.NameLookup``). The contract is ``gate.importing.Importer``.
"""

from __future__ import annotations

from django.db.models import Count

from districtops.core import excel
from districtops.gate import importing
from districtops.org.models import Unit

from . import services
from .models import Deputy, ReplyClass, Satisfaction, Suggestion, SuggestionState

IMPORT_COLUMNS = [
    excel.Column("title", "标题", aliases=("建议标题",), required=True, width=36),
    excel.Column("content", "内容", aliases=("建议内容",), required=True, width=50),
    excel.Column(
        "deputies",
        "提出代表",
        aliases=("代表",),
        required=True,
        width=24,
        help="多位代表用、分隔；有重名时写成 姓名（联络站）",
    ),  # fmt: skip
    excel.Column("handling_unit", "主办单位", aliases=("承办单位",), required=True, width=20),
    excel.Column("supporting_units", "协办单位", width=24, help="多个单位用、或逗号分隔"),
    excel.Column("assigned_on", "交办日期", kind="date", help="空则为今天"),
    excel.Column("complex_case", "复杂建议", kind="bool", help="是：6 个月内答复；否或空：3 个月"),
]
HEADERS = {c.key: c.header for c in IMPORT_COLUMNS}
CODE_COLUMN = excel.Column(
    "code", "建议编号", aliases=("编号",), width=20, help="已有编号：修改该件；空：交办一件新建议"
)

EXPORT_COLUMNS = [
    CODE_COLUMN,
    *IMPORT_COLUMNS,
    excel.Column("reply_due", "答复期限", kind="date"),
    excel.Column("state", "状态", width=18, help="只读：导入不改变状态"),
    excel.Column("reply_class", "答复类别", width=18),
    excel.Column("replied_on", "答复日期", kind="date"),
    excel.Column("satisfaction", "代表满意度"),
    importing.Importer.version_column,
]


def _deputy_labels(deputies) -> dict[int, str]:
    """姓名, or 姓名（联络站） for a name shared by two deputies of one district."""
    deputies = list(deputies)
    districts = {d.district_id for d in deputies}
    shared = set(
        Deputy._base_manager.filter(district_id__in=districts)
        .values("district_id", "name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("district_id", "name")
    )
    return {
        d.pk: f"{d.name}（{d.station.name}）" if (d.district_id, d.name) in shared else d.name
        for d in deputies
    }


def export(suggestions) -> bytes:
    items = list(
        suggestions.select_related("handling_unit").prefetch_related("deputies__station", "supporting_units")
    )
    labels = _deputy_labels({d for s in items for d in s.deputies.all()})
    rows = []
    for s in items:
        rows.append([
            s.number, s.title, s.content, "、".join(labels[d.pk] for d in s.deputies.all()), s.handling_unit.name,
            "、".join(u.name for u in s.supporting_units.all()), s.assigned_on, "是" if s.complex_case else "否",
            s.reply_due, str(SuggestionState(s.state).label),
            str(ReplyClass(s.reply_class).label) if s.reply_class else "", s.replied_on,
            str(Satisfaction(s.satisfaction).label) if s.satisfaction else "", s.version,
        ])  # fmt: skip
    return excel.write_workbook([("代表建议", EXPORT_COLUMNS, rows)])


def template(actor=None, district: Unit | None = None) -> bytes:
    return SuggestionImporter(actor, district=district).template()


class SuggestionImporter(importing.Importer):
    title = "代表建议"
    noun = "代表建议"
    model = Suggestion
    columns = IMPORT_COLUMNS
    code_field = "number"
    code_column = CODE_COLUMN
    updatable = services.EDITABLE_FIELDS
    permission_column = HEADERS["handling_unit"]

    def _units(self):
        district = self.options.get("district")
        return Unit.objects.filter(district=district, is_active=True) if district else Unit.objects.none()

    def template_columns(self):
        names = sorted(u.name for u in self._units())
        return [
            excel.Column(**{**c.__dict__, "options": names}) if c.key == "handling_unit" and names else c
            for c in IMPORT_COLUMNS
        ]

    def queryset(self):
        qs = super().queryset()
        district = self.options.get("district")
        return qs.filter(district=district) if district is not None else qs

    def select(self, qs):
        return qs.select_related("handling_unit").prefetch_related("deputies", "supporting_units")

    def prepare(self):
        self.units = {u.name: u for u in self._units()}
        self.deputies = importing.NameLookup(
            Deputy.objects.filter(district=self.options.get("district")).select_related("station"),
            name=lambda d: d.name,
            qualifier=lambda d: d.station.name,
            what="代表",
            hint="姓名（联络站）",
        )

    def resolve(self, row):
        deputies, problems = [], []
        for label in importing.split_list(row["deputies"]):
            try:
                deputies.append(self.deputies.get(label))
            except LookupError as exc:
                problems.append(str(exc))
        for problem in problems:
            self.row_error(row["_row"], HEADERS["deputies"], problem)
        lead = self.units.get(row["handling_unit"])
        if lead is None:
            self.row_error(
                row["_row"], HEADERS["handling_unit"], f"本区没有名为“{row['handling_unit']}”的单位"
            )
        support = []
        for name in importing.split_list(row.get("supporting_units")):
            if name not in self.units:
                self.row_error(row["_row"], HEADERS["supporting_units"], f"本区没有名为“{name}”的单位")
            support.append(self.units.get(name))
        return {
            "title": row["title"], "content": row["content"], "deputies": deputies, "handling_unit": lead,
            "supporting_units": support, "assigned_on": row.get("assigned_on"),
            "complex_case": row.get("complex_case"),
        }  # fmt: skip

    def current(self, obj):
        return {
            "title": obj.title, "content": obj.content, "deputies": list(obj.deputies.all()),
            "handling_unit": obj.handling_unit, "supporting_units": list(obj.supporting_units.all()),
            "assigned_on": obj.assigned_on, "complex_case": obj.complex_case,
        }  # fmt: skip

    def is_closed(self, obj):
        return obj.state == SuggestionState.CLOSED

    def create(self, values):
        return services.assign_suggestion(
            self.actor, **{**values, "complex_case": bool(values["complex_case"])}
        )

    def update(self, obj, changes, *, expected_version):
        changes = dict(changes)
        return services.update_suggestion(
            self.actor, obj, expected_version=expected_version, deputies=changes.pop("deputies", None),
            supporting_units=changes.pop("supporting_units", None), **changes,
        )  # fmt: skip


def import_suggestions(actor, source, *, district: Unit, check_only: bool = False) -> importing.Preview:
    """交办 or update one suggestion per row in ``district``. Raises ``excel.ImportRefused`` with
    every error (and the preview); returns the preview."""
    return SuggestionImporter(actor, district=district).run(
        source, check_only=check_only, filename=getattr(source, "name", "")
    )
