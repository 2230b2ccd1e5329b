"""Celery tasks of evaluations: reminders before the self-report due date (beat)."""

import datetime as dt

from celery import shared_task

REMIND_DAYS_BEFORE = (7, 3, 1)


@shared_task(acks_late=True)
def send_round_reminders(round_id: int, today: str | None = None) -> int:
    from .services import round_send_reminders

    day = dt.date.fromisoformat(today) if today else None
    return round_send_reminders(round_id=round_id, today=day)


@shared_task(acks_late=True)
def remind_due_evaluations() -> int:
    """Daily (beat): remind every open round whose due date is 7, 3 or 1 day(s) away."""
    from django.utils import timezone

    from .models import EvaluationRound

    today = timezone.localdate()
    due = [today + dt.timedelta(days=n) for n in REMIND_DAYS_BEFORE]
    rounds = EvaluationRound.objects.filter(status=EvaluationRound.Status.OPEN, due_date__in=due)
    sent = 0
    for pk in rounds.values_list("pk", flat=True):
        sent += send_round_reminders(pk, today.isoformat())
    return sent
