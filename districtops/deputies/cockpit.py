"""What the deputies module gives the leaders' cockpit (``districtops.cockpit.sections``
composes it): suggestions awaiting a reply, due soon, overdue, and the satisfaction rate.

Takes the cockpit's context (``cockpit.figures.Context``: who asks, the district, today) and
reads the suggestions through the gate in one query. Unanswered and due soon are the list
filters' own (``filters.UNANSWERED``, ``filters.DUE_SOON_DAYS``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from districtops.cockpit.figures import count_figure, figure, percent

from .filters import DUE_SOON_DAYS, UNANSWERED
from .models import Satisfaction, Suggestion, SuggestionState


def section(ctx) -> dict | None:
    """People's Congress deputies' suggestions: awaiting a reply, due within 30 days, overdue."""
    suggestions = ctx.visible(Suggestion).filter(district=ctx.district)
    waiting = Q(state__in=UNANSWERED)
    due_by = ctx.today + dt.timedelta(days=DUE_SOON_DAYS)
    counts = suggestions.aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=waiting),
        due_soon=Count("pk", filter=waiting & Q(reply_due__gte=ctx.today, reply_due__lte=due_by)),
        overdue=Count("pk", filter=waiting & Q(reply_due__lt=ctx.today)),
        evaluated=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
    )
    if not counts["total"]:
        return None
    rate = counts["satisfied"] / counts["evaluated"] if counts["evaluated"] else None
    notes = []
    if counts["overdue"]:
        notes.append(f"人大代表建议超期未答复 {counts['overdue']} 件，须尽快答复。")
    return {
        "figures": [
            count_figure(
                "suggestions_waiting",
                "待答复建议",
                counts["waiting"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", open=1),
            ),
            count_figure(
                "suggestions_due_soon",
                "30日内到期",
                counts["due_soon"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", due="soon"),
                alarm="yellow",
            ),
            count_figure(
                "suggestions_overdue",
                "超期未答复",
                counts["overdue"],
                unit="件",
                url=ctx.list_url("deputies:suggestion_list", overdue=1),
                alarm="red",
            ),
            figure(
                "suggestions_satisfaction",
                "满意率",
                percent(rate),
                unit="%",
                digits=1,
                url=ctx.list_url("deputies:suggestion_list", state=SuggestionState.CLOSED),
            ),
        ],
        "tables": [],
        "warnings": notes,
    }
