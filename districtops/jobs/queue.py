"""Handing a job id to the queue: RQ on Redis in production, django-tasks' database backend otherwise."""

from django.conf import settings


def enqueue_job(job_id: int) -> None:
    if settings.JOB_QUEUE == "rq":
        from redis import Redis
        from rq import Queue

        Queue("default", connection=Redis.from_url(settings.REDIS_URL)).enqueue(
            "districtops.jobs.services.run_job_by_id", job_id, job_timeout=3600
        )
        return
    from .tasks import run_job_task

    run_job_task.enqueue(job_id)
