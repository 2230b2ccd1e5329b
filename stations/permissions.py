"""Who may change what in the stations app.

Each function answers `(allowed, reason)`; the reason is user-facing (zh-hans) and is shown
on the 403 page. Visibility is not decided here: views load objects through
stations.selectors first, so a caller only asks about objects the user can already see.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role

from .models import ActivityRecord, Expert, HostUnit, Society, Station

Decision = tuple[bool, str]

READ_ONLY = gettext_lazy("您的角色对该记录只有查看权限。")


def _is_platform_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_platform_admin)


def _is_city_admin_of(user, city_id: int | None) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.CITY_ADMIN
        and user.city_id
        and user.city_id == city_id
    )


def _admin_decision(user, city_id: int | None) -> Decision | None:
    if _is_platform_admin(user):
        return True, ""
    if _is_city_admin_of(user, city_id):
        return True, ""
    return None


def can_create_directory_entry(user) -> Decision:
    """Return whether the user may add societies, host units, experts and stations."""
    if _is_platform_admin(user):
        return True, ""
    if user.is_authenticated and user.is_active and user.role == Role.CITY_ADMIN and user.city_id:
        return True, ""
    return False, _("只有市科协学会部管理员可以新增记录。")


def can_edit_society(user, society: Society) -> Decision:
    if decision := _admin_decision(user, society.city_id):
        return decision
    if user.role == Role.SOCIETY_STAFF and user.society_id == society.pk:
        return True, ""
    return False, str(READ_ONLY)


def can_edit_host_unit(user, host_unit: HostUnit) -> Decision:
    if decision := _admin_decision(user, host_unit.city_id):
        return decision
    if user.role == Role.HOST_STAFF and user.host_unit_id == host_unit.pk:
        return True, ""
    return False, str(READ_ONLY)


def can_edit_expert(user, expert: Expert) -> Decision:
    if decision := _admin_decision(user, expert.city_id):
        return decision
    return False, _("专家信息由市科协学会部管理员维护。")


def can_edit_station(user, station: Station) -> Decision:
    if decision := _admin_decision(user, station.city_id):
        return decision
    return False, _("服务站基本信息由市科协学会部管理员维护。")


def can_set_station_status(user, station: Station) -> Decision:
    if decision := _admin_decision(user, station.city_id):
        return decision
    return False, _("只有市科协学会部管理员可以变更服务站状态。")


def can_add_activity_record(user, station: Station) -> Decision:
    """Society staff and host staff report the activity of their own stations."""
    if decision := _admin_decision(user, station.city_id):
        return decision
    if user.role == Role.SOCIETY_STAFF and user.society_id == station.society_id:
        return True, ""
    if user.role == Role.HOST_STAFF and user.host_unit_id == station.host_unit_id:
        return True, ""
    return False, _("只有该服务站的建站学会、建站单位或市科协可以填报活动记录。")


def can_edit_activity_record(user, record: ActivityRecord) -> Decision:
    return can_add_activity_record(user, record.station)
