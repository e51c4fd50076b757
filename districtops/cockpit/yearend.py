"""Year-end forecasts for the cockpit and the briefing, from the economy module's forecast cache.

The cockpit page, the big screen and the API never fit a forecast (seconds each): they show
the ones the economy's cache already holds (``forecast.peek_project``; the same inputs as the
economy dashboard, so either warms the other) and say how many are still pending. The
briefing fits the missing ones with the economy's own ``forecast.cached_project`` (the same
method and figures as the dashboard), in a separate process while it renders the rest
(``Fitting``), which leaves them in the cache.

Fitting runs with OpenBLAS limited to one thread. A Holt-Winters fit is a small L-BFGS-B
problem (17 parameters, 34 observations): OpenBLAS's worker threads cost far more than they
save there, and on a busy machine they spin against the other processes. Measured on the
shared 2-core machine (load average 3–5): one indicator's projection (13 fits with its
backtest) took 0.4–7.2 s with the default threads, varying with the other load, and
0.41–0.55 s with one.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from districtops.economy import forecast

# Setter and getter names in the OpenBLAS builds numpy and scipy bundle (64-bit-integer builds
# carry a suffix) and in a system OpenBLAS.
_OPENBLAS_SYMBOLS = [
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
]

PENDING = object()  # a forecast not fitted yet
FIT_TIMEOUT_SECONDS = 600
logger = logging.getLogger(__name__)


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
    """Fit the projections one after another with single-threaded OpenBLAS (module level: it
    runs in the fitting process, see ``Fitting``)."""
    with single_threaded_blas():
        return [forecast.cached_project(*request) for request in requests]


def identity(request) -> tuple:
    """A hashable identity of ``(cumulatives, year, goal)``: the series itself, so new data is
    a new identity."""
    cumulatives, year, goal = request
    return (year, goal, tuple(sorted(cumulatives.items())))


_fitted: collections.OrderedDict = collections.OrderedDict()  # identity -> forecast, this process
_fitted_lock = threading.Lock()
REMEMBERED = 256


def _remember(request, result) -> None:
    """Keep a forecast fitted in another process for this one too (its economy cache is this
    process's own without Redis: the fitting process's fits would not reach it)."""
    with _fitted_lock:
        _fitted[identity(request)] = result
        _fitted.move_to_end(identity(request))
        while len(_fitted) > REMEMBERED:
            _fitted.popitem(last=False)


def _recall(request):
    with _fitted_lock:
        return _fitted.get(identity(request), PENDING)


class Fitting:
    """Forecasts being fitted in a separate process while the caller does other work.

    The briefing starts one with the forecasts its first pass found missing, renders the
    document meanwhile (which loads matplotlib and python-docx and draws the charts), then
    takes the results. The process is a new interpreter (``python -m`` this module, the
    series in and the forecasts out as pickles on its pipes), not a fork or a
    multiprocessing child: it shares nothing with the caller — no database connection, no
    lock held by another thread, no re-import of the caller's main script — needs no
    database, and imports statsmodels itself, so the caller never does. Each fit goes to the
    economy's cache from there too (shared when the cache is Redis, as in production). Should
    the process fail, the forecasts are fitted in the caller instead.
    """

    def __init__(self, requests: list):
        self.requests = list(requests)
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "districtops.settings"),
            "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
        }
        try:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "districtops.cockpit.yearend"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            logger.warning("could not start the forecast process (%s): fitting in this one", exc)
            self._process = None
            return
        try:
            # A few kilobytes: the pipe takes them at once, and the process reads them first.
            self._process.stdin.write(pickle.dumps(self.requests))
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # the process is gone already: wait() reports how it ended
        self._process.stdin = None  # written: communicate() must not touch it again

    def wait(self) -> list:
        """The forecasts, in the order of the requests (waits for the process); each is also
        remembered in this process, where ``projections`` finds it."""
        fitted = None
        if self._process is not None:
            try:
                out, err = self._process.communicate(timeout=FIT_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                out, err = self._process.communicate()
            if self._process.returncode == 0:
                fitted = pickle.loads(out)  # noqa: S301 - our own child's answer
            else:
                tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["time-out"]
                logger.warning("the forecast process failed (%s): fitting in this one", tail[0])
        if fitted is None:
            fitted = _fit(self.requests)
        for request, result in zip(self.requests, fitted, strict=True):
            _remember(request, result)
        return fitted


def projections(requests: list, *, fit: bool, pending: list | None = None) -> list:
    """The economy's year-end projection for each ``(cumulatives, year, goal)``: the one the
    economy's cache holds (or this process got from a ``Fitting``), else fitted here when
    ``fit``, else ``PENDING`` — a page never waits for a fit — and the request is added to
    ``pending``. No cumulatives: None."""
    results, missing = [], []
    for request in requests:
        if not request[0]:
            results.append(None)
            continue
        result = _recall(request)
        if result is PENDING:
            cached, result = forecast.peek_project(*request)
            result = result if cached else PENDING
        results.append(result)
        if result is PENDING:
            missing.append(len(results) - 1)
    if missing and fit:
        for i, result in zip(missing, _fit([requests[i] for i in missing]), strict=True):
            results[i] = result
    elif missing and pending is not None:
        pending.extend(requests[i] for i in missing)
    return results


if __name__ == "__main__":
    # The fitting process of ``Fitting``: requests in on stdin, forecasts out on stdout.
    pickle.dump(_fit(pickle.load(sys.stdin.buffer)), sys.stdout.buffer)  # noqa: S301 - from our parent
