from celery import shared_task

from .services import notification_send_email


@shared_task(bind=True, max_retries=5, default_retry_delay=60, soft_time_limit=60, time_limit=90)
def send_notification_email(self, notification_id: int) -> bool:
    """Send one notification by e-mail; a redelivered task finds it already sent and does nothing."""
    try:
        return notification_send_email(notification_id=notification_id)
    except OSError as exc:  # SMTP down: try again later
        raise self.retry(exc=exc) from exc


@shared_task
def outbox_relay() -> int:
    """Publish tasks that waited in the outbox while the broker was down."""
    from .outbox import outbox_flush

    return outbox_flush()


@shared_task
def clear_sessions() -> None:
    """Delete expired sessions (Django's clearsessions), daily."""
    from django.core.management import call_command

    call_command("clearsessions")


@shared_task
def purge_audit() -> None:
    """Delete audit rows past AUDIT_RETENTION_DAYS (never under 180 days), daily."""
    from django.core.management import call_command

    call_command("purge_audit")
