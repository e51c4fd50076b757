"""Liveness and readiness for load balancers: answered before host checks and the SSL redirect.

A load balancer probes each app server by its IP over plain HTTP. Django would answer 400
to a Host that is not in ALLOWED_HOSTS and 301 under SECURE_SSL_REDIRECT, so the probe
would fail on a healthy server. This middleware sits first and answers the two paths itself,
without reading the Host header; it reveals only ok/error per dependency, never details.

- ``/healthz`` (liveness): the process runs and reaches its database.
- ``/readyz`` (readiness): the database, Redis when configured, and a task worker seen
  within ``READINESS_WORKER_MAX_AGE`` seconds (``districtops worker`` beats every 15 s).
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

PATHS = {"/healthz", "/healthz/", "/readyz", "/readyz/"}


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def redis_ok() -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping())
    except Exception:
        return False


def worker_ok() -> bool:
    from districtops.jobs import heartbeat

    try:
        return heartbeat.is_fresh(heartbeat.last_seen(), settings.READINESS_WORKER_MAX_AGE)
    except Exception:
        return False


def liveness() -> tuple[dict, int]:
    if not database_ok():
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


def readiness() -> tuple[dict, int]:
    checks = {"database": database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = redis_ok()
    checks["worker"] = checks["database"] and worker_ok()
    body = {name: "ok" if ok else "error" for name, ok in checks.items()}
    body["status"] = "ok" if all(checks.values()) else "error"
    return body, 200 if all(checks.values()) else 503


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        body, status = readiness() if request.path.startswith("/readyz") else liveness()
        response = JsonResponse(body, status=status)
        add_never_cache_headers(response)
        return response
