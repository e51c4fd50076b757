"""The one place that says what "today" is.

Every deadline, warning and period computation asks ``today()``. Setting
``DISTRICTOPS_TODAY=YYYY-MM-DD`` pins it (the demo runs as of 2021-03-31, tests use
it too). Security timers (lock-out, idle time-out, token expiry) use the real clock,
``django.utils.timezone.now()``, on purpose: pinning business time must never
weaken them.
"""

import datetime as dt
import os
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def pinned_date() -> dt.date | None:
    raw = os.environ.get("DISTRICTOPS_TODAY") or getattr(settings, "DISTRICTOPS_TODAY", "")
    if not raw:
        return None
    return dt.date.fromisoformat(raw.strip())


def today() -> dt.date:
    """The business date in Asia/Shanghai, or the pinned date."""
    return pinned_date() or timezone.now().astimezone(LOCAL_TZ).date()


def now() -> dt.datetime:
    """Aware business 'now': the pinned date at the current local time of day, else real time."""
    real = timezone.now().astimezone(LOCAL_TZ)
    pinned = pinned_date()
    if pinned is None:
        return real
    return real.replace(year=pinned.year, month=pinned.month, day=pinned.day)


def is_pinned() -> bool:
    return pinned_date() is not None
