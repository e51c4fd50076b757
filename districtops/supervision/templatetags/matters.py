"""A matter's state and escalation badges, from the choices that carry their colour
(MatterState.css, Escalation.badge) — the templates hold no state names or levels."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import Escalation
from ..states import MatterState

register = template.Library()


@register.filter
def state_css(state) -> str:
    return MatterState(state).css if state in MatterState.values else MatterState.ASSIGNED.css


@register.filter
def escalation_badge(level) -> SafeString:
    """`` <span class="badge …">…</span>`` for a reminded or listed matter, "" otherwise."""
    badge = Escalation(level).badge if level in Escalation.values else None
    return format_html(' <span class="badge {}">{}</span>', *badge) if badge else SafeString()
