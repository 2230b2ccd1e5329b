"""Dashboards: numbers equal the database, Hangzhou targets, Excel per chart, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from reports.dashboards import all_cities, city_dashboard
from stations.choices import Level, StationStatus
from tests.factories import SocietyFactory, StationFactory, UserFactory, city

from .helpers import cell_value, open_xlsx

pytestmark = pytest.mark.django_db


def charts(context):
    return {c.key: c for c in context["charts"]}


def test_city_dashboard_numbers(guiyang_money, this_year):
    data = city_dashboard(guiyang_money["admin"], guiyang_money["city"])
    by_key = charts(data)
    funding = dict(by_key["funding"].rows)
    assert funding[f"{this_year}年"] == [250000, 250000, 20000]
    stations = dict(by_key["stations"].rows)
    assert sum(stations["省级"]) == 2 and sum(stations["国家级"]) == 1
    assert data["targets"] == []  # Guiyang sets no dashboard targets


def test_hangzhou_targets(hangzhou):
    admin = UserFactory(role=Role.CITY_ADMIN, city=hangzhou)
    for n in range(5):
        society = SocietyFactory(city=hangzhou, level=Level.CITY, name=f"杭州市学会{n}")
        if n < 2:
            StationFactory(city=hangzhou, society=society, status=StationStatus.CERTIFIED)
    StationFactory(
        city=hangzhou,
        society=SocietyFactory(city=hangzhou, level=Level.CITY),
        status=StationStatus.REVOKED,
    )
    targets = {t.target.measure: t for t in city_dashboard(admin, hangzhou)["targets"]}
    assert targets["stations_built"].actual == 2 and not targets["stations_built"].reached
    assert targets["societies_share"].actual == 50.0  # 3 of 6 city societies have a station
    assert targets["societies_share"].reached
    assert (
        targets["stations_built"].target.goal == 20 and targets["societies_share"].target.goal == 30
    )


def test_dashboard_page_has_svg_charts_tables_and_excel(hangzhou_money, client):
    client.force_login(hangzhou_money["admin"])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") >= 6 and "<script>" not in body
    assert "学会科技服务站建成数" in body and "杭州 二" in body
    xlsx = client.get(reverse("reports:dashboard_chart", args=["funding"]))
    ws = open_xlsx(xlsx.content).active
    assert ws.cell(2, 2).value == "核定（元）"
    total_row = ws.max_row
    assert cell_value(ws, f"C{total_row}") == 155000


def test_hostile_labels_are_escaped_in_svg(shenyang):
    from reports.charts import Chart

    svg = str(Chart("x", "<script>alert(1)</script>", ["a"], [("<b>x</b>", [1])]).svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def _count_queries(client, url):
    from django.core.cache import cache

    cache.clear()  # the cold path each time (the user's city and inbox count are cached)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_constant(hangzhou_money, client, this_year):
    client.force_login(hangzhou_money["admin"])
    url = reverse("reports:dashboard")
    before = _count_queries(client, url)
    hz = city("hangzhou")
    for _n in range(8):
        StationFactory(city=hz, society=SocietyFactory(city=hz, level=Level.CITY), level=Level.CITY)
    assert _count_queries(client, url) == before


def test_all_cities_view_for_the_superuser_only(guiyang_money, hangzhou_money, client, shenyang):
    superuser = UserFactory(role=Role.SUPERUSER, city=None, is_superuser=True, is_staff=True)
    rows = {r.city.code: r for r in all_cities(superuser)}
    assert rows["guiyang"].paid == 250000 and rows["guiyang"].recovered == 20000
    assert rows["hangzhou"].paid == 155000
    client.force_login(superuser)
    url = reverse("reports:all_cities")
    before = _count_queries(client, url)
    StationFactory(city=shenyang)
    assert _count_queries(client, url) == before
    assert client.get(reverse("reports:all_cities_chart", args=["cities_money"])).status_code == 200
    assert (
        client.get(reverse("reports:dashboard"), {"city": guiyang_money["city"].pk}).status_code
        == 200
    )
    client.force_login(hangzhou_money["admin"])
    assert client.get(url).status_code == 403
    # A city administrator cannot switch to another city's dashboard.
    response = client.get(reverse("reports:dashboard"), {"city": guiyang_money["city"].pk})
    assert "杭州市学会服务站统计看板" in response.content.decode()


@pytest.mark.parametrize("role", [Role.SOCIETY_STAFF, Role.EXPERT_REVIEWER])
def test_dashboard_refused_outside_the_city_office(role, client, station):
    from tests.factories import ExpertFactory

    scope = (
        {"society": station.society}
        if role == Role.SOCIETY_STAFF
        else {"expert": ExpertFactory(city=station.city), "city": station.city}
    )
    client.force_login(UserFactory(role=role, **scope))
    assert client.get(reverse("reports:dashboard")).status_code == 403
