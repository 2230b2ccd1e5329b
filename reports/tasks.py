"""Celery tasks of reports: thin, take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True)
def run_export_job(job_id: int) -> int | None:
    """Write an export job's workbook; a redelivered task finds the job claimed and stops."""
    from .services import export_job_run

    job = export_job_run(job_id=job_id)
    return job.row_count if job else None


@shared_task
def purge_expired_exports() -> int:
    from .services import export_jobs_purge

    return export_jobs_purge()


@shared_task(acks_late=True)
def run_subsidy_job(job_id: int) -> int | None:
    """Build and render a subsidy report job; a redelivered task finds it claimed and stops."""
    from .subsidy_jobs import subsidy_job_run

    job = subsidy_job_run(job_id=job_id)
    return job.row_count if job else None
