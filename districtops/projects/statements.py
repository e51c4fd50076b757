"""Bank and treasury statements (银行/国库对账单) reconciled against the funds ledger.

A statement sheet has one row per transaction: 交易日期, 凭证号, 金额（元）, 项目编号 and an
optional 摘要. Each row is compared with the project's 拨付 and 支出 ledger entries (reversed and
reversing entries left out):

* same 凭证号, same amount, dates at most ``DAYS`` apart → 已匹配;
* same 凭证号, another amount → 金额不符; same amount, dates further apart → 日期不符 (both values
  are listed);
* no entry with that 凭证号 → 未入账.

The file is taken all or nothing (docs/imports.md): a row matching two ledger entries, an
unknown project, a project the person may not write, a bad date or amount, a 凭证号 given twice,
or one reconciled earlier refuses the whole file with every row and column named. ``reconcile``
with ``check_only`` writes nothing; otherwise ``record_statement`` writes one immutable
``StatementLine`` per row (gate-checked like the ledger's own writes, audited) and one ``import``
record. The result also lists the 拨付/支出 entries of the file's projects and dates that no
statement row met (未到账).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from districtops.core import excel
from districtops.gate import permissions, services

from .models import ConstructionProject, FundEntry, FundEntryKind, StatementLine, StatementResult

DAYS = 3  # a bank books a transfer up to three days from the ledger's date
KINDS = (FundEntryKind.ALLOCATED, FundEntryKind.DISBURSED)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 14  # StatementLine.amount: 16 digits, 2 of them decimals

COLUMNS = [
    excel.Column(
        "date", "交易日期", required=True, kind="date", width=12, help="银行/国库记账日期，如 2021-03-15"
    ),
    excel.Column("reference", "凭证号", required=True, width=20, help="与资金台账的“文号/凭证号”一致"),
    excel.Column("amount", "金额（元）", required=True, kind="money", width=16, help="正数，单位元"),
    excel.Column("project", "项目编号", required=True, width=16, help="建设项目的项目编号"),
    excel.Column("summary", "摘要", width=30, help="可选"),
]
HEADERS = {c.key: c.header for c in COLUMNS}
TITLE = "对账单"


def may_reconcile(user) -> bool:
    """Whoever may write the ledger (``report``) of at least one construction project."""
    return ConstructionProject.objects.restrict(user, "report").exists()


def template() -> bytes:
    return excel.write_workbook(
        [(TITLE, COLUMNS, [])],
        template=True,
        instructions=[
            "银行/国库对账单导入模板：每行一笔到账或支付。",
            f"系统按 项目编号 + 凭证号 + 金额 + 交易日期（前后 {DAYS} 天内）与资金台账的拨付、支出记录核对。",
            "同一文件中凭证号不得重复；已对账的凭证号不能再次导入；任何一行有误则整个文件不导入。",
        ],
        example=[
            ["【示例】"],
            [c.header for c in COLUMNS],
            ["2021-03-15", "记-0042", "500000.00", "T-001", "区财政零余额账户拨付"],
        ],
    )


@dataclass
class Line:
    row: int
    project: ConstructionProject
    date: dt.date
    reference: str
    amount: Decimal
    summary: str = ""
    result: str = StatementResult.UNBOOKED
    entry: FundEntry | None = None

    @property
    def result_label(self) -> str:
        return str(StatementResult(self.result).label)

    def as_dict(self) -> dict:
        e = self.entry
        return {
            "row": self.row,
            "project": self.project.code,
            "project_name": self.project.name,
            "date": self.date.isoformat(),
            "reference": self.reference,
            "amount": f"{self.amount:.2f}",
            "summary": self.summary,
            "result": self.result,
            "result_label": self.result_label,
            "ledger": None
            if e is None
            else {
                "id": e.pk,
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "date": e.date.isoformat(),
                "amount": f"{e.amount:.2f}",
            },
        }


@dataclass
class Reconciliation:
    """What a statement file matched (or would match), row by row, and the ledger rows it missed."""

    file_name: str = ""
    sha256: str = ""
    check_only: bool = True
    lines: list[Line] = field(default_factory=list)
    errors: list[excel.CellError] = field(default_factory=list)
    unmatched: list[FundEntry] = field(default_factory=list)  # 未到账
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(StatementResult.values, 0)
        for line in self.lines:
            counts[line.result] += 1
        return counts

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        """(result, label, number) in the choices' order, for the page."""
        counts = self.counts
        return [(value, str(label), counts[value]) for value, label in StatementResult.choices]

    def as_dict(self) -> dict:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "check_only": self.check_only,
            "accepted": self.ok,
            "written": self.written,
            "counts": self.counts,
            "rows": [line.as_dict() for line in self.lines],
            "errors": [e.as_dict() for e in self.errors],
            "unmatched": [
                {
                    "id": e.pk,
                    "project": e.project.code,
                    "kind": e.kind,
                    "kind_label": str(e.get_kind_display()),
                    "date": e.date.isoformat(),
                    "amount": f"{e.amount:.2f}",
                    "reference": e.reference,
                }
                for e in self.unmatched
            ],
        }


