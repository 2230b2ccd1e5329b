"""贵阳: workstation conditions (三(三)), one-off subsidy (四(四)), expenses."""

import datetime as dt

import pytest

from policies.engine import check_eligibility, expense_finding
from policies.registry import get_policy
from policies.types import PolicyError

from .helpers import codes, experts, facts, host, society

P = get_policy("guiyang")
D = P.params()
OUTSIDE = experts(5, province="北京市")
INSIDE = experts(5, province="贵州省")


def gy(level="national", **kw):
    kw.setdefault("society", society(level=level))
    kw.setdefault("experts", OUTSIDE + INSIDE)
    kw.setdefault("host_unit", host(name="需求单位", nature="enterprise", registered_city="贵阳市"))
    return facts("guiyang", "station", level=level, **kw)


@pytest.mark.parametrize(
    "clause,kwargs,blocked",
    [
        ("贵阳 三(三)7", dict(), set()),
        ("贵阳 三(三)7", dict(experts=OUTSIDE + INSIDE[:4]), {"expert_count"}),
        (
            "贵阳 三(三)7",
            dict(experts=experts(4, province="北京市") + experts(6, province="贵州省")),
            {"outside_experts"},
        ),
        ("贵阳 三(三)7", dict(level="provincial", experts=experts(5, province="贵州省")), set()),
        ("贵阳 三(三)7", dict(level="city", experts=experts(2)), {"expert_count"}),
        (
            "贵阳 三(三)7",
            dict(level="city", society=society(level="provincial"), experts=experts(3)),
            {"station_level"},
        ),
        ("贵阳 三(三)3", dict(term_end=dt.date(2025, 2, 28)), {"agreement_term"}),
        ("贵阳 三(三)3", dict(term_end=dt.date(2027, 2, 28)), set()),
        ("贵阳 三(三)2", dict(head_name=""), {"no_head"}),
        (
            "贵阳 三(三)8",
            dict(society=society(level="national", credit_flags=("dishonest",))),
            {"credit_flag"},
        ),
        (
            "贵阳 三(三)8",
            dict(host_unit=host(legal_rep_credit_flags=("organized_crime",))),
            {"credit_flag"},
        ),
        (
            "贵阳 三(三)8",
            dict(experts=OUTSIDE + experts(5, province="贵州省", credit_flags=("dishonest",))),
            {"credit_flag"},
        ),
    ],
)
def test_eligibility(clause, kwargs, blocked):
    level = kwargs.pop("level", "national")
    findings = check_eligibility(P, "station", gy(level, **kwargs), D)
    assert codes(findings, "block") == blocked
    assert all(f.clause == clause for f in findings if f.code in blocked)


@pytest.mark.parametrize(
    "clause,level,scores,paid,statuses",
    [
        ("贵阳 四(四)1", "national", [], [100000], ["completed"]),
        ("贵阳 四(四)2", "provincial", [80, 70], [50000, 0], ["completed", "completed"]),
        ("贵阳 四(四)2", "city", [80, 50], [50000, 0], ["completed", "suspended"]),
    ],
)
def test_one_off_subsidy_by_level(clause, level, scores, paid, statuses):
    result = P.funding_schedule(
        program="station",
        level=level,
        start_year=2024,
        amount=None,
        evaluations=[(2024 + i, s) for i, s in enumerate(scores)],
        params=D,
    )
    assert [y.paid for y in result.years] == paid
    assert [y.status for y in result.years] == statuses
    assert clause in result.years[0].clauses
    assert result.total_recovered == 0  # recovery only on an administrator's record


def test_amount_is_fixed_by_level():
    with pytest.raises(PolicyError):
        P.funding_schedule(
            program="station", level="city", start_year=2024, amount=80000, evaluations=[], params=D
        )


@pytest.mark.parametrize(
    "clause,category,severity",
    [
        ("贵阳 四(四)4", "equipment", None),
        ("贵阳 四(四)4", "labour", None),
        ("贵阳 四(四)4", "fines", "block"),
        ("贵阳 四(四)4", "welfare", "block"),
        ("贵阳 四(四)4", "investment", "block"),
    ],
)
def test_expenses(clause, category, severity):
    finding = expense_finding(P, category)
    assert (finding.severity if finding else None) == severity
    if finding:
        assert finding.clause == clause
