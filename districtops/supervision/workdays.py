"""Working-day arithmetic for deadlines (docs/domain.md §4).

Where a year's calendar comes from, in order:

1. **the State Council's notice**, entered by the system administrator (a ``CalendarYear``
   with its ``HolidayEntry`` rows): it is that year's calendar, overriding everything else;
2. **the ``chinesecalendar`` package**, for the years up to its release;
3. **a fallback** for later years: weekends, plus the statutory holidays the ``holidays``
   package computes (元旦, 春节 by the lunar calendar, 清明, 劳动节, 端午, 中秋, 国庆 and its
   guesses of the days added to them), adjusted by the administrator's rows. The 调休
   make-up working days are only known from the notice, so every result that used the
   fallback says so (``used_fallback``) and is recomputed when the notice is entered.

The ``holidays`` package is a second opinion, never the authority: the holiday page lists
where it disagrees with the notice or the calendar package (``compare_sources``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

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


@lru_cache(maxsize=32)
def computed_holidays(year: int) -> dict[dt.date, str]:
    """The ``holidays`` package's days off for a year (statutory days and its own guesses)."""
    import holidays

    return dict(holidays.China(years=year, language="zh_CN").items())


@dataclass
class YearCalendar:
    """How to tell working days in one year."""

    year: int
    source: str  # "notice", "library" or "fallback"
    overrides: dict[dt.date, bool]  # the administrator's rows of that year

    @property
    def is_fallback(self) -> bool:
        return self.source == "fallback"

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if self.source == "library":
            return chinese_calendar.is_workday(day)
        if self.source == "fallback" and day in computed_holidays(day.year):
            return False
        return day.weekday() < 5


class Calendar:
    """Reads each year's source once; ``is_workday(day)`` → (working day?, fallback used?)."""

    def __init__(self):
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        if year not in self._years:
            from .models import CalendarYear, HolidayEntry

            overrides = dict(HolidayEntry.objects.filter(date__year=year).values_list("date", "is_workday"))
            if CalendarYear.objects.filter(year=year).exists():
                source = "notice"
            elif year <= calendar_last_year():
                source = "library"
            else:
                source = "fallback"
            self._years[year] = YearCalendar(year, source, overrides)
        return self._years[year]

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        cal = self.year(day.year)
        return cal.is_workday(day), cal.is_fallback


def source_of(year: int) -> str:
    return Calendar().year(year).source


def is_workday(day: dt.date, calendar: Calendar | None = None) -> tuple[bool, bool]:
    """(is it a working day, did we have to use the fallback)."""
    return (calendar or Calendar()).is_workday(day)


def add_working_days(start: dt.date, n: int, calendar: Calendar | None = None) -> WorkdayResult:
    """The date of the ``n``-th working day after ``start`` (``start`` itself is not counted).

    Assigning on Friday with 1 working day is due on Monday; over Spring Festival the
    holiday week is skipped and a 调休 Sunday counts.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    calendar = calendar or Calendar()
    day, counted, fallback = start, 0, False
    while counted < n:
        day += dt.timedelta(days=1)
        if (day - start).days > MAX_SPAN_DAYS:
            raise ValueError("working-day span too long")
        work, fb = calendar.is_workday(day)
        fallback = fallback or fb
        if work:
            counted += 1
    return WorkdayResult(day, fallback)


def working_days_between(start: dt.date, end: dt.date, calendar: Calendar | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    if end <= start:
        return 0
    calendar = calendar or Calendar()
    total, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day)[0]:
            total += 1
    return total


@dataclass(frozen=True)
class Disagreement:
    day: dt.date
    ours: bool  # working day by the calendar in force
    theirs: bool  # working day by the holidays package
    their_name: str


def compare_sources(year: int) -> list[Disagreement]:
    """The days of ``year`` where the ``holidays`` package disagrees with the calendar in force.

    For a fallback year the package IS part of the calendar, so only the administrator's rows
    can disagree. The package does not list 调休 working days, so a weekend it does not name is
    not counted as a disagreement when our calendar makes it a working day by a notice row.
    """
    cal = Calendar().year(year)
    theirs_off = computed_holidays(year)
    out = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        ours = cal.is_workday(day)
        theirs = day.weekday() < 5 and day not in theirs_off
        substituted = any(day.strftime("%Y-%m-%d") in name for name in theirs_off.values())
        if substituted:
            theirs = True  # "休息日（由 2026-01-04 调休）": that weekend day is worked
        if ours != theirs:
            out.append(Disagreement(day, ours, theirs, theirs_off.get(day, "")))
        day += dt.timedelta(days=1)
    return out


def next_year_missing(today: dt.date) -> int | None:
    """From 1 November: next year when neither a notice nor the calendar package covers it."""
    if today.month < 11:
        return None
    year = today.year + 1
    return year if source_of(year) == "fallback" else None
