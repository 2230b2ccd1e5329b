"""A forbidden evaluation or evaluation PDF answers 404 like a missing one, and is audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from tests.evaluations.test_cycle import opened
from tests.factories import StationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_another_societys_evaluation_and_its_pdf_are_404_and_audited(client):
    ev, who = opened("shenyang", "national", "key_support")
    outsider = UserFactory(
        role=Role.SOCIETY_STAFF, society=StationFactory(city=ev.station.city).society
    )
    client.force_login(outsider)
    urls = [
        reverse("evaluations:detail", args=[ev.pk]),
        reverse("reports:document", args=["evaluation_notice", ev.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    denied = AuditEvent.objects.filter(event="access.denied", object_id=str(ev.pk), user=outsider)
    assert denied.count() == len(urls)
    # A pk that does not exist is not an attempt on anyone's record.
    assert client.get(reverse("evaluations:detail", args=[ev.pk + 999])).status_code == 404
    assert AuditEvent.objects.filter(event="access.denied").count() == len(urls)
