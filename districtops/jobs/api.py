import datetime as dt

from ninja import Router, Schema

from districtops.gate.api_utils import Limit, Offset, page

from .services import visible_jobs

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    name: str
    status: str
    params: dict
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: dict | list | None
    log: str


class JobPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[JobOut]


@router.get("/", response=JobPage)
def list_jobs(request, limit: Limit = 50, offset: Offset = 0):
    return page(visible_jobs(request.auth), limit, offset)


@router.get("/{job_id}", response=JobOut)
def get_job(request, job_id: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(visible_jobs(request.auth), pk=job_id)
