"""A new grant is 正常 until its support period is over, never 支持期满 on the day it is made.

The engine's schedule marks a one-off grant's only year completed (nothing is due after it);
the grant itself is finished only once that year is past (issue: a new grant showed 支持期满).
The suite's clock stands on 1 December 2026 (tests/conftest.py).
"""

import pytest

from funding import services
from funding.models import Grant
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("city_code", "program", "level", "amount", "start_year", "status"),
    [
        ("lianyungang", "service_station", "city", None, 2026, Grant.Status.ACTIVE),
        ("lianyungang", "service_station", "city", None, 2027, Grant.Status.ACTIVE),
        ("lianyungang", "service_station", "city", None, 2025, Grant.Status.COMPLETED),
        ("guiyang", "station", "city", None, 2026, Grant.Status.ACTIVE),
        ("shenyang", "key_support", "provincial", None, 2026, Grant.Status.ACTIVE),
    ],
)
def test_a_new_grant_is_active_while_its_period_runs(
    city_code, program, level, amount, start_year, status
):
    station = make_station(city_code, level=level, program=program)
    who = people(station)

    grant = services.grant_create(
        station=station,
        program=program,
        level=level,
        start_year=start_year,
        amount=amount,
        actor=who["admin"],
    )

    assert grant.status == status
    assert grant.get_status_display() != "支持期满" or start_year < 2026


def test_the_station_header_shows_the_program_it_is_funded_under():
    """A filed station chosen for key support shows 重点支持, not 建站备案 (issue 15)."""
    station = make_station("shenyang", level="provincial", program="filing")
    who = people(station)
    services.grant_create(
        station=station, program="key_support", start_year=2026, actor=who["admin"]
    )
    station.refresh_from_db()
    assert station.program == "key_support"


@pytest.mark.parametrize(
    ("city_code", "program", "level", "awaiting", "due"),
    [
        # 益阳 第十六条: every year waits on its own 合格; nothing is due at certification.
        ("yiyang", "station", "city", [2026, 2027], []),
        # 沈阳 三(三): year 1 is paid on naming, years 2–3 wait on 良好.
        ("shenyang", "key_support", "provincial", [2027, 2028], [2026]),
    ],
)
def test_the_grant_page_says_which_years_wait_on_an_assessment(
    client, city_code, program, level, awaiting, due
):
    station = make_station(city_code, level=level, program=program)
    who = people(station)
    grant = services.grant_create(
        station=station, program=program, level=level, start_year=2026, actor=who["admin"]
    )
    client.force_login(who["finance"])
    html = client.get(f"/funding/grants/{grant.pk}/").content.decode()
    for year in awaiting:
        assert f'data-testid="awaits-{year}">待考核<' in html
    for year in due:
        assert f'data-testid="awaits-{year}"' not in html
