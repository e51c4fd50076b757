"""The one unit-formatting template library (``{% load units %}``): money in 万元/亿元, growth
rates and shares. Every app's pages use it, so "8.0%" means the same thing everywhere:

- ``growth`` — a rate already in percent, signed: 3.14 → "+3.1%" (增速);
- ``share`` — a fraction shown as percent: 0.42 → "42.0%" (``share:0`` → "42%") (占比、完成率).
"""

from decimal import Decimal

from django import template

from districtops.core.units import WAN, YI

register = template.Library()


@register.filter
def wan(value, places: int = 1):
    """Yuan → 万元 with ``places`` decimals ("—" when empty)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / WAN:,.{int(places)}f}"


@register.filter
def yi(value, places: int = 2):
    """Yuan → 亿元 with ``places`` decimals ("—" when empty)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / YI:,.{int(places)}f}"


@register.filter
def growth(value, places: int = 1):
    """A growth rate in percent, with its sign: 3.14 → "+3.1%" ("—" when empty)."""
    if value in (None, ""):
        return "—"
    return f"{float(value):+.{int(places)}f}%"


@register.filter
def share(value, places: int = 1):
    """A fraction as a percentage: 0.42 → "42.0%" ("—" when there is no denominator)."""
    if value in (None, ""):
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"
