"""Issue 14 seams: what the sixth city declares and production still decides by city name.

Each test states one behaviour the city declares in its module (testcity.py, block
"declared, not yet read by production") and is a strict xfail naming the production
file:line that names cities instead; when the owner helper moves that decision into
CityPolicy (and the module's declaration is renamed to the new field), the test passes
and strict=True makes the stale xfail fail, so the mark must then be removed.
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


@seam("funding/models.py:127 (Grant.payee_party; also funding/services.py:514 default_payee)")
def test_the_society_is_paid_as_the_city_declares(grant):
    assert T.POLICY.payee == "society"
    assert grant.payee_party == grant.station.society
    assert fund_services.default_payee(grant)["payee_account_name"] in (
        grant.station.society.bank_account_name,
        grant.station.society.name,
    )


@seam(
    "evaluations/services.py:310 (final accounts required only for one city)",
    raises=pytest.fail.Exception,
)
def test_the_self_report_needs_final_accounts_as_the_city_declares(world, grant):
    assert T.POLICY.final_accounts_required
    open_round(world)
    ev = StationEvaluation.objects.get(grant=grant, year=2026)
    with pytest.raises(ValidationError):
        ev_services.evaluation_submit(
            evaluation=ev, actor=world.staff, summary="年度工作总结", final_accounts=""
        )


@seam("evaluations/services.py:233 (round notice mentions 经费决算 for one city only)")
def test_the_round_notice_asks_for_final_accounts(world, grant):
    open_round(world)
    note = Notification.objects.get(recipient=world.staff)
    assert "经费决算" in note.body


@seam("evaluations/services.py:691/706/715 (ABSENT_CLAUSE, a city-keyed table at :33)")
def test_an_absent_station_is_recorded_under_the_citys_absence_clause(world, grant):
    rnd = open_round(world)
    ev_services.round_close(round=rnd, actor=world.admin)
    assert StationEvaluation.objects.get(grant=grant).status == "absent"
    closed = AuditEvent.objects.get(event="evaluations.round_closed", object_id=str(rnd.pk))
    assert closed.clause == T.ABSENCE


@seam("funding/services.py:694 (MISUSE_CLAUSE, a city-keyed table at :56)", raises=ValidationError)
def test_a_misuse_recovery_takes_the_citys_misuse_clause(world, grant):
    world.pay_dues(grant)
    recovery = fund_services.recovery_record(
        grant=grant, amount=10000, reason="资金用于罚款支出", actor=world.admin
    )
    assert recovery.clause == T.MISUSE


@seam("applications/forms.py:474 (form_class_for over PROGRAM_FORMS keyed by city, :426)")
def test_the_program_uses_the_application_form_the_city_declares(world):
    assert T.POLICY.application_forms[T.PROGRAM] is T.TestcityStationForm
    app = world.draft(service_plan="")
    codes = [f["code"] for f in app_services.application_check(app)]
    assert "form_incomplete" in codes


@seam("reports/dashboards.py:190 (TARGETS, a city-keyed table at :45)")
def test_the_dashboard_shows_the_citys_targets(world):
    from reports.dashboards import targets_for

    labels = [t.target.label for t in targets_for(world.admin, world.city)]
    assert labels == [label for _key, label, *_rest in T.POLICY.dashboard_targets]
