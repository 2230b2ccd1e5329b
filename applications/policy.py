"""The applications app's single door into the policy engine.

ADAPTER (issue 4, pending issue 3): the policy engine in `policies/` is being built in
parallel. Each helper below prefers the engine's own function when it exists
(`policies.registry.get_policy`, `policies.services.current_params`,
`policies.workdays.notice_end_date`) and otherwise falls back to a small equivalent that
reads the same declarations. When the engine lands completely, the fallbacks become dead
code and can be deleted; nothing else in this app reads policy modules directly.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from typing import Any

from accounts.roles import Role
from policies.types import CityPolicy, PolicyError, Stage, Workflow


def get_city_policy(city) -> CityPolicy:
    """Return the policy object of a city (by its `policy_code`)."""
    code = city.policy_code
    try:
        from policies.registry import get_policy  # type: ignore[attr-defined]
    except ImportError:  # ADAPTER: registry not landed yet
        get_policy = None
    if get_policy is not None:
        return get_policy(code)
    try:
        module = importlib.import_module(f"policies.cities.{code}")
    except ImportError as exc:
        raise PolicyError(f"城市“{city.name}”的政策模块“{code}”尚未配置") from exc
    return module.POLICY


def current_params(city) -> tuple[dict[str, Any], str]:
    """Return (parameters in force, version label) for a city."""
    policy = get_city_policy(city)
    try:
        from policies import services as policy_services  # type: ignore[attr-defined]

        getter = getattr(policy_services, "current_params", None)
    except ImportError:  # ADAPTER: PolicyVersion not landed yet
        getter = None
    if getter is not None:
        result = getter(city)
        if isinstance(result, tuple):
            return dict(result[0]), str(result[1])
        return dict(result), f"{policy.code}:current"
    return policy.params(), f"{policy.code}:默认参数"


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
    """Return the last day of a public notice of `workdays` statutory working days.

    Interpretation 7: the first day is the publication day if it is a working day, else
    the next working day; holidays and make-up workdays follow the State Council.
    """
    try:
        from policies.workdays import notice_end_date as engine_end  # type: ignore

        return engine_end(start, workdays)
    except ImportError:  # ADAPTER: policies.workdays not landed yet
        pass
    import chinese_calendar

    day = start
    counted = 0
    while True:
        if chinese_calendar.is_workday(day):
            counted += 1
            if counted >= workdays:
                return day
        day += dt.timedelta(days=1)


def param(params: Mapping[str, Any], key: str | None, default: Any = None) -> Any:
    if not key:
        return default
    return params.get(key, default)
