"""/healthz, /readyz, the request id on responses, logs and audit rows, JSON logs, metrics."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import cache

from accounts.models import AuditEvent
from config.logs import JsonFormatter
from config.requestid import RequestIdFilter, bind_request_id, reset_request_id
from tests.conftest import PASSWORD

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_answers_whatever_the_host_and_without_a_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    # Any other page still validates the host.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_is_ok_when_database_cache_and_broker_answer(client, settings):
    settings.CELERY_BROKER_URL = ""  # eager tasks: no broker to check
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_fails_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


def test_readyz_fails_when_the_database_is_down(client, settings, monkeypatch):
    from config import health

    def refuse():
        raise OSError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", refuse)
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


@pytest.mark.django_db
def test_each_response_carries_a_request_id_and_a_proxy_id_is_kept_only_if_plain(client):
    made = client.get("/accounts/login/")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/accounts/login/")["X-Request-ID"]
    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert kept["X-Request-ID"] == "nginx-0123456789abcdef"
    forged = client.get("/accounts/login/", HTTP_X_REQUEST_ID="x\n{injected}")
    assert forged["X-Request-ID"] != "x\n{injected}" and len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_audit_row_of_a_request_carries_its_request_id(client, personas):
    response = client.post(
        "/accounts/login/",
        {"username": personas["society"].username, "password": PASSWORD},
        HTTP_X_REQUEST_ID="req-login-000001",
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(event="login.success")
    assert row.request_id == "req-login-000001" == response["X-Request-ID"]


@pytest.mark.django_db
def test_audit_rows_outside_a_request_have_no_request_id_and_a_task_has_its_own():
    from accounts.services import audit

    assert audit(event="test.outside").request_id is None
    token = bind_request_id("task-1234")
    try:
        assert audit(event="test.task").request_id == "task-1234"
    finally:
        reset_request_id(token)


def test_json_log_lines_carry_the_request_id_and_mask_account_numbers():
    from accounts.security import MaskedLogRecord

    record = MaskedLogRecord(
        "ssp.test", logging.WARNING, __file__, 1, "paid to %s", ("6222020200001234567",), None
    )
    record.job = 7
    token = bind_request_id("abc-request-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-request-1"
    assert line["level"] == "WARNING" and line["logger"] == "ssp.test" and line["job"] == 7
    assert "6222020200001234567" not in line["message"]


@pytest.mark.django_db
def test_metrics_count_requests_by_view_name_not_path(client):
    from config.metrics import REQUESTS

    def count(view, status):
        return REQUESTS.labels("GET", view, status)._value.get()

    before_login = count("accounts:login", "200")
    before_health = count("healthz", "200")
    client.get("/accounts/login/")
    client.get("/healthz")
    client.get("/no-such-page-123")
    assert count("accounts:login", "200") == before_login + 1
    assert count("healthz", "200") == before_health + 1
    assert count("unmatched", "404") >= 1
    cache.clear()
