"""The projects lists' filters: one definition each (``gate.listing``), shared by the list page,
its export, the summary, the battle map, the funds page, the warnings and the API.

``district`` (a district unit's id) is how the cockpit links to a district's projects; like every
filter it only narrows what the gate already lets the person see. ``street`` is the lead unit.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import FilterLookup
from pydantic import Field

from districtops.core import clock
from districtops.gate.api_utils import Id, Month, one_of
from districtops.gate.listing import ListFilters

from . import measures, pace
from .models import (
    ConstructionProject,
    FundEntryKind,
    FundSource,
    InvestmentProject,
    ProjectNode,
    SigningMode,
    Stage,
)

NodeStateFilter = one_of(measures.STATE_RANK)


class InvestmentFilters(ListFilters):
    """Investment projects by conference, sector, street, stage, signing mode, text, stalled."""

    model = InvestmentProject
    labels = {
        "q": _l("搜索"), "district": _l("区"), "conference": _l("推介会"), "sector": _l("领域"),
        "street": _l("街道/单位"), "stage": _l("阶段"), "signing_mode": _l("签约方式"), "stalled": _l("停滞"),
    }  # fmt: skip
    chips = ("district",)

    q: Annotated[str | None, FilterLookup(["name__icontains", "investor_name__icontains"])] = Field(
        None, description="项目名称或投资方（部分）"
    )
    district: Annotated[Id | None, FilterLookup("district_id")] = None
    conference: Annotated[Id | None, FilterLookup("conference_id")] = None
    sector: Annotated[Id | None, FilterLookup("sector_id")] = None
    street: Annotated[Id | None, FilterLookup("lead_unit_id")] = None
    stage: Annotated[Stage | None, FilterLookup("stage")] = None
    signing_mode: Annotated[SigningMode | None, FilterLookup("signing_mode")] = None
    stalled: bool = Field(False, description="仅停滞（阶段超过设定天数未推进，已投产除外）")

    def filter_stalled(self, value) -> Q:
        cutoff = clock.today() - dt.timedelta(days=pace.stalled_days())
        return Q(stage_changed_on__lt=cutoff) & ~Q(stage=Stage.PRODUCING)

    def chip_district(self, value, user):
        return self.unit_chip(_("区"), value, user)


class ConstructionFilters(ListFilters):
    """Construction projects; ``state`` is the worst state among the project's nodes."""

    model = ConstructionProject
    labels = {
        "q": _l("搜索"), "district": _l("区"), "category": _l("类别"), "street": _l("街道/单位"),
        "command_post": _l("指挥部"), "leader": _l("分管领导"), "showcase": _l("观摩分组"), "state": _l("状态"),
    }  # fmt: skip
    choices = {"state": pace.NODE_STATE_LABELS}
    chips = ("district",)

    q: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains", "location__icontains"])] = (
        Field(None, description="项目名称、编号或地点（部分）")
    )
    district: Annotated[Id | None, FilterLookup("district_id")] = None
    category: Annotated[Id | None, FilterLookup("category_id")] = None
    street: Annotated[Id | None, FilterLookup("lead_unit_id")] = None
    command_post: Annotated[Id | None, FilterLookup("command_post_id")] = None
    leader: Annotated[str | None, FilterLookup("responsible_leader")] = Field(None, description="分管领导")
    showcase: Annotated[str | None, FilterLookup("showcase_group")] = Field(None, description="观摩分组")
    state: NodeStateFilter | None = Field(None, description="项目最差节点的状态")

    def filter_state(self, value) -> Q:
        """Projects whose worst node (overdue > at risk > on track > not started > done) is
        ``state``, in SQL over the nodes' stored pace dates."""
        today = clock.today()
        worse = measures.STATE_RANK[measures.STATE_RANK.index(value) + 1 :]
        q = Q(_nodes_in(value, today))
        for other in worse:
            q &= ~Q(_nodes_in(other, today))
        return q

    def projects(self, user):
        """The battle map's projects: ``state`` there selects nodes, not projects."""
        return self.model_copy(update={"state": None}).rows(user)

    def chip_district(self, value, user):
        return self.unit_chip(_("区"), value, user)


class WarningFilters(ConstructionFilters):
    """The warnings page: the construction list's filters, ``mine`` (projects led by one of the
    person's units — a street, department or command post) and ``kind``."""

    labels = {**ConstructionFilters.labels, "mine": _l("我的单位"), "kind": _l("预警类型")}
    choices = {**ConstructionFilters.choices, "kind": measures.WARNING_KINDS}

    mine: bool = Field(False, description="仅本人所在单位牵头的项目")
    kind: one_of(measures.WARNING_KINDS) | None = Field(None, description="预警类型")

    def filter_mine(self, value) -> Q:
        return Q()  # applied by panels.warnings_for, over both kinds of project

    def filter_kind(self, value) -> Q:
        return Q()  # a warning's kind, not a project's: panels.warnings_for


def _nodes_in(state: str, today: dt.date):
    return Exists(
        ProjectNode.objects.filter(project_id=OuterRef("pk")).filter(pace.node_state_q(state, today))
    )


class FundsFilters(ConstructionFilters):
    """The funds page and its ledger rows: the construction list's filters choose the projects;
    ``source``, ``kind``, ``month`` and ``project`` choose ledger rows (``funds.entries``), ``gap``
    is the lag tolerance in percentage points (absent: the settings screen's)."""

    labels = {
        **ConstructionFilters.labels, "source": _l("资金来源"), "kind": _l("环节"), "month": _l("月份"),
        "project": _l("项目"), "gap": _l("滞后容差"),
    }  # fmt: skip

    source: FundSource | None = Field(None, description="资金来源")
    kind: FundEntryKind | None = Field(None, description="环节（申请、批复、拨付、支出、审计）")
    month: Month | None = Field(None, description="台账月份 YYYY-MM")
    project: Id | None = Field(None, description="项目 id")
    gap: int | None = Field(None, ge=0, le=100, description="滞后容差（百分点），默认取设置")

    # Ledger filters, not project filters: funds.entries reads them.
    def filter_source(self, value) -> Q:
        return Q()

    def filter_kind(self, value) -> Q:
        return Q()

    def filter_month(self, value) -> Q:
        return Q()

    def filter_project(self, value) -> Q:
        return Q()

    def filter_gap(self, value) -> Q:
        return Q()

    def project_query(self) -> dict[str, str]:
        """The construction filters alone (the funds page's links to its ledger rows add their own)."""
        return {k: v for k, v in self.query().items() if k in ConstructionFilters.model_fields}
