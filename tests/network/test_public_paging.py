"""The public directory pages its lists, caches each page, and shows a change at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.selectors import PUBLIC_STATION_STATUSES
from reports import benchdata
from stations.models import Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations():
    benchdata.generate(scale=60 / benchdata.STATIONS_PER_CITY, cities=("shenyang",))
    return Station.objects.filter(city__code="shenyang", status__in=PUBLIC_STATION_STATUSES)


def test_the_station_list_pages_25_at_a_time_with_the_total(client, stations):
    total = stations.count()
    assert total > 25
    url = reverse("public:city", args=["shenyang"])
    first = client.get(url).content.decode()
    last = client.get(url, {"page": 99}).content.decode()  # past the end: the last page
    names = sorted(stations.values_list("name", flat=True))
    assert names[0] in first and names[25] not in first
    assert names[-1] in last and names[0] not in last
    assert f"共 {total} 条" in first


def test_a_cached_page_costs_no_query_and_a_change_shows_at_once(client, stations):
    url = reverse("public:city", args=["shenyang"])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert len(ctx.captured_queries) <= 1  # the city itself; the lists come from the cache
    first = sorted(stations, key=lambda s: (s.name, s.pk))[0]
    first.industry = "量子计算"  # shown in the first page's table
    first.save()
    assert "量子计算" in client.get(url).content.decode()


def test_detail_pages_look_the_row_up_by_key(client, stations):
    station = stations.first()
    url = reverse("public:station", args=["shenyang", station.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200 and station.name in response.content.decode()
    assert len(ctx.captured_queries) <= 4
    hidden = (
        Station.objects.filter(city__code="shenyang")
        .exclude(status__in=PUBLIC_STATION_STATUSES)
        .first()
    )
    assert client.get(reverse("public:station", args=["shenyang", hidden.pk])).status_code == 404
