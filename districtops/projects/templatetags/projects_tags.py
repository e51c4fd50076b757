"""The projects pages' own filter (numbers go through ``{% load units %}``)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def sub(value, other):
    """``value − other`` for running balances (yuan)."""
    return Decimal(value or 0) - Decimal(other or 0)
