"""The quantitative items' measured figures are labelled sentences for every city, never a
raw key (the Guiyang 三(三)7 page once read “demands served: 0”, “outside experts: 5”)."""

import re

import pytest
from django.utils import translation

from evaluations.templatetags.evaluation_tags import measured
from policies.facts import ActivitySummary
from policies.registry import all_policies

RAW_KEY = re.compile(r"[a-z]+[ _][a-z]+|[a-z]+:")


@pytest.mark.parametrize("code", sorted(all_policies()))
@pytest.mark.parametrize("level", ["national", "provincial", "city"])
def test_every_measured_figure_is_labelled(code, level):
    policy = all_policies()[code]
    summary = ActivitySummary(
        year=2026,
        level=level,
        expert_days_by_quarter=(10, 12, 8, 9),
        training_trainees=(30, 60),
        demands_served=4,
        experts=10,
        outside_experts=5,
    )
    with translation.override("zh-hans"):
        for item in policy.quantitative_items(summary, policy.params()):
            lines = measured({"figures": dict(item.figures)})
            assert lines, item.code
            for line in lines:
                assert not RAW_KEY.search(line), (code, item.code, line)


def test_guiyang_national_minimums_read_in_words():
    policy = all_policies()["guiyang"]
    summary = ActivitySummary(
        year=2026, level="national", demands_served=4, experts=10, outside_experts=5
    )
    with translation.override("zh-hans"):
        demands, experts = (
            measured({"figures": dict(i.figures)})
            for i in policy.quantitative_items(summary, policy.params())
        )
    assert demands == ["服务技术需求 4 项"]
    assert experts == ["进站专家 10 人", "其中省外专家 5 人"]
