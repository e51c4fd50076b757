""" "Overdue" is defined once (MatterQuerySet.overdue_q): the list filter, the home panel, the
cockpit and Matter.is_overdue give the same answer for matters in every state around the deadline."""

import datetime as dt

import pytest

from districtops.cockpit.figures import Context, Month
from districtops.cockpit.sections import supervision_section
from districtops.core import clock
from districtops.supervision.filters import MatterFilters
from districtops.supervision.models import Matter
from districtops.supervision.panels import home_panel
from districtops.supervision.states import MatterState as S
from districtops.supervision.views import table_rows

from .factories import matter

TODAY = dt.date(2021, 3, 31)  # conftest's DISTRICTOPS_TODAY


@pytest.fixture
def around_the_deadline(org):
    u = org["units"]
    made = []
    for state in (S.ASSIGNED, S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED, S.CLOSED):
        for days in (-1, 0, 1):  # deadline yesterday (overdue if open), today (not yet), tomorrow
            made.append(
                matter(u, state=state, deadline=TODAY + dt.timedelta(days=days), title=f"{state}{days}")
            )
    return made


def test_every_reader_of_overdue_agrees(org, users, around_the_deadline):
    assert clock.today() == TODAY
    by_row = {m.pk for m in Matter.objects.all() if m.is_overdue}
    # Open states, deadline yesterday: four of the fifteen.
    assert len(by_row) == 4
    assert {m.pk for m in Matter.objects.all() if m.is_overdue_on(TODAY)} == by_row
    assert set(Matter.objects.overdue(TODAY).values_list("pk", flat=True)) == by_row
    assert set(Matter.objects.overdue().values_list("pk", flat=True)) == by_row

    supervisor = users["supervisor"]
    assert set(MatterFilters(overdue=True).rows(supervisor).values_list("pk", flat=True)) == by_row
    panel = home_panel(supervisor)
    assert next(c["value"] for c in panel["counters"] if c["url"].endswith("?overdue=1")) == len(by_row)
    rows = table_rows(Matter.objects.select_related("lead_unit"))
    assert {r["code"] for r in rows if r["overdue"]} == set(
        Matter.objects.filter(pk__in=by_row).values_list("code", flat=True)
    )

    district = org["districts"]["410104"]
    section = supervision_section(Context(supervisor, district, Month(2021, 3), TODAY))
    overdue = next(f for f in section["figures"] if "overdue" in f["key"])
    assert overdue["value"] == len(by_row)


def test_open_is_every_state_but_closed(org, around_the_deadline):
    assert set(Matter.objects.open().values_list("state", flat=True)) == {
        S.ASSIGNED, S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED
    }  # fmt: skip
    assert Matter.objects.open().count() == 12


def test_a_person_outside_the_district_counts_none(org, users, around_the_deadline):
    assert not MatterFilters(overdue=True).rows(users["jinshui_leader"]).exists()
    assert Matter.objects.restrict(users["jinshui_leader"], "view").overdue(TODAY).count() == 0
