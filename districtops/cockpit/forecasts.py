"""Year-end forecasts for the cockpit and the briefing, from the economy module's forecast cache.

The cockpit page, the big screen and the API never fit a forecast (seconds each): they show
the ones the economy's cache already holds (``forecast.peek_project``; the same inputs as the
economy dashboard, so either warms the other) and say how many are still pending. The
briefing fits the missing ones with the economy's own ``forecast.cached_project`` (the same
method and figures as the dashboard), which leaves them in the cache.

Fitting runs with OpenBLAS limited to one thread. A Holt-Winters fit is a small L-BFGS-B
problem (17 parameters, 34 observations): OpenBLAS's worker threads cost far more than they
save there, and on a busy machine they spin against the other processes. Measured on the
shared 2-core machine (load average 3–5): one indicator's projection (13 fits with its
backtest) took 0.4–7.2 s with the default threads, varying with the other load, and
0.41–0.55 s with one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os

# Setter and getter names in the OpenBLAS builds numpy and scipy bundle (64-bit-integer builds
# carry a suffix) and in a system OpenBLAS.
_OPENBLAS_SYMBOLS = [
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
]

PENDING = object()  # a forecast not fitted yet


def _loaded_openblas() -> list[tuple]:
    """(setter, getter) of every OpenBLAS library loaded in this process (Linux: /proc/self/maps)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    found = []
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LOCAL)
        except OSError:
            continue
        for setter, getter in _OPENBLAS_SYMBOLS:
            if hasattr(library, setter) and hasattr(library, getter):
                found.append((getattr(library, setter), getattr(library, getter)))
                break
    return found


@contextlib.contextmanager
def single_threaded_blas():
    """Limit every loaded OpenBLAS to one thread for the block, then restore its setting."""
    import numpy  # noqa: F401 - load numpy's OpenBLAS before looking for it
    import scipy.optimize  # noqa: F401 - and scipy's (the optimiser the fits use)

    libraries = _loaded_openblas()
    before = [get() for _, get in libraries]
    for set_threads, _ in libraries:
        set_threads(1)
    try:
        yield
    finally:
        for (set_threads, _), threads in zip(libraries, before, strict=True):
            set_threads(threads)


def _fit(requests: list) -> list:
    """Fit the projections one after another with single-threaded OpenBLAS.

    Fitting them in parallel processes (forked after importing statsmodels) was tried and
    dropped: on the shared 2-core machine it gained nothing (2.08 s serial against 2.09 s for
    the six forecasts of 管城; both cores were busy with other work), it forks job workers,
    and the forked workers' fits would not warm the calling process's own cache.
    """
    from districtops.economy import forecast

    with single_threaded_blas():
        return [forecast.cached_project(*request) for request in requests]


def projections(requests: list[tuple[dict, int, float | None]], *, fit: bool) -> list:
    """The economy's year-end projection for each ``(cumulatives, year, goal)``: the cached one
    when the economy's cache holds it; else fitted when ``fit`` (the briefing), or ``PENDING``,
    so a page never waits for a fit. No cumulatives: None."""
    from districtops.economy import forecast

    results, missing = [], []
    for i, (cumulatives, year, goal) in enumerate(requests):
        cached, result = forecast.peek_project(cumulatives, year, goal) if cumulatives else (True, None)
        results.append(result if cached else PENDING)
        if not cached:
            missing.append(i)
    if fit and missing:
        for i, result in zip(missing, _fit([requests[i] for i in missing]), strict=True):
            results[i] = result
    return results
