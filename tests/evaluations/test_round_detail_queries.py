"""The round detail and the evaluations index run a constant number of queries (issue 16).

`round_detail.html` shows each row's `grant.program_label`, which reads the grant's station
and city: the selector joins them, so five times the rows cost no extra query.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations import services
from funding import services as fund
from policies.registry import get_policy
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db


def add_grants(n, who):
    for _ in range(n):
        station = make_station("shenyang", level="national", program="key_support")
        fund.grant_create(
            station=station, program="key_support", start_year=2024, actor=who["admin"]
        )


def count(client, url) -> int:
    client.get(url)  # warm: session, policy parameters
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_round_detail_and_index_queries_do_not_grow_with_rows(client):
    first = make_station("shenyang", level="national", program="key_support")
    who = people(first)
    fund.grant_create(station=first, program="key_support", start_year=2024, actor=who["admin"])
    client.force_login(who["admin"])
    label = get_policy("shenyang").program("key_support").label_zh
    # Round 2024 with 1 evaluation, round 2025 with 5 (more grants, each assessed in 2025).
    rnd1 = services.round_open(
        city=first.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        actor=who["admin"],
    )
    index_one = count(client, "/evaluations/")
    add_grants(4, who)
    rnd5 = services.round_open(
        city=first.city,
        year=2025,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        actor=who["admin"],
    )
    assert (rnd1.evaluations.count(), rnd5.evaluations.count()) == (1, 5)
    one = count(client, f"/evaluations/rounds/{rnd1.pk}/")
    five = count(client, f"/evaluations/rounds/{rnd5.pk}/")
    assert one == five, f"round detail: {one} queries for 1 row, {five} for 5"
    assert client.get(f"/evaluations/rounds/{rnd5.pk}/").content.decode().count(label) == 5
    index_six = count(client, "/evaluations/")
    assert index_one == index_six, f"index: {index_one} queries for 1 row, {index_six} for 6"
