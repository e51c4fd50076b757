"""Health and readiness answer a load balancer: any Host, plain HTTP, no redirect."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from districtops.jobs import heartbeat
from districtops.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["ops.example.gov.cn"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probe_by_ip_over_plain_http_is_answered_not_redirected(path):
    heartbeat.beat("w1:1", "tasks", timezone.now())
    response = Client().get(path, HTTP_HOST="10.0.0.7:8001")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["ops.example.gov.cn"])
def test_other_paths_keep_the_host_check_and_the_redirect():
    assert Client().get("/accounts/login/", HTTP_HOST="10.0.0.7").status_code == 400
    assert Client().get("/accounts/login/", HTTP_HOST="ops.example.gov.cn").status_code == 301


def test_readiness_fails_without_a_recent_worker_and_names_it():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "error", "status": "error"}
    WorkerHeartbeat.objects.create(
        name="old:1", queue="tasks", started_at=timezone.now(), seen_at=timezone.now() - timedelta(minutes=10)
    )
    assert Client().get("/readyz").status_code == 503
    heartbeat.beat("new:2", "tasks", timezone.now())
    assert Client().get("/readyz").json()["worker"] == "ok"


def test_readiness_checks_redis_when_configured(settings):
    heartbeat.beat("w1:1", "tasks", timezone.now())
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["redis"] == "error"


def test_liveness_503_when_the_database_is_unreachable(monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise Exception("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
    assert Client().get("/readyz").status_code == 503


def test_post_is_not_a_probe():
    assert Client().post("/healthz").status_code == 404


def test_worker_command_beats_while_it_runs_and_leaves_no_row(transactional_db):
    from django.core.management import call_command

    from districtops.jobs.services import start_job

    seen = []
    original = heartbeat.beat

    def spy(*args, **kwargs):
        original(*args, **kwargs)
        seen.append(WorkerHeartbeat.objects.count())

    from unittest import mock

    with mock.patch.object(heartbeat, "beat", spy):
        job = start_job(None, "audit.verify_chain")
        call_command("worker", "--burst")
    from districtops.jobs.models import Job

    assert Job.objects.get(pk=job.pk).status == "succeeded"
    assert seen and seen[0] == 1  # it beat while running
    assert WorkerHeartbeat.objects.count() == 0  # and said goodbye
