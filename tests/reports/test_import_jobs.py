"""Large legacy files leave the request: checked, then imported, by a Celery job with progress;
the all-or-nothing rule holds in the job too."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from reports.models import ImportJob
from stations.models import Society
from tests.factories import UserFactory

HEADERS = ["序号", "城市代码", "学会名称", "学会级别", "专业领域", "业务主管科协"]


def societies_file(n: int, *, bad_row: int | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["沈阳市学会名单"])
    ws.append(HEADERS)
    for i in range(n):
        level = "区级" if bad_row == i else "市级"
        ws.append([i + 1, "shenyang", f"批量学会{i:05d}", level, "机械", "市科协"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def admin(shenyang):
    return UserFactory(role=Role.CITY_ADMIN, city=shenyang)


@pytest.mark.django_db
def test_a_large_file_is_checked_then_imported_by_jobs_with_progress(
    admin, client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_SYNC_IMPORT_MAX = 10
    client.force_login(admin)
    url = reverse("reports:import_preview", args=["societies"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("大表.xlsx", societies_file(30))})
    check = ImportJob.objects.get(owner=admin)
    assert response.status_code == 302
    assert response.url == reverse("reports:import_job", args=[check.pk])
    assert check.status == "done" and check.dry_run and check.progress == 100
    assert check.total_rows == 30 and check.result["new"] == 30 and not check.result["problems"]
    assert not Society.objects.filter(
        name__startswith="批量学会"
    ).exists()  # a check writes nothing
    page = client.get(response.url)
    assert b'data-testid="import-confirm"' in page.content and b"hx-trigger" not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:import_job_confirm", args=[check.pk]))
    run = ImportJob.objects.exclude(pk=check.pk).get(owner=admin)
    assert response.url == reverse("reports:import_job", args=[run.pk])
    assert run.status == "done" and not run.dry_run and run.result["written"]
    assert Society.objects.filter(name__startswith="批量学会").count() == 30
    assert not run.file  # the upload is not kept after the import
    assert b'data-testid="import-done"' in client.get(response.url).content
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"reports.import_job_created", "reports.import_job_done", "society.imported"} <= events
    # Another user, even of the same city and role, gets a 404 like for a missing job.
    client.force_login(UserFactory(role=Role.CITY_ADMIN, city=admin.city))
    assert client.get(reverse("reports:import_job", args=[run.pk])).status_code == 404
    assert client.post(reverse("reports:import_job_confirm", args=[check.pk])).status_code == 404


@pytest.mark.django_db
def test_a_bad_row_in_a_large_file_refuses_it_in_the_job_and_writes_nothing(
    admin, client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_SYNC_IMPORT_MAX = 10
    client.force_login(admin)
    url = reverse("reports:import_preview", args=["societies"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"file": SimpleUploadedFile("大表.xlsx", societies_file(30, bad_row=20))})
    check = ImportJob.objects.get(owner=admin)
    problems = check.result["problems"]
    assert [(p["row"], p["header"]) for p in problems] == [(23, "学会级别")]  # title + header + 21
    page = client.get(reverse("reports:import_job", args=[check.pk])).content.decode()
    assert "第 23 行" in page and "import-confirm" not in page
    response = client.post(reverse("reports:import_job_confirm", args=[check.pk]))
    assert response.status_code == 409
    assert ImportJob.objects.filter(owner=admin).count() == 1
    assert not Society.objects.filter(name__startswith="批量学会").exists()


@pytest.fixture
def worker(settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    url = os.environ["CELERY_BROKER_URL"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=False, task_acks_late=True
    )
    app._local.__dict__.pop("backend", None)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.update(task_always_eager=True)
    app._local.__dict__.pop("backend", None)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_import_job_runs_on_a_real_worker_once(worker, shenyang):
    from reports import services
    from reports.tasks import run_import_job
    from tests.factories import city

    user = UserFactory(role=Role.CITY_ADMIN, city=city("shenyang"))
    job = services.import_job_create(
        kind="societies", user=user, content=societies_file(25), dry_run=False
    )
    assert run_import_job.delay(job.pk).get(timeout=60) in (True, None)
    job.refresh_from_db()
    assert job.status == "done" and job.result["written"] and job.result["new"] == 25
    assert run_import_job.delay(job.pk).get(timeout=60) is None  # redelivered: claimed already
    assert Society.objects.filter(name__startswith="批量学会").count() == 25
