"""Celery tasks of reports: thin, take ids, call a service."""

from celery import shared_task


# A big export may take minutes; past the soft limit the job is marked failed (the user sees
# why and can narrow the filter), past the hard one the worker process is replaced.
@shared_task(acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def run_export_job(job_id: int) -> int | None:
    """Write an export job's workbook; a redelivered task leaves a live run alone and reclaims
    a dead one (reports.services.export_job_run)."""
    from .services import export_job_run

    job = export_job_run(job_id=job_id)
    return job.row_count if job else None


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> bool | None:
    """Check or import a large legacy file; a redelivered task finds the job claimed."""
    from .services import import_job_run

    job = import_job_run(job_id=job_id)
    return None if job is None else bool((job.result or {}).get("written"))


@shared_task
def reclaim_export_jobs() -> int:
    """Queue again the export jobs whose worker died (no heartbeat)."""
    from .services import export_jobs_reclaim

    return export_jobs_reclaim()


@shared_task
def purge_expired_exports() -> int:
    from .services import export_jobs_purge

    return export_jobs_purge()


@shared_task
def purge_import_staging() -> int:
    """Delete import files previewed but never confirmed (older than a day)."""
    from .staging import staging_purge

    return staging_purge()


@shared_task(acks_late=True)
def run_subsidy_job(job_id: int) -> int | None:
    """Build and render a subsidy report job; a redelivered task finds it claimed and stops."""
    from .subsidy_jobs import subsidy_job_run

    job = subsidy_job_run(job_id=job_id)
    return job.row_count if job else None
