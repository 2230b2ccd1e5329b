"""Celery tasks of reports: thin, take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def run_export_job(job_id: int) -> int | None:
    """Write an export job's workbook; a redelivered task leaves a live run alone and reclaims
    a dead one (reports.services.export_job_run)."""
    from .services import export_job_run

    job = export_job_run(job_id=job_id)
    return job.row_count if job else None


@shared_task
def reclaim_export_jobs() -> int:
    """Queue again the export jobs whose worker died (no heartbeat)."""
    from .services import export_jobs_reclaim

    return export_jobs_reclaim()


@shared_task
def purge_expired_exports() -> int:
    from .services import export_jobs_purge

    return export_jobs_purge()
