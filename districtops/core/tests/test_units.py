"""One unit-formatting library: ``growth`` is a signed rate already in percent, ``share`` a
fraction shown as percent — two names, because one ``pct`` meant both in two libraries."""

from decimal import Decimal

import pytest
from django.template import Context, Template, TemplateSyntaxError

from districtops.core.units import WAN, YI, to_wan, to_yi


def render(text, **context):
    return Template("{% load units %}" + text).render(Context(context))


def test_money_in_wan_and_yi():
    assert render("{{ v|wan }}", v=Decimal("123456789")) == "12,345.7"
    assert render("{{ v|wan:0 }}", v=Decimal("123456789")) == "12,346"
    assert render("{{ v|yi }}", v=Decimal("1372000000")) == "13.72"
    assert render("{{ v|yi }}|{{ w|wan }}", v=None, w="") == "—|—"
    assert to_wan(Decimal("123456"), 1) == Decimal("12.3") and to_yi(None) is None
    assert YI == WAN * WAN


def test_growth_is_signed_percent_and_share_is_a_fraction():
    assert render("{{ v|growth }}", v=Decimal("3.14")) == "+3.1%"
    assert render("{{ v|growth }}", v=Decimal("-0.05")) == "-0.1%"
    assert render("{{ v|share }}", v=0.42) == "42.0%"
    assert render("{{ v|share:0 }}", v=0.425) == "42%"
    assert render("{{ v|share }}|{{ v|growth }}", v=None) == "—|—"


def test_the_old_ambiguous_name_is_gone():
    with pytest.raises(TemplateSyntaxError):
        render("{{ v|pct }}", v=1)
