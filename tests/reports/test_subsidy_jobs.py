"""The subsidy report leaves the request when it is big: a job with progress, owner-only
download; the HTML table pages 50 lines at a time with the whole report's totals."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from reports.models import ExportJob
from reports.subsidy import subsidy_report
from tests.factories import UserFactory

from .helpers import open_xlsx, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def always_a_job(settings):
    settings.REPORTS_SYNC_SUBSIDY_MAX = 0


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats")],
)
def test_a_big_report_becomes_a_job_whose_file_the_owner_downloads(
    guiyang_money,
    this_year,
    client,
    always_a_job,
    fmt,
    content_type,
    django_capture_on_commit_callbacks,
):
    admin = guiyang_money["admin"]
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": fmt})
    job = ExportJob.objects.get(owner=admin)
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:job", args=[job.pk]
    )
    # No broker in the suite: the outbox ran the task in-process after the commit.
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.progress == 100
    expected = len(subsidy_report(admin, city=guiyang_money["city"], year=this_year).rows)
    assert job.row_count == job.total_rows == expected > 0
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert reverse("reports:job_download", args=[job.pk]) in page
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith(content_type)
    body = b"".join(download.streaming_content)
    if fmt == "pdf":
        flat = re.sub(r"\s+", "", pdf_text(body))
        assert "贵阳市学会服务站资助资金报表" in flat and "（盖章）" in flat
    else:
        ws = open_xlsx(body).active
        assert ws.cell(1, 1).value.startswith("贵阳市学会服务站资助资金报表")
    assert AuditEvent.objects.filter(
        event="reports.subsidy_exported", object_id=str(job.pk)
    ).exists()
    # Another administrator of the same city cannot fetch it (answers like a missing job).
    client.force_login(UserFactory(role=admin.role, city=admin.city))
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_a_small_report_still_downloads_at_once(guiyang_money, this_year, client):
    client.force_login(guiyang_money["admin"])
    response = client.get(reverse("reports:subsidy"), {"year": this_year, "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not ExportJob.objects.exists()


def test_the_job_checks_the_permission_again_in_the_worker(guiyang_money, this_year, settings):
    from reports import subsidy_jobs

    settings.CELERY_TASK_ALWAYS_EAGER = True
    admin = guiyang_money["admin"]
    job = ExportJob.objects.create(
        owner=admin,
        kind="subsidy_pdf",
        params={"city": guiyang_money["city"].pk, "year": this_year},
    )
    admin.role = "society_staff"
    admin.save()
    assert subsidy_jobs.subsidy_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    # A redelivered task leaves a finished job alone.
    assert subsidy_jobs.subsidy_job_run(job_id=job.pk) is None


def test_the_html_table_pages_lines_and_shows_the_whole_reports_total(
    guiyang_money, this_year, client, settings
):
    from reports import views

    settings.DEBUG = False
    admin = guiyang_money["admin"]
    report = subsidy_report(admin, city=guiyang_money["city"], year=this_year)
    lines = len(report.lines())
    original = views.SUBSIDY_PAGE_SIZE
    views.SUBSIDY_PAGE_SIZE = 3
    try:
        client.force_login(admin)
        first = client.get(reverse("reports:subsidy"), {"year": this_year}).content.decode()
        last = client.get(
            reverse("reports:subsidy"), {"year": this_year, "page": (lines + 2) // 3}
        ).content.decode()
    finally:
        views.SUBSIDY_PAGE_SIZE = original
    body = first.split('data-testid="subsidy-table"')[1].split("</table>")[0]
    assert body.count("<tr>") == 3  # three data rows, nothing more on page 1
    assert f"共 {lines} 条" in first and 'data-testid="next-page"' in first
    for html in (first, last):
        assert 'data-testid="subsidy-total"' in html
        assert "230,000" in html  # the grand net total, whatever the page
    assert "小计：" in last


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_subsidy_job_runs_on_a_real_worker(worker_app, guiyang_money, this_year):
    from reports import subsidy_jobs
    from reports.tasks import run_subsidy_job

    admin = guiyang_money["admin"]
    job = subsidy_jobs.subsidy_job_create(
        user=admin, city=guiyang_money["city"], fmt="pdf", year=this_year
    )
    run_subsidy_job.delay(job.pk).get(timeout=120)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.file.name.endswith(".pdf")
    assert run_subsidy_job.delay(job.pk).get(timeout=60) is None  # idempotent


@pytest.fixture
def worker_app(settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = os.environ["CELERY_BROKER_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    app._local.__dict__.pop("backend", None)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(task_always_eager=True)
    app._local.__dict__.pop("backend", None)
