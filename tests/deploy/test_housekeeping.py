"""Queues, time limits and the beat schedule; the scheduled purges do what they say."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import AuditEvent
from config.celery import app
from reports.staging import staged_name, staging_purge, staging_read, staging_save


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task, (), {})["queue"].name


def test_exports_and_email_have_their_own_queues_and_the_rest_goes_to_default():
    assert queue_of("reports.tasks.run_export_job") == "exports"
    assert queue_of("accounts.tasks.send_notification_email") == "email"
    assert queue_of("funding.tasks.send_payment_notice") == "default"
    assert queue_of("accounts.tasks.outbox_relay") == "default"
    assert set(app.amqp.queues) == {"default", "exports", "email"}


def test_every_task_has_a_time_limit_and_exports_a_longer_one():
    app.loader.import_default_modules()
    assert app.conf.task_soft_time_limit and app.conf.task_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    export = app.tasks["reports.tasks.run_export_job"]
    assert app.conf.task_soft_time_limit < export.soft_time_limit < export.time_limit
    email = app.tasks["accounts.tasks.send_notification_email"]
    assert email.soft_time_limit < email.time_limit <= app.conf.task_soft_time_limit


def test_beat_schedules_the_housekeeping_and_every_scheduled_task_exists():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "accounts.tasks.clear_sessions",
        "accounts.tasks.purge_audit",
        "reports.tasks.purge_expired_exports",
        "reports.tasks.purge_import_staging",
    } <= scheduled
    assert scheduled <= set(app.tasks)


@pytest.mark.django_db
def test_clear_sessions_task_deletes_expired_sessions_only():
    from accounts.tasks import clear_sessions

    now = timezone.now()
    Session.objects.create(
        session_key="old" * 8, session_data="", expire_date=now - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="new" * 8, session_data="", expire_date=now + dt.timedelta(days=1)
    )
    clear_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new" * 8]


@pytest.mark.django_db
def test_purge_audit_task_keeps_the_retention_and_is_audited():
    from accounts.services import audit
    from accounts.tasks import purge_audit

    audit(event="test.recent")
    purge_audit.delay()
    assert AuditEvent.objects.filter(event="test.recent").exists()
    assert AuditEvent.objects.filter(event="audit.purge").count() == 1


@pytest.mark.real_clock  # the storage's file times are the real clock's
@pytest.mark.django_db
def test_staged_imports_are_read_back_by_token_and_purged_after_a_day(personas):
    admin, other = personas["admin"], personas["talent"]
    token = staging_save(user=admin, content=b"workbook")
    assert staging_read(user=admin, token=token) == b"workbook"
    assert staging_read(user=other, token=token) is None  # another user's token finds nothing
    assert staging_read(user=admin, token="../../etc/passwd") is None
    assert staging_purge(now=timezone.now()) == 0  # fresh: kept
    assert staging_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not default_storage.exists(staged_name(user=admin, token=token))
    assert staging_purge(now=timezone.now() + dt.timedelta(days=3)) == 0
