from celery import shared_task

from .services import notification_send_email


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
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
