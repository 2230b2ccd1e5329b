"""Issue 14 seams: each test states one behaviour the sixth city declares in its module.

Each was written as a strict xfail naming the production file:line that decided the matter
by city name (funding/models.py:127 payee, evaluations/services.py:310 final accounts and
:233 the round notice, the ABSENT_CLAUSE and MISUSE_CLAUSE tables, applications/forms.py:474
the form per city, reports/dashboards.py:190 the TARGETS table); the owners moved each into
CityPolicy, the marks were removed, and the tests stay as the proof.
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


def test_the_dashboard_shows_the_citys_targets(world, client):
    from reports.dashboards import targets_for

    (result,) = targets_for(world.admin, world.city)
    assert (result.target.label_zh, result.target.goal, result.target.clause) == (
        "学会服务站建成数",
        10,
        T.GENERAL,
    )
    client.force_login(world.admin)
    page = client.get("/reports/dashboard/").content.decode()
    assert "学会服务站建成数" in page
