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


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a job's rows into a streamed workbook, reporting progress; idempotent."""
    # Claim the job: a redelivered task finds it running or done and leaves it alone.
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    export = get_export(job.kind)
    queryset, _filterset = filtered_queryset(export, job.owner, params_to_querydict(job.params))
    total = queryset.count()
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

    def progress(done: int) -> None:
        percent = 100 if not total else min(99, int(done * 100 / total))
        ExportJob.objects.filter(pk=job.pk).update(row_count=done, progress=percent)

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
                export_upload_to(job, "export.xlsx"), File(stream, name="export.xlsx")
            )
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        return None
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        row_count=count,
        file=name,
        finished_at=now,
        expires_at=now + export_ttl(),
    )
    job.refresh_from_db()
    audit(
        event="reports.export_job_done",
        user=job.owner,
        obj=job,
        detail={"kind": job.kind, "rows": count},
    )
    return job


def export_jobs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of expired jobs (the rows stay, as a record); return how many."""
    now = now or timezone.now()
    purged = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
