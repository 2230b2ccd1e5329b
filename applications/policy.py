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
