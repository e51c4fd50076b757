from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from districtops.core import dictionary

from .models import JobStatus
from .services import visible_jobs

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
POLL_SECONDS = 2


def _extra_files(job) -> dict[str, str]:
    """Files a job left besides its own result file: ``result["files"]`` = {kind: storage path}.
    Only paths under the jobs' storage folder are served."""
    files = (job.result or {}).get("files") if isinstance(job.result, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): v for k, v in files.items() if isinstance(v, str) and v.startswith("jobs/")}


def result_files(job) -> list[dict]:
    """Every file of a finished job, each with its download link and file name."""
    found = []
    if job.result_file:
        name = job.result_file.name.rsplit("/", 1)[-1]
        found.append({"name": name, "url": reverse("jobs:job_result", args=[job.pk])})
    for kind, path in _extra_files(job).items():
        found.append({"name": path.rsplit("/", 1)[-1], "url": reverse("jobs:job_file", args=[job.pk, kind])})
    return found


@login_required
def job_list(request):
    page = Paginator(visible_jobs(request.user).select_related("created_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "jobs/job_list.html", {"page": page})


@login_required
def job_detail(request, pk):
    """The job's page; while it is queued or running its status block polls itself (HTMX)."""
    job = get_object_or_404(visible_jobs(request.user).select_related("created_by"), pk=pk)
    context = {
        "job": job,
        "active": job.status in ACTIVE,
        "poll_seconds": POLL_SECONDS,
        "files": result_files(job) if job.status == JobStatus.SUCCEEDED else [],
        "params": dictionary.job_params(job.name, job.params, job.created_by_id),
        "result_items": dictionary.job_result(job.name, job.result),
    }
    template = "jobs/_job_status.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, context)


@login_required
def job_result(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    if not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1]
    )


@login_required
def job_file(request, pk, kind):
    """One of the extra files a job left (the briefing's Excel annex, its PDF …)."""
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    path = _extra_files(job).get(kind)
    if not path or not default_storage.exists(path):
        raise Http404
    return FileResponse(
        default_storage.open(path, "rb"), as_attachment=True, filename=path.rsplit("/", 1)[-1]
    )