def _usable_entries():
    """拨付/支出 rows that stand: neither a reversal nor reversed."""
    return FundEntry.objects.filter(kind__in=KINDS, reverses__isnull=True, reversed_by__isnull=True)


def reconcile(actor, source, *, check_only: bool = True, filename: str = "") -> Reconciliation:
    """Check a statement file against the ledger and, unless ``check_only``, record it. Raises
    ``excel.ImportRefused`` (``.preview`` = the Reconciliation) with every bad row; nothing is
    written then."""
    data = source.read() if hasattr(source, "read") else bytes(source)
    result = Reconciliation(
        file_name=(filename or "")[:200], sha256=hashlib.sha256(data).hexdigest(), check_only=check_only
    )
    errors = result.errors

    def refuse():
        errors.sort(key=lambda e: e.row)
        raise excel.ImportRefused(errors, preview=result)

    def error(row, key, message, rule="rule"):
        errors.append(excel.CellError(row, HEADERS.get(key, key), message, rule=rule))

    table = excel.read_table(io.BytesIO(data), COLUMNS)
    if any(e.rule in {"file", "header", "size"} for e in table.errors):
        errors.extend(table.errors)
        refuse()
    if not table.rows:
        error(table.header_row + 1, _("文件"), _("没有数据行"), "empty")
        refuse()
    canonical = {name: c.header for c in COLUMNS for name in c.names()}
    for e in table.errors:  # "交易日期*" as the template writes it → 交易日期
        e.column = canonical.get(excel.normalise_header(e.column), e.column)
    errors.extend(table.errors)
    unreadable = {e.row for e in table.errors}

    codes = {excel.fold_text(r.get("project")) for r in table.rows} - {""}
    visible: dict[str, list[ConstructionProject]] = {}
    for project in ConstructionProject.objects.restrict(actor, "view").filter(code__in=codes):
        visible.setdefault(project.code, []).append(project)
    writable = set(
        ConstructionProject.objects.restrict(actor, "report")
        .filter(code__in=codes)
        .values_list("pk", flat=True)
    )

    seen: dict[str, int] = {}
    for row in table.rows:
        r = row["_row"]
        before = len(errors)
        reference = excel.fold_text(row.get("reference"))
        code = excel.fold_text(row.get("project"))
        amount, day = row.get("amount"), row.get("date")
        if len(reference) > 80:
            error(r, "reference", _("凭证号最长 80 个字符（现为 %(n)d 个）") % {"n": len(reference)})
            continue
        if reference:
            if reference in seen:
                error(
                    r,
                    "reference",
                    _("凭证号“%(ref)s”与第 %(row)d 行重复") % {"ref": reference, "row": seen[reference]},
                )
                continue
            seen[reference] = r
        else:
            error(r, "reference", _("请填写凭证号"))
        if r in unreadable:
            continue
        if day is None:
            error(r, "date", _("请填写交易日期"))
        if amount is None:
            error(r, "amount", _("请填写金额"))
        elif amount <= 0:
            error(r, "amount", _("金额必须大于零（现为 %(amount)s）") % {"amount": f"{amount:.2f}"})
        elif amount >= MAX_AMOUNT or amount != amount.quantize(CENT):
            error(
                r,
                "amount",
                _("金额应为不超过 14 位整数、最多两位小数的元数（现为 %(amount)s）") % {"amount": amount},
            )
        project = None
        if not code:
            error(r, "project", _("请填写项目编号"))
        elif code not in visible:
            error(r, "project", _("没有编号为“%(code)s”的建设项目（或您无权查看）") % {"code": code})
        elif len(visible[code]) > 1:
            error(r, "project", _("编号“%(code)s”对应多个建设项目，无法确定") % {"code": code})
        elif visible[code][0].pk not in writable:
            error(r, "project", _("您无权为项目“%(code)s”登记对账") % {"code": code})
        else:
            project = visible[code][0]
        if project is None or not reference or day is None or amount is None or len(errors) > before:
            continue
        summary = excel.fold_text(row.get("summary"))[:200]
        result.lines.append(Line(r, project, day, reference, amount, summary))

    lines = result.lines
    projects = {line.project.pk for line in lines}
    refs = {line.reference for line in lines}
    done = {
        (pid, ref): at
        for pid, ref, at in StatementLine.objects.filter(
            project__in=projects, reference__in=refs
        ).values_list("project_id", "reference", "imported_at")
    }
    candidates: dict[tuple[int, str], list[FundEntry]] = {}
    for entry in _usable_entries().filter(project__in=projects, reference__in=refs).order_by("date", "id"):
        candidates.setdefault((entry.project_id, entry.reference), []).append(entry)
    for line in lines:
        key = (line.project.pk, line.reference)
        if key in done:
            error(
                line.row,
                "reference",
                _("凭证号“%(ref)s”已于 %(when)s 对账，不能重复导入")
                % {"ref": line.reference, "when": f"{done[key]:%Y-%m-%d}"},
            )
            continue
        found = candidates.get(key, [])
        exact = [e for e in found if e.amount == line.amount and abs((e.date - line.date).days) <= DAYS]
        if len(exact) > 1 or (not exact and len(found) > 1):
            shown = exact or found
            error(
                line.row,
                "reference",
                _("凭证号“%(ref)s”对应 %(n)d 笔台账记录（%(rows)s），无法确定对应哪一笔，请先核对台账")
                % {
                    "ref": line.reference,
                    "n": len(shown),
                    "rows": "；".join(
                        f"{e.get_kind_display()} {e.date:%Y-%m-%d} {e.amount:.2f} 元" for e in shown
                    ),
                },
            )
            continue
        if exact:
            line.result, line.entry = StatementResult.MATCHED, exact[0]
        elif found:
            entry = found[0]
            line.entry = entry
            line.result = StatementResult.AMOUNT if entry.amount != line.amount else StatementResult.DATE
    if errors:
        refuse()

    used = {line.entry.pk for line in lines if line.entry is not None}
    first, last = min(line.date for line in lines), max(line.date for line in lines)
    result.unmatched = list(
        _usable_entries()
        .filter(project__in=projects, date__range=(first, last), statement_lines__isnull=True)
        .exclude(pk__in=used)
        .select_related("project")
        .order_by("date", "id")
    )
    if not check_only:
        try:
            record_statement(actor, lines, file_name=result.file_name, sha256=result.sha256)
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                error(0, _("文件"), message)
            refuse()
        result.written = True
    return result


