"""Rubric weights are parameters (issue 12 minor): the policies leave them open."""

import datetime as dt

import pytest

from policies import api as engine
from policies.engine import score_rubric, validate_params
from policies.registry import all_policies, get_policy
from policies.services import policy_version_create
from policies.types import PolicyError
from tests.factories import UserFactory, city


def test_every_indicator_has_a_weight_parameter_defaulting_to_its_points():
    for policy in all_policies().values():
        for rubric in policy.all_rubrics():
            for indicator in rubric.indicators:
                key = f"w_{rubric.code}_{indicator.code}"
                assert policy.defaults[key] == indicator.max_points
                assert any(s.key == key for s in policy.param_specs)


@pytest.mark.parametrize(
    ("clause", "weights", "ok"),
    [
        ("沈阳 三(三)", {"assurance": 40, "talent": 20, "cooperation": 20, "exchange": 20}, True),
        ("沈阳 三(三)", {"assurance": 40, "talent": 25, "cooperation": 25, "exchange": 25}, False),
        ("沈阳 三(三)", {"assurance": 0, "talent": 50, "cooperation": 25, "exchange": 25}, True),
    ],
)
def test_weights_of_a_rubric_must_total_its_scale(clause, weights, ok):
    policy = get_policy("shenyang")
    params = {
        **policy.defaults,
        **{f"w_shenyang_evaluation_{k}": v for k, v in weights.items()},
    }
    if ok:
        assert validate_params(policy, params)
    else:
        with pytest.raises(PolicyError, match="权重之和须为 100"):
            validate_params(policy, params)


@pytest.mark.django_db
def test_the_evaluation_rubric_uses_the_weights_in_force():
    sy = city("shenyang")
    policy = get_policy("shenyang")
    weights = {"assurance": 40, "talent": 20, "cooperation": 20, "exchange": 20}
    before = engine.evaluation_rubric(sy, "key_support")
    with pytest.raises(PolicyError):
        score_rubric(before, {"assurance": 40})
    policy_version_create(
        city=sy,
        params={**policy.defaults, **{f"w_shenyang_evaluation_{k}": v for k, v in weights.items()}},
        effective_from=dt.date(2020, 1, 1),
        note="建设保障权重提高",
        actor=UserFactory(),
    )
    after = engine.evaluation_rubric(sy, "key_support")
    assert {i.code: i.max_points for i in after.indicators} == weights
    assert score_rubric(after, {"assurance": 40, "talent": 20}) == 60
