from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

YI = Decimal(100_000_000)
WAN = Decimal(10_000)
LIGHT_CSS = {"green": "bg-green", "yellow": "bg-yellow", "red": "bg-red", "grey": "bg-secondary-lt"}
LIGHT_LABELS = {"green": _("绿灯"), "yellow": _("黄灯"), "red": _("红灯"), "grey": _("无数据")}


@register.filter
def yi(value):
    """Yuan shown in 亿元."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) / YI:,.2f}"


@register.filter
def wan(value):
    """Yuan shown in 万元."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) / WAN:,.1f}"


@register.filter
def pct(value, digits=1):
    if value is None or value == "":
        return "—"
    return f"{float(value):+.{int(digits)}f}%"


@register.filter
def share(value):
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.inclusion_tag("economy/_light.html")
def light(name, title=""):
    return {
        "css": LIGHT_CSS.get(name, "bg-secondary"),
        "label": LIGHT_LABELS.get(name, name),
        "name": name,
        "title": title,
    }
