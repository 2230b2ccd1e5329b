"""The public entry point of the policy engine: the one module the other apps import.

The city rules live in `policies/cities/` behind `CityPolicy`; `engine` holds the pure
functions over them; `selectors`/`services` read and write the stored parameter versions,
decisions and the holiday calendar. The other apps (applications, evaluations, funding,
reports, …) reach all of that through the functions here, which take Django objects (a
`City`, a `Grant`, an `Application`) and return plain values, so:

- a city's difference is always asked of its policy (`get_city_policy(city)`), never
  decided by its name;
- grades, payments, recoveries and statuses are computed only by the engine, so a station
  run through its years in the application gets exactly what `simulate_policy` prints;
- workflow moves (which actions are legal, which stages the facts make optional) and
  eligibility (`check_eligibility`) are the engine's, in production as in the tests.

An application's eligibility facts are built by `applications.facts.build_facts` (the
facts are an application's; building them here would make this app depend on those above).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accounts.roles import Role

from . import engine
from .common import province_of
from .engine import FactsSource, IllegalTransition, Move, expense_category_of, score_rubric
from .facts import (
    AGREEMENT,
    COUNTY_CAST_CONFIRMATION,
    FUNCTION_PROOF,
    ActivitySummary,
    EligibilityFacts,
    ExpertFacts,
    HostUnitFacts,
    PenaltyFacts,
    SocietyFacts,
)
from .impact import register_impact_previewer
from .registry import all_policies, get_policy
from .types import (
    ACTION_LABELS,
    ACTIONS,
    EXPENSE_LABELS,
    GRADE_LABELS,
    GRADES,
    LEVEL_LABELS,
    LEVELS,
    SCORE_QUANTUM,
    STATUS_LABELS,
    STATUSES,
    CityPolicy,
    DashboardTarget,
    Finding,
    FundingResult,
    GrantFacts,
    Indicator,
    PolicyError,
    Program,
    QuantItem,
    Rubric,
    Stage,
    Workflow,
    parse_month_day,
    quantize_score,
    round_score,
)
from .workdays import CalendarMissing

__all__ = [
    "DashboardTarget",
    "register_impact_previewer",
    # vocabulary (re-exported from policies.types / facts / engine / workdays)
    "ACTIONS",
    "ACTION_LABELS",
    "AGREEMENT",
    "COUNTY_CAST_CONFIRMATION",
    "EXPENSE_LABELS",
    "FUNCTION_PROOF",
    "GRADES",
    "GRADE_LABELS",
    "LEVELS",
    "LEVEL_LABELS",
    "SCORE_QUANTUM",
    "STATUSES",
    "STATUS_LABELS",
    "ActivitySummary",
    "CalendarMissing",
    "CityPolicy",
    "EligibilityFacts",
    "ExpertFacts",
    "FactsSource",
    "Finding",
    "FundingResult",
    "GrantFacts",
    "HostUnitFacts",
    "IllegalTransition",
    "Move",
    "PenaltyFacts",
    "PolicyError",
    "Program",
    "QuantItem",
    "Rubric",
    "SocietyFacts",
    "Stage",
    "VersionInfo",
    "Workflow",
    "parse_month_day",
    "province_of",
    "quantize_score",
    "round_score",
    # policies and parameters
    "all_policies",
    "current_params",
    "current_version",
    "get_city_policy",
    "get_policy",
    "grant_terms",
    "params_for",
    "policy_for",
    "program_for",
    "version_numbered",
    # workflow
    "acting_roles",
    "move",
    "workflow_for",
    # eligibility and calls
    "budget_findings",
    "call_warnings",
    "check_eligibility",
    "record_eligibility",
    # amounts
    "amount_range",
    "amount_required",
    "check_amount",
    "quota_counts_level",
    # rubrics, scores, money
    "activity_summary",
    "evaluation_rubric",
    "expense_category_of",
    "expense_finding",
    "quantitative_items",
    "record_decision",
    "result_as_dict",
    "review_rubric",
    "schedule",
    "score_rubric",
    # notices
    "notice_end_date",
]


# -- the policy of a city ------------------------------------------------------------------
def get_city_policy(city) -> CityPolicy:
    """Return the policy object of a city (a `stations.City`, by its `policy_code`)."""
    return get_policy(city.policy_code)


# The name funding and evaluations use for the same lookup.
policy_for = get_city_policy


def program_for(city, program: str) -> Program:
    """Return a city's program declaration; raise PolicyError if the city has no such program."""
    return get_city_policy(city).program(program)


# -- parameters in force -------------------------------------------------------------------
@dataclass(frozen=True)
class VersionInfo:
    """A city's parameters with the version number they were stored under."""

    number: int
    params: dict[str, Any]
    obj: Any = None  # policies.models.PolicyVersion when stored


