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
