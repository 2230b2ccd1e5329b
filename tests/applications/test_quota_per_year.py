"""Quotas are per year, not per call (issue 12; 沈阳 三(二) 约3家/年, 政策解释 6)."""

import datetime as dt

import pytest

from applications import selectors
from applications.models import Call
from applications.services import TransitionError
from policies.registry import get_policy
from policies.services import policy_version_create
from tests.applications.cities import Shenyang

pytestmark = pytest.mark.django_db


def at_city_approval(w, call, name, discipline, index):
    staff, society = w.new_host(name, discipline)
    filing = w.filed(staff, society, discipline=discipline)
    original, w.call = w.call, call
    try:
        app = w.key_support(staff, filing.station, discipline=discipline)
    finally:
        w.call = original
    w.act(app, "approve")
    w.score_all(app, [90 - index, 88 - index, 86 - index], experts=w.experts[:3])
    w.act(app, "approve")
    assert app.stage == "city_approval"
    return app


@pytest.mark.parametrize(
    ("clause", "second_opens", "blocked"),
    [
        ("沈阳 三(二)", dt.date(2020, 9, 1), True),  # a second call the same year: shared
        ("沈阳 三(二)", dt.date(2021, 3, 1), False),  # next year's call: a new count
    ],
)
def test_two_calls_in_one_year_share_the_quota(clause, second_opens, blocked):
    w = Shenyang()
    policy = get_policy("shenyang")
    policy_version_create(
        city=w.city,
        params={**policy.defaults, "selection_quota": 1},
        effective_from=dt.date(2019, 1, 1),
        note="每年1家（测试）",
        actor=w.admin,
    )
    assert w.call.opens_on.year == 2020
    second = Call.objects.create(
        city=w.city,
        program="key_support",
        title="第二批择优资助",
        opens_on=second_opens,
        closes_on=dt.date(2099, 12, 31),
        required_materials=list(w.required),
    )
    first_app = at_city_approval(w, w.call, "中国机械工程学会", "机械工程", 0)
    second_app = at_city_approval(w, second, "中国化工学会", "化学工程", 1)
    w.act(first_app, "approve")
    assert first_app.outcome == "certified"
    if blocked:
        with pytest.raises(TransitionError, match=r"名额已满（1/1）") as exc:
            w.act(second_app, "approve")
        assert clause in str(exc.value)
        assert selectors.ranking(w.admin, second)["approved"] == 1
    else:
        w.act(second_app, "approve")
        assert second_app.outcome == "certified"
        assert selectors.ranking(w.admin, second)["approved"] == 1
