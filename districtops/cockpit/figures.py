"""The pieces every cockpit section is made of: the month, the context, figures, tables, links.

A figure carries its value and the text shown for it, formatted once here, so the page,
the API, the briefing and the weekly summary print the same characters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils.http import urlencode

from districtops.org.models import Unit


@dataclass(frozen=True)
class Month:
    """A reporting month, written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            dt.date(year, month, 1)
        except (ValueError, AttributeError) as exc:
            raise ValueError(f"报告期“{text}”格式有误，应为 YYYY-MM，例如 2021-02") from exc
        return cls(year, month)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Context:
    """What every section function gets: who asks, about which district, for which month."""

    user: object
    district: Unit
    period: Month
    today: dt.date
    compute_forecasts: bool = False
    pending_forecasts: list | None = None  # collects the forecasts not fitted yet

    def visible(self, model):
        """The model's rows this person may view; ``user=None`` is the system (the command line)."""
        if self.user is None:
            return model.objects.all()
        return model.objects.restrict(self.user, "view")

    def list_url(self, name: str, *args, **query) -> str:
        """The URL of a module's list behind a figure, filtered to this district (``district=<pk>``):
        a city-level leader sees every district in the lists, the figure only this one."""
        return link(name, *args, **query, district=self.district.pk)


def number_text(value, digits: int = 0) -> str:
    """The one formatting of a figure, shared by the page, the API and the briefing."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}"


def figure(key, label, value, *, unit="", digits=0, url="", light="", note="") -> dict:
    return {
        "key": key,
        "label": str(label),
        "value": None if value is None else float(value) if digits else int(value),
        "text": number_text(value, digits),
        "unit": unit,
        "url": url,
        "light": light,
        "note": str(note),
    }


def count_figure(key, label, value, *, unit, url, alarm="") -> dict:
    """A count whose light is ``alarm`` ("red", "yellow") when it is not zero, else green;
    without ``alarm`` it has no light."""
    light = (alarm if value else "green") if alarm else ""
    return figure(key, label, value, unit=unit, url=url, light=light)


def table(key, title, headers, rows) -> dict:
    """A table: ``rows`` are lists of cells, each cell ``{"text", "url"}`` or plain text."""
    cells = [[c if isinstance(c, dict) else {"text": str(c), "url": ""} for c in row] for row in rows]
    return {"key": key, "title": str(title), "headers": [str(h) for h in headers], "rows": cells}


def link(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url
