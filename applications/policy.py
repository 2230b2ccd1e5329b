"""The applications app's single door into the policy engine (policies/).

Nothing else in this app imports policy modules: the registry, the parameter version in
force and the workday calendar are all reached through these helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from accounts.roles import Role
from policies.types import CityPolicy, PolicyError, Stage, Workflow


def get_city_policy(city) -> CityPolicy:
    """Return the policy object of a city (by its `policy_code`)."""
    from policies.registry import get_policy

    return get_policy(city.policy_code)


def current_params(city, on: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """Return (parameters in force, version label) for a city, from its PolicyVersion."""
    from policies.selectors import params_for

    policy, params, version = params_for(city, on)
    return params, f"{policy.name_zh} 参数第{version.version}版"


def review_rubric(city, program: str):
    """Return the program's review rubric with the city's weight parameters, or None."""
    policy = get_city_policy(city)
    rubric = policy.review_rubrics.get(program)
    if rubric is None:
        return None
    params, _label = current_params(city)
    return policy.weighted(rubric, params)


def workflow_for(city, program: str) -> Workflow:
    policy = get_city_policy(city)
    try:
        return policy.workflows[program]
    except KeyError as exc:
        raise PolicyError(f"{policy.name_zh}没有项目“{program}”的流程") from exc


def acting_roles(stage: Stage) -> frozenset[str]:
    """Return the roles that may take the stage's transitions.

    At a stage that needs expert scores the experts *score*; the panel's result is then
    carried forward by the city administrator who organises the panel (one panel, many
    experts: no single expert may move the application for the others).
    """
    if stage.needs_expert_score:
        return frozenset({Role.CITY_ADMIN})
    return frozenset({stage.role})


def notice_end_date(city, start: dt.date, workdays: int) -> dt.date:
    """Return the last day of a notice of `workdays` statutory working days (Interpretation 7).

    Uses the administrators' holiday table of the policy engine.
    """
    from policies.selectors import notice_end

    return notice_end(start, workdays)


def param(params: Mapping[str, Any], key: str | None, default: Any = None) -> Any:
    if not key:
        return default
    return params.get(key, default)


def amount_required(city, program: str, level: str) -> bool:
    """Return whether the program leaves the amount for this level to the approver.

    A level with a declared range (Hangzhou bases and stations, 附件第八条) or with no fixed
    amount (Yiyang national stations, 一事一议 第十六条) needs an amount entered at the
    stage the policy marks `sets_amount`.
    """
    prog = get_city_policy(city).program(program)
    if prog.payment == "none":
        return False
    return level in prog.range_params or prog.amount_param.get(level, "") is None


def amount_range(
    city, program: str, level: str, params: Mapping[str, Any]
) -> tuple[int, int] | None:
    """Return the inclusive (low, high) range an entered amount must fall in, if declared."""
    prog = get_city_policy(city).program(program)
    keys = prog.range_params.get(level)
    if not keys:
        return None
    return int(params[keys[0]]), int(params[keys[1]])


def check_amount(city, program: str, level: str, amount: int | None, params) -> int:
    """Return the amount the policy accepts for the level, or raise PolicyError in Chinese."""
    from policies.common import resolve_amount

    policy = get_city_policy(city)
    return resolve_amount(policy, policy.program(program), level, amount, params)


def quota_counts_level(city, program: str, level: str) -> bool:
    """Return whether the program's quota counts applications of this level."""
    prog = get_city_policy(city).program(program)
    return not prog.quota_levels or level in prog.quota_levels


def record_eligibility(application, *, findings: list[dict], facts, actor) -> None:
    """Store the submit-time eligibility result as a policy decision with its version.

    ADAPTER: policies.services.decision_record takes a PolicyVersion row; this app only
    knows the version label, so the row is looked up here.
    """
    import dataclasses
    import json

    from policies.selectors import params_for
    from policies.services import decision_record

    _policy, _params, version = params_for(application.city)

    def plain(value):
        if isinstance(value, set | frozenset):
            return sorted(value)
        return str(value)

    inputs = json.loads(json.dumps(dataclasses.asdict(facts), default=plain))
    blocking = [f for f in findings if f["severity"] == "block"]
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
        # The program's own clauses, then those of each finding (never empty: the model
        # requires the clauses a decision rests on).
        clauses=list(
            dict.fromkeys(
                [
                    *get_city_policy(application.city).program(application.program).clauses,
                    *(f["clause"] for f in findings if f.get("clause")),
                ]
            )
        ),
        policy_version=version,
        subject=application,
        subject_label=application.title,
        actor=actor,
    )


def call_warnings(call) -> list[str]:
    """Return the policy's warnings for a call (e.g. 益阳 第八条 每两年接受建站申请)."""
    from .models import Call

    policy = get_city_policy(call.city)
    params, _label = current_params(call.city, call.opens_on)
    previous = list(
        Call.objects.filter(city_id=call.city_id, program=call.program)
        .exclude(pk=call.pk)
        .filter(opens_on__lte=call.opens_on)
        .values_list("opens_on__year", flat=True)
    )
    return [
        f"{f.message_zh}（{f.clause}）"
        for f in policy.call_findings(call.program, call.opens_on.year, previous, params)
    ]


# --- notices: the holiday calendar (applications.views.notice_create) ---


def calendar_missing_error() -> type[Exception]:
    """Return the exception raised when a notice runs into a year without a holiday table."""
    from policies.workdays import CalendarMissing

    return CalendarMissing


def can_enter_holidays(user) -> bool:
    """Return whether `user` may enter a year's statutory holidays (the form the page links)."""
    from policies.selectors import can_edit_holidays

    return can_edit_holidays(user)
