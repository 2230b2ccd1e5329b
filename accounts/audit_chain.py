"""The audit hash chain: each audit row stores the hash of the row sealed before it and its own
hash over its content, so a changed, deleted or inserted row breaks the chain at that point.

Rows are sealed right after the transaction that wrote them commits (`transaction.on_commit`),
one sealer at a time (a PostgreSQL advisory lock), in `seal_seq` order. Sealing after commit
keeps audit writes free of any global lock inside business transactions. The only UPDATE the
database lets through on the table is this one: hash columns of a not-yet-sealed row, with
`ssp.audit_seal` set (migration 0010). `manage.py verify_audit` walks the chain and reports the
first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
ADVISORY_LOCK = 0x55A0D17  # pg_advisory_xact_lock key of the one sealer
CONTENT_FIELDS = (
    "id",
    "at",
    "user_id",
    "username",
    "ip",
    "event",
    "object_type",
    "object_id",
    "object_repr",
    "city_id",
    "result",
    "reason",
    "clause",
    "detail",
)


def _normal(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def content_of(row: dict) -> str:
    data = {name: _normal(row[name]) for name in CONTENT_FIELDS}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, row: dict) -> str:
    return hashlib.sha256(f"{prev_hash}|{content_of(row)}".encode()).hexdigest()


def _rows(queryset):
    return queryset.values(*CONTENT_FIELDS, "seal_seq", "prev_hash", "row_hash")


def seal_pending() -> int:
    """Seal every committed, unsealed audit row (oldest id first); return how many."""
    from .models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
                cursor.execute("SET LOCAL ssp.audit_seal = 'on'")
        pending = list(_rows(AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id")))
        if not pending:
            return 0
        head = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("-seal_seq").first()
        seq, prev = (head.seal_seq, head.row_hash) if head else (0, GENESIS)
        with connection.cursor() as cursor:
            for row in pending:
                seq += 1
                digest = row_hash(prev, row)
                cursor.execute(
                    f"UPDATE {table} SET seal_seq = %s, prev_hash = %s, row_hash = %s "  # noqa: S608
                    "WHERE id = %s AND seal_seq IS NULL",
                    [seq, prev, digest, row["id"]],
                )
                prev = digest
        return len(pending)


def seal_after_commit() -> None:
    def _seal():
        try:
            seal_pending()
        except Exception:  # the row is committed; the next seal or verify_audit --seal takes it
            logger.exception("audit rows could not be sealed now; they will be sealed later")

    transaction.on_commit(_seal)


@dataclass
class Verdict:
    ok: bool
    checked: int
    unsealed: int
    head: str
    message: str


def verify() -> Verdict:
    """Walk the chain in seal order; the first row whose link or content does not match breaks it.

    The oldest remaining row's `prev_hash` is taken as given (rows before it may have been
    purged past retention); every later link must match exactly."""
    from .models import AuditEvent

    checked, prev, expected_seq = 0, None, None
    rows = _rows(AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq"))
    for row in rows.iterator(chunk_size=2000):
        where = f"链序号 {row['seal_seq']}（审计记录 id {row['id']}）"
        if expected_seq is not None and row["seal_seq"] != expected_seq:
            return Verdict(
                False,
                checked,
                0,
                prev or "",
                f"断链于{where}：之前缺少链序号 {expected_seq}–{row['seal_seq'] - 1} 的记录（被删除）。",
            )
        if prev is not None and row["prev_hash"] != prev:
            return Verdict(
                False, checked, 0, prev, f"断链于{where}：前一条哈希不符（记录被删除或插入）。"
            )
        if row_hash(row["prev_hash"], row) != row["row_hash"]:
            return Verdict(
                False, checked, 0, prev or "", f"断链于{where}：内容与哈希不符（记录被篡改）。"
            )
        prev, expected_seq = row["row_hash"], row["seal_seq"] + 1
        checked += 1
    unsealed = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    message = f"审计日志哈希链完整：已校验 {checked} 条。"
    if unsealed:
        message += f"另有 {unsealed} 条尚未封链（可运行 verify_audit --seal）。"
    return Verdict(True, checked, unsealed, prev or GENESIS, message)
