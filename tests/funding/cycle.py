"""Drive a station through its years in the application, as the people would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.roles import Role
from evaluations import services as ev_services
from evaluations.models import EvaluationRound, StationEvaluation
from funding import services as fund_services
from policies import api as engine
from stations.choices import StationStatus
from tests.factories import ExpertFactory, StationFactory, UserFactory, city


def make_station(city_code: str, *, level: str, program: str, status=StationStatus.CERTIFIED, **kw):
    c = city(city_code)
    return StationFactory(city=c, level=level, program=program, status=status, **kw)


def people(station):
    c = station.city
    return {
        "admin": UserFactory(role=Role.CITY_ADMIN, city=c),
        "finance": UserFactory(role=Role.FINANCE, city=c),
        "society": UserFactory(role=Role.SOCIETY_STAFF, society=station.society),
        "host": UserFactory(role=Role.HOST_STAFF, host_unit=station.host_unit),
        "expert": UserFactory(role=Role.EXPERT_REVIEWER, expert=ExpertFactory(city=c), city=c),
    }


def split_points(rubric, score) -> dict[str, float]:
    """Spread a total over the rubric's indicators, each within its maximum."""
    left = Decimal(str(score))
    points = {}
    for indicator in rubric.indicators:
        take = min(left, Decimal(indicator.max_points))
        points[indicator.code] = float(take)
        left -= take
    assert left == 0
    return points


def pay_dues(grant, finance):
    for due in fund_services.payable(grant):
        fund_services.disbursement_approve(
            grant=grant,
            year=due["year"],
            paid_on=timezone.localdate(),
            voucher_no=f"V{grant.pk}-{due['year']}",
            payee_account_name="某单位",
            payee_bank="中国银行",
            payee_account_no="6222020200001234567",
            actor=finance,
        )


def evaluate_year(grant, year, score, who) -> StationEvaluation:
    station = grant.station
    rnd = EvaluationRound.objects.filter(city=station.city, year=year).first()
    if rnd is None:
        rnd = ev_services.round_open(
            city=station.city,
            year=year,
            due_date=timezone.localdate() + dt.timedelta(days=30),
            actor=who["admin"],
        )
    ev = StationEvaluation.objects.get(grant=grant, year=year)
    ev_services.evaluation_submit(
        evaluation=ev,
        actor=who["society"],
        summary=f"{year}年度工作总结",
        final_accounts="决算：专家咨询费 10,000 元"
        if station.city.policy_code == "hangzhou"
        else "",
        expected_version=ev.version,
    )
    ev.refresh_from_db()
    (score_row,) = ev_services.experts_assign(
        evaluation=ev, experts=[who["expert"]], actor=who["admin"]
    )
    rubric = engine.evaluation_rubric(station.city, grant.program)
    ev_services.expert_score_submit(
        score=score_row, points=split_points(rubric, score), comment="同意", actor=who["expert"]
    )
    ev.refresh_from_db()
    return ev_services.evaluation_confirm(
        evaluation=ev,
        final_score=Decimal(str(score)),
        actor=who["admin"],
        expected_version=ev.version,
    )


def run_station(
    city_code,
    program,
    level,
    start_year,
    scores,
    amount=None,
    station_status=StationStatus.CERTIFIED,
):
    """Create the grant, then each year: pay what is due, evaluate, confirm; pay the rest."""
    station = make_station(city_code, level=level, program=program, status=station_status)
    who = people(station)
    grant = fund_services.grant_create(
        station=station,
        program=program,
        level=level,
        start_year=start_year,
        amount=amount,
        actor=who["admin"],
    )
    for year, score in scores:
        pay_dues(grant, who["finance"])
        grant.refresh_from_db()
        evaluate_year(grant, year, score, who)
        grant.refresh_from_db()
    pay_dues(grant, who["finance"])
    grant.refresh_from_db()
    station.refresh_from_db()
    return grant, station, who
