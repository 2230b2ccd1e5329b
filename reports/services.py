"""Writes of the reports app: list exports (direct or as a job), job runs, expiry."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from io import BytesIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.outbox import outbox_enqueue
from accounts.services import audit

from .excel_stream import write_table
from .exports import (
    CHUNK_SIZE,
    filtered_queryset,
    get_export,
    params_to_querydict,
    querydict_to_params,
)
from .models import ExportJob, export_upload_to

logger = logging.getLogger(__name__)


def export_ttl() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "REPORTS_EXPORT_TTL_HOURS", 24)))


def sync_export_max() -> int:
    """Lists up to this many rows download at once; longer ones become an export job."""
    return int(getattr(settings, "REPORTS_SYNC_EXPORT_MAX", 2000))


def list_export_bytes(*, kind: str, user, params: QueryDict, request=None) -> tuple[bytes, int]:
    """Write a list export in the request (small lists) and return (xlsx bytes, row count)."""
    export = get_export(kind)
    queryset, _filterset = filtered_queryset(export, user, params)
    out = BytesIO()
    count = write_table(
        out,
        title=export.title,
        columns=export.columns(user),
        rows=queryset.iterator(chunk_size=CHUNK_SIZE),
    )
    audit(
        event="reports.list_exported",
        user=user,
        request=request,
        detail={"kind": kind, "rows": count, "filters": querydict_to_params(params)},
    )
    return out.getvalue(), count


@transaction.atomic
def export_job_create(*, kind: str, user, params: QueryDict, request=None) -> ExportJob:
    """Queue a list export; the task starts once this transaction commits (or, if Redis is
    down then, once the outbox relay finds it back)."""
    get_export(kind)  # unknown kinds fail here, not in the worker
    job = ExportJob(owner=user, kind=kind, params=querydict_to_params(params))
    job.full_clean(exclude=["file"])
    job.save()
    audit(
        event="reports.export_job_created",
        user=user,
        request=request,
        obj=job,
        detail={"kind": kind, "filters": job.params},
    )
    outbox_enqueue("reports.tasks.run_export_job", key=f"export-job:{job.pk}", args=[job.pk])
    return job


def export_stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "REPORTS_EXPORT_STALE_SECONDS", 600)))


def export_max_attempts() -> int:
    return int(getattr(settings, "REPORTS_EXPORT_MAX_ATTEMPTS", 3))


def _claim(job_id: int) -> int | None:
    """Claim a pending job, or a running one whose worker stopped beating; return the attempt
    number this run owns (its later writes only land while it still owns the job)."""
    from django.db.models import F, Q

    now = timezone.now()
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .filter(
                Q(status=ExportJob.Status.PENDING)
                | Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=now - export_stale_after())
                | Q(status=ExportJob.Status.RUNNING, heartbeat_at__isnull=True),
                pk=job_id,
            )
            .first()
        )
        if job is None:
            return None
        if job.attempts >= export_max_attempts():
            _fail(job.pk, job.attempts, "导出多次中断（后台任务进程退出），请点击“重新导出”。")
            return None
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.RUNNING,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress=0,
            row_count=0,
        )
        return job.attempts + 1


def _fail(job_id: int, attempt: int, error: str) -> None:
    ExportJob.objects.filter(pk=job_id, attempts=attempt).update(
        status=ExportJob.Status.FAILED, error=error[:300], finished_at=timezone.now()
    )


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a job's rows into a streamed workbook, reporting progress; idempotent.

    A redelivered task finds the job done, or running with a live heartbeat, and leaves it
    alone; a job whose worker died (no heartbeat for REPORTS_EXPORT_STALE_SECONDS) is claimed
    again, up to REPORTS_EXPORT_MAX_ATTEMPTS, then fails visibly so the user can export again."""
    attempt = _claim(job_id)
    if attempt is None:
        return None
    mine = ExportJob.objects.filter(pk=job_id, attempts=attempt, status=ExportJob.Status.RUNNING)
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    export = get_export(job.kind)
    queryset, _filterset = filtered_queryset(export, job.owner, params_to_querydict(job.params))
    total = queryset.count()
    mine.update(total_rows=total, heartbeat_at=timezone.now())

    def progress(done: int) -> None:
        percent = 100 if not total else min(99, int(done * 100 / total))
        if not mine.update(row_count=done, progress=percent, heartbeat_at=timezone.now()):
            raise _Superseded

    # Written to a local temporary file, then handed to the storage (a shared volume or the
    # object store), so any web container can serve the download.
    try:
        with tempfile.TemporaryFile() as stream:
            count = write_table(
                stream,
                title=export.title,
                columns=export.columns(job.owner),
                rows=queryset.iterator(chunk_size=CHUNK_SIZE),
                progress=progress,
                progress_every=CHUNK_SIZE,
            )
            stream.seek(0)
            name = default_storage.save(
                export_upload_to(job, f"export-{attempt}.xlsx"), File(stream, name="export.xlsx")
            )
    except _Superseded:
        return None
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        _fail(job.pk, attempt, str(exc))
        return None
    now = timezone.now()
    if not mine.update(
        status=ExportJob.Status.DONE,
        progress=100,
        row_count=count,
        file=name,
        finished_at=now,
        expires_at=now + export_ttl(),
    ):
        default_storage.delete(name)  # another run took the job over meanwhile
        return None
    job.refresh_from_db()
    audit(
        event="reports.export_job_done",
        user=job.owner,
        obj=job,
        detail={"kind": job.kind, "rows": count, "attempt": attempt},
    )
    return job


