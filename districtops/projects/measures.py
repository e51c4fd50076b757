"""Read-side computations: investment measures, node states, warnings.

Each function takes querysets already restricted by the gate and runs a fixed number
of queries whatever the number of projects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from . import pace
from .models import (
    ArchiveDocument,
    ArchiveRequirement,
    CapitalArrival,
    FundRecord,
    ProjectNode,
    Stage,
)

# --- investment ---------------------------------------------------------------------------------

REACHED = {
    Stage.SIGNED: [Stage.SIGNED, Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING],
    Stage.REGISTERED: [Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING],
    Stage.STARTED: [Stage.STARTED, Stage.PRODUCING],
    Stage.PRODUCING: [Stage.PRODUCING],
}


def performance(projects, today: dt.date) -> dict:
    """履约率: of the signed projects with a contracted registration or start date already due,
    the share that reached that stage by that date (a project due on both must meet both)."""
    due = projects.filter(Q(register_due__lte=today) | Q(start_due__lte=today)).exclude(
        stage=Stage.NEGOTIATING
    )
    rows = due.values_list("register_due", "registered_on", "start_due", "started_on")
    kept = total = 0
    for register_due, registered_on, start_due, started_on in rows:
        total += 1
        ok = True
        if register_due and register_due <= today:
            ok &= registered_on is not None and registered_on <= register_due
        if start_due and start_due <= today:
            ok &= started_on is not None and started_on <= start_due
        kept += ok
    return {"due": total, "kept": kept, "rate": pace.ratio(kept, total)}


def _group(projects, key: str, label_key: str) -> list[dict]:
    """Totals and conversion (share that registered, started, produces) per group."""
    rows = (
        projects.values(key, label_key)
        .annotate(
            count=Count("id"),
            contracted=Sum("contracted_amount"),
            registered=Count("id", filter=Q(stage__in=REACHED[Stage.REGISTERED])),
            started=Count("id", filter=Q(stage__in=REACHED[Stage.STARTED])),
            producing=Count("id", filter=Q(stage=Stage.PRODUCING)),
        )
        .order_by("-contracted")
    )
    arrived = dict(
        CapitalArrival.objects.filter(project__in=projects.values("pk"))
        .values_list(f"project__{key}")
        .annotate(total=Sum("amount"))
        .values_list(f"project__{key}", "total")
    )
    result = []
    for row in rows:
        row["label"] = row.pop(label_key) or _("（未关联）")
        row["arrived"] = arrived.get(row[key]) or Decimal(0)
        row["arrived_ratio"] = pace.ratio(row["arrived"], row["contracted"])
        row["conversion"] = pace.ratio(row["registered"], row["count"])
        result.append(row)
    return result


def investment_summary(projects, today: dt.date) -> dict:
    totals = projects.aggregate(
        count=Count("id"), contracted=Sum("contracted_amount"), planned=Sum("planned_investment")
    )
    arrived = CapitalArrival.objects.filter(project__in=projects.values("pk")).aggregate(t=Sum("amount"))["t"]
    by_stage = dict(projects.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    return {
        "count": totals["count"],
        "contracted": totals["contracted"] or Decimal(0),
        "planned": totals["planned"] or Decimal(0),
        "arrived": arrived or Decimal(0),
        "arrived_ratio": pace.ratio(arrived or 0, totals["contracted"]),
        "stages": [(s, label, by_stage.get(s, 0)) for s, label in Stage.choices],
        "performance": performance(projects, today),
        "by_sector": _group(projects, "sector_id", "sector__name"),
        "by_street": _group(projects, "lead_unit_id", "lead_unit__name"),
        "by_conference": _group(projects, "conference_id", "conference__name"),
    }


def stalled_projects(projects, today: dt.date):
    """No stage change for more than ``pace.stalled_days()`` days and not yet producing."""
    cutoff = today - dt.timedelta(days=pace.stalled_days())
    return projects.filter(stage_changed_on__lt=cutoff).exclude(stage=Stage.PRODUCING)


# --- construction --------------------------------------------------------------------------------


@dataclass
class ProjectFigures:
    progress: float = 0.0  # average node progress, done nodes count as 100
    approved: Decimal = Decimal(0)
    allocated: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    required: int = 0
    held: int = 0
    worst: str = pace.NodeState.PENDING

    @property
    def execution_rate(self) -> float | None:
        return pace.ratio(self.disbursed, self.allocated)

    @property
    def completeness(self) -> float | None:
        return pace.ratio(self.held, self.required)


STATE_RANK = [
    pace.NodeState.DONE,
    pace.NodeState.PENDING,
    pace.NodeState.ON_TRACK,
    pace.NodeState.AT_RISK,
    pace.NodeState.OVERDUE,
]


_DONE_AS_100 = Case(
    When(actual_end__isnull=False, then=Value(100)), default=F("progress"), output_field=IntegerField()
)


def project_figures(project_rows, today: dt.date) -> dict[int, ProjectFigures]:
    """Progress, worst node state, money and archive completeness for many projects, in four
    queries. ``project_rows``: (id, category_id) pairs."""
    category_of = dict(project_rows)
    ids = list(category_of)
    figures: dict[int, ProjectFigures] = {pid: ProjectFigures() for pid in ids}
    # Per project and node state: the node count, the progress sum (done = 100) — in SQL.
    rank = {s: i for i, s in enumerate(STATE_RANK)}
    progress_sum: dict[int, int] = defaultdict(int)
    node_count: dict[int, int] = defaultdict(int)
    for pid, state, n, total in (
        ProjectNode.objects.filter(project_id__in=ids)
        .values_list("project_id", pace.node_state_sql(today))
        .annotate(n=Count("id"), total=Sum(_DONE_AS_100))
        .order_by()
    ):
        fig = figures[pid]
        if not node_count[pid] or rank[state] > rank[fig.worst]:
            fig.worst = state
        node_count[pid] += n
        progress_sum[pid] += total
    for pid, n in node_count.items():
        figures[pid].progress = progress_sum[pid] / n
    for row in (
        FundRecord.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(a=Sum("approved"), al=Sum("allocated"), d=Sum("disbursed"))
    ):
        fig = figures[row["project_id"]]
        fig.approved, fig.allocated, fig.disbursed = row["a"], row["al"], row["d"]
    required = dict(
        ArchiveRequirement.objects.values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    held = dict(
        ArchiveDocument.objects.filter(project_id__in=ids)
        .exclude(requirement=None)
        .values_list("project_id")
        .annotate(n=Count("requirement_id", distinct=True))
        .values_list("project_id", "n")
    )
    for pid, fig in figures.items():
        fig.required = required.get(category_of[pid], 0)
        fig.held = held.get(pid, 0)
    return figures


@dataclass
class ProjectWarning:
    kind: str
    severity: str  # "red" | "yellow"
    project_id: int
    project_name: str
    lead_unit: str
    message: str
    node: str = ""
    url: str = ""

    @property
    def kind_label(self):
        return WARNING_KINDS[self.kind]


WARNING_KINDS = {
    "node_overdue": _("节点逾期"),
    "progress_behind": _("进度滞后"),
    "plan_slipped": _("计划多次后延"),
    "funds_lagging": _("资金拨付滞后"),
    "archives_incomplete": _("档案不全"),
    "investment_stalled": _("招商项目停滞"),
}


def construction_warnings(projects, today: dt.date) -> list[ProjectWarning]:
    """Node overdue, progress behind time, funds lagging, archives incomplete — for each project."""
    from django.urls import reverse

    heads = {p["id"]: p for p in projects.values("id", "name", "lead_unit__name", "category_id")}
    ids = list(heads)
    warnings: list[ProjectWarning] = []
    progress_sum = defaultdict(int)
    node_count = defaultdict(int)
    due_nodes = defaultdict(set)  # node names whose documents are due (done or past planned end)

    # One reverse() for all warnings: a district holds thousands of them.
    detail_url = reverse("projects:construction_detail", args=[0])

    def add(pid, kind, severity, message, node=""):
        head = heads[pid]
        warnings.append(
            ProjectWarning(
                kind,
                severity,
                pid,
                head["name"],
                head["lead_unit__name"],
                message,
                node,
                detail_url.replace("/0/", f"/{pid}/"),
            )
        )

    for (
        pid, name, start, end, actual_end, progress, state, far_behind, slips, first_end, slip_red,
    ) in ProjectNode.objects.filter(project_id__in=ids).values_list(
        "project_id",
        "name",
        "planned_start",
        "planned_end",
        "actual_end",
        "progress",
        pace.node_state_sql(today),
        pace.far_behind_sql(today),
        "plan_slips",
        "baseline_end",
        pace.slip_red_sql(),
    ):  # fmt: skip
        if slip_red:
            done = f"，实际 {actual_end} 完成" if actual_end else ""
            add(
                pid,
                "plan_slipped",
                "red",
                f"计划已后延 {slips} 次：首次基线 {first_end} 完成，现计划 {end}{done}",
                name,
            )
        progress_sum[pid] += 100 if actual_end else progress
        node_count[pid] += 1
        if actual_end or end < today:
            due_nodes[pid].add(name)
        if state == pace.NodeState.OVERDUE:
            add(
                pid,
                "node_overdue",
                "red",
                f"计划 {end} 完成，已逾期 {(today - end).days} 天（进度 {progress}%）",
                name,
            )
        elif state == pace.NodeState.AT_RISK:
            add(
                pid,
                "progress_behind",
                "red" if far_behind else "yellow",
                f"时间已过 {pace.elapsed_share(start, end, today):.0%}，进度仅 {progress}%",
                name,
            )
    margin = pace.fund_lag_points()
    for row in (
        FundRecord.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(a=Sum("approved"), d=Sum("disbursed"))
    ):
        pid = row["project_id"]
        if not node_count[pid]:
            continue
        progress = progress_sum[pid] / node_count[pid]
        lag = pace.funds_lag(progress, row["a"], row["d"], margin)
        if lag is not None:
            add(
                pid,
                "funds_lagging",
                "yellow",
                f"形象进度 {progress:.0f}%，资金支出仅占批复的 {progress - lag:.0f}%（落后 {lag:.0f} 个百分点）",
            )
    required = defaultdict(list)
    for category_id, node_name, req_id, req_name in ArchiveRequirement.objects.values_list(
        "category_id", "node_name", "id", "name"
    ):
        required[category_id].append((node_name, req_id, req_name))
    held = defaultdict(set)
    for pid, req_id in (
        ArchiveDocument.objects.filter(project_id__in=ids)
        .exclude(requirement=None)
        .values_list("project_id", "requirement_id")
    ):
        held[pid].add(req_id)
    for pid, head in heads.items():
        missing = [
            req_name
            for node_name, req_id, req_name in required[head["category_id"]]
            if node_name in due_nodes[pid] and req_id not in held[pid]
        ]
        if missing:
            add(pid, "archives_incomplete", "yellow", "缺少：" + "、".join(missing))
    return warnings


def warning_counts(projects, today: dt.date) -> dict[str, int]:
    """How many construction warnings of each kind ``construction_warnings`` would list, in a
    fixed number of queries and without building them (the home page's counters)."""
    ids = projects.values("pk")
    nodes = ProjectNode.objects.filter(project_id__in=ids)
    counts = {
        "node_overdue": nodes.filter(pace.node_state_q(pace.NodeState.OVERDUE, today)).count(),
        "progress_behind": nodes.filter(pace.node_state_q(pace.NodeState.AT_RISK, today)).count(),
        "plan_slipped": nodes.filter(pace.slip_red_q()).count(),
    }
    progress = {
        pid: (total, n)
        for pid, total, n in nodes.values("project_id")
        .annotate(total=Sum(_DONE_AS_100), n=Count("id"))
        .values_list("project_id", "total", "n")
        .order_by()
    }
    margin = pace.fund_lag_points()
    lagging = 0
    for pid, approved, disbursed in (
        FundRecord.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(a=Sum("approved"), d=Sum("disbursed"))
        .values_list("project_id", "a", "d")
        .order_by()
    ):
        if pid in progress:
            total, n = progress[pid]
            lagging += pace.funds_lag(total / n, approved, disbursed, margin) is not None
    counts["funds_lagging"] = lagging
    # A project lacks archives when a checklist item of its category belongs to a node that is
    # done or past its planned end and no document answers it.
    due_nodes = ProjectNode.objects.filter(project_id=OuterRef(OuterRef("pk"))).filter(
        Q(actual_end__isnull=False) | Q(planned_end__lt=today)
    )
    missing = ArchiveRequirement.objects.filter(
        category_id=OuterRef("category_id"), node_name__in=due_nodes.values("name")
    ).exclude(
        Exists(
            ArchiveDocument.objects.filter(project_id=OuterRef(OuterRef("pk")), requirement_id=OuterRef("pk"))
        )
    )
    counts["archives_incomplete"] = projects.filter(Exists(missing)).count()
    return counts


def investment_warnings(projects, today: dt.date) -> list[ProjectWarning]:
    from django.urls import reverse

    return [
        ProjectWarning(
            "investment_stalled",
            "yellow",
            p["id"],
            p["name"],
            p["lead_unit__name"],
            f"停留在“{Stage(p['stage']).label}”已 {(today - p['stage_changed_on']).days} 天",
            url=reverse("projects:investment_detail", args=[p["id"]]),
        )
        for p in stalled_projects(projects, today).values(
            "id", "name", "lead_unit__name", "stage", "stage_changed_on"
        )
    ]


def archive_checklist(project) -> list[dict]:
    """The category's checklist with the documents held against each item."""
    docs = defaultdict(list)
    for doc in project.documents.exclude(requirement=None):
        docs[doc.requirement_id].append(doc)
    return [
        {"requirement": r, "documents": docs.get(r.pk, [])}
        for r in ArchiveRequirement.objects.filter(category_id=project.category_id)
    ]
