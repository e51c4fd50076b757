"""In Chromium: the job page turns from 排队中 to 成功 by itself and offers the files."""

import pytest

from districtops.jobs import registry
from districtops.jobs.services import run_job, start_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sample_job(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setitem(registry.JOBS, "test.sample", "districtops.jobs.tests.test_views.sample_job")


def test_the_page_polls_until_done_then_links_the_files(org, users, browser_page):
    page = browser_page
    job = start_job(
        users["leader"], "test.sample", {"period": "2021-02", "user_id": users["leader"].pk}, enqueue=False
    )
    page.login("leader")
    page.goto_path(f"/jobs/{job.pk}/")
    assert page.get_by_test_id("job-state").inner_text() == "排队中"
    assert page.get_by_test_id("job-file").count() == 0
    url_before = page.url
    run_job(job.pk)  # the worker, here
    page.wait_for_selector("[data-testid=job-status][data-status=succeeded]", timeout=10_000)
    assert page.url == url_before  # no reload: the status block replaced itself
    assert [link.inner_text() for link in page.get_by_test_id("job-file").all()] == ["通报.docx", "附件.xlsx"]
    with page.expect_download() as download:
        page.get_by_test_id("job-file").nth(1).click()
    assert download.value.suggested_filename == "附件.xlsx"
    page.screenshot(path="test-results/job-polled-done.png")
    # Done: no further polling requests.
    polls = []
    page.on("request", lambda r: polls.append(r.url) if f"/jobs/{job.pk}/" in r.url else None)
    page.wait_for_timeout(4500)
    assert polls == []
