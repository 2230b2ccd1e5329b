"""The one status setter of StationEvaluation and of EvaluationRound, over their tables."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from evaluations import services
from evaluations.models import EvaluationRound, StationEvaluation
from funding import services as fund
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db
E = StationEvaluation.Status
R = EvaluationRound.Status

EVALUATION_LEGAL = {
    (E.PENDING, E.SUBMITTED),
    (E.PENDING, E.ABSENT),
    (E.SUBMITTED, E.SCORED),
    (E.SCORED, E.SUBMITTED),
    (E.SCORED, E.CONFIRMED),
}
ROUND_LEGAL = {(R.OPEN, R.CLOSED)}


def opened():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = fund.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    rnd = services.round_open(
        city=station.city,
        year=2024,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        actor=who["admin"],
    )
    return rnd, StationEvaluation.objects.get(grant=grant), who


def test_tables_cover_every_status_and_final_states_have_no_exit():
    assert set(StationEvaluation.TRANSITIONS) == set(E.values)
    assert set(EvaluationRound.TRANSITIONS) == set(R.values)
    assert {
        (a, b) for a, targets in StationEvaluation.TRANSITIONS.items() for b in targets
    } == EVALUATION_LEGAL
    assert {
        (a, b) for a, targets in EvaluationRound.TRANSITIONS.items() for b in targets
    } == ROUND_LEGAL


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(E.values, E.values)))
def test_evaluation_setter_allows_exactly_the_table(from_status, to_status):
    _rnd, ev, who = opened()
    StationEvaluation.objects.filter(pk=ev.pk).update(status=from_status)  # arrange only
    ev.refresh_from_db()
    if (from_status, to_status) in EVALUATION_LEGAL:
        services.evaluation_set_status(
            evaluation=ev,
            to_status=to_status,
            actor=who["admin"],
            reason="测试原因",
            clause="沈阳 三(三)",
        )
        ev.refresh_from_db()
        assert ev.status == to_status
        event = AuditEvent.objects.get(event="evaluations.status_changed")
        assert (event.user, event.reason, event.clause) == (who["admin"], "测试原因", "沈阳 三(三)")
        assert event.detail == {"before": {"status": from_status}, "after": {"status": to_status}}
        assert event.object_id == str(ev.pk) and event.at is not None
    else:
        with pytest.raises(services.IllegalEvaluationTransition, match="考核状态不能从"):
            services.evaluation_set_status(
                evaluation=ev, to_status=to_status, actor=who["admin"], reason="测试原因"
            )
        ev.refresh_from_db()
        assert ev.status == from_status
        assert not AuditEvent.objects.filter(event="evaluations.status_changed").exists()


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(R.values, R.values)))
def test_round_setter_allows_exactly_the_table(from_status, to_status):
    rnd, _ev, who = opened()
    EvaluationRound.objects.filter(pk=rnd.pk).update(status=from_status)  # arrange only
    rnd.refresh_from_db()
    if (from_status, to_status) in ROUND_LEGAL:
        services.round_set_status(
            round=rnd, to_status=to_status, actor=who["admin"], reason="测试原因"
        )
        rnd.refresh_from_db()
        assert rnd.status == to_status
        assert rnd.closed_by == who["admin"] and rnd.closed_at is not None
        event = AuditEvent.objects.get(event="evaluations.round_status_changed")
        assert (event.user, event.reason) == (who["admin"], "测试原因")
    else:
        with pytest.raises(services.IllegalEvaluationTransition, match="考核批次状态不能从"):
            services.round_set_status(
                round=rnd, to_status=to_status, actor=who["admin"], reason="测试原因"
            )
        rnd.refresh_from_db()
        assert rnd.status == from_status


def test_setters_refuse_unknown_status_and_missing_reason():
    rnd, ev, who = opened()
    with pytest.raises(services.IllegalEvaluationTransition, match="未知的考核状态"):
        services.evaluation_set_status(
            evaluation=ev, to_status="bogus", actor=who["admin"], reason="x"
        )
    with pytest.raises(ValidationError, match="原因"):
        services.evaluation_set_status(
            evaluation=ev, to_status=E.SUBMITTED, actor=who["admin"], reason=" "
        )
    with pytest.raises(ValidationError, match="原因"):
        services.round_set_status(round=rnd, to_status=R.CLOSED, actor=who["admin"], reason="")


def test_the_cycle_moves_through_the_setter_with_reasons_and_clauses():
    rnd, ev, who = opened()
    services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")
    moves = list(
        AuditEvent.objects.filter(event="evaluations.status_changed").values_list(
            "user", "reason", "detail"
        )
    )
    assert moves == [
        (
            who["society"].pk,
            "提交年度自评材料",
            {"before": {"status": E.PENDING}, "after": {"status": E.SUBMITTED}},
        )
    ]
    (row,) = services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    services.expert_score_submit(
        score=row, points={"assurance": 20}, comment="同意", actor=who["expert"]
    )
    last = AuditEvent.objects.filter(event="evaluations.status_changed").latest("pk")
    assert (last.user, last.reason, last.detail["after"]["status"]) == (
        who["expert"],
        "指派的专家已全部评分",
        E.SCORED,
    )
    assert last.clause  # the rubric's clause


def test_no_status_assignment_outside_the_setters():
    """`.status = ` in the evaluations app appears only in the two setters."""
    from pathlib import Path

    from django.apps import apps

    root = Path(apps.get_app_config("evaluations").path)
    lines = sorted(
        line.strip()
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if ".status = " in line
    )
    assert lines == [
        "evaluation.status = E.CONFIRMED",  # evaluation_prepare_import: a new row, no move
        "evaluation.status = to_status",
        "round.status = to_status",
    ]


def test_prepare_import_marks_a_new_row_confirmed_and_refuses_a_saved_one():
    _rnd, ev, who = opened()
    new = StationEvaluation(round=ev.round, station=ev.station, grant=ev.grant, year=2023)
    services.evaluation_prepare_import(evaluation=new, actor=who["admin"])
    assert (new.status, new.confirmed_by) == (E.CONFIRMED, who["admin"])
    with pytest.raises(services.IllegalEvaluationTransition, match="导入"):
        services.evaluation_prepare_import(evaluation=ev, actor=who["admin"])
