"""A forbidden object answers exactly like a missing one, leaks nothing, and is audited."""

import re

import pytest

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def normalised(response, pk) -> str:
    """The page without what differs per request anyway: CSRF tokens and the page's own path."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return body.replace(f"/stations/{pk}/", "/stations/<pk>/")


def test_forbidden_station_answers_like_a_missing_one_and_is_audited(
    station, other_station, personas, login
):
    client = login(personas["society"])
    forbidden = client.get(f"/stations/{other_station.pk}/")
    missing = client.get("/stations/999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert normalised(forbidden, other_station.pk) == normalised(missing, 999999)
    assert other_station.name.encode() not in forbidden.content
    denied = AuditEvent.objects.get(event="access.denied")
    assert denied.object_id == str(other_station.pk) and denied.result == "denied"
    assert denied.user == personas["society"]
    # A truly missing row is not an access attempt on anyone's data.
    assert AuditEvent.objects.filter(event="access.denied").count() == 1
