"""The demo logins: one per role per city, and the platform's own."""

from __future__ import annotations

from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.roles import Role
from stations.models import (
    City,
    District,
    Expert,
    HostUnit,
    Society,
    Station,
)

from .common import LOGIN_ROLES, DemoLogin, DemoResult, demo_mobile

# --------------------------------------------------------------------------- users


def _ensure_user(
    username: str, values: dict, result: DemoResult, password_hash: str
) -> tuple[User, bool]:
    """Create the user with the demo password, or update role and scope (never the password)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, password=password_hash, **values)
        user.full_clean()
        user.save()
        result.count("演示账号", True)
        return user, True
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, values[name])
        user.full_clean()
        user.save()
    return user, False


def _load_logins(
    city: City,
    data: dict,
    *,
    districts: dict[str, District],
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    stations: dict[str, Station],
    result: DemoResult,
    password_hash: str,
) -> None:
    specs = data["logins"]
    blank_scope = dict.fromkeys(("city", "district", "society", "host_unit", "expert"))
    for suffix, role in LOGIN_ROLES:
        spec = specs[role.value]
        username = f"{city.code}_{suffix}"
        scope = dict(blank_scope, city=city)
        label = city.name
        if role == Role.SOCIETY_STAFF:
            scope["society"] = societies[spec["society"]]
            label = f"{city.name} · {spec['society']}"
        elif role == Role.HOST_STAFF:
            scope["host_unit"] = hosts[spec["host_unit"]]
            label = f"{city.name} · {spec['host_unit']}"
        elif role == Role.COUNTY_REVIEWER:
            scope["district"] = districts[spec["district"]]
            label = f"{city.name} · {spec['district']}"
        elif role == Role.EXPERT_REVIEWER:
            scope["expert"] = experts[spec["expert"]]
            label = f"{city.name} · 专家 {spec['expert']}"
        full_name = spec.get("full_name") or spec.get("expert", "")
        user, created = _ensure_user(
            username,
            {
                "role": role,
                "full_name": full_name,
                "mobile": demo_mobile(f"user:{username}"),
                "is_staff": role == Role.CITY_ADMIN,
                "is_superuser": False,
                **scope,
            },
            result,
            password_hash,
        )
        for name in spec.get("review_stations", []):
            # Expert reviewers see only what is assigned to them (guardian object grants).
            for perm in ("stations.view_station", "stations.review_station"):
                assign_perm(perm, user, stations[name])
        result.logins.append(DemoLogin(username, role.label, city.name, label, created))


# Platform-wide logins: the system administrator, and the security and audit administrators
# whose duties are kept apart from it (三员分立).
PLATFORM_LOGINS = (
    ("admin", Role.SUPERUSER, "平台管理员（演示）", "全平台"),
    ("security", Role.SECURITY_ADMIN, "安全管理员（演示）", "账号与会话"),
    ("auditor", Role.AUDIT_ADMIN, "审计管理员（演示）", "审计日志"),
)


def _ensure_platform_logins(result: DemoResult, password_hash: str) -> None:
    for username, role, full_name, scope_label in PLATFORM_LOGINS:
        is_root = role == Role.SUPERUSER
        user, created = _ensure_user(
            username,
            {"role": role, "full_name": full_name, "is_staff": is_root, "is_superuser": is_root},
            result,
            password_hash,
        )
        result.logins.append(DemoLogin(user.username, role.label, "—", scope_label, created))
