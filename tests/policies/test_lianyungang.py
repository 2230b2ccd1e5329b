"""连云港: award conditions (四), deadlines (五(一)), one-off amounts and quotas (三)."""

import datetime as dt

import pytest

from policies.engine import check_eligibility
from policies.facts import AGREEMENT, COUNTY_CAST_CONFIRMATION, FUNCTION_PROOF
from policies.registry import get_policy

from .helpers import codes, facts, society

P = get_policy("lianyungang")
D = P.params()
CITY_SOC = society(name="连云港市机械工程学会", level="city", rating="3A")


def lyg(program, **kw):
    kw.setdefault("society", CITY_SOC)
    kw.setdefault("has_same_year_station_or_project", True)
    return facts("lianyungang", program, level="city", **kw)


ALL = frozenset({COUNTY_CAST_CONFIRMATION, AGREEMENT, FUNCTION_PROOF})


@pytest.mark.parametrize(
    "clause,program,kwargs,blocked",
    [
        ("连云港 四(一)1", "demo_society", dict(), set()),
        (
            "连云港 四(一)1",
            "demo_society",
            dict(society=society(level="city", rating="2A")),
            {"rating"},
        ),
        (
            "连云港 四(一)5",
            "demo_society",
            dict(
                society=society(
                    level="city", rating="3A", inspections={2024: "passed", 2023: "basic"}
                )
            ),
            {"inspection"},
        ),
        (
            "连云港 四(一)1",
            "demo_society",
            dict(has_same_year_station_or_project=False),
            {"no_same_year_project"},
        ),
        ("连云港 五(一)", "demo_society", dict(application_date=dt.date(2025, 11, 30)), set()),
        (
            "连云港 五(一)",
            "demo_society",
            dict(application_date=dt.date(2025, 12, 1)),
            {"deadline_passed"},
        ),
        (
            "连云港 五(一)",
            "service_station",
            dict(attachments=ALL, application_date=dt.date(2025, 5, 31)),
            set(),
        ),
        (  # a call published after this year's deadline is for next year's round
            "连云港 五(一)",
            "service_station",
            dict(attachments=ALL, application_date=dt.date(2025, 12, 1), round_year=2026),
            set(),
        ),
        (  # …but it does not reopen a round whose deadline has passed
            "连云港 五(一)",
            "service_station",
            dict(attachments=ALL, application_date=dt.date(2025, 6, 1), round_year=2025),
            {"deadline_passed"},
        ),
        (
            "连云港 五(一)",
            "service_station",
            dict(attachments=ALL, application_date=dt.date(2025, 6, 1)),
            {"deadline_passed"},
        ),
        (
            "连云港 四(二)4",
            "service_station",
            dict(attachments=frozenset({AGREEMENT})),
            {"county_cast_confirmation"},
        ),
        (
            "连云港 四(三)4",
            "chief_expert",
            dict(attachments=frozenset({AGREEMENT})),
            {"county_cast_confirmation"},
        ),
        ("连云港 四(三)4", "chief_expert", dict(attachments=ALL), set()),
        ("连云港 四(四)2", "function_project", dict(attachments=frozenset()), {"function_proof"}),
        (
            "连云港 四(四)2",
            "function_project",
            dict(attachments=ALL, application_date=dt.date(2025, 11, 1)),
            set(),
        ),
    ],
)
def test_eligibility(clause, program, kwargs, blocked):
    findings = check_eligibility(P, program, lyg(program, **kwargs), D)
    assert codes(findings, "block") == blocked
    assert all(f.clause == clause for f in findings if f.code in blocked)


def test_unknown_same_year_project_is_a_warning():
    findings = check_eligibility(
        P, "demo_society", lyg("demo_society", has_same_year_station_or_project=None), D
    )
    assert codes(findings, "warn") == {"same_year_project_unknown"}


@pytest.mark.parametrize(
    "clause,program,amount,quota",
    [
        ("连云港 三(一)", "demo_society", 8000, 5),
        ("连云港 三(二)", "service_station", 3000, 20),
        ("连云港 三(三)", "chief_expert", 2000, 20),
        ("连云港 三(四)", "function_project", 3000, 10),
    ],
)
def test_one_off_amounts_and_quotas(clause, program, amount, quota):
    result = P.funding_schedule(
        program=program,
        level="city",
        start_year=2017,
        amount=None,
        evaluations=[(2017, 88)],
        params=D,
    )
    assert [y.paid for y in result.years] == [amount]
    assert result.final_status == "completed" and clause in result.years[0].clauses
    assert D[P.programs[program].quota_param] == quota
