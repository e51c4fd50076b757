"""Reading ids and months out of a query string (list filters, links from the cockpit).

A value that does not parse — text, a negative number, a number past the database's 64-bit
integer — is treated as absent, never an error: a forged or mistyped link shows the list
unfiltered by it instead of a 500.
"""

import calendar
import datetime as dt
import re

MAX_ID = 2**63 - 1
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_id(value) -> int | None:
    """A positive database id, or None."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def id_param(params, name: str) -> int | None:
    """The parameter ``name`` as a positive id, or None when absent or malformed."""
    return parse_id(params.get(name))


def month_param(params, name: str) -> tuple[dt.date, dt.date] | None:
    """``YYYY-MM`` → (first day, last day) of that month, or None when absent or malformed."""
    match = _MONTH.match(str(params.get(name) or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
