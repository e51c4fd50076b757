"""The 挂牌督办 badge is white on red (it was grey on red, unreadable)."""

from types import SimpleNamespace

from django.template.loader import render_to_string


def test_listed_badge_has_the_red_foreground_colour():
    matter = SimpleNamespace(state="in_progress", get_state_display="办理中", is_overdue=False, escalation=2)
    html = render_to_string("supervision/_state_badge.html", {"m": matter})
    assert '<span class="badge bg-red text-red-fg">挂牌督办</span>' in html
