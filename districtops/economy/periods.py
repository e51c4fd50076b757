"""Statistical report periods: months, with January and February reported together as "1-2月".

A period is stored as the first day of its last month (1-2月 2021 → 2021-02-01). January never
exists on its own; its figures live inside the 1-2月 period (Spring Festival convention, docs/domain.md §6).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int  # 2..12; 2 means "1-2月"

    def __post_init__(self):
        if not 2 <= self.month <= 12:
            raise ValueError("month must be 2..12 (January is part of 1-2月)")

    def __hash__(self):
        return self.year * 16 + self.month

    @classmethod
    def from_date(cls, day: dt.date) -> Period:
        return cls(day.year, max(day.month, 2))

    @property
    def date(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @functools.cached_property
    def iso(self) -> str:
        """The stored date as ISO text ("2021-02-01"), as text columns and SQLite hand it back."""
        return self.date.isoformat()

    @property
    def label(self) -> str:
        return f"{self.year}年1-2月" if self.month == 2 else f"{self.year}年{self.month}月"

    @property
    def short_label(self) -> str:
        return "1-2月" if self.month == 2 else f"1-{self.month}月"

    @property
    def is_first_of_year(self) -> bool:
        return self.month == 2

    @property
    def months_covered(self) -> int:
        """Calendar months in this period's current value (2 for 1-2月)."""
        return 2 if self.month == 2 else 1

    # Periods are few and immutable; the audit asks each for its neighbours millions of times.
    @functools.cache  # noqa: B019
    def previous(self) -> Period:
        if self.month == 2:
            return Period(self.year - 1, 12)
        return Period(self.year, self.month - 1)

    @functools.cache  # noqa: B019
    def next(self) -> Period:
        if self.month == 12:
            return Period(self.year + 1, 2)
        return Period(self.year, self.month + 1)

    @functools.cache  # noqa: B019
    def same_last_year(self) -> Period:
        return Period(self.year - 1, self.month)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def elapsed_share(self) -> float:
        """Share of the year covered by the cumulative figure (time-progress rule)."""
        return self.month / 12

    def __str__(self):
        return self.label


_PERIOD_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*年?\s*1\s*[-—~至]\s*2\s*月?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(月|[-/.]\d{1,2})?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
]


def parse_period(value) -> Period:
    """Read a period as spreadsheets write it: 2021-02, 2021年3月, 202103, 2021年1-2月, a date."""
    if isinstance(value, str):
        return _parse_text(value)  # a file of 50,000 rows has a handful of distinct period texts
    return _parse_period(value)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> Period:
    return _parse_period(value)


def _parse_period(value) -> Period:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value.month == 1:
            raise ValidationError("1月数据不单独报送，请按“1-2月”报送（期别写作 YYYY-02）")
        return Period(value.year, value.month)
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match.group("y"))
            month = int(match.groupdict().get("m") or 2)
            if month == 1:
                raise ValidationError("1月数据不单独报送，请按“1-2月”报送（期别写作 YYYY-02）")
            if not 2 <= month <= 12 or not 2000 <= year <= 2100:
                break
            return Period(year, month)
    raise ValidationError("无法识别的报告期“%(v)s”（应如 2021-03 或 2021年1-2月）", params={"v": text})
