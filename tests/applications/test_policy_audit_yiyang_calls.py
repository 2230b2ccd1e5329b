"""益阳 第八条 每两年接受建站申请 (issue 12): a call outside the cadence warns the administrator."""

import datetime as dt

import pytest

from accounts.models import AuditEvent
from accounts.roles import Role
from applications import services
from applications.models import Call
from tests.factories import UserFactory, city

pytestmark = pytest.mark.django_db


def new_call(c, admin, opens_on):
    return services.call_create(
        city=c,
        actor=admin,
        data={
            "program": "station",
            "title": f"{opens_on.year}年学会服务站认定",
            "opens_on": opens_on,
            "closes_on": opens_on + dt.timedelta(days=60),
        },
    )


@pytest.mark.parametrize(
    ("clause", "previous", "opens_on", "warned"),
    [
        ("益阳 第八条", dt.date(2025, 3, 1), dt.date(2026, 3, 1), True),
        ("益阳 第八条", dt.date(2024, 3, 1), dt.date(2026, 3, 1), False),
        ("益阳 第八条", None, dt.date(2026, 3, 1), False),
    ],
)
def test_call_outside_two_year_cadence_warns(clause, previous, opens_on, warned):
    c = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    if previous:
        Call.objects.create(
            city=c,
            program="station",
            title="上一轮",
            opens_on=previous,
            closes_on=previous + dt.timedelta(days=60),
        )
    call = new_call(c, admin, opens_on)
    assert bool(call.warnings) is warned
    if warned:
        assert clause in call.warnings[0] and str(previous.year) in call.warnings[0]
        event = AuditEvent.objects.filter(event="call.created").latest("id")
        assert clause in event.reason


def test_other_cities_have_no_cadence_warning():
    c = city("shenyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=c)
    for year in (2025, 2026):
        call = services.call_create(
            city=c,
            actor=admin,
            data={
                "program": "key_support",
                "title": f"{year}",
                "opens_on": dt.date(year, 3, 1),
                "closes_on": dt.date(year, 5, 1),
            },
        )
        assert call.warnings == []
