"""Celery tasks: thin wrappers that call services."""

from celery import shared_task


@shared_task
def remind_due_reviews() -> int:
    """Remind experts whose review is due soon (schedule daily with Celery beat)."""
    from .services import remind_due_assignments

    return remind_due_assignments()
