"""The job page: polls itself while a job waits or runs, then links every result file."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from districtops.jobs import registry
from districtops.jobs.models import Job, JobStatus
from districtops.jobs.services import run_job, start_job

pytestmark = pytest.mark.django_db


def sample_job(log, *, period: str, user_id: int) -> dict:
    """A job that leaves a result file and an extra file, like the briefing does."""
    log.attach("通报.docx", b"docx-bytes")
    path = default_storage.save(f"jobs/briefings/{log.job.pk}/附件.xlsx", ContentFile(b"xlsx-bytes"))
    return {"files": {"xlsx": path}, "seconds": 1.5}


@pytest.fixture(autouse=True)
def _sample_job(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setitem(registry.JOBS, "test.sample", f"{__name__}.sample_job")


@pytest.fixture
def job(users):
    return start_job(
        users["leader"], "test.sample", {"period": "2021-02", "user_id": users["leader"].pk}, enqueue=False
    )


def test_a_queued_job_polls_every_two_seconds(job, login):
    client = login("leader")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and f'hx-get="/jobs/{job.pk}/"' in page
    assert "排队中" in page
    fragment = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="job-status"' in fragment and 'hx-trigger="every 2s"' in fragment


def test_a_finished_job_stops_polling_and_links_every_file(job, login):
    run_job(job.pk)
    client = login("leader")
    fragment = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "成功" in fragment
    links = re.findall(r'<a href="([^"]+)" data-testid="job-file">([^<]+)</a>', fragment)
    assert [name for _url, name in links] == ["通报.docx", "附件.xlsx"]
    bodies = [b"".join(client.get(url).streaming_content) for url, _name in links]
    assert bodies == [b"docx-bytes", b"xlsx-bytes"]


def test_a_failed_job_stops_polling_and_offers_no_file(job, login, monkeypatch):
    monkeypatch.setitem(registry.JOBS, "test.sample", "districtops.jobs.tests.test_views.no_such_function")
    assert run_job(job.pk).status == JobStatus.FAILED
    fragment = login("leader").get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "失败" in fragment and "job-file" not in fragment


def test_someone_else_gets_404_for_page_and_files(job, login):
    run_job(job.pk)
    other = login("supervisor")
    for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/result/", f"/jobs/{job.pk}/files/xlsx/"):
        assert other.get(path).status_code == 404, path
    assert login("leader").get(f"/jobs/{job.pk}/files/pdf/").status_code == 404


def test_a_path_outside_the_jobs_folder_is_never_served(job, login):
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result={"files": {"x": "../settings.py"}}
    )
    assert login("leader").get(f"/jobs/{job.pk}/files/x/").status_code == 404


def test_job_name_and_parameters_read_as_words(job, login, users):
    run_job(job.pk)
    Job.objects.filter(pk=job.pk).update(name="cockpit.briefing", params={
        "district_code": "410104", "period": "2021-02", "user_id": users["leader"].pk,
    })  # fmt: skip
    page = login("leader").get(f"/jobs/{job.pk}/").content.decode()
    assert "月度经济运行通报" in page and "管城回族区" in page and str(users["leader"]) in page
    assert "cockpit.briefing" not in page and "district_code" not in page and "'period':" not in page
    listing = login("leader").get("/jobs/").content.decode()
    assert "月度经济运行通报" in listing and "cockpit.briefing" not in listing
