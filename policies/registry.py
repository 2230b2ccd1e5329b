"""City code -> policy object. Every module in policies/cities/ with a `POLICY` is registered.

`register()` adds a policy defined elsewhere for the life of a test run (the invented sixth
city of tests/sixth_city/ proves a new city needs no production change); production never
calls it: real cities are modules in policies/cities/.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from . import cities
from .types import CityPolicy, PolicyError

# Policies registered at run time (tests only); consulted beside the discovered modules.
_registered: dict[str, CityPolicy] = {}


@cache
def _registry() -> dict[str, CityPolicy]:
    found: dict[str, CityPolicy] = {}
    for info in pkgutil.iter_modules(cities.__path__):
        module = importlib.import_module(f"{cities.__name__}.{info.name}")
        policy = getattr(module, "POLICY", None)
        if isinstance(policy, CityPolicy):
            found[policy.code] = policy
    return found


def register(policy: CityPolicy) -> Callable[[], None]:
    """Register a policy not under policies/cities/; return the function that removes it.

    Refuses a code already taken, so a test cannot shadow a real city.
    """
    if not isinstance(policy, CityPolicy) or not policy.code:
        raise PolicyError("只能登记有代码的 CityPolicy")
    if policy.code in _registry() or policy.code in _registered:
        raise PolicyError(f"城市政策代码“{policy.code}”已被占用")
    _registered[policy.code] = policy
    return lambda: _registered.pop(policy.code, None)


def all_policies() -> dict[str, CityPolicy]:
    return {**_registry(), **_registered}


def get_policy(code: str) -> CityPolicy:
    """Return the policy registered under a City.policy_code; raise PolicyError if unknown."""
    policy = _registry().get(code) or _registered.get(code)
    if policy is None:
        known = "、".join(sorted(all_policies()))
        raise PolicyError(f"未知的城市政策代码“{code}”（可选：{known}）")
    return policy
