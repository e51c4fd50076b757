"""The leaders' cockpit: one summary of a district, used by the page, the API and the briefing.

``district_summary(user, district, period)`` returns a JSON-able dict of sections; each
section is a list of figures (label, value, the text shown, a light, the URL of the list
behind it) and tables. The page, the big screen, ``/api/v1/cockpit/{code}``, the monthly
briefing and the weekly subscription all render this one dict, so they cannot disagree.

Each section comes from a small function ``(ctx) -> dict | None`` listed in ``SECTIONS``.
They read the modules' models through the permission gate (``restrict(user, "view")``)
with a fixed number of queries each, whatever the size of the district.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode

from districtops.core import clock, permissions
from districtops.org.models import Membership, Unit, UnitKind
from districtops.org.roles import OVERSIGHT_ROLES

CACHE_SECONDS = 60
LIGHTS = ("green", "yellow", "red", "grey")


@dataclass(frozen=True)
class Month:
    """A reporting month, written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            dt.date(year, month, 1)
        except (ValueError, AttributeError) as exc:
            raise ValueError(f"报告期“{text}”格式有误，应为 YYYY-MM，例如 2021-02") from exc
        return cls(year, month)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Context:
    """What every section function gets: who asks, about which district, for which month."""

    user: object
    district: Unit
    period: Month
    today: dt.date


def number_text(value, digits: int = 0) -> str:
    """The one formatting of a figure, shared by the page, the API and the briefing."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}"


def figure(key, label, value, *, unit="", digits=0, url="", light="", note="") -> dict:
    return {
        "key": key,
        "label": str(label),
        "value": None if value is None else float(value) if digits else int(value),
        "text": number_text(value, digits),
        "unit": unit,
        "url": url,
        "light": light,
        "note": str(note),
    }


def table(key, title, headers, rows) -> dict:
    """A table: ``rows`` are lists of cells, each cell ``{"text", "url"}`` or plain text."""
    cells = [[c if isinstance(c, dict) else {"text": str(c), "url": ""} for c in row] for row in rows]
    return {"key": key, "title": str(title), "headers": [str(h) for h in headers], "rows": cells}


def link(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# --- who may see which district -------------------------------------------------------


def districts_for(user):
    """Districts whose cockpit the person may open: where they hold leadership or supervision."""
    districts = permissions.scope_of(user).districts_with(OVERSIGHT_ROLES)
    qs = Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True).order_by("sort_order", "division_code")
    if districts == permissions.ALL:
        return qs
    return qs.filter(pk__in=districts)


def resolve_district(user, code: str) -> Unit:
    """The district with that division code if the person may see its cockpit, else 404."""
    district = districts_for(user).filter(division_code=code).first()
    if district is None:
        raise Http404("no such district in your scope")
    return district


def default_district(user) -> Unit | None:
    return districts_for(user).first()


# --- sections -------------------------------------------------------------------------


def organisation_section(ctx: Context) -> dict:
    """The district's units and people: the frame every other figure hangs on."""
    units = Unit.objects.restrict(ctx.user, "view").filter(district=ctx.district, is_active=True)
    counts = units.aggregate(
        streets=Count("pk", filter=Q(kind=UnitKind.SUBDISTRICT)),
        departments=Count("pk", filter=Q(kind=UnitKind.DEPARTMENT)),
        command_posts=Count("pk", filter=Q(kind=UnitKind.COMMAND_POST)),
    )
    people = (
        Membership.objects.restrict(ctx.user, "view")
        .filter(unit__district=ctx.district, user__is_active=True)
        .values("user_id")
        .distinct()
        .count()
    )
    code = ctx.district.division_code
    return {
        "key": "organisation",
        "title": "组织机构",
        "figures": [
            figure(
                "streets",
                "街道/乡镇",
                counts["streets"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.SUBDISTRICT, q=code),
            ),
            figure(
                "departments",
                "区直部门",
                counts["departments"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.DEPARTMENT),
            ),
            figure(
                "command_posts",
                "指挥部",
                counts["command_posts"],
                unit="个",
                url=link("org:unit_tree", kind=UnitKind.COMMAND_POST),
            ),
            figure("people", "在岗人员", people, unit="人", url=link("org:unit_detail", ctx.district.pk)),
        ],
        "tables": [],
    }


SECTIONS = [organisation_section]


def district_summary(user, district: Unit, period: Month | None = None) -> dict:
    """Every figure of the cockpit for ``district`` (checked with ``resolve_district`` by callers).

    ``period`` is the reporting month for flows (closed this month, the economy's
    cumulative month); states (open, overdue) are as of today. Default: this month.
    """
    today = clock.today()
    ctx = Context(user=user, district=district, period=period or Month.of(today), today=today)
    sections = [s for s in (fn(ctx) for fn in SECTIONS) if s]
    return {
        "district": {"id": district.pk, "code": district.division_code, "name": district.name},
        "period": str(ctx.period),
        "period_label": ctx.period.label,
        "today": today.isoformat(),
        "pinned": clock.is_pinned(),
        "as_of": clock.now().isoformat(timespec="seconds"),
        "sections": sections,
        "warnings": [w for s in sections for w in s.get("warnings", [])],
    }


def cached_summary(user, district: Unit, period: Month | None = None) -> dict:
    """The summary, reused for ``CACHE_SECONDS`` per person (its "as of" says when it was computed).

    Keyed by the person because the figures are what *their* scope lets them see.
    """
    key = f"cockpit:{user.pk}:{district.pk}:{period or ''}:{clock.today()}"
    summary = cache.get(key)
    if summary is None:
        summary = district_summary(user, district, period)
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def all_figures(summary: dict) -> list[dict]:
    return [f for section in summary["sections"] for f in section["figures"]]
