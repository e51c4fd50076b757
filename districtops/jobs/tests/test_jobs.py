"""The jobs framework: the daily run, who sees a job, the RQ queue when Redis is configured."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_daily_jobs_run_once_a_day(org):
    from districtops.jobs.models import Job

    out = io.StringIO()
    call_command("run-periodic", "daily", "--now", stdout=out)
    assert "audit.verify_chain" in out.getvalue() and "succeeded" in out.getvalue()
    call_command("run-periodic", "daily", "--now", stdout=out)
    assert "already ran" in out.getvalue()
    assert Job.objects.filter(name="audit.verify_chain").count() == 1
    assert Job.objects.get(name="audit.verify_chain").result["ok"] is True


def test_job_pages_show_own_jobs_only(org, login, users):
    from districtops.jobs.services import run_job, start_job

    job = start_job(users["nanguan"], "audit.verify_chain", enqueue=False)
    run_job(job.pk)
    assert login("nanguan").get(f"/jobs/{job.pk}/").status_code == 200
    assert login("beixiajie").get(f"/jobs/{job.pk}/").status_code == 404
    assert login("sysadmin").get(f"/jobs/{job.pk}/").status_code == 404  # 三员: not the admin's to read


def test_jobs_go_through_rq_when_redis_is_configured(org, settings, users):
    """Production queue: the job id goes to RQ; a worker runs it and the Job row records the result."""
    import redis
    from rq import Queue, SimpleWorker

    from districtops.jobs.models import Job
    from districtops.jobs.queue import enqueue_job
    from districtops.jobs.services import start_job

    url = "redis://127.0.0.1:6379/15"
    try:
        connection = redis.Redis.from_url(url)
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    connection.flushdb()
    settings.REDIS_URL, settings.JOB_QUEUE = url, "rq"
    job = start_job(users["sysadmin"], "audit.verify_chain", enqueue=False)
    enqueue_job(job.pk)
    queue = Queue("default", connection=connection)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert Job.objects.get(pk=job.pk).status == "succeeded"
