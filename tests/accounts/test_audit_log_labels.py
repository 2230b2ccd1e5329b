"""The audit log page reads as words: event and object labels, links, Beijing time."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit_labels import EVENT_LABELS, event_label, object_type_label
from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import audit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_event_the_code_writes_has_a_label():
    """Scan the sources for audit(event="…") codes: each has a label (or reads as words)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    codes = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        codes |= set(re.findall(r'event="([a-z_]+(?:\.[a-z_]+)?)"', path.read_text("utf-8")))
    codes -= {"recent"}  # a filter value in a docstring, not an event
    missing = sorted(c for c in codes if c not in EVENT_LABELS)
    assert not missing, missing
    assert event_label("application.approve") == "审核通过"
    # An event nobody labelled still reads as its area and words, never the dotted code.
    assert event_label("funding.something_new") == "资助资金 · something new"


def test_object_types_read_as_model_names():
    assert object_type_label("applications.Application") == "申报"
    assert object_type_label("no.Such") == "其他对象"


def test_audit_page_shows_labels_object_link_and_beijing_time(station, client):
    auditor = UserFactory(role=Role.AUDIT_ADMIN, city=None)
    audit(event="station.updated", obj=station, reason="修改联系人")
    client.force_login(auditor)
    html = client.get(reverse("accounts:audit-log")).content.decode()
    row = html[html.index('data-testid="audit-event"') :]
    assert "修改服务站" in row and "station.updated" not in re.sub(r'href="[^"]*"', "", row)
    assert f"object_type=stations.Station&amp;object_id={station.pk}" in html
    assert "stations.Station" not in re.sub(r'href="[^"]*"', "", html)
    event = AuditEvent.objects.get(event="station.updated")
    local = timezone.localtime(event.at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in html
    # The object link filters the log to that object.
    filtered = client.get(
        reverse("accounts:audit-log"),
        {"object_type": "stations.Station", "object_id": str(station.pk)},
    ).content.decode()
    assert filtered.count('data-testid="audit-event"') == 1
