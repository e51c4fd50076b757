"""Money in 万元/亿元 and shares as percentages, as the district reads them."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def wan(value, places: int = 1):
    """Yuan → 万元 with ``places`` decimals ("—" when empty)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / 10000:,.{int(places)}f}"


@register.filter
def yi(value, places: int = 2):
    """Yuan → 亿元."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / 100000000:,.{int(places)}f}"


@register.filter
def pct(value, places: int = 0):
    """A share (0.42) → "42%"; "—" when there is no denominator."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def sub(value, other):
    """``value − other`` for running balances (yuan)."""
    return Decimal(value or 0) - Decimal(other or 0)


@register.filter
def investment_code(project) -> str:
    """The 编号 of an investment project (ZS-000123), as the Excel export writes it."""
    from districtops.projects.imports import investment_code as code

    return code(project.pk) if getattr(project, "pk", None) else ""
