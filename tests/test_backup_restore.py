"""The restore drill: `make backup` then `make restore` into a fresh database gives the same
funding and audit rows (counts and checksums)."""

import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from accounts.services import audit
from funding.services import disbursement_approve, grant_create, recovery_record

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["accounts_auditevent", "funding_grant", "funding_disbursement", "funding_recovery"]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '') FROM {table} t"
            )
            result[table] = cursor.fetchone()
        return result


def dsn_for(name: str) -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgresql://{settings['USER']}{password}@{host}:{port}/{name}"


def make(target: str, dsn: str, *extra: str, media_root: Path | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": dsn}
    if media_root is not None:
        env["MEDIA_ROOT"] = str(media_root)
    result = subprocess.run(
        ["make", "--no-print-directory", target, *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def seed_money(station, actor) -> None:
    """A Shenyang key-support grant, its year-1 payment and a recovery: real money rows."""
    station.program = "key_support"
    station.save()
    grant = grant_create(station=station, program="key_support", start_year=2025, actor=actor)
    disbursement_approve(
        grant=grant,
        year=2025,
        paid_on=dt.date(2025, 6, 30),
        voucher_no="记-2025-0630-01",
        payee_account_name="测试学会",
        payee_bank="中国银行沈阳分行",
        payee_account_no="6216610100001234567",
        actor=actor,
    )
    recovery_record(
        grant=grant, amount=5000, reason="演练：经费使用不当", clause="沈阳 三(四)", actor=actor
    )


def acl_and_triggers(dsn: str):
    """The audit table's grants (the REVOKE of UPDATE) and its guard triggers."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT relacl::text FROM pg_class WHERE relname = 'accounts_auditevent'")
        acl = cursor.fetchone()[0]
        cursor.execute(
            "SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger "
            "WHERE tgrelid = 'accounts_auditevent'::regclass AND NOT tgisinternal"
        )
        return acl, cursor.fetchone()[0]


def test_backup_and_restore_round_trip(tmp_path, personas, station):
    seed_money(station, personas["admin"])
    media = tmp_path / "media"
    (media / "attachments" / "2025").mkdir(parents=True)
    (media / "attachments" / "2025" / "协议.pdf").write_bytes(b"%PDF-1.4 uploaded file")
    for n in range(5):
        audit(event="drill.event", reason=f"第{n}条", detail={"n": n})
    source = dsn_for(connection.settings_dict["NAME"])
    before = fingerprint(source)
    assert before["accounts_auditevent"][0] >= 5
    assert before["funding_disbursement"][0] == 1 and before["funding_recovery"][0] == 1

    grants = acl_and_triggers(source)
    assert "ssp_audit_guard" in grants[1] and "ssp_audit_no_truncate" in grants[1]
    dump = make("backup", source, f"BACKUP_DIR={tmp_path}", media_root=media)
    assert Path(dump).is_file() and Path(dump.replace(".dump", ".media.tar.gz")).is_file()

    scratch = f"ssp_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dsn_for("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        restored_media = tmp_path / "restored-media"
        make("restore", dsn_for(scratch), f"FILE={dump}", media_root=restored_media)
        assert fingerprint(dsn_for(scratch)) == before
        # The grants (REVOKE UPDATE on the audit table) and the triggers survive the drill.
        assert acl_and_triggers(dsn_for(scratch)) == grants
        # And so do the uploaded files.
        restored = restored_media / "attachments" / "2025" / "协议.pdf"
        assert restored.read_bytes() == b"%PDF-1.4 uploaded file"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
