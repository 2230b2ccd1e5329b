"""City code -> policy object. Every module in policies/cities/ with a `POLICY` is registered."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from . import cities
from .types import CityPolicy, PolicyError


@cache
def _registry() -> dict[str, CityPolicy]:
    found: dict[str, CityPolicy] = {}
    for info in pkgutil.iter_modules(cities.__path__):
        module = importlib.import_module(f"{cities.__name__}.{info.name}")
        policy = getattr(module, "POLICY", None)
        if isinstance(policy, CityPolicy):
            found[policy.code] = policy
    return found


def all_policies() -> dict[str, CityPolicy]:
    return dict(_registry())


def get_policy(code: str) -> CityPolicy:
    """Return the policy registered under a City.policy_code; raise PolicyError if unknown."""
    try:
        return _registry()[code]
    except KeyError as exc:
        known = "、".join(sorted(_registry()))
        raise PolicyError(f"未知的城市政策代码“{code}”（可选：{known}）") from exc