class _Superseded(Exception):
    """This run lost the job to a reclaim: stop writing."""


def export_jobs_reclaim(*, now: dt.datetime | None = None) -> int:
    """Beat task: jobs whose worker died are queued again (or failed after the last attempt).

    Needed because the task redelivered after a worker is killed may arrive before the
    heartbeat goes stale, find the job still "running" and stop."""
    from django.db.models import Q

    now = now or timezone.now()
    stale = ExportJob.objects.filter(
        Q(heartbeat_at__lt=now - export_stale_after()) | Q(heartbeat_at__isnull=True),
        status=ExportJob.Status.RUNNING,
    )
    count = 0
    for job in stale:
        count += 1
        if job.attempts >= export_max_attempts():
            _fail(job.pk, job.attempts, "导出多次中断（后台任务进程退出），请点击“重新导出”。")
            continue
        with transaction.atomic():
            if ExportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(
                status=ExportJob.Status.PENDING, heartbeat_at=None
            ):
                outbox_enqueue(
                    "reports.tasks.run_export_job",
                    key=f"export-job:{job.pk}:retry-{job.attempts}",
                    args=[job.pk],
                )
        logger.warning("export job %s lost its worker; queued again", job.pk)
    return count


def export_jobs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired jobs (the rows stay, as a record); return how many."""
    now = now or timezone.now()
    purged = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged


# --- 文号: one numbering service for every document a city's 科协 issues ---------------------


def document_prefix(city) -> str:
    """The city's 文号 prefix: settings.DOCUMENT_NUMBER_PREFIXES[city code], else the policy's."""
    from policies.api import get_policy

    override = (getattr(settings, "DOCUMENT_NUMBER_PREFIXES", None) or {}).get(city.code)
    if override:
        return override
    try:
        prefix = get_policy(city.policy_code).document_prefix
    except Exception:  # noqa: BLE001 (a city without a policy module)
        prefix = ""
    return prefix or f"{city.name}科协"


def format_document_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def document_number_assign(*, kind: str, obj, city, year: int, actor=None, request=None):
    """Return the 文号 of document `kind` for `obj`, assigning the city's next number of
    `year` the first time (assigned once: later calls return the same number). Audited."""
    from django.db import IntegrityError

    from .models import DocumentCounter, DocumentNumber

    key = f"{obj._meta.label_lower}:{obj.pk}"
    existing = DocumentNumber.objects.filter(kind=kind, object_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            DocumentCounter.objects.get_or_create(city=city, year=year)
            counter = DocumentCounter.objects.select_for_update().get(city=city, year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
            number = DocumentNumber.objects.create(
                city=city,
                year=year,
                seq=counter.last,
                number=format_document_number(document_prefix(city), year, counter.last),
                kind=kind,
                object_key=key,
                issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit(
                event="reports.document_numbered",
                user=actor,
                request=request,
                obj=obj,
                city_id=city.pk,
                detail={"kind": kind, "number": number.number, "year": year, "seq": number.seq},
            )
    except IntegrityError:
        # Someone numbered the same document at the same moment: theirs is the number.
        return DocumentNumber.objects.get(kind=kind, object_key=key)
    return number


# --- import jobs: large legacy files checked and imported by a Celery task ---------------------


def sync_import_max() -> int:
    """Files up to this many rows are checked in the request; longer ones become a job."""
    return int(getattr(settings, "REPORTS_SYNC_IMPORT_MAX", 1000))


@transaction.atomic
def import_job_create(*, kind: str, user, content: bytes, dry_run: bool = True, request=None):
    """Store the file and queue its check (dry run) or import; the task starts on commit."""
    from django.core.files.base import ContentFile

    from .imports import IMPORTS
    from .models import ImportJob

    IMPORTS[kind]  # unknown kinds fail here, not in the worker
    job = ImportJob(owner=user, kind=kind, dry_run=dry_run)
    job.file.save("upload", ContentFile(content), save=False)
    job.save()
    audit(
        event="reports.import_job_created",
        user=user,
        request=request,
        obj=job,
        detail={"kind": kind, "dry_run": dry_run, "bytes": len(content)},
    )
    outbox_enqueue("reports.tasks.run_import_job", key=f"import-job:{job.pk}", args=[job.pk])
    return job


def import_job_confirm(*, job, user, request=None):
    """After a clean check, import the same file as a new job (the check's file is reused)."""
    from django.core.exceptions import ValidationError

    if job.owner_id != user.pk or not job.dry_run or job.status != job.Status.DONE:
        raise ValidationError("只能在检查通过后导入本人上传的文件。")
    if (job.result or {}).get("problems"):
        raise ValidationError("文件有错误，不能导入。")
    try:
        with job.file.open("rb") as handle:
            content = handle.read()
    except (ValueError, FileNotFoundError) as exc:
        raise ValidationError("上传的文件已不存在，请重新上传。") from exc
    return import_job_create(
        kind=job.kind, user=user, content=content, dry_run=False, request=request
    )


def import_job_run(*, job_id: int):
    """Run a job's check or import with progress; a redelivered task leaves it alone."""
    from .imports import import_run
    from .models import ImportJob

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("owner").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        percent = 100 if not total else min(99, int(done * 100 / total))
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=done, total_rows=total, progress=percent
        )

    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        report = import_run(
            kind=job.kind, user=job.owner, content=content, dry_run=job.dry_run, progress=progress
        )
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        return None
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        progress=100,
        rows_done=report.rows,
        total_rows=report.rows,
        result=report.as_dict(),
        finished_at=timezone.now(),
    )
    if not job.dry_run:
        job.file.delete(save=False)  # imported (or refused): the upload is not kept
        ImportJob.objects.filter(pk=job.pk).update(file="")
    job.refresh_from_db()
    audit(
        event="reports.import_job_done",
        user=job.owner,
        obj=job,
        detail={
            "kind": job.kind,
            "dry_run": job.dry_run,
            "rows": report.rows,
            "problems": len(report.problems),
            "written": report.written,
        },
    )
    return job
