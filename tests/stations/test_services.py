"""Writes of the stations app: atomic, validated, audited; status moves by the table only."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from accounts.roles import Role
from stations import services
from stations.choices import StationStatus
from stations.models import Station, StationStatusChange
from tests.factories import (
    ActivityRecordFactory,
    HostUnitFactory,
    SocietyFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, shenyang):
    return make_user(Role.CITY_ADMIN, city=shenyang)


class TestStationSetStatus:
    def test_records_history_and_audit(self, station, admin):
        change = services.station_set_status(
            station=station,
            to_status=StationStatus.KEY_SUPPORTED,
            actor=admin,
            reason="择优资助",
            clause="沈阳 三(二)",
        )
        station.refresh_from_db()
        assert station.status == StationStatus.KEY_SUPPORTED
        assert (change.from_status, change.to_status) == ("certified", "key_supported")
        assert change.changed_by == admin and change.clause == "沈阳 三(二)"
        event = AuditEvent.objects.get(event="station.status_changed")
        assert event.detail == {
            "before": {"status": "certified"},
            "after": {"status": "key_supported"},
        }
        assert event.clause == "沈阳 三(二)" and event.city_id == station.city_id

    def test_illegal_move_raises_named_exception_and_changes_nothing(self, station, admin):
        station.status = StationStatus.DELISTED
        station.save()
        with pytest.raises(services.IllegalStationTransition):
            services.station_set_status(
                station=station, to_status=StationStatus.CERTIFIED, actor=admin, reason="x"
            )
        assert not StationStatusChange.objects.exists()
        assert not AuditEvent.objects.filter(event="station.status_changed").exists()

    def test_unknown_status_and_missing_reason_are_refused(self, station, admin):
        with pytest.raises(services.IllegalStationTransition):
            services.station_set_status(station=station, to_status="bogus", actor=admin, reason="x")
        with pytest.raises(ValidationError):
            services.station_set_status(
                station=station, to_status=StationStatus.REVOKED, actor=admin, reason="  "
            )

    def test_uses_the_stored_status_not_a_stale_instance(self, station, admin):
        stale = Station.objects.get(pk=station.pk)
        services.station_set_status(
            station=station, to_status=StationStatus.RECTIFICATION, actor=admin, reason="整改"
        )
        change = services.station_set_status(
            station=stale, to_status=StationStatus.CERTIFIED, actor=admin, reason="整改完成"
        )
        assert change.from_status == StationStatus.RECTIFICATION

    def test_table_targets_are_known_statuses_and_delisted_is_final(self):
        assert set(services.STATION_TRANSITIONS) == set(StationStatus.values)
        for targets in services.STATION_TRANSITIONS.values():
            assert targets <= set(StationStatus.values)
        assert services.STATION_TRANSITIONS[StationStatus.DELISTED] == frozenset()


class TestStationWrites:
    def test_station_update_cannot_touch_status_or_city(self, station, admin, hangzhou):
        with pytest.raises(ValueError):
            services.station_update(station=station, actor=admin, data={"status": "revoked"})
        with pytest.raises(ValueError):
            services.station_update(station=station, actor=admin, data={"city": hangzhou})

    def test_station_must_stay_within_its_city(self, station, admin, hangzhou):
        foreign = SocietyFactory(city=hangzhou)
        with pytest.raises(ValidationError) as exc:
            services.station_update(station=station, actor=admin, data={"society": foreign})
        assert "建站学会必须属于服务站所在城市" in str(exc.value)

    def test_update_audits_only_changed_fields(self, station, admin):
        services.station_update(
            station=station, actor=admin, data={"head_name": "周站长", "level": station.level}
        )
        event = AuditEvent.objects.get(event="station.updated")
        assert event.detail == {"before": {"head_name": ""}, "after": {"head_name": "周站长"}}

    def test_update_without_changes_writes_no_audit(self, station, admin):
        services.station_update(station=station, actor=admin, data={"name": station.name})
        assert not AuditEvent.objects.filter(event="station.updated").exists()

    def test_create_runs_full_clean(self, admin, shenyang):
        with pytest.raises(ValidationError) as exc:
            services.station_create(
                actor=admin,
                data={
                    "city": shenyang,
                    "society": SocietyFactory(),
                    "host_unit": HostUnitFactory(),
                    "level": "national",
                    "program": "filing",
                    "name": "手机号错误服务站",
                    "head_mobile": "123",
                },
            )
        assert "head_mobile" in exc.value.message_dict
        assert not Station.objects.filter(name="手机号错误服务站").exists()


class TestDirectoryWrites:
    def test_host_unit_credit_code_checksum(self, admin, shenyang):
        with pytest.raises(ValidationError) as exc:
            services.host_unit_create(
                actor=admin,
                data={
                    "city": shenyang,
                    "name": "坏代码公司",
                    "nature": "enterprise",
                    "credit_code": "911101080000000000",
                    "legal_rep": "张三",
                    "registered_city": "沈阳市",
                },
            )
        assert "credit_code" in exc.value.message_dict

    def test_society_parent_must_be_same_city(self, admin, hangzhou):
        society = SocietyFactory()
        with pytest.raises(ValidationError):
            services.society_update(
                society=society, actor=admin, data={"parent": SocietyFactory(city=hangzhou)}
            )

    def test_society_update_audit_has_before_and_after(self, admin):
        society = SocietyFactory(legal_rep="甲")
        services.society_update(society=society, actor=admin, data={"legal_rep": "乙"})
        event = AuditEvent.objects.get(event="society.updated")
        assert event.detail == {"before": {"legal_rep": "甲"}, "after": {"legal_rep": "乙"}}
        assert event.object_id == str(society.pk) and event.user == admin


class TestActivityWrites:
    def test_future_date_is_refused(self, station, admin):
        with pytest.raises(ValidationError) as exc:
            services.activity_record_create(
                station=station,
                actor=admin,
                data={
                    "kind": "survey",
                    "date": dt.date.today() + dt.timedelta(days=5),
                    "title": "未来",
                    "quantity": 1,
                },
            )
        assert "date" in exc.value.message_dict

    def test_update_cannot_move_record_to_another_station(self, station, other_station, admin):
        record = ActivityRecordFactory(station=station)
        with pytest.raises(ValueError):
            services.activity_record_update(
                record=record, actor=admin, data={"station": other_station}
            )

    def test_progress_over_100_is_refused(self, station, admin):
        with pytest.raises(ValidationError):
            services.activity_record_create(
                station=station,
                actor=admin,
                data={
                    "kind": "agreement_progress",
                    "date": dt.date(2025, 1, 1),
                    "title": "进度",
                    "quantity": 120,
                },
            )


def test_station_factory_default_is_consistent(station):
    services.check_station(station)
    assert StationFactory._meta.model is Station
