"""A call cannot contradict its policy's deadline (连云港 五(一)): the closing date is clamped.

Chosen behaviour: the service moves a closing date that lies after the deadline of the round
the call opens in to that deadline (publishing it as typed would only produce a call whose
every later submission the policy refuses), audits the requested date with the clause, and
the page tells the administrator.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applications import services
from policies.types import parse_month_day
from tests.conftest import PASSWORD
from tests.factories import UserFactory, city

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("clause", "city_code", "program", "opens", "closes", "expected"),
    [
        (
            "连云港 五(一)",
            "lianyungang",
            "service_station",
            D(2026, 3, 1),
            D(2026, 12, 31),
            D(2026, 5, 31),
        ),
        (
            "连云港 五(一)",
            "lianyungang",
            "service_station",
            D(2026, 3, 1),
            D(2026, 5, 20),
            D(2026, 5, 20),
        ),
        (
            "连云港 五(一)",
            "lianyungang",
            "service_station",
            D(2026, 6, 1),
            D(2027, 8, 1),
            D(2027, 5, 31),
        ),  # opens after 05-31: next year's round
        (
            "连云港 五(一)",
            "lianyungang",
            "function_project",
            D(2026, 3, 1),
            D(2026, 12, 31),
            D(2026, 11, 30),
        ),
        ("no deadline", "hangzhou", "station", D(2026, 3, 1), D(2027, 1, 31), D(2027, 1, 31)),
    ],
)
def test_call_closing_date_is_clamped_to_the_rounds_deadline(
    clause, city_code, program, opens, closes, expected
):
    where = city(city_code)
    admin = UserFactory(role=Role.CITY_ADMIN, city=where)

    call = services.call_create(
        city=where,
        actor=admin,
        data={"program": program, "title": "申报通知", "opens_on": opens, "closes_on": closes},
    )

    call.refresh_from_db()
    assert call.closes_on == expected, clause
    event = AuditEvent.objects.filter(event="call.created", object_id=str(call.pk)).get()
    if expected != closes:
        assert event.detail["requested_closes_on"] == closes.isoformat()
        assert event.detail["clause"] == "连云港 五(一)"
    else:
        assert "requested_closes_on" not in event.detail


def test_the_administrator_is_told_when_the_closing_date_was_clamped(client):
    where = city("lianyungang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=where)
    client.login(username=admin.username, password=PASSWORD)

    response = client.post(
        reverse("applications:call_create"),
        {
            "program": "service_station",
            "title": "2026年度连云港市科技服务站申报",
            "opens_on": "2026-03-01",
            "closes_on": "2026-12-31",
        },
    )

    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("2026年5月31日" in t and "连云港 五(一)" in t for t in texts), texts


def test_a_leap_day_deadline_falls_on_28_february_in_a_common_year():
    assert parse_month_day("02-29", 2027) == D(2027, 2, 28)
    assert parse_month_day("02-29", 2028) == D(2028, 2, 29)
    assert parse_month_day(" 05-31", 2026) == D(2026, 5, 31)
