"""Celery tasks of funding: thin, take ids, call a service."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_payment_notice(disbursement_id: int) -> bool:
    """Tell the station its money was paid; a redelivered task sends nothing twice."""
    from .services import payment_notice_send

    return payment_notice_send(disbursement_id=disbursement_id)
