"""What other modules add to a person's to-do page (督办 → 我的督办).

The supervision to-do lists matters; other modules contribute sections of their own
(the projects module: warnings of the projects the person's units lead). Each provider
returns a section dict or None when the person has nothing there:

    {"key": str, "title": str, "total": int, "more_url": str,
     "items": [{"text": str, "url": str, "badge": str, "badge_class": str, "date": date|None}]}

Explicit on purpose: grep finds them.
"""

from django.utils.module_loading import import_string

TODO_PROVIDERS: list[str] = [
    "districtops.economy.panels.todo_section",
    "districtops.projects.panels.todo_section",
]


def sections_for(user) -> list[dict]:
    sections = []
    for path in TODO_PROVIDERS:
        section = import_string(path)(user)
        if section:
            sections.append(section)
    return sections
