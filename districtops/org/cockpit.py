"""What the organisation module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): the district's units and people, and its streets (the rows of the streets
comparison). Each function takes the cockpit's context (``cockpit.figures.Context``) and reads
through the gate with one or two queries.
"""

from __future__ import annotations

from django.db.models import Count, Q

from districtops.cockpit.figures import count_figure, link

from .models import Membership, Unit, UnitKind


def section(ctx) -> dict:
    """The district's units and people: the frame every other figure hangs on."""
    units = ctx.visible(Unit).filter(district=ctx.district, is_active=True)
    counts = units.aggregate(
        streets=Count("pk", filter=Q(kind=UnitKind.SUBDISTRICT)),
        departments=Count("pk", filter=Q(kind=UnitKind.DEPARTMENT)),
        command_posts=Count("pk", filter=Q(kind=UnitKind.COMMAND_POST)),
    )
    people = (
        ctx.visible(Membership)
        .filter(unit__district=ctx.district, user__is_active=True)
        .values("user_id")
        .distinct()
        .count()
    )
    code = ctx.district.division_code
    return {
        "figures": [
            count_figure(key, label, counts[key], unit="个", url=link("org:unit_tree", kind=kind, q=query))
            for key, label, kind, query in (
                ("streets", "街道/乡镇", UnitKind.SUBDISTRICT, code),
                ("departments", "区直部门", UnitKind.DEPARTMENT, ""),
                ("command_posts", "指挥部", UnitKind.COMMAND_POST, ""),
            )
        ]
        + [
            count_figure(
                "people", "在岗人员", people, unit="人", url=link("org:unit_detail", ctx.district.pk)
            )
        ],
        "tables": [],
    }


def streets(ctx) -> list[tuple[int, str]]:
    """The district's active streets (街道/乡) as ``(pk, name)``, in the district's order."""
    return list(
        ctx.visible(Unit)
        .filter(district=ctx.district, kind=UnitKind.SUBDISTRICT, is_active=True)
        .order_by("sort_order", "division_code", "name")
        .values_list("pk", "name")
    )
