"""The one door from evaluations/ and funding/ into the policy engine (issue 3).

Grades, payments, recoveries and statuses are computed ONLY by `policies` (the city
modules' `funding_schedule`, `grade`, `quantitative_items`, `expense_finding`), so a
station run through its years in the application gets exactly what `simulate_policy`
prints for the same scores.

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.engine import expense_finding as _expense_finding
from policies.engine import score_rubric
from policies.facts import ActivitySummary
from policies.registry import get_policy
from policies.types import (
    EXPENSE_LABELS,
    GRADE_LABELS,
    SCORE_QUANTUM,
    STATUS_LABELS,
    CityPolicy,
    Finding,
    FundingResult,
    Indicator,
    PolicyError,
    Program,
    QuantItem,
    Rubric,
    quantize_score,
    round_score,
)

__all__ = [
    "EXPENSE_LABELS",
    "GRADE_LABELS",
    "STATUS_LABELS",
    "Finding",
    "FundingResult",
    "PolicyError",
    "QuantItem",
    "VersionInfo",
    "activity_summary",
    "current_version",
    "evaluation_rubric",
    "expense_finding",
    "policy_for",
    "program_for",
    "record_decision",
    "schedule",
    "score_rubric",
    "SCORE_QUANTUM",
    "quantize_score",
    "round_score",
    "grant_terms",
    "version_numbered",
]


@dataclass(frozen=True)
class VersionInfo:
    number: int
    params: dict[str, Any]
    obj: Any = None  # policies.models.PolicyVersion when stored


def policy_for(city) -> CityPolicy:
    return get_policy(city.policy_code)


def program_for(city, program: str) -> Program:
    return policy_for(city).program(program)


def current_version(city) -> VersionInfo:
    """Return the city's parameters in force today and their version number."""
    from policies.selectors import policy_version_for

    version = policy_version_for(city)
    return VersionInfo(version.version, policy_for(city).params(version.params), version)


def schedule(
    *,
    city,
    program: str,
    level: str,
    start_year: int,
    amount: int | None,
    evaluations: list[tuple[int, float]],
    params: dict[str, Any],
    year_params: dict[int, dict[str, Any]] | None = None,
) -> FundingResult:
    """Return the engine's per-year paid/recovered/status for a grant and its scores.

    `params` are the grant's terms (its own version); `year_params` the version each
    assessed year was decided under (see CityPolicy.assessment_params).
    """
    return policy_for(city).funding_schedule(
        program=program,
        level=level,
        start_year=start_year,
        amount=amount,
        evaluations=list(evaluations),
        params=params,
        year_params=year_params,
    )


def version_numbered(city, number: int) -> VersionInfo:
    """Return a stored version of the city's parameters by its number."""
    from policies.models import PolicyVersion

    version = PolicyVersion.objects.filter(city=city, version=number).first()
    if version is None:
        return current_version(city) if number == 1 else _missing(city, number)
    return VersionInfo(version.version, policy_for(city).params(version.params), version)


def _missing(city, number: int):
    raise PolicyError(f"{city}没有第{number}版政策参数")


def grant_terms(grant) -> VersionInfo:
    """Return the grant's own terms: the version it was created under (its snapshot)."""
    city = grant.city
    return VersionInfo(grant.policy_version, policy_for(city).params(grant.policy_params or {}))


def result_as_dict(result: FundingResult, version: int) -> dict[str, Any]:
    return {
        "policy_version": version,
        "years": [y.as_dict() for y in result.years],
        "total_paid": result.total_paid,
        "total_recovered": result.total_recovered,
        "net": result.net,
        "final_status": result.final_status,
    }


def evaluation_rubric(city, program: str) -> Rubric:
    policy = policy_for(city)
    rubric = policy.evaluation_rubrics.get(program)
    if rubric is None:  # programs without an annual rubric: one overall score
        rubric = Rubric(
            f"{policy.code}_{program}_overall",
            "年度考核",
            (Indicator("overall", "综合评价", 100, policy.grade_clause),),
            policy.grade_clause,
        )
        return rubric
    # The weights are the city's parameters in force (the policies leave them open).
    return policy.weighted(rubric, current_version(city).params)


def expense_finding(city, category: str) -> Finding | None:
    return _expense_finding(policy_for(city), category)


def quantitative_items(city, summary: ActivitySummary, params: dict[str, Any]) -> list[QuantItem]:
    return policy_for(city).quantitative_items(summary, params)


def activity_summary(station, year: int, term_year: int) -> ActivitySummary:
    from policies.selectors import activity_summary as summarise

    return summarise(station=station, year=year, term_year=term_year)


def record_decision(
    *, city, version: VersionInfo, kind: str, program: str, subject, inputs, outcome, clauses, actor
):
    """Store the decision in policies' PolicyDecision table too."""
    from policies.services import decision_record

    return decision_record(
        city=city,
        kind=kind,
        program=program,
        inputs=inputs,
        outcome=outcome,
        clauses=list(clauses),
        policy_version=version.obj,
        subject=subject,
        actor=actor,
    )