def current_params(city, on: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """Return (parameters in force on `on` (default today), version label) for a city."""
    from .selectors import params_for

    policy, params, version = params_for(city, on)
    return params, f"{policy.name_zh} 参数第{version.version}版"


def params_for(city, on: dt.date | None = None) -> tuple[CityPolicy, dict[str, Any], Any]:
    """Return (policy, parameters in force on `on`, the stored PolicyVersion row)."""
    from . import selectors

    return selectors.params_for(city, on)


def current_version(city) -> VersionInfo:
    """Return the city's parameters in force today, with their stored version."""
    from .selectors import policy_version_for

    version = policy_version_for(city)
    return VersionInfo(version.version, get_city_policy(city).params(version.params), version)


def version_numbered(city, number: int) -> VersionInfo:
    """Return a stored version of the city's parameters by its number (1: the defaults)."""
    from .models import PolicyVersion

    version = PolicyVersion.objects.filter(city=city, version=number).first()
    if version is None:
        if number == 1:
            return current_version(city)
        raise PolicyError(f"{city}没有第{number}版政策参数")
    return VersionInfo(version.version, get_city_policy(city).params(version.params), version)


def grant_terms(grant) -> VersionInfo:
    """Return a grant's own terms: the parameters snapshotted when it was created."""
    city = grant.city
    return VersionInfo(
        grant.policy_version, get_city_policy(city).params(grant.policy_params or {})
    )


# -- workflow ------------------------------------------------------------------------------
def workflow_for(city, program: str) -> Workflow:
    """Return the city's declared workflow of a program."""
    return engine.workflow(get_city_policy(city), program)


def move(city, program: str, current: str, action: str, facts: FactsSource = None) -> Move:
    """Return where `action` at stage `current` leads, passing over stages the facts make
    optional (`skip_if`); raise IllegalTransition if the workflow does not allow it."""
    return engine.move(get_city_policy(city), program, current, action, facts)


def acting_roles(stage: Stage) -> frozenset[str]:
    """Return the roles that may take the stage's transitions.

    At a stage that needs expert scores the experts *score*; the panel's result is then
    carried forward by the city administrator who organises the panel (one panel, many
    experts: no single expert may move the application for the others).
    """
    if stage.needs_expert_score:
        return frozenset({Role.CITY_ADMIN})
    return frozenset({stage.role})


# -- eligibility and calls -----------------------------------------------------------------
def check_eligibility(
    city, program: str, facts: EligibilityFacts, params: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Return the engine's findings for an application's facts (the program's level rule
    first, then the city's own rules), under `params` (default: those in force today)."""
    if params is None:
        params, _label = current_params(city)
    return engine.check_eligibility(get_city_policy(city), program, facts, params)


def budget_findings(city, rows: list[Mapping[str, Any]]) -> list[Finding]:
    """Return a blocking finding for each budget row in a category the city forbids."""
    return engine.budget_findings(get_city_policy(city), rows)


def record_eligibility(application, *, findings: list[dict], facts, actor) -> None:
    """Store an application's submit-time eligibility result as a policy decision.

    The decision carries the parameter version in force, the facts it was judged on, and
    the clauses it rests on: the program's own, then those of each finding.
    """
    from .selectors import params_for
    from .services import decision_record

    _policy, _params, version = params_for(application.city)

    def plain(value):
        if isinstance(value, set | frozenset):
            return sorted(value)
        return str(value)

    inputs = json.loads(json.dumps(dataclasses.asdict(facts), default=plain))
    blocking = [f for f in findings if f["severity"] == "block"]
    program = program_for(application.city, application.program)
    decision_record(
        city=application.city,
        kind="eligibility",
        program=application.program,
        inputs=inputs,
        outcome={
            "eligible": not blocking,
            "findings": findings,
            "blocking": len(blocking),
            "warnings": len(findings) - len(blocking),
        },
        # Never empty: the model requires the clauses a decision rests on.
        clauses=list(
            dict.fromkeys([*program.clauses, *(f["clause"] for f in findings if f.get("clause"))])
        ),
        policy_version=version,
        subject=application,
        subject_label=application.title,
        actor=actor,
    )


def call_warnings(call) -> list[str]:
    """Return the policy's warnings for a call (e.g. 益阳 第八条 每两年接受建站申请).

    The city's earlier calls of the same program are read through the call's own model.
    """
    policy = get_city_policy(call.city)
    params, _label = current_params(call.city, call.opens_on)
    previous = list(
        type(call)
        .objects.filter(city_id=call.city_id, program=call.program)
        .exclude(pk=call.pk)
        .filter(opens_on__lte=call.opens_on)
        .values_list("opens_on__year", flat=True)
    )
    return [
        f"{f.message_zh}（{f.clause}）"
        for f in policy.call_findings(call.program, call.opens_on.year, previous, params)
    ]


# -- amounts and quotas --------------------------------------------------------------------
def amount_required(city, program: str, level: str) -> bool:
    """Return whether the program leaves the amount for this level to the approver.

    A level with a declared range (e.g. 杭州 附件第八条) or with no fixed amount (一事一议,
    e.g. 益阳 第十六条) needs an amount entered at the stage marked `sets_amount`.
    """
    prog = program_for(city, program)
    if prog.payment == "none":
        return False
    return level in prog.range_params or prog.amount_param.get(level, "") is None


def amount_range(
    city, program: str, level: str, params: Mapping[str, Any]
) -> tuple[int, int] | None:
    """Return the inclusive (low, high) range an entered amount must fall in, if declared."""
    keys = program_for(city, program).range_params.get(level)
    if not keys:
        return None
    return int(params[keys[0]]), int(params[keys[1]])


def check_amount(city, program: str, level: str, amount: int | None, params) -> int:
    """Return the amount the policy accepts for the level, or raise PolicyError in Chinese."""
    from .common import resolve_amount

    policy = get_city_policy(city)
    return resolve_amount(policy, policy.program(program), level, amount, params)


def quota_counts_level(city, program: str, level: str) -> bool:
    """Return whether the program's quota counts applications of this level."""
    prog = program_for(city, program)
    return not prog.quota_levels or level in prog.quota_levels


# -- rubrics -------------------------------------------------------------------------------
def review_rubric(city, program: str) -> Rubric | None:
    """Return the program's review rubric with the city's weight parameters, or None."""
    policy = get_city_policy(city)
    rubric = policy.review_rubrics.get(program)
    if rubric is None:
        return None
    params, _label = current_params(city)
    return policy.weighted(rubric, params)


def evaluation_rubric(city, program: str) -> Rubric:
    """Return the yearly evaluation rubric, weighted by the parameters in force.

    A program without a declared rubric is scored as one overall mark out of 100.
    """
    policy = get_city_policy(city)
    rubric = policy.evaluation_rubrics.get(program)
    if rubric is None:
        return Rubric(
            f"{policy.code}_{program}_overall",
            "年度考核",
            (Indicator("overall", "综合评价", 100, policy.grade_clause),),
            policy.grade_clause,
        )
    return policy.weighted(rubric, current_version(city).params)


# -- money ---------------------------------------------------------------------------------
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
    return get_city_policy(city).funding_schedule(
        program=program,
        level=level,
        start_year=start_year,
        amount=amount,
        evaluations=list(evaluations),
        params=params,
        year_params=year_params,
    )


def result_as_dict(result: FundingResult, version: int) -> dict[str, Any]:
    """Return a funding result in the shape `simulate_policy` prints."""
    return {
        "policy_version": version,
        "years": [y.as_dict() for y in result.years],
        "total_paid": result.total_paid,
        "total_recovered": result.total_recovered,
        "net": result.net,
        "final_status": result.final_status,
    }


def expense_finding(city, category: str) -> Finding | None:
    """Return a finding if the city forbids an expense category or does not list it."""
    return engine.expense_finding(get_city_policy(city), category)


def activity_summary(station, year: int, term_year: int) -> ActivitySummary:
    """Summarise one station's recorded activity of a year (e.g. 益阳 第十二条)."""
    from .selectors import activity_summary as summarise

    return summarise(station=station, year=year, term_year=term_year)


def quantitative_items(city, summary: ActivitySummary, params: dict[str, Any]) -> list[QuantItem]:
    """Return the city's quantitative assessment items for a year's activity summary."""
    return get_city_policy(city).quantitative_items(summary, params)


def record_decision(
    *, city, version: VersionInfo, kind: str, program: str, subject, inputs, outcome, clauses, actor
):
    """Store a decision (grade, payment, recovery…) in the policies' decision table."""
    from .services import decision_record

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


# -- public notices ------------------------------------------------------------------------
def notice_end_date(city, start: dt.date, workdays: int) -> dt.date:
    """Return the last day of a notice of `workdays` statutory working days (政策解释 7).

    Uses the administrators' holiday table; raises CalendarMissing for a year it lacks.
    """
    from .selectors import notice_end

    return notice_end(start, workdays)


# --- notices: the holiday calendar (applications.views.notice_create) ---


def calendar_missing_error() -> type[Exception]:
    """Return the exception raised when a notice runs into a year without a holiday table."""
    return CalendarMissing


def can_enter_holidays(user) -> bool:
    """Return whether `user` may enter a year's statutory holidays (the form the page links)."""
    from .selectors import can_edit_holidays

    return can_edit_holidays(user)


# --- outcome wording ---


def outcome_wording(city, program_code: str):
    """The words for the program's positive end in `city` (policies.labels.OutcomeWording):
    认定授牌/证书编号 for a station, 立项/立项编号 for a topic, 表彰/表彰文号 for an award."""
    from .labels import outcome_wording as wording_for

    return wording_for(city.policy_code, program_code)
