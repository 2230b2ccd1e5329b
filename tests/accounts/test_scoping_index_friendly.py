"""The scope filter stays a plain filter: no correlated OR for users without object
grants, no duplicate rows through to-many paths (so lists need no DISTINCT)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from accounts.scoping import MAX_LISTED_GRANTS, scope_queryset
from applications.models import Application, ExpertAssignment
from reports import benchdata
from stations.models import Expert, Station
from stations.selectors import station_list
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    benchdata.generate(scale=4 / benchdata.STATIONS_PER_CITY, cities=("shenyang", "yiyang"))
    return {
        "admin": UserFactory(role=Role.CITY_ADMIN, city=Station.objects.first().city),
    }


def _sql(queryset) -> str:
    with CaptureQueriesContext(connection) as ctx:
        list(queryset)
    return ctx.captured_queries[-1]["sql"]


def test_a_city_wide_list_is_a_plain_equality_on_the_city(world):
    sql = _sql(station_list(world["admin"]).order_by("name", "id")[:25])
    where = sql.split("WHERE", 1)[1]
    assert "guardian" not in where and " OR " not in where
    assert '"stations_station"."city_id" =' in where


def test_object_grants_are_ored_in_as_ids_only_when_there_are_some(world):
    admin = world["admin"]
    other = Station.objects.exclude(city=admin.city).first()
    assert other not in station_list(admin)
    assign_perm("stations.view_station", admin, other)
    rows = list(station_list(admin))
    assert other in rows and len(rows) == Station.objects.filter(city=admin.city).count() + 1
    sql = _sql(station_list(admin))
    assert f"IN ({other.pk})" in sql and "guardian" not in sql.split("WHERE", 1)[1]
    assert MAX_LISTED_GRANTS >= 100


def test_an_expert_assigned_twice_sees_the_application_once(world):
    app = Application.objects.filter(city=world["admin"].city).first()
    expert = Expert.objects.filter(city=app.city).first()
    reviewer = UserFactory(role=Role.EXPERT_REVIEWER, city=app.city, expert=expert)
    for stage in ("expert_review", "city_approval"):
        ExpertAssignment.objects.create(
            application=app, expert=expert, stage=stage, assigned_by=world["admin"]
        )
    visible = list(scope_queryset(reviewer, Application.objects.all()))
    assert visible == [app]
