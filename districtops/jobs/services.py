"""Starting and running recorded jobs. The task queue (django-tasks: database backend by
default, RQ on Redis in production) only carries the job id; the Job row is the record."""

from __future__ import annotations

import traceback

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from districtops.core import context
from districtops.gate import permissions, services
from districtops.org.roles import Role

from .models import Job, JobStatus
from .registry import DAILY, FREQUENT, JOBS


class JobLogger:
    def __init__(self, job: Job):
        self.job = job
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(f"{timezone.now():%H:%M:%S} {text}")

    def attach(self, filename: str, content: bytes) -> None:
        self.job.result_file.save(filename, ContentFile(content), save=False)


def start_job(
    actor, name: str, params: dict | None = None, *, run_key: str = "", enqueue: bool = True
) -> Job | None:
    """Record a job and hand it to the queue on commit. Returns None if (name, run_key) already ran."""
    if name not in JOBS:
        raise ValueError(f"unknown job {name!r}")
    if actor is not None and not permissions.has_role(actor, Role.SYS_ADMIN) and name.startswith("admin."):
        raise PermissionDenied
    try:
        with transaction.atomic():
            job = Job.objects.create(name=name, params=params or {}, created_by=actor, run_key=run_key)
            services.record(actor, "job_start", job, after={"name": name, "params": params or {}})
    except IntegrityError:
        return None
    if enqueue:
        from .queue import enqueue_job

        transaction.on_commit(lambda: enqueue_job(job.pk))
    return job


def run_job(job_id: int) -> Job:
    """Claim a queued job with a conditional update (so two workers never run it twice) and run it."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    logger = JobLogger(job)
    with context.acting_context("job", request_id=f"job-{job.pk}"):
        try:
            result = import_string(JOBS[job.name])(logger, **job.params)
            job.status, job.result = JobStatus.SUCCEEDED, result
        except Exception as exc:  # a job's failure is recorded, never lost
            logger(f"失败：{exc}")
            logger(traceback.format_exc())
            job.status = JobStatus.FAILED
        job.finished_at = timezone.now()
        job.log = "\n".join(logger.lines)
        job.save()
        services.record(
            None,
            "job_finish",
            job,
            after={"status": job.status},
            outcome=("success" if job.status == JobStatus.SUCCEEDED else "failure"),
        )
    return job


def run_periodic(period: str, *, day_key: str, actor=None) -> list[Job]:
    """Start each job of ``period`` once for ``day_key`` — the day for ``daily``, the 5-minute slot
    for ``frequent`` (idempotent: a second run for the same key starts nothing)."""
    if period not in ("daily", "frequent"):
        raise ValueError("periodic jobs are 'daily' or 'frequent'")
    started = []
    for name in DAILY if period == "daily" else FREQUENT:
        job = start_job(actor, name, run_key=f"{period}:{day_key}")
        if job is not None:
            started.append(job)
    return started


# Jobs of the platform's own upkeep, which the system administrator runs and reads. Every other
# job (a briefing, an import) is business: seen by the person who started it only, never by an
# administrator (三员分立: the system admin does not read business results).
OPERATIONS_JOBS = frozenset(
    {
        "audit.verify_chain",
        "projects.refresh_pace",
        "notifications.deadlines",
        "delivery.send_due",
        "delivery.check_receipts",
    }
)


def visible_jobs(user):
    from django.db.models import Q

    mine = Q(created_by=user)
    if permissions.has_role(user, Role.SYS_ADMIN):
        return Job.objects.filter(mine | Q(created_by__isnull=True, name__in=OPERATIONS_JOBS))
    # A district's briefing is seen by those who may see that district's cockpit (its leaders and
    # supervisors), whoever started it.
    codes = list(permissions.oversight_districts(user).values_list("division_code", flat=True))
    if codes:
        mine |= Q(name="cockpit.briefing", params__district_code__in=codes)
    return Job.objects.filter(mine)


def run_job_by_id(job_id: int) -> str:
    """Entry point for RQ workers (``districtops worker`` with REDIS_URL set): returns the final status."""
    return run_job(job_id).status
