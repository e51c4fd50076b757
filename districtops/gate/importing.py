"""One contract for every Excel import: template, check-only preview, match by code, diff, apply.

A module's importer is a small subclass of ``Importer`` that says which columns it reads
(``columns``), which of them an update may change (``updatable``), how a row's cells become
values (``resolve``: names → units, deputies …), what the stored object holds (``current``) and
which service creates or updates an object (``create`` / ``update``). The base does the rest,
the same way for every module:

* reads the sheet with ``core.excel.read_table`` (every bad cell reported by row and column);
* a row with an existing 编号 is matched to that object (only among objects the person may
  see); the row's values are compared with the stored ones field by field; a row without a
  编号 creates an object; a 编号 that is unknown, or given twice, is a row error;
* the 版本 column an export writes is compared with the stored version: a row exported before
  somebody else changed the object is refused (and ``update_object``'s version check refuses a
  change that lands between the preview and the write);
* a closed object (``is_closed``) is never reopened or edited by an import: a row that would
  change one is a row error; the state columns of an export are read-only and ignored;
* a field the importer may not change (``updatable``) that differs is a row error naming it;
* a blank drop-down cell keeps the stored value on an update (the create path supplies defaults);
* everything is applied inside one transaction through the module's services (version check →
  save → hash-chained audit → scope re-check per object, plus one ``import`` record naming the
  file's sha256); any error anywhere, or a check-only run, rolls the whole file back.

``run`` returns a ``Preview`` (what is created, changed — old → new per field — and left alone,
and the errors), which the import page and the API render; with errors it raises
``excel.ImportRefused`` carrying the preview.

Why not django-import-export: see docs/imports.md (it writes through ``Model.save`` and its own
diff, so the audited, version-checked, permission-re-checking service path would be bypassed).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from districtops.core import excel

from . import services as core_services

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTION_LABELS = {CREATE: "新增", UPDATE: "修改", UNCHANGED: "不变"}


@dataclass
class Change:
    column: str  # the Excel header
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"column": self.column, "old": self.old, "new": self.new}


@dataclass
class RowPlan:
    row: int
    action: str  # create, update, unchanged
    code: str = ""
    label: str = ""
    changes: list[Change] = field(default_factory=list)
    # for the apply step
    obj: models.Model | None = None
    values: dict = field(default_factory=dict)
    expected_version: int | None = None

    @property
    def action_label(self) -> str:
        return _(ACTION_LABELS[self.action])

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "code": self.code,
            "label": self.label,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass
class Preview:
    """What a file does (or did): rows created, changed field by field, left alone; errors."""

    title: str = ""
    check_only: bool = True
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[excel.CellError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sha256: str = ""
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self._count(CREATE)

    @property
    def updated(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def error_rows(self) -> int:
        """Rows with at least one error (a file-level error counts once)."""
        return len({e.row for e in self.errors}) if self.errors else 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "create": self.created,
            "update": self.updated,
            "unchanged": self.unchanged,
            "error": self.error_rows,
        }

    @property
    def total(self) -> int:
        """Rows that go in (created or changed) — what the old ``import_*`` functions returned."""
        return self.created + self.updated

    @property
    def changed_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action != UNCHANGED]

    def as_dict(self) -> dict:
        return {
            "check_only": self.check_only,
            "accepted": self.ok,
            "written": self.written,
            "counts": self.counts,
            "rows": [r.as_dict() for r in self.rows],
            "errors": [e.as_dict() for e in self.errors],
            "notes": list(self.notes),
            "sha256": self.sha256,
        }


class RowError(Exception):
    """Raised inside ``resolve`` for a cell the row cannot be used with."""

    def __init__(self, column: str, message: str):
        self.column, self.message = column, message
        super().__init__(message)


# --- values: comparing and showing -----------------------------------------------------------------


def _key(value):
    if isinstance(value, models.Model):
        return (type(value)._meta.label_lower, value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(_key(v) for v in value)
    if value == "":
        return None
    return value


def same(a, b) -> bool:
    """Equal as stored: "" and None are both empty, units compared by pk, lists as sets."""
    return _key(a) == _key(b)


def show(column: excel.Column, value) -> str:
    """A value the way the Excel column shows it (a choice by its label, a unit by its name)."""
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(sorted(show(column, v) for v in value))
    if column.kind == "choice":
        for stored, label in column.choices or ():
            if stored == value:
                return str(label)
    if column.kind == "bool":
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(getattr(value, "name", value))
    return str(value)


_SEPARATORS = re.compile(r"[、，,；;\n]+")


def split_list(text) -> list[str]:
    """A multi-valued cell: 、 ， , ； ; or a line break between the names (not a space, so a name
    that carries one survives)."""
    if not text:
        return []
    return [part.strip() for part in _SEPARATORS.split(str(text)) if part.strip()]


_QUALIFIED = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")


class NameLookup:
    """Find an object by the label an export wrote: its name, or 名称（限定）when two share the
    name. The whole label is tried as a name first, so a name that itself carries full-width
    parentheses (刘代表（示例）) is found as written; only then is the last parenthesised part
    read as the qualifier (刘代表（示例）（金水站） → 刘代表（示例） at 金水站). Both sides are folded
    (full-width → half-width), so （） and () match each other."""

    def __init__(self, items, name: Callable, qualifier: Callable, what: str, hint: str = "名称（限定）"):
        self.hint = hint
        self.by_name: dict[str, list] = {}
        self.by_pair: dict[tuple[str, str], object] = {}
        self.what = what
        for item in items:
            n, q = excel.fold(name(item)), excel.fold(qualifier(item))
            self.by_name.setdefault(n, []).append(item)
            self.by_pair[(n, q)] = item

    def get(self, label: str):
        """The object, or raises ``LookupError`` with a message for the person."""
        text = excel.fold(label)
        same_name = self.by_name.get(text, [])
        if len(same_name) == 1:
            return same_name[0]
        if same_name:
            raise LookupError(
                _("“%(label)s”有重名%(what)s，请写成 %(hint)s")
                % {"label": label, "what": self.what, "hint": self.hint}
            )
        match = _QUALIFIED.match(text)
        if match:
            found = self.by_pair.get((match.group(1), match.group(2).strip()))
            if found is not None:
                return found
        raise LookupError(_("没有“%(label)s”这位%(what)s") % {"label": label, "what": self.what})


# --- the importer ----------------------------------------------------------------------------------


class Importer:
    """Subclass per module; see the module docstring for what each hook does."""

    title: str = ""  # the sheet's title, e.g. 隐患
    noun: str = ""  # what one row is, e.g. 隐患
    model: type[models.Model]
    columns: Sequence[excel.Column] = ()
    code_field = "code"
    code_column = excel.Column(
        "code", "编号", width=22, help="已有编号：修改该条（以导出文件为底稿）；空：新增一条"
    )
    version_column = excel.Column(
        "version", "版本", kind="int", width=8, help="导出时的版本，请勿修改：据此发现导出后他人所做的修改"
    )
    updatable: frozenset[str] = frozenset()
    closed_message = "已办结，导入不能修改或重新打开"
    permission_column: str = ""  # the header a PermissionDenied is reported under
    # A 编号 matching no object the person may see is a row error — unless the module's codes
    # are the person's own (construction projects' 项目编号): then the row creates an object
    # carrying that code (``resolve`` gets ``row["code"]``; ``create`` must store it).
    new_codes_create: bool = False

    def __init__(self, actor, **options):
        self.actor = actor
        self.options = options
        self.headers = {c.key: c.header for c in self.columns}

    # --- hooks ----------------------------------------------------------------------------------
    def template_columns(self) -> list[excel.Column]:
        """The columns of the template (drop-down options filled in for the actor)."""
        return list(self.columns)

    def queryset(self):
        return self.model.objects.restrict(self.actor, "view") if self.actor else self.model._base_manager

    def prepare(self) -> None:
        """Load what ``resolve`` looks names up in (once per file)."""

    def resolve(self, row: dict) -> dict:
        """The row's values by column key (raise ``RowError``; or return with ``self.row_error``)."""
        raise NotImplementedError

    def current(self, obj) -> dict:
        """The stored values of ``obj`` under the same keys ``resolve`` returns."""
        return {key: getattr(obj, key) for key in self.headers}

    def is_closed(self, obj) -> bool:
        return False

    def create(self, values: dict):
        raise NotImplementedError

    def update(self, obj, changes: dict, *, expected_version: int | None):
        raise NotImplementedError

    def related_changes(self, r: int, obj, values: dict) -> tuple[dict, list[Change]] | None:
        """Changes to objects that belong to ``obj`` and come from elsewhere in the file (a
        project's nodes on the 节点 sheet), planned by ``resolve``: ``({key: value}`` handed on
        to ``update``, the preview's lines``)``, or None when they have errors. They make the row
        an update and fall under the closed rule like the row's own fields."""
        return {}, []

    def check_rows(self, preview: Preview) -> None:
        """After every row is planned, before anything is written: checks across rows or
        sheets (report with ``row_error``; any error rolls the file back)."""

    def create_all(self, plans: list[RowPlan]) -> list[int]:
        """Write the rows that create, inside the file's transaction; return the new pks.
        One ``create`` per row by default (each in a savepoint, its service errors reported
        on its row); a module loading thousands of rows may write them in bulk, provided each
        created object is validated (in ``resolve``), audited and scope re-checked."""
        created = []
        for plan in plans:
            try:
                with transaction.atomic():
                    obj = self.create(plan.values)
            except (ValidationError, PermissionDenied, core_services.ConflictError) as exc:
                self._service_errors(plan.row, exc)
                continue
            plan.code = str(getattr(obj, self.code_field, "") or "")
            created.append(obj.pk)
        return created

    def label(self, obj_or_values) -> str:
        if isinstance(obj_or_values, dict):
            return str(obj_or_values.get("title") or obj_or_values.get("name") or "")
        return str(getattr(obj_or_values, "title", "") or getattr(obj_or_values, "name", "") or obj_or_values)

    # --- files ----------------------------------------------------------------------------------
    def template(self) -> bytes:
        return excel.write_workbook([(self.title, self.template_columns(), [])], template=True)

    def read_columns(self) -> list[excel.Column]:
        return [self.code_column, *self.columns, self.version_column]

    # --- the run ----------------------------------------------------------------------------------
    def row_error(self, row: int, column: str, message: str, rule: str = "rule") -> None:
        self._errors.append(excel.CellError(row, column, message, rule=rule))

    def _service_errors(self, r: int, exc: Exception) -> None:
        if isinstance(exc, core_services.ConflictError):
            self.row_error(
                r,
                self.version_column.header,
                _("导入期间该%(noun)s已被他人修改（版本 %(old)s → %(new)s），请重新导出后再改")
                % {"noun": self.noun, "old": exc.expected, "new": exc.actual},
                "conflict",
            )
        elif isinstance(exc, PermissionDenied):
            message = str(exc) if exc.args and not str(exc).isascii() else _("无权导入该行")
            self.row_error(r, self.permission_column or self.code_column.header, message, "permission")
        elif isinstance(exc, ValidationError):
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    header = self.headers.get(name) or self.headers.get(name.removesuffix("_id"))
                    for message in messages:
                        self.row_error(r, header or self.code_column.header, message)
            else:
                for message in exc.messages:
                    self.row_error(r, self.code_column.header, message)
        else:  # pragma: no cover - programming error, let it surface
            raise exc

    def _diff(self, r: int, obj, values: dict) -> dict | None:
        stored = self.current(obj)
        changed = {}
        for key, value in values.items():
            if key not in stored:
                continue
            column = next((c for c in self.columns if c.key == key), None)
            if value in (None, "") and (
                (column is not None and column.kind == "choice") or key not in self.updatable
            ):
                continue  # a blank drop-down cell, or a blank cell an import may not change, keeps it
            if not same(stored[key], value):
                changed[key] = value
        related = self.related_changes(r, obj, values)
        if related is None:
            return None
        extra, extra_lines = related
        if not changed and not extra:
            return {}
        if self.is_closed(obj):
            names = "、".join([self.headers[k] for k in changed] + sorted({c.column for c in extra_lines}))
            self.row_error(
                r,
                self.code_column.header,
                _("%(code)s %(closed)s（本行改动了：%(columns)s）")
                % {"code": getattr(obj, self.code_field), "closed": _(self.closed_message), "columns": names},
                "closed",
            )
            return None
        locked = [k for k in changed if k not in self.updatable]
        for key in locked:
            column = next(c for c in self.columns if c.key == key)
            self.row_error(
                r,
                column.header,
                _("导入不能修改已有%(noun)s的「%(column)s」（现为“%(old)s”）")
                % {"noun": self.noun, "column": column.header, "old": show(column, stored[key])},
            )
        if locked:
            return None
        self._changes = [
            Change(
                self.headers[k],
                show(next(c for c in self.columns if c.key == k), stored[k]),
                show(next(c for c in self.columns if c.key == k), v),
            )
            for k, v in changed.items()
        ] + list(extra_lines)
        return {**changed, **extra}

    def run(self, source, *, check_only: bool = False, filename: str = "") -> Preview:
        """Check the whole file, then apply it in one transaction (rolled back when checking
        only or when any row is wrong). Raises ``excel.ImportRefused`` (with ``.preview``)."""
        data = source.read() if hasattr(source, "read") else bytes(source)
        if hasattr(source, "seek"):
            source.seek(0)
        preview = Preview(title=self.title, check_only=check_only, sha256=hashlib.sha256(data).hexdigest())
        self._errors = preview.errors
        table = excel.read_table(io.BytesIO(data), self.read_columns())
        if any(e.rule in {"file", "header", "size"} for e in table.errors):
            preview.errors.extend(table.errors)
            raise excel.ImportRefused(preview.errors, preview=preview)
        if not table.rows:
            self.row_error(table.header_row + 1, "文件", "没有数据行", "empty")
            raise excel.ImportRefused(preview.errors, preview=preview)
        preview.errors.extend(table.errors)
        unreadable = {e.row for e in table.errors}
        self.prepare()
        codes = {row["code"] for row in table.rows if row.get("code")}
        existing = {getattr(o, self.code_field): o for o in self.existing(codes)} if codes else {}
        seen: dict[str, int] = {}
        for row in table.rows:
            r = row["_row"]
            code = row.get("code") or ""
            obj = None
            if code:
                if code in seen:
                    self.row_error(
                        r, self.code_column.header, _("与第 %(row)d 行的编号重复") % {"row": seen[code]}
                    )
                    continue
                seen[code] = r
                obj = existing.get(code)
                if obj is None and not self.new_codes_create:
                    self.row_error(
                        r,
                        self.code_column.header,
                        _("没有编号为“%(code)s”的%(noun)s（或您无权查看）")
                        % {"code": code, "noun": self.noun},
                    )
                    continue
            if r in unreadable:
                continue
            before = len(preview.errors)
            try:
                values = self.resolve(row)
            except RowError as exc:
                self.row_error(r, exc.column, exc.message)
                continue
            if len(preview.errors) > before or values is None:
                continue
            if obj is None:
                preview.rows.append(RowPlan(r, CREATE, "", self.label(values), values=values))
                continue
            version = row.get("version")
            stored_version = getattr(obj, "version", None)
            if version is not None and stored_version is not None and version != stored_version:
                self.row_error(
                    r,
                    self.version_column.header,
                    _("该%(noun)s在导出后已被修改（导出时版本 %(old)d，现为 %(new)d），请重新导出后再改")
                    % {"noun": self.noun, "old": version, "new": stored_version},
                    "conflict",
                )
                continue
            self._changes = []
            changed = self._diff(r, obj, values)
            if changed is None:
                continue
            plan = RowPlan(
                r,
                UPDATE if changed else UNCHANGED,
                code,
                self.label(obj),
                changes=self._changes,
                obj=obj,
                values=changed,
                expected_version=version if version is not None else stored_version,
            )
            preview.rows.append(plan)
        self.check_rows(preview)
        with transaction.atomic():
            updated = []
            created = self.create_all([p for p in preview.rows if p.action == CREATE])
            for plan in preview.rows:
                if plan.action != UPDATE:
                    continue
                try:
                    with transaction.atomic():
                        self.update(plan.obj, plan.values, expected_version=plan.expected_version)
                        updated.append(plan.obj.pk)
                except (ValidationError, PermissionDenied, core_services.ConflictError) as exc:
                    self._service_errors(plan.row, exc)
            if preview.errors or check_only:
                transaction.set_rollback(True)
            else:
                core_services.record(
                    self.actor,
                    "import",
                    None,
                    object_type=self.model._meta.label_lower,
                    object_repr=filename or self.title,
                    message=_("Excel 导入%(noun)s：新增 %(c)d，修改 %(u)d，不变 %(n)d（sha256 %(sha)s…）")
                    % {
                        "noun": self.noun,
                        "c": len(created),
                        "u": len(updated),
                        "n": preview.unchanged,
                        "sha": preview.sha256[:16],
                    },
                    after={"created": created, "updated": updated, "sha256": preview.sha256},
                )
                preview.written = True
        if check_only:
            for plan in preview.rows:
                if plan.action == CREATE:
                    plan.code = ""  # a number drawn inside the rolled-back run means nothing
        preview.errors.sort(key=lambda e: e.row)
        if preview.errors:
            raise excel.ImportRefused(preview.errors, preview=preview)
        return preview

    def existing(self, codes):
        qs = self.queryset().filter(**{f"{self.code_field}__in": list(codes)})
        return self.select(qs)

    def select(self, qs):
        """select_related / prefetch_related for ``current`` (no N+1)."""
        return qs
