"""沈阳: eligibility, grades, key-support funding (Interpretation 1) and the naming rule."""

import pytest

from policies.cities.shenyang import station_name
from policies.engine import check_eligibility
from policies.registry import get_policy

from .helpers import codes, facts, host, society

P = get_policy("shenyang")
D = P.params()


def run(scores, level="national", start=2024):
    return P.funding_schedule(
        program="key_support",
        level=level,
        start_year=start,
        amount=None,
        evaluations=[(start + i, s) for i, s in enumerate(scores)],
        params=D,
    )


@pytest.mark.parametrize(
    "clause,score,grade",
    [
        ("沈阳 三(三)", 100, "excellent"),
        ("沈阳 三(三)", 90, "excellent"),
        ("沈阳 三(三)", 89.9, "good"),
        ("沈阳 三(三)", 75, "good"),
        ("沈阳 三(三)", 74, "qualified"),
        ("沈阳 三(三)", 60, "qualified"),
        ("沈阳 三(三)", 59.5, "unqualified"),
        ("沈阳 三(三)", 0, "unqualified"),
    ],
)
def test_grade_cutoffs(clause, score, grade):
    assert P.grade(score, D) == grade
    assert P.grade_clause == clause


@pytest.mark.parametrize(
    "clause,scores,paid,statuses,final",
    [
        # Year 1's 30,000 is paid on selection, whatever the grade.
        (
            "沈阳 三(二)",
            [95, 92, 91],
            [30000, 30000, 30000],
            ["active", "active", "completed"],
            "completed",
        ),
        ("沈阳 三(二)", [65], [30000, 0, 0], ["active", "active", "active"], "active"),
        # Good vs qualified years: only 良好 or better pays.
        (
            "沈阳 三(三)",
            [80, 75, 74],
            [30000, 30000, 0],
            ["active", "active", "completed"],
            "completed",
        ),
        (
            "沈阳 三(三)",
            [80, 70, 80],
            [30000, 0, 30000],
            ["active", "active", "completed"],
            "completed",
        ),
        # Two consecutive 合格 revoke key support, nothing further paid.
        ("沈阳 三(三)", [70, 70, 95], [30000, 0, 0], ["active", "revoked", "revoked"], "revoked"),
        ("沈阳 三(三)", [95, 60, 74], [30000, 0, 0], ["active", "active", "revoked"], "revoked"),
        # 不合格 in any year revokes.
        ("沈阳 三(三)", [59], [30000, 0, 0], ["revoked", "revoked", "revoked"], "revoked"),
        ("沈阳 三(三)", [92, 40, 99], [30000, 0, 0], ["active", "revoked", "revoked"], "revoked"),
    ],
)
def test_key_support_funding(clause, scores, paid, statuses, final):
    result = run(scores)
    assert [y.paid for y in result.years] == paid
    assert [y.status for y in result.years] == statuses
    assert result.final_status == final
    assert result.total_recovered == 0  # the policy names no recovery
    assert any(clause in y.clauses for y in result.years)


def test_filing_has_no_money():
    result = P.funding_schedule(
        program="filing", level="provincial", start_year=2024, amount=None, evaluations=[], params=D
    )
    assert result.total_paid == 0 and result.years[0].clauses == ("沈阳 三(一)",)


NATIONAL = society(level="national")
BRANCH = society(
    name="分会", level="national", branch_kind="branch", parent_name="中国机械工程学会"
)
PROVINCIAL = society(name="辽宁省机械工程学会", level="provincial")


@pytest.mark.parametrize(
    "clause,kwargs,blocked",
    [
        (
            "沈阳 一",
            dict(level="national", society=NATIONAL, host_unit=host(nature="university")),
            set(),
        ),
        (
            "沈阳 一",
            dict(level="national", society=NATIONAL, host_unit=host(nature="county_unit")),
            {"host_level"},
        ),
        (
            "沈阳 一",
            dict(level="provincial", society=BRANCH, host_unit=host(nature="county_unit")),
            set(),
        ),
        (
            "沈阳 一",
            dict(level="provincial", society=PROVINCIAL, host_unit=host(nature="park")),
            {"host_level"},
        ),
        (
            "沈阳 一",
            dict(level="national", society=BRANCH, host_unit=host(nature="county_unit")),
            {"station_level"},
        ),
        (
            "沈阳 一",
            dict(level="city", society=society(level="city")),
            {"society_level", "level_not_offered"},
        ),
        ("沈阳 一", dict(same_discipline_stations=1), {"same_discipline"}),
        ("沈阳 三(一)", dict(agreement_signed_on=None), {"agreement_missing"}),
        ("沈阳 三(二)", dict(previously_key_supported=True), {"already_key_supported"}),
        ("沈阳 三(二)", dict(station_filed=False), {"not_filed"}),
    ],
)
def test_eligibility(clause, kwargs, blocked):
    kwargs.setdefault("host_unit", host(nature="university"))
    findings = check_eligibility(P, "key_support", facts("shenyang", "key_support", **kwargs), D)
    assert codes(findings, "block") == blocked
    for f in findings:
        if f.code in blocked - {"level_not_offered"}:
            assert f.clause == clause


def test_same_discipline_can_be_relaxed_to_a_warning():
    params = {**D, "same_discipline_blocks": False}
    f = facts("shenyang", "filing", host_unit=host(nature="university"), same_discipline_stations=1)
    findings = check_eligibility(P, "filing", f, params)
    assert codes(findings, "warn") == {"same_discipline"} and not codes(findings, "block")


@pytest.mark.parametrize(
    "clause,kwargs,name",
    [
        (
            "沈阳 三(二)",
            dict(society_name="中国机械工程学会", society_level="national"),
            "中国机械工程学会沈阳服务站",
        ),
        (
            "沈阳 三(二)",
            dict(society_name="机械工程学会", society_level="national", district="浑南区"),
            "全国机械工程学会浑南区服务站",
        ),
        (
            "沈阳 三(二)",
            dict(
                society_name="x",
                society_level="national",
                parent_name="中国机械工程学会",
                branch_name="铸造分会",
                district="铁西区",
            ),
            "中国机械工程学会铸造分会铁西区服务站",
        ),
        (
            "沈阳 三(二)",
            dict(society_name="辽宁省机械工程学会", society_level="provincial", district="新民市"),
            "辽宁省机械工程学会新民市服务站",
        ),
    ],
)
def test_naming_rule(clause, kwargs, name):
    assert station_name(**kwargs) == name


def test_expense_categories():
    from policies.engine import expense_finding

    assert expense_finding(P, "expert_travel") is None
    finding = expense_finding(P, "equipment")
    assert finding.severity == "warn" and finding.clause == "沈阳 三(四)"
