"""Who may do what with a demand: `can_<verb>_<object>(user, obj) -> (bool, reason)`.

These assume the object was loaded through network.selectors (so it is visible to the
user); they add the role and the demand's state.
"""

from __future__ import annotations

from accounts.roles import Role

from . import workflow
from .models import Demand


def actor_kinds(user, demand: Demand) -> set[str]:
    """Return the workflow actor kinds the user plays for this demand."""
    kinds: set[str] = set()
    if not user.is_authenticated or not user.is_active:
        return kinds
    if user.is_platform_admin or (user.role == Role.CITY_ADMIN and user.city_id == demand.city_id):
        kinds.add(workflow.CITY_ADMIN)
    station = demand.station
    if station is not None and (
        (user.role == Role.SOCIETY_STAFF and user.society_id == station.society_id)
        or (user.role == Role.HOST_STAFF and user.host_unit_id == station.host_unit_id)
    ):
        kinds.add(workflow.STATION)
    if user.role == Role.ENTERPRISE and demand.enterprise.user_id == user.pk:
        kinds.add(workflow.ENTERPRISE)
    return kinds


def can_transition_demand(user, demand: Demand, target: str) -> tuple[bool, str]:
    step = workflow.find(demand.status, target)
    if step is None:
        return False, f"需求当前状态为“{demand.get_status_display()}”，不能执行该操作。"
    if not (actor_kinds(user, demand) & step.actors):
        return False, "您无权对该需求执行此操作。"
    return True, ""


def allowed_transitions(user, demand: Demand) -> list[workflow.Transition]:
    kinds = actor_kinds(user, demand)
    return [t for t in workflow.exits(demand.status) if kinds & t.actors]


def can_submit_demand(user) -> tuple[bool, str]:
    if getattr(user, "role", None) != Role.ENTERPRISE or not hasattr(user, "enterprise"):
        return False, "只有已注册的企业用户可以提交技术需求。"
    return True, ""


def can_see_matching(user, demand: Demand) -> bool:
    """Matching suggestions are for the people who assign and serve, not for the enterprise."""
    return bool(actor_kinds(user, demand) & {workflow.CITY_ADMIN, workflow.STATION})
