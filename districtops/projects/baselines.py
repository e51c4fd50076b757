"""Read side of the plan baselines (计划基线): which ones a person may compare against, the
latest dispatch meeting's, and the units a person may record one for. Writes are in services
(``record_baseline``, ``record_approval_baseline``)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from districtops.core.params import id_param
from districtops.gate import permissions
from districtops.org.models import UnitKind

from . import services
from .models import Baseline, BaselineKind

CHOICES_SHOWN = 60


def visible(user):
    return Baseline.objects.restrict(user, "view")


def _in_district(queryset, params):
    district = id_param(params, "district")
    return queryset if district is None else queryset.filter(district_id=district)


def choices(user, params) -> list[Baseline]:
    """The baselines offered on the battle map: dispatch meetings, hand-made ones and the approval
    baselines of imports — newest first. One project's own 立项 baseline is opened from its page."""
    return list(
        _in_district(visible(user), params)
        .filter(project=None)
        .select_related("unit", "taken_by")
        .order_by("-taken_at", "-id")[:CHOICES_SHOWN]
    )


def latest_meeting(user, params) -> Baseline | None:
    """The latest dispatch meeting's baseline the person sees ("what moved since last week")."""
    return (
        _in_district(visible(user), params)
        .filter(kind=BaselineKind.DISPATCH)
        .order_by("-taken_at", "-id")
        .first()
    )


def chosen(user, params, default: Baseline | None) -> Baseline | None:
    """``?baseline=<id>`` (404 when the person cannot see it), ``?baseline=0`` for none, else the default."""
    raw = (params.get("baseline") or "").strip()
    if raw == "":
        return default
    if raw == "0":
        return None
    pk = id_param(params, "baseline")
    if pk is None:
        raise Http404
    baseline = visible(user).select_related("project").filter(pk=pk).first()
    if baseline is None:
        raise Http404
    return baseline


def recordable_units(user) -> list:
    """Command posts, streets, departments and districts the person may record a baseline for."""
    kinds = [*services.LEAD_KINDS, UnitKind.COMMAND_POST, UnitKind.DISTRICT]
    units = permissions.units_for_choice(user).filter(kind__in=kinds).order_by("kind", "sort_order", "name")
    return [u for u in units if services.may_record_baseline(user, u)]


def describe(baseline: Baseline | None) -> dict | None:
    if baseline is None:
        return None
    return {
        "id": baseline.pk,
        "name": baseline.name,
        "kind": baseline.kind,
        "kind_label": str(baseline.get_kind_display()),
        "taken_at": f"{timezone.localtime(baseline.taken_at):%Y-%m-%d %H:%M}",
    }
