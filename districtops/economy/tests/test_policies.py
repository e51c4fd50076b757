"""Who may write in the economy module, asked of the gate: the models' ScopeRules grant each write
action to the district's statisticians (ScopeRules.roles), so a write asks for its real action and
the page's buttons, the service and the gate give one answer."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from districtops.economy import policies, services
from districtops.economy.models import EconomySettings, Finding, Indicator, IndicatorValue, PriceIndex
from districtops.economy.periods import Period
from districtops.gate import permissions

from .conftest import import_industry, industry_history, industry_row

pytestmark = pytest.mark.django_db
GOOD = "春节后新增大额出口订单，生产线满负荷运行，用电由园区光伏自供"


@pytest.fixture
def flagged(economy):
    rows = industry_history(1, upto=(2021, 2))
    import_industry(rows[:-1])
    result = import_industry([industry_row(1, "2021-02", 40000, 40000, power=200000)])
    assert result.warnings
    return Finding.objects.filter(report__period="2021-02-01").order_by("pk").first()


def holders(model, action, obj, users):
    return {name for name, u in users.items() if model.objects.filter(pk=obj.pk).restrict(u, action).exists()}


def test_the_districts_statistician_changes_its_parameters_and_nobody_else(economy, users):
    district = economy["districts"]["410104"]
    row = services.update_settings(None, district, expected_version=None, annual_upgrade_goal=12)
    # roles={"change": STATISTICIANS} replaces the default (leaders and supervisors) for change …
    assert holders(EconomySettings, "change", row, users) == {"tongji"}
    # … while leaders and supervisors still read it.
    assert {"leader", "supervisor", "tongji"} <= holders(EconomySettings, "view", row, users)
    with pytest.raises(PermissionDenied):
        services.update_settings(
            users["leader"], district, expected_version=row.version, annual_upgrade_goal=3
        )
    with pytest.raises(PermissionDenied):
        services.update_settings(
            users["jinshui_leader"], district, expected_version=row.version, review_capacity=1
        )
    changed = services.update_settings(
        users["tongji"], district, expected_version=row.version, review_capacity=9
    )
    assert changed.review_capacity == 9


def test_a_price_index_is_the_statisticians(economy, users):
    district = economy["districts"]["410104"]
    row = services.save_price_index(None, district, division="", period=Period(2021, 2), index="101.5")
    assert holders(PriceIndex, "change", row, users) == {"tongji"}
    with pytest.raises(PermissionDenied):
        services.save_price_index(
            users["supervisor"], district, division="", period=Period(2021, 2), index="99"
        )
    corrected = services.save_price_index(
        users["tongji"],
        district,
        division="",
        period=Period(2021, 2),
        index="99",
        expected_version=row.version,
    )
    assert corrected.index == Decimal("99.00")


def test_a_peer_districts_published_figure_is_any_statisticians(economy, users):
    peer = economy["districts"]["410105"]
    output = Indicator.objects.get(code="industrial_output")
    published = services.enter_indicator_value(
        users["tongji"],
        output,
        peer,
        Period(2021, 2),
        cumulative=None,
        growth=Decimal("29.0"),
        published=True,
    )
    # published_roles: a statistician of 管城 reports on 金水's published row; nobody else does.
    assert holders(IndicatorValue, "report", published, users) == {"tongji"}
    again = services.enter_indicator_value(
        users["tongji"],
        output,
        peer,
        Period(2021, 2),
        cumulative=None,
        growth=Decimal("30.0"),
        published=True,
    )
    assert again.pk == published.pk and again.growth == Decimal("30.0")
    # Unpublished, the same row is 金水's own: 管城's statistician may not touch it.
    IndicatorValue.objects.filter(pk=published.pk).update(is_published=False)
    assert not IndicatorValue.objects.filter(pk=published.pk).restrict(users["tongji"], "report").exists()
    with pytest.raises(PermissionDenied):
        services.enter_indicator_value(
            users["tongji"],
            output,
            peer,
            Period(2021, 2),
            cumulative=None,
            growth=Decimal("31"),
            published=True,
        )


def test_finding_moves_follow_the_gate_and_the_transition_table(flagged, users):
    open_moves = {name: policies.finding_moves(u, [flagged])[flagged.pk] for name, u in users.items()}
    # Open: the street's staff, the district's statistician and its oversight may explain; no review yet.
    assert {n for n, m in open_moves.items() if "explain" in m} == {
        "tongji",
        "leader",
        "supervisor",
        "nanguan",
    }
    assert not any("review" in m for m in open_moves.values())
    explained = services.explain_finding(users["nanguan"], flagged, GOOD, expected_version=flagged.version)
    moves = {name: policies.finding_moves(u, [explained])[explained.pk] for name, u in users.items()}
    assert {n for n, m in moves.items() if m} == {"tongji"} and moves["tongji"] == {"review"}
    # The service refuses what the page does not offer.
    with pytest.raises(PermissionDenied):
        services.review_finding(users["leader"], explained, accept=True, expected_version=explained.version)
    with pytest.raises(PermissionDenied):
        services.explain_finding(users["jinshui_leader"], explained, GOOD, expected_version=explained.version)
    services.review_finding(users["tongji"], explained, accept=True, expected_version=explained.version)


def test_the_report_page_shows_the_moves_the_policy_allows(flagged, users, login):
    url = flagged.report.get_absolute_url()
    leader_page = login("leader").get(url).content.decode()
    assert (
        f"/findings/{flagged.pk}/explain" in leader_page
        and f"/findings/{flagged.pk}/review" not in leader_page
    )
    services.explain_finding(users["tongji"], flagged, GOOD, expected_version=flagged.version)
    assert f"/findings/{flagged.pk}/review" in login("tongji").get(url).content.decode()
    assert f"/findings/{flagged.pk}/review" not in login("leader").get(url).content.decode()


def test_statistician_predicates(economy, users):
    guancheng, jinshui = economy["districts"]["410104"].pk, economy["districts"]["410105"].pk
    assert policies.is_statistician(users["tongji"], guancheng)
    assert not policies.is_statistician(users["tongji"], jinshui)
    assert policies.is_statistician(users["tongji"]) and policies.is_statistician(None, jinshui)
    assert not policies.is_statistician(users["leader"])
    assert policies.require_statistician(users["tongji"]) == frozenset({guancheng})
    with pytest.raises(PermissionDenied):
        policies.require_statistician(users["leader"], guancheng)
    assert permissions.holds_in(users["leader"], permissions.OVERSIGHT_ROLES, guancheng)


def test_the_release_page_draws_its_buttons_from_the_transition_table():
    from districtops.economy.models import RELEASE_TRANSITIONS, ReleaseState
    from districtops.economy.releases import moves_from

    assert [m["action"] for m in moves_from(ReleaseState.COLLECTING)] == ["review", "publish"]
    assert [m["action"] for m in moves_from(ReleaseState.REVIEWING)] == ["collect", "publish"]
    assert [(m["action"], m["reason"]) for m in moves_from(ReleaseState.PUBLISHED)] == [("reopen", True)]
    targets = {
        "collect": ReleaseState.COLLECTING,
        "review": ReleaseState.REVIEWING,
        "reopen": ReleaseState.REVIEWING,
    }
    targets["publish"] = ReleaseState.PUBLISHED
    for state in ReleaseState:
        assert {targets[m["action"]] for m in moves_from(state)} == RELEASE_TRANSITIONS[state]
