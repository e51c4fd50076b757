"""Working-day arithmetic for deadlines (DOMAIN.md §4).

The official calendar — public holidays and the 调休 make-up working days — comes from
the ``chinesecalendar`` package, which only knows the years up to its release. For a
later year we fall back to "Monday to Friday, minus/plus the rows of the holiday table
the administrator keeps" and say so: every result carries ``used_fallback``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

MAX_SPAN_DAYS = 3 * 366  # a deadline further than three years away is a typing error


@dataclass(frozen=True)
class WorkdayResult:
    deadline: dt.date
    used_fallback: bool


def calendar_last_year() -> int:
    """The last year the installed ``chinesecalendar`` knows."""
    from chinese_calendar.constants import holidays

    return max(day.year for day in holidays)


def _table_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import HolidayEntry

    return dict(HolidayEntry.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def is_workday(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> tuple[bool, bool]:
    """(is it a working day, did we have to use the fallback)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        overrides = overrides if overrides is not None else _table_overrides(day, day)
        if day in overrides:
            return overrides[day], True
        return day.weekday() < 5, True


def add_working_days(start: dt.date, n: int) -> WorkdayResult:
    """The date of the ``n``-th working day after ``start`` (``start`` itself is not counted).

    Assigning on Friday with 1 working day is due on Monday; over Spring Festival the
    holiday week is skipped and a 调休 Sunday counts.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    overrides = _table_overrides(start, start + dt.timedelta(days=MAX_SPAN_DAYS))
    day, counted, fallback = start, 0, False
    while counted < n:
        day += dt.timedelta(days=1)
        if (day - start).days > MAX_SPAN_DAYS:
            raise ValueError("working-day span too long")
        work, fb = is_workday(day, overrides)
        fallback = fallback or fb
        if work:
            counted += 1
    return WorkdayResult(day, fallback)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    if end <= start:
        return 0
    overrides = _table_overrides(start, end)
    total, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides)[0]:
            total += 1
    return total
