"""The evaluation cycle's rules: who acts when, optimistic locking, city-specific parts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from accounts.roles import Role
from evaluations import services
from evaluations.models import StationEvaluation
from evaluations.tasks import remind_due_evaluations
from funding import services as fund
from stations.choices import ActivityKind, StationStatus
from tests.factories import ActivityRecordFactory, UserFactory
from tests.funding.cycle import evaluate_year, make_station, people

pytestmark = pytest.mark.django_db


def opened(city_code, level, program, amount=None, year=2024, due_in=10):
    station = make_station(city_code, level=level, program=program)
    who = people(station)
    grant = fund.grant_create(
        station=station,
        program=program,
        level=level,
        start_year=year,
        amount=amount,
        actor=who["admin"],
    )
    services.round_open(
        city=station.city,
        year=year,
        due_date=timezone.localdate() + dt.timedelta(days=due_in),
        actor=who["admin"],
    )
    return StationEvaluation.objects.get(grant=grant, year=year), who


def test_round_includes_only_supported_stations_and_notifies_them():
    ev, who = opened("shenyang", "national", "key_support")
    make_station("shenyang", level="national", program="filing")  # filed, no grant
    assert StationEvaluation.objects.count() == 1
    assert Notification.objects.filter(recipient=who["society"], title__contains="自评").exists()
    with pytest.raises(ValidationError, match="已经发起"):
        services.round_open(
            city=ev.station.city, year=2024, due_date=timezone.localdate(), actor=who["admin"]
        )


def test_stale_form_is_refused_and_a_submitted_report_is_read_only():
    ev, who = opened("shenyang", "national", "key_support")
    with pytest.raises(services.StaleEvaluation, match="刷新"):
        services.evaluation_submit(
            evaluation=ev, actor=who["society"], summary="旧页面", expected_version=ev.version + 1
        )
    services.evaluation_submit(
        evaluation=ev, actor=who["society"], summary="第一次", expected_version=ev.version
    )
    with pytest.raises(ValidationError, match=r"已于 2026年12月1日 10:00 由 .+ 提交") as refused:
        services.evaluation_submit(
            evaluation=ev, actor=who["host"], summary="第二次", expected_version=ev.version
        )
    assert refused.value.code == "already_submitted"
    ev.refresh_from_db()
    assert ev.summary == "第一次" and ev.submitted_by == who["society"]


def test_yiyang_self_report_computes_five_items_with_figures():
    ev, who = opened("yiyang", "city", "station")
    for month, days in ((1, 10), (4, 10), (7, 10), (10, 10)):
        ActivityRecordFactory(
            station=ev.station,
            kind=ActivityKind.EXPERT_ONSITE,
            date=dt.date(2024, month, 5),
            quantity=days,
        )
    ActivityRecordFactory(
        station=ev.station, kind=ActivityKind.TRAINING, date=dt.date(2024, 6, 1), trainees=40
    )
    ev = services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")
    items = {i["code"]: i for i in ev.quantitative}
    assert set(items) == {"agreement", "onsite", "survey", "training", "results"}
    assert items["onsite"]["passed"] is True
    assert items["onsite"]["figures"] == {"by_quarter": [10, 10, 10, 10], "total": 40}
    assert (
        items["training"]["passed"] is False and items["training"]["clause"] == "益阳 第十二条(四)"
    )
    assert ev.counts[ActivityKind.EXPERT_ONSITE]["quantity"] == 40


def test_hangzhou_requires_final_accounts():
    ev, who = opened("hangzhou", "city", "station", amount=25000)
    with pytest.raises(ValidationError, match="经费决算"):
        services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")


def test_guiyang_demand_unit_evaluates_and_host_cannot_self_report(client):
    ev, who = opened("guiyang", "city", "station")
    client.force_login(who["host"])
    response = client.post(f"/evaluations/{ev.pk}/submit/", {"version": ev.version, "summary": "x"})
    assert response.status_code == 403
    client.post(
        f"/evaluations/{ev.pk}/demand/",
        {"version": ev.version, "rating": "satisfied", "opinion": "服务到位"},
    )
    ev.refresh_from_db()
    assert ev.demand_unit_rating == "satisfied" and ev.demand_unit_by == who["host"]


def test_expert_scores_within_rubric_and_only_own_assignment():
    ev, who = opened("shenyang", "national", "key_support")
    services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")
    (row,) = services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    with pytest.raises(ValidationError, match="0–25"):
        services.expert_score_submit(
            score=row, points={"assurance": 30}, comment="", actor=who["expert"]
        )
    with pytest.raises(ValidationError, match="指派给您"):
        services.expert_score_submit(
            score=row, points={"assurance": 20}, comment="", actor=who["admin"]
        )


def test_yiyang_year_one_fail_puts_station_under_rectification_with_deadline():
    station = make_station("yiyang", level="city", program="station")
    who = people(station)
    grant = fund.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    ev = evaluate_year(grant, 2024, 50, who)
    station.refresh_from_db()
    assert station.status == StationStatus.RECTIFICATION
    assert ev.rectification_deadline == timezone.localdate() + dt.timedelta(days=90)
    kinds = {c["kind"]: c["clause"] for c in ev.decision["consequences"]}
    assert "rectify" in kinds and "益阳" in kinds["rectify"]
    assert fund.payable(grant) == []


def test_later_year_cannot_be_confirmed_before_earlier(client):
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = fund.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    for year in (2024, 2025):
        services.round_open(
            city=station.city, year=year, due_date=timezone.localdate(), actor=who["admin"]
        )
    ev25 = StationEvaluation.objects.get(grant=grant, year=2025)
    services.evaluation_submit(evaluation=ev25, actor=who["society"], summary="x")
    (row,) = services.experts_assign(evaluation=ev25, experts=[who["expert"]], actor=who["admin"])
    services.expert_score_submit(
        score=row, points={"assurance": 20}, comment="", actor=who["expert"]
    )
    with pytest.raises(ValidationError, match="以前年度"):
        services.evaluation_confirm(evaluation=ev25, final_score=Decimal("80"), actor=who["admin"])


def test_reminder_task_sends_once_per_window():
    ev, who = opened("shenyang", "national", "key_support", due_in=3)
    before = Notification.objects.filter(title__startswith="提醒").count()
    assert remind_due_evaluations.apply().get() == 1
    assert remind_due_evaluations.apply().get() == 0
    assert Notification.objects.filter(title__startswith="提醒").count() == before + 2


def test_expert_sees_only_assigned_evaluations(client):
    ev, who = opened("shenyang", "national", "key_support")
    other_expert = UserFactory(
        role=Role.EXPERT_REVIEWER,
        expert=who["expert"].expert.__class__.objects.create(
            city=ev.station.city, name="他人", title="x", field="x", employer="y", province="辽宁省"
        ),
        city=ev.station.city,
    )
    services.evaluation_submit(evaluation=ev, actor=who["society"], summary="x")
    services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    client.force_login(other_expert)
    assert client.get(f"/evaluations/{ev.pk}/").status_code == 404
    client.force_login(who["expert"])
    assert client.get(f"/evaluations/{ev.pk}/").status_code == 200
