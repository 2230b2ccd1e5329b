"""The subsidy report as a background job (Celery), for reports too big for a web request.

It reuses the list exports' ExportJob: the owner, progress, expiry and the owner-only
download. `kind` is `subsidy_pdf` or `subsidy_xlsx`; `params` holds the city and period.
The task is queued through the transactional outbox once the job row commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.outbox import outbox_enqueue
from accounts.scoping import scope_queryset
from accounts.services import audit

from .excel import XLSX_CONTENT_TYPE
from .models import ExportJob
from .pdf import PDF_CONTENT_TYPE

logger = logging.getLogger(__name__)

FORMATS = {"pdf": PDF_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
KIND_PREFIX = "subsidy_"


def is_subsidy_kind(kind: str) -> bool:
    return kind.startswith(KIND_PREFIX) and kind[len(KIND_PREFIX) :] in FORMATS


def job_format(job: ExportJob) -> str:
    return job.kind[len(KIND_PREFIX) :]


def sync_subsidy_max() -> int:
    """Reports of up to this many rows download at once; bigger ones become a job."""
    from django.conf import settings

    return int(getattr(settings, "REPORTS_SYNC_SUBSIDY_MAX", 300))


def estimated_rows(user, *, city, year=None, date_from=None, date_to=None) -> int:
    """Return an upper bound of the report's rows from two COUNT queries (no rows built)."""
    from funding.models import Disbursement, Grant, Recovery

    if year is not None:
        paid = Q(year=year)
        recovered = Q(year=year)
        scheduled = scope_queryset(
            user, Grant.objects.filter(city=city, start_year__lte=year)
        ).count()
    else:
        paid = Q(paid_on__range=(date_from, date_to))
        recovered = Q(created_at__date__range=(date_from, date_to))
        scheduled = 0
    base = {"grant__city": city}
    return max(
        scheduled,
        scope_queryset(user, Disbursement.objects.filter(paid, **base)).count()
        + scope_queryset(user, Recovery.objects.filter(recovered, **base)).count(),
    )


def _period_params(year, date_from, date_to) -> dict:
    return {
        "year": year,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
    }


@transaction.atomic
def subsidy_job_create(
    *, user, city, fmt: str, year=None, date_from=None, date_to=None, request=None
) -> ExportJob:
    """Queue the report of `city` for a year or a date range, as PDF or Excel."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    job = ExportJob(
        owner=user,
        kind=KIND_PREFIX + fmt,
        params={"city": city.pk, **_period_params(year, date_from, date_to)},
    )
    job.full_clean(exclude=["file"])
    job.save()
    audit(
        event="reports.export_job_created",
        user=user,
        request=request,
        obj=job,
        city_id=city.pk,
        detail={"kind": job.kind, **job.params},
    )
    outbox_enqueue("reports.tasks.run_subsidy_job", key=f"subsidy-job:{job.pk}", args=[job.pk])
    return job


def _progress(job_id: int, percent: int, **fields) -> None:
    ExportJob.objects.filter(pk=job_id).update(progress=percent, **fields)


def subsidy_job_run(*, job_id: int) -> ExportJob | None:
    """Build and render a queued subsidy report, reporting progress; idempotent."""
    from stations.models import City

    from .permissions import can_view_city_reports
    from .subsidy import subsidy_report
    from .subsidy_xlsx import subsidy_xlsx

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, progress=5
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    fmt = job_format(job)
    name = f"exports/{job.owner_id}/{uuid.uuid4().hex}.{fmt}"
    path = Path(default_storage.path(name))
    try:
        city = City.objects.get(pk=job.params["city"])
        # Checked again in the worker: the owner may have lost the role since queuing.
        allowed, reason = can_view_city_reports(job.owner, city)
        if not allowed:
            raise PermissionError(reason)
        period = {
            "year": job.params.get("year"),
            "date_from": _date(job.params.get("date_from")),
            "date_to": _date(job.params.get("date_to")),
        }
        report = subsidy_report(job.owner, city=city, **period)
        total = len(report.rows)
        _progress(job.pk, 30, total_rows=total)
        if fmt == "xlsx":
            content = subsidy_xlsx(report)
        else:
            from .pdf import render_pdf
            from .views import issuer_for

            content = render_pdf(
                "reports/pdf/subsidy.html",
                {"report": report, "today": timezone.localdate(), "issuer": issuer_for(city)},
                lean_ua=True,
            )
        _progress(job.pk, 95, row_count=total)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except Exception as exc:
        logger.exception("subsidy job %s failed", job.pk)
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        return None
    from .services import export_ttl

    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        progress=100,
        row_count=total,
        file=name,
        finished_at=now,
        expires_at=now + export_ttl(),
        params={**job.params, "title": report.title},
    )
    job.refresh_from_db()
    audit(
        event="reports.subsidy_exported",
        user=job.owner,
        obj=job,
        city_id=city.pk,
        detail={"format": fmt, "period": report.period_label, "rows": total, "job": job.pk},
    )
    return job


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def download_name(job: ExportJob) -> str:
    title = job.params.get("title") or "资助资金报表"
    return f"{title}-{job.pk}.{job_format(job)}"
