"""杭州: base/station conditions, five-year ban, ranges and the previous-year rule."""

import datetime as dt

import pytest

from policies.engine import check_eligibility
from policies.facts import PenaltyFacts
from policies.registry import get_policy
from policies.types import PolicyError

from .helpers import codes, facts, society

P = get_policy("hangzhou")
D = P.params()
GOOD = society(
    name="杭州市机械工程学会",
    level="city",
    rating="3A",
    inspections={2023: "passed", 2024: "passed"},
)


def hz(program, **kw):
    kw.setdefault("society", GOOD)
    return facts("hangzhou", program, level="city", **kw)


@pytest.mark.parametrize(
    "clause,program,kwargs,blocked",
    [
        ("杭州 附件第四条(二)", "service_base", dict(), set()),
        (
            "杭州 附件第四条(二)",
            "service_base",
            dict(society=society(level="city", rating="2A", inspections=GOOD.inspections)),
            {"rating"},
        ),
        (
            "杭州 附件第四条(二)",
            "service_base",
            dict(
                society=society(
                    level="city", rating="4A", inspections={2024: "passed", 2023: "failed"}
                )
            ),
            {"inspection"},
        ),
        (
            "杭州 附件第五条(二)",
            "station",
            dict(society=society(level="city", rating="", inspections=GOOD.inspections)),
            set(),
        ),
        (
            "杭州 附件第五条(二)",
            "station",
            dict(society=society(level="city", inspections={2024: "passed"})),
            {"inspection"},
        ),
        ("杭州 附件第五条(四)", "station", dict(agreement_signed_on=None), {"agreement_missing"}),
        (
            "杭州 附件第十三条",
            "research_key",
            dict(penalties=(PenaltyFacts(dt.date(2021, 6, 1)),)),
            {"penalty_ban"},
        ),
        (
            "杭州 附件第十三条",
            "station",
            dict(penalties=(PenaltyFacts(dt.date(2020, 4, 1)),)),
            set(),
        ),
        (
            "杭州 附件第十三条",
            "station",
            dict(penalties=(PenaltyFacts(dt.date(2020, 4, 2)),)),
            {"penalty_ban"},
        ),
    ],
)
def test_eligibility(clause, program, kwargs, blocked):
    findings = check_eligibility(P, program, hz(program, **kwargs), D)
    assert codes(findings, "block") == blocked
    assert all(f.clause == clause for f in findings if f.code in blocked)


def run(program, amount, scores):
    return P.funding_schedule(
        program=program,
        level="city",
        start_year=2015,
        amount=amount,
        evaluations=[(2015 + i, s) for i, s in enumerate(scores)],
        params=D,
    )


@pytest.mark.parametrize(
    "clause,program,amount,scores,paid,statuses",
    [
        (
            "杭州 附件第八条",
            "station",
            25000,
            [70, 60, 90],
            [25000, 25000, 25000],
            ["active", "active", "completed"],
        ),
        # Previous-year rule: year 2 is paid on year 1's assessment.
        (
            "杭州 附件第十二条",
            "station",
            30000,
            [59, 90, 90],
            [30000, 0, 0],
            ["suspended", "suspended", "suspended"],
        ),
        (
            "杭州 附件第十二条",
            "service_base",
            100000,
            [80, 50],
            [100000, 100000, 0],
            ["active", "suspended", "suspended"],
        ),
        (
            "杭州 附件第八条",
            "service_base",
            50000,
            [],
            [50000, 0, 0],
            ["active", "active", "active"],
        ),
        ("杭州 六(二)", "research_major", None, [], [50000], ["completed"]),
        ("杭州 六(二)", "research_key", None, [], [15000], ["completed"]),
        ("杭州 六(二)", "research_general", None, [], [5000], ["completed"]),
        ("杭州 六(二)", "overseas_talent", 10000, [], [10000], ["completed"]),
    ],
)
def test_funding(clause, program, amount, scores, paid, statuses):
    result = run(program, amount, scores)
    assert [y.paid for y in result.years] == paid
    assert [y.status for y in result.years] == statuses
    assert any(clause in y.clauses for y in result.years)


@pytest.mark.parametrize(
    "clause,program,amount,ok",
    [
        ("杭州 附件第八条", "service_base", 50000, True),
        ("杭州 附件第八条", "service_base", 100000, True),
        ("杭州 附件第八条", "service_base", 49999, False),
        ("杭州 附件第八条", "service_base", 100001, False),
        ("杭州 附件第八条", "station", 20000, True),
        ("杭州 附件第八条", "station", 30001, False),
        ("杭州 附件第八条", "station", None, False),
        ("杭州 六(二)", "overseas_talent", 50000, True),
        ("杭州 六(二)", "overseas_talent", 9999, False),
    ],
)
def test_amount_ranges(clause, program, amount, ok):
    assert clause in P.programs[program].clauses
    if ok:
        assert run(program, amount, []).years[0].paid == amount
    else:
        with pytest.raises(PolicyError):
            run(program, amount, [])
