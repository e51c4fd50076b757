"""Shared set-up for the benchmark scripts: a separate database, city-scale data, timers.

Every script prints figures (median, p95, query counts) and ratios; none asserts a
time. The database is var/bench.sqlite3 unless DATABASE_URL says otherwise.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DISTRICTOPS_TODAY", "2021-03-31")


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return call_command


def ensure_scale(only: str, size: float = 1.0, marker_model=None, marker_filter=None) -> None:
    """Run generate-scale for ``only`` unless its data is already there (the marker query)."""
    from django.core.management import call_command

    if marker_model is not None and marker_model.objects.filter(**(marker_filter or {})).exists():
        return
    call_command("generate-scale", only=only, size=size)


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms (n={len(ordered)})"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def database_label() -> str:
    from django.db import connection

    return connection.vendor
