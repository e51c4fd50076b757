from django import template

register = template.Library()


@register.filter
def app_label(obj):
    return obj._meta.app_label


@register.filter
def model_name(obj):
    return obj._meta.model_name


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` — a dict looked up by a variable key (the funds page's cells)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


# The one form renderer (templates/includes/form.html) gives every widget Tabler's class.
WIDGET_CLASSES = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "checkbox": "form-check-input",
    "radio": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
    "radioselect": "form-check-input",
    "file": "form-control",
    "clearablefile": "form-control",
}


@register.simple_tag
def tabler_widget(field):
    """Render a bound field's widget with Tabler's class (kept: classes the form set itself),
    and ``aria-invalid`` when it has errors."""
    widget = field.field.widget
    kind = type(widget).__name__.lower().removesuffix("input").removesuffix("widget")
    css = WIDGET_CLASSES.get(kind, "form-control")
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip() if css not in existing.split() else existing}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
