"""accounts.scoping: which rows each role sees, and the shared 404 for missing/forbidden."""

import pytest
from django.http import Http404
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from accounts.scoping import ScopePaths, get_for_user, role_filter, scope_paths, scope_queryset
from stations.models import ActivityRecord, City, Expert, HostUnit, Society, Station
from tests.factories import ActivityRecordFactory, ExpertFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(station, other_station, hangzhou):
    """Two Shenyang stations in different districts and one Hangzhou station."""
    return {"mine": station, "other": other_station, "hz": StationFactory(city=hangzhou)}


def visible_stations(user):
    return set(scope_queryset(user, Station.objects.all(), perm="stations.view_station"))


class TestStationScope:
    def test_city_wide_roles_see_their_city_only(self, personas, world):
        for who in ("admin", "talent", "finance"):
            assert visible_stations(personas[who]) == {world["mine"], world["other"]}, who
        assert visible_stations(personas["hangzhou_admin"]) == {world["hz"]}

    def test_society_staff_sees_their_society_stations(self, personas, world):
        assert visible_stations(personas["society"]) == {world["mine"]}

    def test_host_staff_sees_their_host_unit_stations(self, personas, world):
        assert visible_stations(personas["host"]) == {world["mine"]}

    def test_county_reviewer_sees_their_district(self, personas, world):
        assert visible_stations(personas["county"]) == {world["mine"]}

    def test_expert_reviewer_sees_only_guardian_grants(self, make_user, world):
        reviewer = make_user(Role.EXPERT_REVIEWER, expert=ExpertFactory())
        assert visible_stations(reviewer) == set()
        assign_perm("stations.view_station", reviewer, world["other"])
        assert visible_stations(reviewer) == {world["other"]}

    def test_platform_admin_sees_everything(self, personas, world):
        assert visible_stations(personas["super"]) == set(world.values())

    def test_inactive_and_anonymous_see_nothing(self, make_user, shenyang, world):
        from django.contrib.auth.models import AnonymousUser

        assert visible_stations(make_user(Role.CITY_ADMIN, city=shenyang, is_active=False)) == set()
        assert visible_stations(AnonymousUser()) == set()

    def test_enterprise_role_sees_no_station(self, make_user, shenyang, world):
        assert visible_stations(make_user(Role.ENTERPRISE, city=shenyang)) == set()

    def test_object_grant_widens_scope_only_when_perm_is_asked(self, personas, world):
        assign_perm("stations.view_station", personas["society"], world["other"])
        assert visible_stations(personas["society"]) == {world["mine"], world["other"]}
        # …but a query without `perm` ignores object grants.
        scoped = set(scope_queryset(personas["society"], Station.objects.all()))
        assert scoped == {world["mine"]}


class TestDirectoryScopes:
    def test_county_reviewer_reads_city_societies_and_experts(self, personas, world):
        county = personas["county"]
        societies = set(scope_queryset(county, Society.objects.all()))
        assert societies == {world["mine"].society, world["other"].society}
        expert = ExpertFactory()
        assert expert in scope_queryset(county, Expert.objects.all())

    def test_county_reviewer_host_units_by_district(self, personas, world):
        host_units = set(scope_queryset(personas["county"], HostUnit.objects.all()))
        assert host_units == {world["mine"].host_unit}

    def test_host_staff_sees_no_society(self, personas, world):
        assert not scope_queryset(personas["host"], Society.objects.all()).exists()

    def test_expert_reviewer_sees_own_expert_row(self, make_user, world):
        me = ExpertFactory()
        reviewer = make_user(Role.EXPERT_REVIEWER, expert=me)
        assert list(scope_queryset(reviewer, Expert.objects.all())) == [me]

    def test_activity_records_follow_their_station(self, personas, world):
        mine = ActivityRecordFactory(station=world["mine"])
        ActivityRecordFactory(station=world["other"])
        ActivityRecordFactory(station=world["hz"])
        assert list(scope_queryset(personas["society"], ActivityRecord.objects.all())) == [mine]
        assert scope_queryset(personas["admin"], ActivityRecord.objects.all()).count() == 2


class TestGetForUser:
    def test_missing_and_forbidden_raise_the_same_404(self, personas, world):
        user = personas["society"]
        with pytest.raises(Http404) as forbidden:
            get_for_user(user, Station.objects.all(), pk=world["other"].pk)
        with pytest.raises(Http404) as missing:
            get_for_user(user, Station.objects.all(), pk=10**9)
        assert str(forbidden.value) == str(missing.value)

    def test_returns_visible_object(self, personas, world):
        got = get_for_user(personas["society"], Station.objects.all(), pk=world["mine"].pk)
        assert got == world["mine"]


class TestRegistry:
    def test_unregistered_model_is_refused(self):
        with pytest.raises(LookupError):
            scope_paths(City)

    def test_role_filter_for_user_without_city_is_empty(self, make_user):
        user = make_user(Role.TALENT_OFFICE, city=None)
        condition = role_filter(user, ScopePaths(city="city"))
        assert not Station.objects.filter(condition).exists()
