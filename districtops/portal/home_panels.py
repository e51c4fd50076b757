"""What each module contributes to a person's home page.

Each module lists a function here returning a panel dict (title, counters with links)
or None when the person has nothing there. Explicit on purpose: grep finds them.
"""

from django.utils.module_loading import import_string

PANEL_PROVIDERS: list[str] = [
    "districtops.projects.panels.home_panel",
    "districtops.supervision.panels.home_panel",
    "districtops.supervision.panels.calendar_panel",
    "districtops.economy.panels.home_panel",
]


def panels_for(user) -> list[dict]:
    panels = []
    for path in PANEL_PROVIDERS:
        panel = import_string(path)(user)
        if panel:
            panels.append(panel)
    return panels
