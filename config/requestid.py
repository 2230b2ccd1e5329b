"""One id per request: taken from the proxy's X-Request-ID (or made here), put on every log
line written while the request runs, on the audit rows it writes and on the response."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "HTTP_X_REQUEST_ID"
RESPONSE_HEADER = "X-Request-ID"
# A proxy's id is accepted only if it is short and plain (it ends up in logs and the database).
SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """Return the id of the request (or task) being served, None outside one."""
    return _current.get()


def bind_request_id(value: str | None) -> contextvars.Token:
    return _current.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _current.reset(token)


def incoming_or_new(raw: str | None) -> str:
    return raw if raw and SAFE_ID.match(raw) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so everything after it logs and audits under the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_or_new(request.META.get(HEADER))
        token = bind_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[RESPONSE_HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Give every log record a `request_id` attribute ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


def bind_celery_task_ids() -> None:
    """Let a worker's log lines and audit rows carry the task id as their request id."""
    from celery.signals import task_postrun, task_prerun

    tokens: dict[str, contextvars.Token] = {}

    @task_prerun.connect(weak=False)
    def _bind(task_id=None, **_kwargs):
        tokens[task_id] = bind_request_id(f"task-{task_id}")

    @task_postrun.connect(weak=False)
    def _unbind(task_id=None, **_kwargs):
        token = tokens.pop(task_id, None)
        if token is not None:
            try:
                reset_request_id(token)
            except ValueError:  # reset from another context: just clear
                bind_request_id(None)
