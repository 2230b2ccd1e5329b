"""The task outbox: business code records tasks here instead of calling `.delay()`.

A row is written in the same transaction as the change that needs the task, then published
after commit. If the broker is down the row waits; `outbox_relay` (Celery beat every minute,
or the management command) publishes what is pending once the broker answers again. Every
task is idempotent, so a row published twice (a crash between publish and stamping) does no
harm twice.
"""

from __future__ import annotations

import socket
from importlib import import_module
from urllib.parse import urlparse

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage


def _celery():
    from config.celery import app

    return app


def broker_reachable(timeout: float = 0.5) -> bool:
    """Answer fast whether the broker accepts connections (kombu itself waits seconds)."""
    url = urlparse(_celery().conf.broker_url or "")
    if not url.hostname:
        return False
    try:
        with socket.create_connection((url.hostname, url.port or 6379), timeout=timeout):
            return True
    except OSError:
        return False


def outbox_enqueue(task: str, *, key: str, args=(), kwargs=None) -> OutboxMessage:
    """Record `task` to run once per `key`, published after the current transaction commits."""
    message, _created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"task": task, "args": list(args), "kwargs": kwargs or {}}
    )
    transaction.on_commit(lambda: outbox_flush(ids=[message.pk]))
    return message


def _publish(message: OutboxMessage) -> None:
    app = _celery()
    if app.conf.task_always_eager:
        # No broker configured (`make run`): run in-process, as Celery's eager mode does.
        # Task names are their module paths; the web process may not have imported it yet.
        import_module(message.task.rsplit(".", 1)[0])
        app.tasks[message.task].apply(args=message.args, kwargs=message.kwargs, throw=False)
    else:
        app.send_task(message.task, args=message.args, kwargs=message.kwargs, retry=False)


def outbox_flush(*, ids: list[int] | None = None, limit: int = 200) -> int:
    """Publish pending messages (all, or just `ids`); return how many went out."""
    app = _celery()
    if not app.conf.task_always_eager and not broker_reachable():
        return 0
    sent = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            # Lock the row: two relays running at once must not both publish it.
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                _publish(message)
            except Exception as exc:  # broker went away mid-flush: keep it pending
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.save(update_fields=["attempts", "last_error"])
                break
            message.sent_at = timezone.now()
            message.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent
