"""The pieces every cockpit section is made of: the month, the context, figures, tables, links.

A figure carries its value and the text shown for it, formatted once here, so the page,
the API, the briefing and the weekly summary print the same characters.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode

if TYPE_CHECKING:  # the modules' cockpit.py import these helpers: no app imported here at run time
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
    statistics: object = None  # the economy Period every statistic is shown for (statistics_period)
    shared: dict = field(default_factory=dict)  # what a section read that a later one reuses

    def visible(self, model):
        """The model's rows this person may view; ``user=None`` is the system (the command line)."""
        if self.user is None:
            return model.objects.all()
        return model.objects.restrict(self.user, "view")

    def list_url(self, name: str, *args, **query) -> str:
        """The URL of a module's list behind a figure, filtered to this district (``district=<pk>``):
        a city-level leader sees every district in the lists, the figure only this one."""
        return link(name, *args, **query, district=self.district.pk)


def target_sentence(name: str, period_label: str, growth, target_growth, status=None) -> str:
    """The one sentence comparing an indicator's cumulative growth with its annual target: "低于"
    only for a negative gap, "高于" for a positive one (then the reason for the light is the time
    progress, said with its figures), never "—%"."""
    if growth is None:
        return f"{name}{period_label}暂无累计增速，无法与全年目标比较。"
    head = f"{name}{period_label}累计增长{number_text(growth, 1)}%"
    if target_growth is None:
        return f"{head}，未设全年目标。"
    gap = Decimal(str(growth)) - Decimal(str(target_growth))
    points = number_text(abs(gap), 1)
    if number_text(gap, 1) in ("0.0", "-0.0"):
        text = f"{head}，与全年目标持平"
    elif gap < 0:
        text = f"{head}，低于全年目标{points}个百分点"
    else:
        text = f"{head}，高于全年目标{points}个百分点"
    progress = getattr(status, "progress", None)
    elapsed = getattr(status, "elapsed", None)
    if progress is not None and elapsed is not None and progress < elapsed:
        text += (
            f"；完成全年目标水平的{number_text(progress * 100, 1)}%，"
            f"慢于时序进度{number_text(elapsed * 100, 1)}%"
        )
    return text + "。"


def number_text(value, digits: int = 0) -> str:
    """The one formatting of a figure, shared by the page, the API and the briefing."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}"


def percent(ratio) -> float | None:
    """A ratio (0.25) as the percentage a figure shows (25.0); None stays None."""
    return None if ratio is None else ratio * 100


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


def table(key, title, headers, rows, *, empty="", notes=()) -> dict:
    """A table: ``rows`` are lists of cells, each cell ``{"text", "url"}`` or plain text;
    ``empty`` says why there is no row (a table is never empty without a reason), ``notes``
    are sentences shown under it."""
    cells = [[c if isinstance(c, dict) else {"text": str(c), "url": ""} for c in row] for row in rows]
    return {
        "key": key,
        "title": str(title),
        "headers": [str(h) for h in headers],
        "rows": cells,
        "empty": str(empty or "本期没有可列出的记录。"),
        "notes": [str(n) for n in notes],
    }


def chart(key, title, kind, data, *, url="", empty="") -> dict:
    """A chart the page, the big screen and the API share: ``kind`` tells the browser's
    ``cockpit.js`` how to draw ``data`` (each point carries the URL of the rows behind it);
    ``empty`` says why there is nothing to draw."""
    return {"key": key, "title": str(title), "kind": kind, "data": data, "url": url, "empty": str(empty)}


def link(name: str, *args, **query) -> str:
    url = _reverse(get_script_prefix(), name, args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


@functools.lru_cache(maxsize=4096)
def _reverse(prefix: str, name: str, args: tuple) -> str:
    """``reverse`` remembered: a summary builds a few hundred links to a dozen lists (each
    ``reverse`` costs ≈ 0.2 ms, ~80 ms a summary at city scale before). The URLconf does not
    change while a process runs; the script prefix is part of the key."""
    return reverse(name, args=args)
