"""The economy pages' own tag: a target light badge (numbers go through ``{% load units %}``)."""

from django import template

from ..models import Light

register = template.Library()


@register.inclusion_tag("economy/_light.html")
def light(name, title=""):
    known = Light(name) if name in Light.values else None
    return {
        "css": known.css if known else "bg-secondary",
        "label": known.label if known else name,
        "name": name,
        "title": title,
    }
