"""The one door from evaluations/ and funding/ into the policy engine (issue 3).

Grades, payments, recoveries and statuses are computed ONLY by `policies` (the city
modules' `funding_schedule`, `grade`, `quantitative_items`, `expense_finding`), so a
station run through its years in the application gets exactly what `simulate_policy`
prints for the same scores.

ADAPTER (marked): while issue 3 is being built, two things may be missing:
- the PolicyVersion table (policies has no migration yet): then version 1 with the city
  module's defaults is used, exactly what simulate_policy uses on a fresh database;
- `policies.selectors` (activity summary): then `_activity_summary_fallback` below builds
  the same ActivitySummary from ActivityRecord rows.
Remove the fallbacks once both have landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection

from policies.engine import expense_finding as _expense_finding
from policies.engine import score_rubric
from policies.facts import ActivitySummary
from policies.registry import get_policy
from policies.types import (
    EXPENSE_LABELS,
    GRADE_LABELS,
    STATUS_LABELS,
    CityPolicy,
    Finding,
    FundingResult,
    Indicator,
    PolicyError,
    Program,
    QuantItem,
    Rubric,
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


@cache
def _policy_tables() -> bool:
    return "policies_policyversion" in connection.introspection.table_names()


def current_version(city) -> VersionInfo:
    """Return the city's parameters in force today and their version number."""
    policy = policy_for(city)
    if _policy_tables():
        from policies.selectors import policy_version_for

        version = policy_version_for(city)
        return VersionInfo(version.version, policy.params(version.params), version)
    return VersionInfo(1, policy.params(None), None)  # ADAPTER: no PolicyVersion table yet


def schedule(
    *,
    city,
    program: str,
    level: str,
    start_year: int,
    amount: int | None,
    evaluations: list[tuple[int, float]],
    params: dict[str, Any],
) -> FundingResult:
    """Return the engine's per-year paid/recovered/status for a grant and its scores."""
    return policy_for(city).funding_schedule(
        program=program,
        level=level,
        start_year=start_year,
        amount=amount,
        evaluations=list(evaluations),
        params=params,
    )


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


def expense_finding(city, category: str) -> Finding | None:
    return _expense_finding(policy_for(city), category)


def quantitative_items(city, summary: ActivitySummary, params: dict[str, Any]) -> list[QuantItem]:
    return policy_for(city).quantitative_items(summary, params)


def activity_summary(station, year: int, term_year: int) -> ActivitySummary:
    try:
        from policies import selectors
    except ImportError:
        selectors = None
    builder = getattr(selectors, "activity_summary", None) if selectors else None
    if builder is not None:
        try:
            return builder(station=station, year=year, term_year=term_year)
        except TypeError:  # a different signature: keep the fallback
            pass
    return _activity_summary_fallback(station, year, term_year)


def _activity_summary_fallback(station, year: int, term_year: int) -> ActivitySummary:
    """ADAPTER: the year's activity records as the engine's ActivitySummary."""
    from stations.choices import ActivityKind as K

    records = list(station.activities.filter(date__year=year))
    by_quarter = [0, 0, 0, 0]
    totals: dict[str, int] = {}
    trainees: list[int] = []
    progress = 0
    for r in records:
        totals[r.kind] = totals.get(r.kind, 0) + r.quantity
        if r.kind == K.EXPERT_ONSITE:
            by_quarter[(r.date.month - 1) // 3] += r.quantity
        elif r.kind == K.TRAINING:
            trainees.append(r.trainees or 0)
        elif r.kind == K.AGREEMENT_PROGRESS:
            progress = max(progress, r.quantity)
    return ActivitySummary(
        year=year,
        term_year=term_year,
        expert_days_by_quarter=tuple(by_quarter),
        surveys=totals.get(K.SURVEY, 0),
        survey_results=totals.get(K.SURVEY_RESULT, 0),
        training_trainees=tuple(trainees),
        breakthroughs=totals.get(K.BREAKTHROUGH, 0),
        problems_solved=totals.get(K.PROBLEM_SOLVED, 0),
        achievements_transferred=totals.get(K.ACHIEVEMENT_TRANSFER, 0),
        agreement_progress_percent=progress,
    )


def record_decision(
    *, city, version: VersionInfo, kind: str, program: str, subject, inputs, outcome, clauses, actor
):
    """Store the decision in policies' PolicyDecision table too, when it exists."""
    if version.obj is None:
        return None
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
