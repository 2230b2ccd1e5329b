"""Annual evaluations on each person's to-do list: self-report due, assign, score, confirm."""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations import services
from home.todo import todo_for
from tests.evaluations.test_cycle import opened

pytestmark = pytest.mark.django_db


def _kinds(user):
    return [item.kind for item in todo_for(user)]


def test_evaluation_moves_from_the_station_to_the_admin_to_the_expert():
    ev, who = opened("shenyang", "national", "key_support", due_in=10)
    due = timezone.localdate() + dt.timedelta(days=10)
    item = next(i for i in todo_for(who["society"]) if i.kind == "提交年度自评")
    assert (item.deadline, item.days_left) == (due, 10)
    assert "提交年度自评" in _kinds(who["host"])
    assert "指派考核专家" not in _kinds(who["admin"])  # nothing submitted yet

    services.evaluation_submit(
        evaluation=ev, actor=who["society"], summary="年度总结", expected_version=ev.version
    )
    assert "提交年度自评" not in _kinds(who["society"])
    assert "指派考核专家" in _kinds(who["admin"])

    services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    assert "指派考核专家" not in _kinds(who["admin"])  # waiting for the expert now
    assert "年度考核评分" in _kinds(who["expert"])
