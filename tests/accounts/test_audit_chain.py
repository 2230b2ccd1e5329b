"""The audit trail cannot be quietly erased (issue 13): a hash chain over the rows with
`manage.py verify_audit`, a TRUNCATE guard, and an application role that can only add rows."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.audit_chain import seal_pending, verify
from accounts.models import AuditEvent
from accounts.services import audit

pytestmark = pytest.mark.django_db
TABLE = "accounts_auditevent"


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def chain_of(n):
    rows = [audit(event=f"chain.{i}", reason=f"第{i}条", detail={"n": i}) for i in range(n)]
    seal_pending()
    return rows


def bypass_guard():
    """What an attacker with the owner or superuser role could do; SQLite has no trigger."""
    if connection.vendor == "postgresql":
        raw("SET LOCAL session_replication_role = replica")


def test_rows_are_sealed_after_commit_in_a_chain(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = audit(event="a")
        second = audit(event="b")
    first, second = (AuditEvent.objects.get(pk=r.pk) for r in (first, second))
    assert second.seal_seq == first.seal_seq + 1
    assert second.prev_hash == first.row_hash and len(first.row_hash) == 64
    assert verify().ok


def test_verify_reports_the_first_changed_row():
    rows = chain_of(5)
    bypass_guard()
    raw(f"UPDATE {TABLE} SET reason = '篡改' WHERE id = %s", [rows[2].pk])
    verdict = verify()
    assert not verdict.ok and f"id {rows[2].pk}" in verdict.message and "篡改" in verdict.message
    with pytest.raises(CommandError, match=f"id {rows[2].pk}"):
        call_command("verify_audit")


def test_verify_reports_a_deleted_row():
    rows = chain_of(5)
    bypass_guard()
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[1].pk])
    verdict = verify()
    assert not verdict.ok and f"id {rows[2].pk}" in verdict.message and "删除" in verdict.message


def test_verify_reports_a_forged_link():
    rows = chain_of(4)
    bypass_guard()
    # Recompute the changed row's own hash: the next row's link still gives it away.
    from accounts.audit_chain import row_hash

    raw(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", ['{"n": 99}', rows[1].pk])
    changed = AuditEvent.objects.filter(pk=rows[1].pk).values().get()
    raw(
        f"UPDATE {TABLE} SET row_hash = %s WHERE id = %s",
        [row_hash(changed["prev_hash"], changed), rows[1].pk],
    )
    verdict = verify()
    assert not verdict.ok and f"id {rows[2].pk}" in verdict.message


def test_intact_chain_passes_and_the_command_prints_the_head(capsys):
    chain_of(3)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "哈希链完整" in out and AuditEvent.objects.order_by("-seal_seq").first().row_hash in out


# --- PostgreSQL: the trigger and the roles ---------------------------------------------------


@pytest.mark.postgres
def test_truncate_is_refused_even_for_the_owner():
    audit(event="keep.me")
    raw("SET LOCAL ssp.audit_truncate = 'off'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.filter(event="keep.me").exists()


@pytest.mark.postgres
def test_the_guard_lets_only_the_sealer_fill_hash_columns_of_unsealed_rows():
    row = audit(event="to.seal")
    raw("SET LOCAL ssp.audit_seal = 'on'")
    # Even with the seal flag, another column cannot change with the hashes.
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(
            f"UPDATE {TABLE} SET seal_seq = 999, row_hash = 'x', reason = '篡改' WHERE id = %s",
            [row.pk],
        )
    seal_pending()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(f"UPDATE {TABLE} SET row_hash = 'y' WHERE id = %s", [row.pk])
    assert verify().ok


APP_ROLE = "ssp13_app_test"


@pytest.fixture
def app_role():
    raw(f"DROP ROLE IF EXISTS {APP_ROLE}")
    raw(f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER")
    call_command("db_app_role", "--role", APP_ROLE)
    yield APP_ROLE
    raw("RESET ROLE")
    raw(f"DROP OWNED BY {APP_ROLE}")
    raw(f"DROP ROLE {APP_ROLE}")


@pytest.mark.postgres
def test_the_application_role_can_only_add_and_read_audit_rows(app_role):
    row = audit(event="before")
    raw(f"SET LOCAL ROLE {app_role}")
    added = audit(event="as.app.role")  # INSERT works
    assert seal_pending() == 2  # and so does sealing
    assert AuditEvent.objects.filter(pk=added.pk).exists()  # SELECT works
    for sql in (
        f"UPDATE {TABLE} SET reason = 'x' WHERE id = {row.pk}",
        f"DELETE FROM {TABLE} WHERE id = {row.pk}",
        f"TRUNCATE {TABLE}",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ssp_audit_guard",
        f"DROP TRIGGER ssp_audit_guard ON {TABLE}",
        "SET session_replication_role = replica",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(sql)
    assert verify().ok


@pytest.mark.postgres
def test_db_app_role_refuses_a_superuser():
    with pytest.raises(CommandError, match="超级用户"):
        call_command("db_app_role", "--role", connection.settings_dict["USER"])
