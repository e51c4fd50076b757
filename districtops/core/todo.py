"""What other modules add to a person's to-do page (督办 → 我的督办).

The supervision to-do lists matters; other modules contribute sections of their own
(the projects module: warnings of the projects the person's units lead). Each module registers
its provider from its AppConfig.ready() (``todo.register("districtops.projects.panels.todo_section", order=20)``:
grep finds them), so that this ground-floor registry and the supervision page that reads it name
no other app. A provider returns a section dict or None when the person has nothing there:

    {"key": str, "title": str, "total": int, "more_url": str,
     "items": [{"text": str, "url": str, "badge": str, "badge_class": str, "date": date|None}]}
"""

from django.utils.module_loading import import_string

TODO_PROVIDERS: list[tuple[int, str]] = []


def register(path: str, order: int = 50) -> None:
    """Add a provider (dotted path to ``fn(user) -> dict | None``) once; sections show by ``order``."""
    if all(p != path for _o, p in TODO_PROVIDERS):
        TODO_PROVIDERS.append((order, path))
        TODO_PROVIDERS.sort()


def sections_for(user) -> list[dict]:
    sections = []
    for _order, path in TODO_PROVIDERS:
        section = import_string(path)(user)
        if section:
            sections.append(section)
    return sections
