"""The demand workflow: transitions, activity records, notifications, the counts they feed."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import Role
from network import services, workflow
from network.choices import DemandStatus
from network.selectors import station_demand_counts
from policies.selectors import activity_summary
from stations.choices import ActivityKind, StationStatus
from stations.models import ActivityRecord
from tests.factories import StationFactory


def counts_for(station):
    """This year's (demands served, problems solved), as the evaluations read them.

    Problems solved come from the policy engine's summary (益阳 第十二条); its ActivitySummary
    has no demands-served field yet, so those (贵阳 三(三)7) are counted from the records.
    """
    year = timezone.localdate().year
    served = ActivityRecord.objects.filter(
        station=station, date__year=year, kind=ActivityKind.DEMAND_SERVED
    ).count()
    return served, activity_summary(station, year).problems_solved


def test_workflow_graph_is_sound():
    targets = {t.target for t in workflow.TRANSITIONS}
    sources = {t.source for t in workflow.TRANSITIONS}
    assert set(DemandStatus.values) == targets | sources
    assert not (workflow.TERMINAL & sources)
    assert DemandStatus.SUBMITTED not in targets


@pytest.mark.django_db
def test_city_admins_are_told_when_a_demand_arrives(personas, demand):
    note = Notification.objects.get(recipient=personas["admin"])
    assert demand.title in note.title
    assert not Notification.objects.filter(recipient=personas["hangzhou_admin"]).exists()


@pytest.mark.django_db
def test_accept_and_solve_record_station_activity_and_notify(personas, station, demand):
    before = counts_for(station)
    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED and demand.station == station
    assert demand.served_record.kind == ActivityKind.DEMAND_SERVED
    assert Notification.objects.filter(
        recipient=demand.enterprise.user, title__contains="已受理"
    ).exists()
    assert Notification.objects.filter(recipient=personas["society"]).exists()
    assert Notification.objects.filter(recipient=personas["host"]).exists()

    services.demand_transition(
        demand=demand, target=DemandStatus.IN_PROGRESS, actor=personas["host"], note="专家到厂"
    )
    services.demand_transition(
        demand=demand,
        target=DemandStatus.SOLVED,
        actor=personas["society"],
        note="调整主轴轴承预紧力，振动下降80%",
        achievement_transferred=True,
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SOLVED and demand.finished_at
    assert demand.solved_record.kind == ActivityKind.PROBLEM_SOLVED
    assert demand.transfer_record.kind == ActivityKind.ACHIEVEMENT_TRANSFER
    after = counts_for(station)
    assert after == (before[0] + 1, before[1] + 1)
    counts = station_demand_counts(station)
    assert counts.achievements_transferred == 1
    assert Notification.objects.filter(
        recipient=demand.enterprise.user, title__contains="已解决"
    ).exists()
    assert [u.to_status for u in demand.updates.all()] == [
        "submitted",
        "accepted",
        "in_progress",
        "solved",
    ]


@pytest.mark.django_db
def test_solving_needs_an_outcome(personas, station, demand):
    from django.core.exceptions import ValidationError

    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    with pytest.raises(ValidationError):
        services.demand_transition(
            demand=demand, target=DemandStatus.SOLVED, actor=personas["society"], note=" "
        )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED
    assert demand.solved_record is None


@pytest.mark.django_db
def test_a_solved_demand_cannot_be_solved_twice(personas, station, demand):
    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    services.demand_transition(
        demand=demand, target=DemandStatus.SOLVED, actor=personas["society"], note="已解决"
    )
    with pytest.raises(workflow.IllegalDemandTransition):
        services.demand_transition(
            demand=demand, target=DemandStatus.SOLVED, actor=personas["society"], note="再次"
        )
    assert ActivityRecord.objects.filter(kind=ActivityKind.PROBLEM_SOLVED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["society", "host", "county", "talent", "hangzhou_admin"])
def test_only_the_city_admin_assigns(personas, station, demand, who):
    with pytest.raises(workflow.IllegalDemandTransition):
        services.demand_transition(
            demand=demand, target=DemandStatus.ACCEPTED, actor=personas[who], station=station
        )


@pytest.mark.django_db
def test_staff_of_another_station_cannot_record_the_outcome(
    personas, station, other_station, demand, make_user
):
    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    stranger = make_user(Role.SOCIETY_STAFF, society=other_station.society)
    with pytest.raises(workflow.IllegalDemandTransition):
        services.demand_transition(
            demand=demand, target=DemandStatus.SOLVED, actor=stranger, note="x"
        )


@pytest.mark.django_db
def test_cannot_assign_to_a_station_of_another_city_or_not_in_service(personas, demand, hangzhou):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.demand_transition(
            demand=demand,
            target=DemandStatus.ACCEPTED,
            actor=personas["admin"],
            station=StationFactory(city=hangzhou),
        )
    with pytest.raises(ValidationError):
        services.demand_transition(
            demand=demand,
            target=DemandStatus.ACCEPTED,
            actor=personas["admin"],
            station=StationFactory(status=StationStatus.REVOKED),
        )


@pytest.mark.django_db
def test_the_enterprise_may_withdraw_before_acceptance(demand, personas):
    services.demand_transition(
        demand=demand, target=DemandStatus.CLOSED, actor=demand.enterprise.user, note="已自行解决"
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED
    assert not ActivityRecord.objects.exists()


@pytest.mark.django_db
def test_counts_are_per_year(station):
    from tests.factories import ActivityRecordFactory

    ActivityRecordFactory(
        station=station, kind=ActivityKind.PROBLEM_SOLVED, date=dt.date(2020, 5, 1)
    )
    assert station_demand_counts(station, 2020).problems_solved == 1
    assert station_demand_counts(station, 2021).problems_solved == 0
