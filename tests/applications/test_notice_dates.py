"""A notice starts today or later; a notice running into a year without a holiday table is
refused with what to do (enter that year's holidays) instead of an HTTP 500."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from applications.models import PublicNotice
from tests.applications.conftest import on_day

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def at_notice(world):
    app = world.submitted()
    return world.to_notice(app)


def test_a_backdated_notice_is_refused(world, at_notice):
    with pytest.raises(ValidationError, match="不能早于今天（2026年12月1日）"):
        services.notice_publish(
            city=world.city,
            applications=[at_notice],
            actor=world.admin,
            title="公示",
            start_on=D(2026, 11, 20),
        )
    assert not PublicNotice.objects.exists()


def test_only_the_demo_loader_may_place_a_notice_in_the_past(world, at_notice):
    notice = services.notice_publish(
        city=world.city,
        applications=[at_notice],
        actor=world.admin,
        title="公示",
        start_on=D(2026, 11, 2),
        backdated_for_demo=True,
    )
    assert notice.end_on == D(2026, 11, 6)


def test_the_form_starts_today_and_explains_a_refused_date(world, at_notice, client):
    client.force_login(world.admin)
    url = reverse("applications:notice_create")
    page = client.get(url).content.decode()
    assert 'value="2026-12-01"' in page and "novalidate" in page
    response = client.post(
        url, {"title": "公示", "start_on": "2026-11-20", "applications": [at_notice.pk]}
    )
    assert response.status_code == 200
    assert "不能早于今天" in response.content.decode()
    assert 'data-testid="error-start_on"' in response.content.decode()
    assert not PublicNotice.objects.exists()
    response = client.post(
        url, {"title": "公示", "start_on": "2026-12-01", "applications": [at_notice.pk]}
    )
    assert response.status_code == 302
    assert PublicNotice.objects.get().end_on == D(2026, 12, 7)


def test_a_notice_into_an_uncovered_year_says_to_enter_its_holidays(world, at_notice, client):
    """5 working days from 2026-12-28 run into 2027, which no holiday table covers here."""
    with on_day(D(2026, 12, 28)):
        client.force_login(world.admin)
        response = client.post(
            reverse("applications:notice_create"),
            {"title": "公示", "start_on": "2026-12-28", "applications": [at_notice.pk]},
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="calendar-missing"' in page
    assert "2027 年的法定节假日安排" in page
    assert reverse("policies:holidays") in page
    assert not PublicNotice.objects.exists()
