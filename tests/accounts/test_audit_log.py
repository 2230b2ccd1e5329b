import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from accounts.models import AuditEvent, AuditImmutableError
from accounts.services import audit, audit_purge


def backdate(event: AuditEvent, days: int) -> None:
    """Move a row into the past the only way possible: before the guard sees it (raw insert)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, username, event, object_type, object_id, object_repr, result, reason, clause, detail) "
            "VALUES (%s, 'old', %s, '', '', '', 'success', '', '', '{}')",
            [timezone.now() - dt.timedelta(days=days), event.event],
        )


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted_through_the_application(shenyang):
    row = audit(event="test.event", reason="原始记录")
    row.reason = "篡改"
    with pytest.raises(AuditImmutableError):
        row.save()
    with pytest.raises(AuditImmutableError):
        row.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=row.pk).update(reason="篡改")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=row.pk).reason == "原始记录"


@pytest.mark.django_db
def test_purge_keeps_rows_newer_than_retention_and_refuses_short_retention():
    recent = audit(event="recent")
    backdate(recent, days=179)
    backdate(recent, days=400)
    with pytest.raises(ValueError):
        audit_purge(older_than_days=30)
    assert audit_purge(older_than_days=180) == 1
    assert AuditEvent.objects.filter(username="old").count() == 1  # the 179-day row stays
    assert AuditEvent.objects.filter(event="recent", username="").exists()


@pytest.mark.django_db
def test_purge_command_is_audited():
    call_command("purge_audit", "--older-than-days", "365")
    assert AuditEvent.objects.filter(event="audit.purge").exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_raw_update_and_delete_even_for_the_owner():
    row = audit(event="raw.attempt")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    for sql in (
        f"UPDATE {table} SET reason = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AuditEvent.objects.filter(pk=row.pk, reason="").exists()
