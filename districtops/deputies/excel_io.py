"""Deputies' suggestions in and out of Excel: filtered export, import template, check-only import.

The export carries every template column under the same headers (plus the number, reply and
evaluation the handling sets), so an exported file can be imported again. An import is all
or nothing: every row is checked and any error anywhere means nothing is written. Deputies are
named as 姓名, or 姓名（联络站） where two deputies of the district share a name.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count

from districtops.core import excel
from districtops.org.models import Unit
from districtops.supervision.excel_io import _split

from . import services
from .models import Deputy, ReplyClass, Satisfaction, SuggestionState

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

EXPORT_COLUMNS = [
    excel.Column("number", "建议编号", width=20),
    *IMPORT_COLUMNS,
    excel.Column("reply_due", "答复期限", kind="date"),
    excel.Column("state", "状态", width=18),
    excel.Column("reply_class", "答复类别", width=18),
    excel.Column("replied_on", "答复日期", kind="date"),
    excel.Column("satisfaction", "代表满意度"),
]

_WITH_STATION = re.compile(r"^(.+?)[（(](.+)[)）]$")


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
            str(Satisfaction(s.satisfaction).label) if s.satisfaction else "",
        ])  # fmt: skip
    return excel.write_workbook([("代表建议", EXPORT_COLUMNS, rows)])


def template() -> bytes:
    return excel.write_workbook([("代表建议", IMPORT_COLUMNS, [])], template=True)


def _resolve_deputies(text, by_name, by_name_station):
    found, problems = [], []
    for label in _split(text):
        match = _WITH_STATION.match(label)
        if match:
            deputy = by_name_station.get((match.group(1).strip(), match.group(2).strip()))
            if deputy is None:
                problems.append(f"没有“{label}”这位代表")
            else:
                found.append(deputy)
            continue
        same = by_name.get(label, [])
        if len(same) == 1:
            found.append(same[0])
        elif same:
            problems.append(f"“{label}”有重名代表，请写成 姓名（联络站）")
        else:
            problems.append(f"本区没有名为“{label}”的代表")
    return found, problems


def import_suggestions(actor, source, *, district: Unit, check_only: bool = False) -> int:
    """交办 one suggestion per row in ``district``. Raises ``excel.ImportRefused`` with every
    error; returns the number of rows (created, or that would be created with ``check_only``)."""
    table = excel.read_table(source, IMPORT_COLUMNS)
    if any(e.rule in {"file", "header", "size"} for e in table.errors):
        raise excel.ImportRefused(table.errors)
    if not table.rows:
        raise excel.ImportRefused([excel.CellError(table.header_row + 1, "文件", "没有数据行", rule="empty")])
    unreadable = {e.row for e in table.errors}
    units = {u.name: u for u in Unit.objects.filter(district=district, is_active=True)}
    by_name: dict[str, list[Deputy]] = {}
    by_name_station: dict[tuple[str, str], Deputy] = {}
    for deputy in Deputy.objects.filter(district=district).select_related("station"):
        by_name.setdefault(deputy.name, []).append(deputy)
        by_name_station[(deputy.name, deputy.station.name)] = deputy
    errors: list[excel.CellError] = list(table.errors)
    with transaction.atomic():
        for row in table.rows:
            r = row["_row"]
            if r in unreadable:
                continue
            bad = False
            deputies, problems = _resolve_deputies(row["deputies"], by_name, by_name_station)
            for problem in problems:
                errors.append(excel.CellError(r, HEADERS["deputies"], problem))
                bad = True
            lead = units.get(row["handling_unit"])
            if lead is None:
                errors.append(
                    excel.CellError(
                        r, HEADERS["handling_unit"], f"本区没有名为“{row['handling_unit']}”的单位"
                    )
                )
                bad = True
            support = []
            for name in _split(row.get("supporting_units")):
                if name not in units:
                    errors.append(
                        excel.CellError(r, HEADERS["supporting_units"], f"本区没有名为“{name}”的单位")
                    )
                    bad = True
                support.append(units.get(name))
            if bad:
                continue
            try:
                with transaction.atomic():
                    services.assign_suggestion(
                        actor, title=row["title"], content=row["content"], deputies=deputies, handling_unit=lead,
                        supporting_units=support, assigned_on=row.get("assigned_on"),
                        complex_case=bool(row.get("complex_case")),
                    )  # fmt: skip
            except PermissionDenied:
                errors.append(excel.CellError(r, HEADERS["handling_unit"], "无权向该单位交办代表建议"))
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        errors.append(excel.CellError(r, HEADERS.get(field, HEADERS["title"]), message))
        if errors:
            raise excel.ImportRefused(sorted(errors, key=lambda e: e.row))
        if check_only:
            transaction.set_rollback(True)
    return len(table.rows)
