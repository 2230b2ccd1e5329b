"""accounts.querycache: cached directory reads follow every change at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm, remove_perm

from accounts.querycache import directory_count, directory_rows
from accounts.scoping import scope_queryset
from stations.models import Station
from tests.factories import SocietyFactory, StationFactory, city

pytestmark = pytest.mark.django_db


def test_a_cached_count_follows_a_new_row(shenyang):
    qs = Station.objects.filter(city=shenyang)
    before = directory_count(qs)
    with CaptureQueriesContext(connection) as ctx:
        assert directory_count(qs) == before
    assert len(ctx.captured_queries) == 0
    StationFactory(city=shenyang)
    assert directory_count(qs) == before + 1


def test_cached_rows_follow_a_rename(shenyang):
    society = SocietyFactory(city=shenyang, name="甲学会")
    qs = society.__class__.objects.filter(pk=society.pk).values_list("name", flat=True)
    assert directory_rows(qs) == ["甲学会"]
    society.name = "乙学会"
    society.save()
    assert directory_rows(qs) == ["乙学会"]


def test_cached_object_grants_follow_assign_and_remove(shenyang):
    from accounts.roles import Role
    from tests.factories import UserFactory

    other_city_station = StationFactory(city=city("hangzhou"))
    user = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    perm = "stations.view_station"
    assert other_city_station not in scope_queryset(user, Station.objects.all(), perm=perm)
    assign_perm(perm, user, other_city_station)
    assert other_city_station in scope_queryset(user, Station.objects.all(), perm=perm)
    remove_perm(perm, user, other_city_station)
    assert other_city_station not in scope_queryset(user, Station.objects.all(), perm=perm)


def test_cached_object_grants_are_per_user(shenyang):
    from accounts.roles import Role
    from tests.factories import UserFactory

    far = StationFactory(city=city("hangzhou"))
    granted = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    colleague = UserFactory(role=Role.CITY_ADMIN, city=shenyang)  # same scope, no grant
    perm = "stations.view_station"
    assert far not in scope_queryset(colleague, Station.objects.all(), perm=perm)  # cached
    assign_perm(perm, granted, far)
    assert far in scope_queryset(granted, Station.objects.all(), perm=perm)
    assert far not in scope_queryset(colleague, Station.objects.all(), perm=perm)
    with CaptureQueriesContext(connection) as ctx:  # both answered from the cache now
        list(scope_queryset(colleague, Station.objects.all(), perm=perm).values_list("pk"))
    assert len(ctx.captured_queries) == 1


def test_cached_object_grants_follow_group_membership(shenyang):
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from tests.factories import UserFactory

    far = StationFactory(city=city("hangzhou"))
    user = UserFactory(role=Role.CITY_ADMIN, city=shenyang)
    group = Group.objects.create(name="跨市协作")
    perm = "stations.view_station"
    assign_perm(perm, group, far)
    assert far not in scope_queryset(user, Station.objects.all(), perm=perm)
    user.groups.add(group)
    assert far in scope_queryset(user, Station.objects.all(), perm=perm)
    user.groups.remove(group)
    assert far not in scope_queryset(user, Station.objects.all(), perm=perm)
