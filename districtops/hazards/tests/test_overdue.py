""" "Overdue hazard" is defined once (HazardQuerySet.overdue_q): the list filter, the quarterly
statistics, the cockpit and Hazard.is_overdue agree for hazards in every state around the deadline."""

import datetime as dt

from districtops.cockpit.figures import Context, Month
from districtops.cockpit.sections import hazards_section
from districtops.hazards import services
from districtops.hazards.filters import HazardFilters
from districtops.hazards.models import Hazard, HazardState

from .test_hazards import make

TODAY = dt.date(2021, 3, 31)


def test_every_reader_of_overdue_agrees(org, users):
    for state in HazardState.values:
        for days in (-1, 0, 1):
            make(org, users, state=state, deadline=TODAY + dt.timedelta(days=days))
    by_row = {h.pk for h in Hazard.objects.all() if h.is_overdue}
    assert len(by_row) == 3  # registered, rectifying, rectified — deadline yesterday
    assert {h.pk for h in Hazard.objects.all() if h.is_overdue_on(TODAY)} == by_row
    assert set(Hazard.objects.overdue(TODAY).values_list("pk", flat=True)) == by_row
    assert Hazard.objects.open().count() == 9

    supervisor = users["supervisor"]
    assert set(HazardFilters(overdue=True).rows(supervisor).values_list("pk", flat=True)) == by_row
    assert sum(r["overdue"] for r in services.quarterly_statistics(supervisor, 2021, 1)) == len(by_row)
    section = hazards_section(Context(supervisor, org["districts"]["410104"], Month(2021, 3), TODAY))
    assert next(f for f in section["figures"] if f["key"] == "hazards_overdue")["value"] == len(by_row)
    # Someone outside the district: none.
    assert not HazardFilters(overdue=True).rows(users["jinshui_leader"]).exists()
