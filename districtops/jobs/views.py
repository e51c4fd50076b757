from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from .services import visible_jobs


@login_required
def job_list(request):
    page = Paginator(visible_jobs(request.user).select_related("created_by"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "jobs/job_list.html", {"page": page})


@login_required
def job_detail(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@login_required
def job_result(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    if not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/", 1)[-1]
    )
