"""Writes of the reports app: list exports (direct or as a job), job runs, expiry."""

from __future__ import annotations

import datetime as dt
import logging
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.outbox import outbox_enqueue
from accounts.services import audit

from .excel import write_table
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

    name = export_upload_to(job, f"export-{attempt}.xlsx")
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("wb") as stream:
            count = write_table(
                stream,
                title=export.title,
                columns=export.columns(job.owner),
                rows=queryset.iterator(chunk_size=CHUNK_SIZE),
                progress=progress,
                progress_every=CHUNK_SIZE,
            )
    except _Superseded:
        path.unlink(missing_ok=True)
        return None
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        path.unlink(missing_ok=True)
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
        path.unlink(missing_ok=True)  # another run took the job over meanwhile
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
