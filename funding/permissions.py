"""Who may act on money. Each function returns (allowed, reason_zh) and checks state too.

Visibility is decided by funding.selectors (scoped; 404 alike for missing and forbidden);
these functions are asked only about objects the user can already see.
"""

from __future__ import annotations

from accounts.roles import Role
from policies.api import get_city_policy as policy_for

Decision = tuple[bool, str]
OK: Decision = (True, "")


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _of_city(user, role: str, city_id: int) -> bool:
    return _active(user) and user.role == role and user.city_id == city_id


def can_create_grant(user, city_id: int) -> Decision:
    if _active(user) and (user.is_platform_admin or _of_city(user, Role.CITY_ADMIN, city_id)):
        return OK
    return False, "只有本市科协学会部管理员可以建立资助项目。"


def can_approve_disbursement(user, grant) -> Decision:
    if not _of_city(user, Role.FINANCE, grant.city_id):
        return False, "只有本市财务人员可以审核拨付资金。"
    if grant.frozen_reason:
        return False, f"该资助已冻结：{grant.frozen_reason}"
    return OK


def can_record_recovery(user, grant) -> Decision:
    if _of_city(user, Role.FINANCE, grant.city_id) or _of_city(
        user, Role.CITY_ADMIN, grant.city_id
    ):
        return OK
    return False, "只有本市财务人员或管理员可以登记追回。"


def can_record_repayment(user, recovery) -> Decision:
    if not _of_city(user, Role.FINANCE, recovery.grant.city_id):
        return False, "只有本市财务人员可以登记退回款。"
    if recovery.outstanding <= 0:
        return False, "该笔追回已全额退回。"
    return OK


def can_penalize(user, grant) -> Decision:
    if not policy_for(grant.city).penalty_measures:
        return False, "本市政策未规定该处罚。"
    if not _of_city(user, Role.CITY_ADMIN, grant.city_id):
        return False, "只有本市管理员可以作出处罚决定。"
    if grant.frozen_reason:
        return False, "该资助已处罚。"
    return OK


def can_record_expense(user, grant) -> Decision:
    if _of_city(user, Role.CITY_ADMIN, grant.city_id):
        return OK
    if _active(user) and user.role == Role.SOCIETY_STAFF and user.society_id == grant.society_id:
        return OK
    if (
        _active(user)
        and user.role == Role.HOST_STAFF
        and grant.host_unit_id
        and user.host_unit_id == grant.host_unit_id
    ):
        return OK
    return False, "只有服务站所属学会、建站单位或本市管理员可以填报经费。"


def _declared_admin(user, grant, what: str, attribute: str) -> Decision:
    """A city administrator's decision that only some policies declare (`attribute`)."""
    if not getattr(policy_for(grant.city), attribute):
        return False, f"本市政策未规定{what}。"
    if not _of_city(user, Role.CITY_ADMIN, grant.city_id):
        return False, f"只有本市管理员可以{what}。"
    if grant.frozen_reason or grant.status in ("revoked", "delisted"):
        return False, "该资助已终止。"
    return OK


def can_award_support(user, grant) -> Decision:
    """Discretionary later-year support (CityPolicy.later_support_clause)."""
    return _declared_admin(user, grant, "确定后续年度补助", "later_support_clause")


def can_revoke(user, grant) -> Decision:
    """Revocation of a station on a declared ground (CityPolicy.revocation_reasons)."""
    return _declared_admin(user, grant, "撤销学会工作站", "revocation_reasons")
