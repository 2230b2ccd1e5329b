"""Blind review: whether an expert sees who applied, and conflicts of interest (回避)."""

from __future__ import annotations

from policies.api import current_params
from stations.models import Expert

from ..models import Application


def is_blind(city) -> bool:
    """Return whether experts of this city review blind (the city's `blind_review` parameter)."""
    params, _version = current_params(city)
    return bool(params.get("blind_review", False))


def blind_for(user, city) -> bool:
    """Whether `user` must not see applicants' identity in `city`: an expert under blind review.

    Every page, export and document an expert reaches asks this (tests/security/test_blind_review.py)."""
    from accounts.roles import Role

    return bool(
        user is not None and getattr(user, "role", None) == Role.EXPERT_REVIEWER and is_blind(city)
    )


def expert_title(app: Application) -> str:
    """Return how the application is named to experts: without identity under blind review."""
    return f"申报 #{app.pk}（盲评）" if is_blind(app.city) else app.title


def conflict_reason(expert: Expert, app: Application) -> str:
    """Return why the expert must recuse from this application (回避), or ""."""
    if expert.society_id and expert.society_id == app.society_id:
        return "专家为申报学会会员（所属学会）"
    employer = (expert.employer or "").strip()
    if employer and employer == app.society.name:
        return "专家工作单位为申报学会"
    if employer and app.host_unit_id and employer == app.host_unit.name:
        return "专家工作单位为建站单位"
    return ""
