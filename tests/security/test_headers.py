"""Security headers on every response; no-store on everything behind the login."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_page_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_behind_the_login_are_not_stored(personas, login, station):
    client = login(personas["finance"])
    for url in ("/", f"/stations/{station.pk}/", f"/stations/host-units/{station.host_unit_id}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_templates_carry_no_inline_script():
    """The CSP forbids inline script; a template with one would silently break in browsers."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == [], offenders


def test_permissions_policy_on_every_response(client, personas, login):
    for response in (
        client.get("/accounts/login/"),
        login(personas["admin"]).get("/"),
        client.get("/static/does-not-exist.css"),
    ):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_a_403_is_logged_on_one_line_without_traceback(client, personas, login, caplog):
    """Issue 13: forbidden requests are logged as one line, server errors keep their traceback."""
    import logging

    from accounts.security import OneLineClientErrors

    client = login(personas["county"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post("/funding/grants/new/", {})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, OneLineClientErrors) for f in h.filters)
    ]
    for record in records:
        assert OneLineClientErrors().filter(record)
        assert "\n" not in handler.format(record), handler.format(record)
    # A 500's traceback is kept.
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        err = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), sys.exc_info())
    err.status_code = 500
    OneLineClientErrors().filter(err)
    assert err.exc_info is not None
