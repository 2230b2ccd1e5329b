"""Yearly figures the assessment counts (issue 12): 贵阳 三(三)7 minimums, 益阳 第十二条(一)."""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations import services as ev_services
from evaluations.models import StationEvaluation
from funding import services as fund_services
from network.models import Demand, Enterprise
from policies import selectors
from stations.choices import ActivityKind, StationStatus
from stations.models import StationExpert
from tests.factories import (
    ActivityRecordFactory,
    ExpertFactory,
    StationFactory,
    UserFactory,
    city,
    make_credit_code,
)
from tests.funding.cycle import people

pytestmark = pytest.mark.django_db
YEAR = 2025


def guiyang_station(level, inside, outside, demands, network=0, left_before=0):
    gy = city("guiyang")
    station = StationFactory(city=gy, level=level, program="station")
    for i in range(inside + outside + left_before):
        province = "北京市" if i < outside else "贵阳市"  # 贵阳市 lies in Guizhou
        expert = ExpertFactory(city=gy, province=province)
        left = dt.date(YEAR - 1, 12, 31) if i >= inside + outside else None
        StationExpert.objects.create(
            station=station, expert=expert, joined_on=dt.date(YEAR - 1, 3, 1), left_on=left
        )
    for _ in range(demands):
        ActivityRecordFactory(
            station=station, kind=ActivityKind.DEMAND_SERVED, date=dt.date(YEAR, 4, 1)
        )
    if network:
        user = UserFactory()
        ent = Enterprise.objects.create(
            user=user,
            city=gy,
            name="某企业",
            credit_code=make_credit_code(4242),
            contact_name="王经理",
            contact_mobile="13700000000",
            contact_email="e@example.cn",
        )
        for n in range(network):
            Demand.objects.create(
                enterprise=ent,
                city=gy,
                title=f"需求{n}",
                description="…",
                industry="装备",
                field="机械",
                status="accepted",
                station=station,
                accepted_at=dt.datetime(YEAR, 6, 1, tzinfo=dt.UTC),
            )
    return station


@pytest.mark.parametrize(
    ("clause", "level", "inside", "outside", "demands", "network", "left", "passed"),
    [
        ("贵阳 三(三)7", "national", 5, 5, 10, 0, 0, {"demands": True, "experts": True}),
        ("贵阳 三(三)7", "national", 5, 5, 8, 2, 0, {"demands": True, "experts": True}),
        ("贵阳 三(三)7", "national", 6, 4, 10, 0, 0, {"demands": True, "experts": False}),
        ("贵阳 三(三)7", "national", 4, 5, 9, 0, 3, {"demands": False, "experts": False}),
        ("贵阳 三(三)7", "provincial", 5, 0, 5, 0, 0, {"demands": True, "experts": True}),
        ("贵阳 三(三)7", "provincial", 4, 0, 4, 0, 0, {"demands": False, "experts": False}),
        ("贵阳 三(三)7", "city", 3, 0, 3, 0, 0, {"demands": True, "experts": True}),
        ("贵阳 三(三)7", "city", 2, 0, 2, 0, 0, {"demands": False, "experts": False}),
    ],
)
def test_guiyang_yearly_minimums_are_counted_from_records(
    clause, level, inside, outside, demands, network, left, passed
):
    station = guiyang_station(level, inside, outside, demands, network, left)
    summary, items = selectors.quantitative_assessment(station, YEAR)
    assert summary.demands_served == demands + network
    assert (summary.experts, summary.outside_experts) == (inside + outside, outside)
    assert {i.code: i.passed for i in items} == passed, clause
    assert all(i.clause == clause for i in items)


def test_guiyang_self_report_shows_the_minimums_with_pass_fail():
    station = StationFactory(city=city("guiyang"), level="city", program="station")
    who = people(station)
    grant = fund_services.grant_create(
        station=station, program="station", start_year=YEAR, actor=who["admin"]
    )
    ActivityRecordFactory(
        station=station, kind=ActivityKind.DEMAND_SERVED, date=dt.date(YEAR, 5, 1)
    )
    ev_services.round_open(
        city=station.city,
        year=YEAR,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        actor=who["admin"],
    )
    ev = StationEvaluation.objects.get(grant=grant, year=YEAR)
    _counts, items = ev_services.self_report_figures(ev)
    by_code = {i["code"]: i for i in items}
    assert by_code["demands"]["passed"] is False
    assert by_code["demands"]["figures"] == {"demands_served": 1, "required": 3}
    assert by_code["demands"]["clause"] == "贵阳 三(三)7"


@pytest.mark.parametrize(
    ("clause", "records", "year", "percent", "passed"),
    [
        # The term's second year with no new record: the running figure (60%) counts,
        # not 0% for the calendar year.
        ("益阳 第十二条(一)", [(2024, 60)], 2025, 60, False),
        ("益阳 第十二条(一)", [(2024, 60), (2025, 100)], 2025, 100, True),
        ("益阳 第十二条(一)", [(2024, 60)], 2024, 60, True),
        # A record before the term began does not count for it.
        ("益阳 第十二条(一)", [(2023, 100)], 2024, 0, False),
    ],
)
def test_yiyang_agreement_completion_is_a_running_figure(clause, records, year, percent, passed):
    station = StationFactory(
        city=city("yiyang"),
        program="station",
        term_start=dt.date(2024, 1, 1),
        status=StationStatus.CERTIFIED,
    )
    for record_year, quantity in records:
        ActivityRecordFactory(
            station=station,
            kind=ActivityKind.AGREEMENT_PROGRESS,
            date=dt.date(record_year, 11, 1),
            quantity=quantity,
        )
    summary, items = selectors.quantitative_assessment(station, year)
    assert summary.agreement_progress_percent == percent, clause
    agreement = next(i for i in items if i.code == "agreement")
    assert agreement.passed is passed, clause


@pytest.mark.parametrize(("clause", "days"), [("益阳 第十二条", 90), ("益阳 第十二条", 30)])
def test_rectification_period_is_the_city_parameter(clause, days):
    from policies.registry import get_policy
    from policies.services import policy_version_create
    from tests.funding.cycle import evaluate_year, make_station

    station = make_station("yiyang", level="city", program="station")
    who = people(station)
    if days != 90:
        policy = get_policy("yiyang")
        policy_version_create(
            city=station.city,
            params={**policy.defaults, "rectification_days": days},
            effective_from=dt.date(2020, 1, 1),
            note="整改期30天",
            actor=who["admin"],
        )
    grant = fund_services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    ev = evaluate_year(grant, 2024, 50, who)
    assert ev.rectification_deadline == timezone.localdate() + dt.timedelta(days=days), clause
