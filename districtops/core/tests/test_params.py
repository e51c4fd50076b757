"""Ids and months read from query strings: malformed values are absent, never a 500."""

import datetime as dt

import pytest

from districtops.core.params import id_param, month_param, parse_id

HUGE = "9" * 25


def test_parse_id():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    for bad in (str(2**63), HUGE, "0", "-1", "1e5", "abc", "４２", "", None, "3.0"):
        assert parse_id(bad) is None, bad


def test_month_param():
    assert month_param({"m": "2021-03"}, "m") == (dt.date(2021, 3, 1), dt.date(2021, 3, 31))
    assert month_param({"m": "2021-13"}, "m") is None
    assert id_param({}, "x") is None


@pytest.mark.parametrize(
    "url",
    [
        f"/projects/?district={HUGE}",
        f"/projects/?street={HUGE}&category={HUGE}",
        f"/projects/investment/?district={HUGE}&conference={HUGE}",
        f"/projects/warnings/?district={HUGE}",
        f"/supervision/matters/?district={HUGE}&lead_unit={HUGE}",
        f"/hazards/?district={HUGE}&open=1",
        f"/deputies/suggestions/?district={HUGE}&due=soon",
        f"/org/people/?unit={HUGE}",
        f"/economy/enterprises/?street={HUGE}",
        f"/api/v1/projects/construction?district={HUGE}",
    ],
)
def test_lists_refuse_ids_past_the_database_range_without_a_500(org, login, url):
    """Lists with a filter definition (core/listing.py) name the value (400 on a page, 422 on the
    API); the two not yet folded in (people, enterprises) still ignore it. Never a 500."""
    response = login("leader").get(url)
    if url.startswith("/api/"):
        assert response.status_code == 422, url
    elif url.startswith(("/org/", "/economy/enterprises/")):
        assert response.status_code == 200, url
    else:
        chosen = response.context.get("list_filters") or response.context["filters"]
        assert response.status_code == 400 and chosen.errors, url
