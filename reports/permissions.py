"""Who may run which report. Each function returns (allowed, reason_zh).

Rows inside every report are scoped again by accounts.scoping; these checks only decide
who may open a city's reports, imports and dashboards at all.
"""

from __future__ import annotations

from accounts.roles import CITY_WIDE_ROLES, Role

Decision = tuple[bool, str]
OK: Decision = (True, "")


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_view_city_reports(user, city) -> Decision:
    """Subsidy reports and dashboards: the city's administrators, talent office and finance."""
    if not _active(user):
        return False, "请先登录。"
    if user.is_platform_admin:
        return OK
    if user.role in CITY_WIDE_ROLES and city is not None and user.city_id == city.pk:
        return OK
    return False, "只有本市科协学会部管理员、人才办和财务人员可以查看本市报表。"


def can_view_all_cities(user) -> Decision:
    if _active(user) and user.is_platform_admin:
        return OK
    return False, "只有平台超级管理员可以查看全部城市的汇总。"


def can_import(user) -> Decision:
    """Legacy imports: a city administrator into their own city, or the platform admin."""
    if not _active(user):
        return False, "请先登录。"
    if user.is_platform_admin or (user.role == Role.CITY_ADMIN and user.city_id):
        return OK
    return False, "只有市科协学会部管理员可以导入历史数据。"


def can_export_lists(user) -> Decision:
    """A list export contains exactly the rows the user's list shows (scoped), so any user."""
    if _active(user):
        return OK
    return False, "请先登录。"
