"""益阳: eligibility (第五、七条), workflow path (第八条), grades and funding (第十二、十六条)."""

import datetime as dt

import pytest

from policies.engine import check_eligibility, next_stage, path
from policies.facts import ActivitySummary
from policies.registry import get_policy
from policies.types import PolicyError

from .helpers import codes, experts, facts, host, society

P = get_policy("yiyang")
D = P.params()


def run(scores, level="provincial", amount=None):
    return P.funding_schedule(
        program="station",
        level=level,
        start_year=2024,
        amount=amount,
        evaluations=[(2024 + i, s) for i, s in enumerate(scores)],
        params=D,
    )


@pytest.mark.parametrize(
    "clause,score,grade",
    [
        ("益阳 第十二条", 85, "excellent"),
        ("益阳 第十二条", 84.99, "qualified"),
        ("益阳 第十二条", 60, "qualified"),
        ("益阳 第十二条", 59, "unqualified"),
    ],
)
def test_grade_cutoffs(clause, score, grade):
    assert P.grade(score, D) == grade and P.grade_clause == clause


@pytest.mark.parametrize(
    "clause,level,scores,paid,recovered,statuses",
    [
        (
            "益阳 第十六条",
            "provincial",
            [90, 70],
            [100000, 100000],
            [0, 0],
            ["active", "completed"],
        ),
        ("益阳 第十六条", "city", [60, 60], [50000, 50000], [0, 0], ["active", "completed"]),
        # Year-1 fail: rectification, no pay; year 2 pass pays again (whatever year 1 was).
        ("益阳 第十二条", "city", [50, 70], [0, 50000], [0, 0], ["rectification", "completed"]),
        # Term-end fail: delisted and everything paid recovered.
        ("益阳 第十二条", "provincial", [70, 40], [100000, 0], [0, 100000], ["active", "delisted"]),
        ("益阳 第十二条", "city", [40, 40], [0, 0], [0, 0], ["rectification", "delisted"]),
        ("益阳 第十六条", "provincial", [70], [100000, 0], [0, 0], ["active", "active"]),
    ],
)
def test_funding(clause, level, scores, paid, recovered, statuses):
    result = run(scores, level)
    assert [y.paid for y in result.years] == paid
    assert [y.recovered for y in result.years] == recovered
    assert [y.status for y in result.years] == statuses
    assert any(clause in y.clauses for y in result.years)


def test_national_amount_is_case_by_case():  # 益阳 第十六条 一事一议
    with pytest.raises(PolicyError, match="一事一议"):
        run([70, 70], "national")
    result = run([70, 40], "national", amount=200000)
    assert result.total_paid == 200000 and result.total_recovered == 200000 and result.net == 0
    with pytest.raises(PolicyError, match="固定"):
        run([70], "city", amount=60000)


@pytest.mark.parametrize(
    "clause,kwargs,blocked",
    [
        ("益阳 第七条(二)", dict(), set()),
        (
            "益阳 第七条(二)",
            dict(host_unit=host(registered_city="长沙市")),
            {"host_not_registered"},
        ),
        ("益阳 第七条(二)", dict(host_unit=host(is_legal_person=False)), {"host_not_legal_person"}),
        ("益阳 第七条(三)", dict(term_end=dt.date(2027, 2, 28)), {"agreement_term"}),
        ("益阳 第七条(三)", dict(term_start=None), {"agreement_term_missing"}),
        ("益阳 第七条(六)", dict(experts=experts(4)), {"expert_count"}),
        ("益阳 第七条(六)", dict(staff_count=0), {"staff_count"}),
        ("益阳 第七条(七)", dict(same_society_stations=1), {"one_per_society"}),
        (
            "益阳 第七条(七)",
            dict(level="provincial", host_unit=host(has_expert_workstation=True)),
            {"workstation_national_only"},
        ),
        (
            "益阳 第七条(七)",
            dict(level="national", host_unit=host(has_expert_workstation=True)),
            set(),
        ),
    ],
)
def test_eligibility(clause, kwargs, blocked):
    findings = check_eligibility(P, "station", facts("yiyang", "station", **kwargs), D)
    assert codes(findings, "block") == blocked
    assert all(f.clause == clause for f in findings if f.code in blocked)


def test_host_nature_outside_article_5_is_only_a_warning():
    f = facts("yiyang", "station", level="city", host_unit=host(nature="university"))
    findings = check_eligibility(P, "station", f, D)
    assert codes(findings, "warn") == {"host_nature_level"} and not codes(findings, "block")


@pytest.mark.parametrize(
    "clause,host_kwargs,skips_county",
    [
        ("益阳 第八条(一)", dict(nature="county_cast"), False),
        ("益阳 第八条(一)", dict(nature="enterprise", has_own_cast=True), True),
        ("益阳 第八条(一)", dict(nature="city_society"), True),
    ],
)
def test_direct_application_skips_county_review(clause, host_kwargs, skips_county):
    f = facts("yiyang", "station", host_unit=host(**host_kwargs))
    stages = [s.code for s in path(P, "station", f)]
    assert ("county_review" not in stages) is skips_county
    assert next_stage(P, "station", "draft", "submit", f).code == (
        "city_review" if skips_county else "county_review"
    )
    assert P.workflows["station"].stage("county_review").clause == clause
    assert stages[-1] == "certified" and "public_notice" in stages


GOOD = ActivitySummary(
    year=2024,
    term_year=1,
    expert_days_by_quarter=(10, 10, 10, 10),
    surveys=2,
    survey_results=1,
    training_trainees=(50, 60),
    breakthroughs=1,
    problems_solved=2,
    achievements_transferred=2,
    agreement_progress_percent=50,
)


@pytest.mark.parametrize(
    "clause,changes,failing",
    [
        ("益阳 第十二条", {}, set()),
        ("益阳 第十二条(一)", {"agreement_progress_percent": 49}, {"agreement"}),
        ("益阳 第十二条(一)", {"term_year": 2, "agreement_progress_percent": 99}, {"agreement"}),
        ("益阳 第十二条(二)", {"expert_days_by_quarter": (9, 11, 10, 20)}, {"onsite"}),
        ("益阳 第十二条(三)", {"survey_results": 0}, {"survey"}),
        ("益阳 第十二条(四)", {"training_trainees": (49, 80, 30)}, {"training"}),
        ("益阳 第十二条(五)", {"problems_solved": 1}, {"results"}),
    ],
)
def test_quantitative_items(clause, changes, failing):
    from dataclasses import replace

    items = P.quantitative_items(replace(GOOD, **changes), D)
    assert [i.code for i in items] == ["agreement", "onsite", "survey", "training", "results"]
    assert {i.code for i in items if not i.passed} == failing
    for item in items:
        assert item.clause.startswith("益阳 第十二条(")
    if failing:
        assert next(i for i in items if not i.passed).clause == clause


def test_society_fixture_is_national():
    assert society().level == "national"
