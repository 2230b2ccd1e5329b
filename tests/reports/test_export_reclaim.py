"""An export job whose worker was killed is reclaimed, finishes or fails visibly (issue 13)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, OutboxMessage
from accounts.roles import Role
from reports import services
from reports.models import ExportJob

pytestmark = pytest.mark.django_db


def killed_mid_run(owner, *, minutes_ago=30, attempts=1):
    """What a SIGKILLed worker leaves behind: claimed, 0 %, heartbeat frozen at its death."""
    return ExportJob.objects.create(
        owner=owner,
        kind="stations",
        status=ExportJob.Status.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def test_the_redelivered_task_reclaims_a_job_whose_worker_died(personas):
    job = killed_mid_run(personas["admin"])
    done = services.export_job_run(job_id=job.pk)
    assert done is not None and done.status == ExportJob.Status.DONE and done.attempts == 2
    assert done.downloadable


def test_a_live_run_is_left_alone(personas):
    job = killed_mid_run(personas["admin"], minutes_ago=0)
    assert services.export_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and job.attempts == 1


def test_beat_requeues_a_dead_job_the_early_redelivery_missed(personas, settings):
    job = killed_mid_run(personas["admin"], minutes_ago=0)
    # Redelivered right after the kill: the heartbeat is still fresh, the task stops.
    assert services.export_job_run(job_id=job.pk) is None
    later = timezone.now() + dt.timedelta(seconds=settings.REPORTS_EXPORT_STALE_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        assert services.export_jobs_reclaim() == 1
    job.refresh_from_db()
    # Queued again through the outbox (published after commit); the task then finishes it.
    assert job.status == ExportJob.Status.PENDING
    assert OutboxMessage.objects.filter(key=f"export-job:{job.pk}:retry-1").exists()
    done = services.export_job_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE and done.attempts == 2


def test_after_the_last_attempt_the_job_fails_visibly_and_offers_a_retry(personas, client):
    job = killed_mid_run(personas["admin"], attempts=services.export_max_attempts())
    assert services.export_jobs_reclaim() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "重新导出" in job.error
    client.force_login(personas["admin"])
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert 'data-testid="job-retry"' in page
    assert reverse("reports:list_export", args=["stations"]) in page


def test_a_superseded_run_does_not_overwrite_the_reclaimed_one(personas):
    job = killed_mid_run(personas["admin"])
    done = services.export_job_run(job_id=job.pk)
    # The "dead" first run wakes up and tries to finish: it no longer owns the job.
    assert ExportJob.objects.filter(pk=job.pk, attempts=1).update(progress=5) == 0
    assert done.attempts == 2


def test_another_users_job_is_404_and_audited(personas, make_user, client, shenyang):
    job = ExportJob.objects.create(owner=personas["admin"], kind="stations")
    intruder = make_user(Role.CITY_ADMIN, city=shenyang)
    client.force_login(intruder)
    for name in ("reports:job", "reports:job_progress", "reports:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    denied = AuditEvent.objects.filter(event="access.denied", object_id=str(job.pk))
    assert denied.count() == 3 and denied.first().user == intruder
