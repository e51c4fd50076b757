"""The projects pages' own filter (numbers go through ``{% load units %}``)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def sub(value, other):
    """``value − other`` for running balances (yuan)."""
    return Decimal(value or 0) - Decimal(other or 0)


@register.filter
def yuan_exact(value):
    """Exact yuan with thousands separators and two decimals (the 万元 cells' hover text)."""
    if value in (None, ""):
        return "0.00"
    return f"{Decimal(value):,.2f}"


@register.filter
def investment_code(project) -> str:
    """The 编号 of an investment project (ZS-000123), as the Excel export writes it."""
    from districtops.projects.imports import investment_code as code

    return code(project.pk) if getattr(project, "pk", None) else ""
