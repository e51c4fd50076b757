"""Task workers announce themselves: one row per worker process, refreshed while it runs.

Readiness (`/readyz`) needs to know that somebody will pick up a queued job; the queue's
own bookkeeping differs between RQ and django-tasks, so every worker started with
`districtops worker` beats into the same table whatever queue it serves.
"""

import os
import socket
import threading
from datetime import timedelta

from django.db import close_old_connections, connection
from django.utils import timezone

INTERVAL_SECONDS = 15


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(name: str, queue: str, started_at) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"queue": queue, "started_at": started_at, "seen_at": timezone.now()}
    )


def forget(name: str) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(name=name).delete()


def last_seen():
    """When the most recently active worker last beat, or None when none ever did."""
    from .models import WorkerHeartbeat

    return WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


def is_fresh(seen_at, max_age_seconds: int) -> bool:
    return seen_at is not None and timezone.now() - seen_at <= timedelta(seconds=max_age_seconds)


class Beater(threading.Thread):
    """A daemon thread beating every INTERVAL_SECONDS until stopped (its own DB connection)."""

    def __init__(self, queue: str, interval: float = INTERVAL_SECONDS):
        super().__init__(name="heartbeat", daemon=True)
        self.queue, self.interval = queue, interval
        self.worker = worker_name()
        self.started_at = timezone.now()
        self._stop_event = threading.Event()

    def start(self):
        # The first beat is in the caller's thread, before the worker opens its own transactions:
        # a thread beating while the worker takes SQLite's exclusive lock would meet a locked table.
        try:
            beat(self.worker, self.queue, self.started_at)
        except Exception:
            pass
        super().start()

    def run(self):
        try:
            while not self._stop_event.wait(self.interval):
                close_old_connections()
                try:
                    beat(self.worker, self.queue, self.started_at)
                except Exception:  # the database may be restarting: the next beat tries again
                    pass
            try:
                forget(self.worker)
            except Exception:
                pass
        finally:
            connection.close()

    def stop(self):
        self._stop_event.set()
        self.join(timeout=5)
