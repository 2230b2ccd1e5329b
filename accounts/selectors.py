"""Reads for accounts: which sections of the site a role's navigation links to."""

from __future__ import annotations

from .roles import Role

# Which sections a role's navigation links to (accounts.scoping decides the rows inside).
DIRECTORY = {"stations", "societies", "host_units", "experts"}
_SECTIONS_BY_ROLE = {
    Role.CITY_ADMIN: DIRECTORY
    | {"applications", "demands", "evaluations", "funding", "policies", "reports"},
    Role.TALENT_OFFICE: DIRECTORY | {"applications", "evaluations", "funding", "reports"},
    Role.FINANCE: DIRECTORY | {"evaluations", "funding", "reports"},
    Role.COUNTY_REVIEWER: DIRECTORY | {"applications", "evaluations"},
    Role.SOCIETY_STAFF: {
        "stations",
        "societies",
        "experts",
        "applications",
        "demands",
        "evaluations",
        "funding",
    },
    Role.HOST_STAFF: {
        "stations",
        "host_units",
        "applications",
        "demands",
        "evaluations",
        "funding",
    },
    Role.EXPERT_REVIEWER: {"stations", "experts", "applications", "evaluations"},
    Role.ENTERPRISE: {"demands"},
    # 三员分立: the security and audit administrators see their own pages and nothing else.
    Role.SECURITY_ADMIN: {"security"},
    Role.AUDIT_ADMIN: {"audit"},
}
PLATFORM_ADMIN_SECTIONS = DIRECTORY | {
    "applications",
    "demands",
    "evaluations",
    "funding",
    "policies",
    "reports",
}


def visible_sections(user) -> set[str]:
    """Return the sections worth linking to for this user (nav and quick links)."""
    if not user.is_authenticated:
        return set()
    if user.is_platform_admin:
        return set(PLATFORM_ADMIN_SECTIONS)
    return set(_SECTIONS_BY_ROLE.get(user.role, set()))
