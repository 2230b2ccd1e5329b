"""stations.permissions: one class per function, (allowed, reason) for each persona."""

import pytest

from accounts.roles import Role
from stations import permissions
from tests.factories import ActivityRecordFactory, ExpertFactory

pytestmark = pytest.mark.django_db


def allowed(decision) -> bool:
    ok, reason = decision
    assert ok or reason, "a refusal must carry a reason"
    return ok


class TestCanEditStation:
    def test_city_admin_and_platform_admin_only(self, personas, station):
        assert allowed(permissions.can_edit_station(personas["admin"], station))
        assert allowed(permissions.can_edit_station(personas["super"], station))
        for who in ("society", "host", "county", "talent", "finance", "hangzhou_admin"):
            assert not allowed(permissions.can_edit_station(personas[who], station)), who


class TestCanSetStationStatus:
    def test_city_admin_only(self, personas, station):
        assert allowed(permissions.can_set_station_status(personas["admin"], station))
        assert not allowed(permissions.can_set_station_status(personas["society"], station))
        assert not allowed(permissions.can_set_station_status(personas["hangzhou_admin"], station))


class TestCanEditSociety:
    def test_own_society_staff_and_city_admin(self, personas, station, other_station):
        assert allowed(permissions.can_edit_society(personas["society"], station.society))
        assert not allowed(permissions.can_edit_society(personas["society"], other_station.society))
        assert allowed(permissions.can_edit_society(personas["admin"], other_station.society))
        assert not allowed(permissions.can_edit_society(personas["host"], station.society))
        assert not allowed(
            permissions.can_edit_society(personas["hangzhou_admin"], station.society)
        )


class TestCanEditHostUnit:
    def test_own_host_staff_and_city_admin(self, personas, station, other_station):
        assert allowed(permissions.can_edit_host_unit(personas["host"], station.host_unit))
        assert not allowed(
            permissions.can_edit_host_unit(personas["host"], other_station.host_unit)
        )
        assert not allowed(permissions.can_edit_host_unit(personas["society"], station.host_unit))
        assert allowed(permissions.can_edit_host_unit(personas["admin"], station.host_unit))


class TestCanEditExpert:
    def test_city_admin_only(self, personas, station):
        expert = ExpertFactory(society=station.society)
        assert allowed(permissions.can_edit_expert(personas["admin"], expert))
        assert not allowed(permissions.can_edit_expert(personas["society"], expert))
        assert not allowed(permissions.can_edit_expert(personas["hangzhou_admin"], expert))


class TestCanAddActivityRecord:
    def test_station_society_host_and_admin(self, personas, station, other_station):
        for who in ("society", "host", "admin"):
            assert allowed(permissions.can_add_activity_record(personas[who], station)), who
        for who in ("county", "talent", "finance", "hangzhou_admin"):
            assert not allowed(permissions.can_add_activity_record(personas[who], station)), who
        assert not allowed(permissions.can_add_activity_record(personas["society"], other_station))
        assert not allowed(permissions.can_add_activity_record(personas["host"], other_station))


class TestCanEditActivityRecord:
    def test_follows_the_station(self, personas, station, other_station):
        own, foreign = (
            ActivityRecordFactory(station=station),
            ActivityRecordFactory(station=other_station),
        )
        assert allowed(permissions.can_edit_activity_record(personas["host"], own))
        assert not allowed(permissions.can_edit_activity_record(personas["host"], foreign))


class TestCanCreateDirectoryEntry:
    def test_admins_only(self, personas, make_user):
        assert allowed(permissions.can_create_directory_entry(personas["admin"]))
        assert allowed(permissions.can_create_directory_entry(personas["super"]))
        for who in ("society", "host", "county", "talent", "finance"):
            assert not allowed(permissions.can_create_directory_entry(personas[who]))
        inactive = make_user(Role.CITY_ADMIN, is_active=False)
        assert not allowed(permissions.can_create_directory_entry(inactive))
