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


def test_grants_are_read_from_guardians_tables_and_agree_with_guardian(world):
    """`granted_pks` selects what guardian's get_objects_for_user selects — the user's own
    grants and their groups', of this permission on this model only — without reading the
    model's table (guardian's queryset scans it, comparing a text cast of every pk)."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import get_objects_for_user

    from accounts.scoping import granted_pks
    from stations.models import Society

    admin, perm = world["admin"], "stations.view_station"
    others = list(Station.objects.exclude(city=admin.city).order_by("pk"))
    group = Group.objects.create(name="跨市协作组")
    admin.groups.add(group)
    assign_perm(perm, admin, others[0])
    assign_perm(perm, group, others[1])
    assign_perm("stations.change_station", admin, others[2])  # another permission
    society = Society.objects.exclude(city=admin.city).first()
    assign_perm("stations.view_society", admin, society)  # another model
    with CaptureQueriesContext(connection) as ctx:
        pks = granted_pks(admin, perm, Station, limit=MAX_LISTED_GRANTS + 1)
    assert pks == sorted([others[0].pk, others[1].pk])
    guardian_rows = get_objects_for_user(admin, perm, klass=Station, accept_global_perms=False)
    assert pks == sorted(guardian_rows.values_list("pk", flat=True))
    assert len(ctx.captured_queries) == 1
    assert '"stations_station"' not in ctx.captured_queries[0]["sql"]
    # A grant left on a row that is gone (guardian keeps such grants): its pk is listed
    # and matches nothing.
    from guardian.models import UserObjectPermission

    gone = Station.objects.order_by("-pk").first().pk + 1000
    assign_perm(perm, admin, others[3])
    UserObjectPermission.objects.filter(object_pk=str(others[3].pk)).update(object_pk=str(gone))
    assert gone in granted_pks(admin, perm, Station, limit=10)
    assert not station_list(admin).filter(pk=gone).exists()
    assert len(granted_pks(admin, perm, Station, limit=2)) == 2  # the limit holds
