"""Issue 14 seams: each test states one behaviour the sixth city declares in its module.

Where production still decides it by city name, the test is a strict xfail naming that
file:line (testcity.py, block "declared, not yet read by production"); when the owner moves
the decision into CityPolicy and the module's declaration takes the new field's name, the
test passes, strict=True fails the stale mark, and the mark is removed. The unmarked tests
were such seams until funding/, evaluations/ and applications/ asked the policy (payee,
final accounts, absence and misuse clauses, the application form); they stay as the proof.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from applications import services as app_services
from evaluations import services as ev_services
from evaluations.models import StationEvaluation
from funding import services as fund_services
from stations.choices import StationStatus
from tests.factories import StationFactory

from . import testcity as T
from .world import World

pytestmark = pytest.mark.django_db


def seam(where: str, raises=AssertionError):
    """Strict xfail at the seam; `raises` keeps a setup error from passing as the seam."""
    return pytest.mark.xfail(
        strict=True, raises=raises, reason=f"{where} names cities — issue 14 (owner helper)"
    )


@pytest.fixture
def world(testcity_city):
    return World(testcity_city)


@pytest.fixture
def grant(world):
    station = StationFactory(
        city=world.city,
        society=world.society,
        host_unit=world.host,
        level="city",
        program=T.PROGRAM,
        status=StationStatus.CERTIFIED,
    )
    return fund_services.grant_create(
        station=station, program=T.PROGRAM, start_year=2026, actor=world.admin
    )


def open_round(world):
    return ev_services.round_open(
        city=world.city,
        year=2026,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        actor=world.admin,
    )


def test_the_society_is_paid_as_the_city_declares(grant):
    assert T.POLICY.programs[T.PROGRAM].payee == "society"
    assert grant.payee_party == grant.station.society
    assert fund_services.default_payee(grant)["payee_account_name"] in (
        grant.station.society.bank_account_name,
        grant.station.society.name,
    )


def test_the_self_report_needs_final_accounts_as_the_city_declares(world, grant):
    assert T.POLICY.requires_final_accounts
    open_round(world)
    ev = StationEvaluation.objects.get(grant=grant, year=2026)
    with pytest.raises(ValidationError):
        ev_services.evaluation_submit(
            evaluation=ev, actor=world.staff, summary="年度工作总结", final_accounts=""
        )


def test_the_round_notice_asks_for_final_accounts(world, grant):
    open_round(world)
    note = Notification.objects.get(recipient=world.staff)
    assert "经费决算" in note.body


def test_an_absent_station_is_recorded_under_the_citys_absence_clause(world, grant):
    rnd = open_round(world)
    ev_services.round_close(round=rnd, actor=world.admin)
    assert StationEvaluation.objects.get(grant=grant).status == "absent"
    closed = AuditEvent.objects.get(event="evaluations.round_closed", object_id=str(rnd.pk))
    assert closed.clause == T.ABSENCE


def test_a_misuse_recovery_takes_the_citys_misuse_clause(world, grant):
    world.pay_dues(grant)
    recovery = fund_services.recovery_record(
        grant=grant, amount=10000, reason="资金用于罚款支出", actor=world.admin
    )
    assert recovery.clause == T.MISUSE


def test_the_program_uses_the_application_form_the_city_declares(world):
    assert T.POLICY.programs[T.PROGRAM].form == "service_station"
    app = world.draft(served_units="")
    codes = [f["code"] for f in app_services.application_check(app)]
    assert "form_incomplete" in codes


@seam("reports/dashboards.py:190 (TARGETS, a city-keyed table at :45)")
def test_the_dashboard_shows_the_citys_targets(world):
    from reports.dashboards import targets_for

    labels = [t.target.label for t in targets_for(world.admin, world.city)]
    assert labels == [label for _key, label, *_rest in T.POLICY.dashboard_targets]
