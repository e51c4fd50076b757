"""The funds page across projects (资金总览, for the finance bureau): the ledger's totals by source,
by street and by month — 申请 / 批复 / 拨付 / 支出 / 审计 and the execution rate (支出 ÷ 拨付) — and
the projects whose disbursement lags their physical progress. Every figure is a sum of
``FundEntry`` rows a link opens (``entries``); amounts are yuan (元) here, shown in 万元.

Each function takes construction projects already restricted by the gate and filtered by
``filters.FundsFilters`` (the construction list's filters plus the ledger's), and runs a fixed
number of queries.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from districtops.core.excel import Column, write_workbook
from districtops.core.params import month_param

from . import filters, pace
from .measures import _DONE_AS_100
from .models import FundEntry, FundRecord, FundSource, ProjectNode

STEPS = ("applied", "approved", "allocated", "disbursed", "audited")
ZERO = Decimal(0)
LAGGING_SHOWN = 500


def gap_of(chosen: filters.FundsFilters) -> int:
    """The lag tolerance in percentage points: ``?gap=`` (0–100) or the settings screen's
    资金拨付滞后容差 (ProjectSettings.fund_lag_points)."""
    return chosen.gap if chosen.gap is not None else pace.fund_lag_points()


def entries(projects, chosen: filters.FundsFilters):
    """The ledger rows of ``projects`` narrowed by source, kind, month (YYYY-MM) and project."""
    rows = FundEntry.objects.filter(project__in=projects.values("pk"))
    if chosen.source:
        rows = rows.filter(source=chosen.source)
    if chosen.kind:
        rows = rows.filter(kind=chosen.kind)
    month = month_param({"month": chosen.month}, "month")
    if month is not None:
        rows = rows.filter(date__range=month)
    if chosen.project is not None:
        rows = rows.filter(project_id=chosen.project)
    return rows


def _sums():
    return {step: Sum("amount", filter=Q(kind=step)) for step in STEPS}


def _figures(row: dict) -> dict:
    for step in STEPS:
        row[step] = row.get(step) or ZERO
    row["rate"] = pace.ratio(row["disbursed"], row["allocated"])
    return row


def summary(projects, chosen: filters.FundsFilters) -> dict:
    """Totals, and totals by source, by street (the project's lead unit) and by month: four queries."""
    rows = entries(projects, chosen)
    totals = _figures(rows.aggregate(**_sums()))
    by_source = {r["source"]: _figures(r) for r in rows.values("source").annotate(**_sums()).order_by()}
    sources = [
        {**by_source[value], "label": str(label)} for value, label in FundSource.choices if value in by_source
    ]
    streets = [
        _figures({**r, "id": r.pop("project__lead_unit_id"), "label": r.pop("project__lead_unit__name")})
        for r in rows.values("project__lead_unit_id", "project__lead_unit__name")
        .annotate(**_sums())
        .order_by("project__lead_unit__sort_order", "project__lead_unit__name")
    ]
    # Summed by day in SQL and folded into months here: a month truncation is a Python function
    # per row on SQLite (104 ms of the page's 143 ms of SQL over 管城's 25,000 ledger rows at city
    # scale), a plain GROUP BY on the date column is not; there are a few hundred days at most.
    by_month: dict[str, dict] = {}
    for r in rows.values("date").annotate(**_sums()).order_by("date"):
        key = f"{r['date']:%Y-%m}"
        month = by_month.setdefault(key, {"label": key, "key": key, **{step: ZERO for step in STEPS}})
        for step in STEPS:
            month[step] += r[step] or ZERO
    months = [_figures(m) for m in by_month.values()]
    return {"totals": totals, "by_source": sources, "by_street": streets, "by_month": months}


def lagging(projects, gap: int) -> list[dict]:
    """Projects whose disbursement (支出 ÷ 拨付) trails their physical progress (mean node progress,
    a finished node counting 100) by more than ``gap`` points; three queries. A project with
    nothing allocated has no ratio and is not listed."""
    money = {
        pid: (allocated, disbursed)
        for pid, allocated, disbursed in FundRecord.objects.filter(project__in=projects.values("pk"))
        .values("project_id")
        .annotate(al=Sum("allocated"), d=Sum("disbursed"))
        .values_list("project_id", "al", "d")
        .order_by()
        if allocated
    }
    if not money:
        return []
    progress = {
        pid: total / n
        for pid, total, n in ProjectNode.objects.filter(project__in=projects.values("pk"))
        .values("project_id")
        .annotate(total=Sum(_DONE_AS_100), n=Count("id"))
        .values_list("project_id", "total", "n")
        .order_by()
    }
    found = []
    for pid, (allocated, disbursed) in money.items():
        if pid not in progress:
            continue
        spent = float(disbursed) / float(allocated) * 100
        lag = progress[pid] - spent
        if lag > gap:
            found.append((pid, progress[pid], spent, lag, allocated, disbursed))
    found.sort(key=lambda r: -r[3])
    heads = {
        p["id"]: p
        for p in projects.filter(pk__in=[r[0] for r in found[:LAGGING_SHOWN]]).values(
            "id", "code", "name", "lead_unit__name", "lead_unit_id"
        )
    }
    return [
        {
            **heads[pid],
            "progress": progress_pct,
            "spent": spent,
            "lag": lag,
            "allocated": allocated,
            "disbursed": disbursed,
        }
        for pid, progress_pct, spent, lag, allocated, disbursed in found[:LAGGING_SHOWN]
        if pid in heads
    ]


def _pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


AMOUNT_COLUMNS = [
    Column("applied", "申请（元）", kind="money", width=18),
    Column("approved", "批复（元）", kind="money", width=18),
    Column("allocated", "拨付（元）", kind="money", width=18),
    Column("disbursed", "支出（元）", kind="money", width=18),
    Column("audited", "审计（元）", kind="money", width=18),
    Column("rate", "执行率（%，支出÷拨付）", kind="decimal", width=14),
]


def export(data: dict, lag_rows: list[dict], gap: int) -> bytes:
    """The page as a workbook, in exact yuan (number format #,##0.00)."""

    def table(first: Column, groups):
        return [first, *AMOUNT_COLUMNS], [
            [g["label"], *(g[s] for s in STEPS), _pct(g["rate"])] for g in groups
        ]

    totals = {**data["totals"], "label": "合计"}
    sheets = [
        ("按资金来源", *table(Column("label", "资金来源", width=12), [*data["by_source"], totals])),
        ("按街道", *table(Column("label", "牵头街道", width=20), [*data["by_street"], totals])),
        ("按月份", *table(Column("label", "月份", width=10), [*data["by_month"], totals])),
        (
            "拨付滞后",
            [
                Column("code", "项目编号", width=16),
                Column("name", "项目名称", width=30),
                Column("street", "牵头街道", width=16),
                Column("progress", "形象进度（%）", kind="decimal", width=12),
                Column("spent", "支出÷拨付（%）", kind="decimal", width=12),
                Column("lag", f"落后（百分点，容差 {gap}）", kind="decimal", width=14),
                Column("allocated", "拨付（元）", kind="money", width=18),
                Column("disbursed", "支出（元）", kind="money", width=18),
            ],
            [
                [
                    r["code"],
                    r["name"],
                    r["lead_unit__name"],
                    round(r["progress"], 1),
                    round(r["spent"], 1),
                    round(r["lag"], 1),
                    r["allocated"],
                    r["disbursed"],
                ]
                for r in lag_rows
            ],  # fmt: skip
        ),
    ]
    return write_workbook(sheets)


ENTRY_COLUMNS = [
    Column("date", "日期", kind="date", width=12),
    Column("project", "项目", width=30),
    Column("street", "牵头街道", width=16),
    Column("source", "资金来源", width=10),
    Column("kind", "类型", width=8),
    Column("amount", "金额（元）", kind="money", width=18),
    Column("reference", "文号/凭证号", width=20),
    Column("counterparty", "拨付账户/收款单位", width=20),
    Column("note", "说明", width=30),
]


def entry_rows(queryset):
    return queryset.select_related("project__lead_unit").order_by("date", "id")


def export_entries(rows) -> bytes:
    def note(e):
        return " ".join(
            filter(None, ["期初结转" if e.is_opening else "", "冲销" if e.reverses_id else "", e.opinion])
        )

    return write_workbook(
        [
            (
                "资金台账明细",
                ENTRY_COLUMNS,
                (
                    [
                        e.date,
                        e.project.name,
                        e.project.lead_unit.name,
                        e.get_source_display(),
                        e.get_kind_display(),
                        e.amount,
                        e.reference,
                        e.counterparty,
                        note(e),
                    ]
                    for e in rows
                ),  # fmt: skip
            )
        ]
    )


def month_label(chosen: filters.FundsFilters) -> str:
    return chosen.month or ""