def record_statement(
    actor, lines: list[Line], *, file_name: str = "", sha256: str = ""
) -> list[StatementLine]:
    """Write the reconciled rows, all or none. The ledger's own write permission (``report``) is
    asked for each project of the file, each line is validated, the lines are inserted together,
    each gets its own ``create`` record in the hash chain (``record_many``: one chained record per
    line, as a loop of ``create_object`` would write), the person's scope is re-checked for all of
    them, and one ``import`` record names the file — in one transaction. A (project, 凭证号)
    reconciled by somebody else in the meantime refuses the whole file (the unique constraint)."""
    if actor is not None:
        for project in {line.project.pk: line.project for line in lines}.values():
            permissions.require(actor, "report", project)
    objs = []
    for line in lines:
        if line.entry is not None and line.entry.project_id != line.project.pk:
            raise ValidationError({"entry": "该台账记录不属于本项目。"})
        obj = StatementLine(
            project=line.project,
            date=line.date,
            reference=line.reference,
            amount=line.amount,
            summary=line.summary,
            entry=line.entry,
            result=line.result,
            file_name=file_name,
            sha256=sha256,
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        services.check_text_lengths(obj)
        # Field checks only: the foreign keys are the objects just read, the (project, 凭证号)
        # rule is checked by ``reconcile`` and held by the database constraint below.
        obj.full_clean(
            exclude=["project", "entry", "imported_by"], validate_unique=False, validate_constraints=False
        )
        objs.append(obj)
    try:
        with transaction.atomic():
            written = StatementLine.objects.bulk_create(objs, batch_size=1000)
            services.record_many(
                actor, [{"action": "create", "obj": o, "after": services.snapshot(o)} for o in written]
            )
            ids = [o.pk for o in written]
            if actor is not None:
                allowed = StatementLine.objects.restrict(actor, "report").filter(pk__in=ids).count()
                if allowed != len(ids):
                    raise PermissionDenied("对账单中有超出您数据权限范围的项目，已回滚。")
            services.record(
                actor,
                "import",
                None,
                object_type=StatementLine._meta.label_lower,
                object_repr=file_name or TITLE,
                message=_("导入对账单：%(n)d 行（sha256 %(sha)s…）")
                % {"n": len(written), "sha": sha256[:16]},
                after={"created": ids, "sha256": sha256},
            )
    except IntegrityError as exc:
        raise ValidationError(_("对账期间有凭证号已被他人对账，未导入任何数据，请重新检查。")) from exc
    return written
