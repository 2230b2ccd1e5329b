"""Funding basics: the grant and recovery status setters over their tables, money text.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.services import audit
from stations.choices import StationStatus

from ..models import (
    Grant,
    Recovery,
)

S = StationStatus
FUNDABLE_STATION_STATUSES = (S.CERTIFIED, S.KEY_SUPPORTED)
# Engine status -> the station's status (stations.services moves it).
ADVERSE_STATION_STATUS = {
    "rectification": S.RECTIFICATION,
    "suspended": S.SUSPENDED,
    "revoked": S.REVOKED,
    "delisted": S.DELISTED,
}


class AlreadyPaid(ValidationError):
    """The grant-year has been paid already; nothing was written."""


def yuan(amount: int | Decimal) -> str:
    return f"{amount:,}"


class IllegalGrantTransition(ValidationError):
    """A grant status move its life-cycle table (Grant.TRANSITIONS) does not allow."""


class IllegalRecoveryTransition(ValidationError):
    """A recovery status move Recovery.TRANSITIONS does not allow."""


def grant_set_status(
    *, grant: Grant, to_status: str, actor, reason: str, clause: str = "", request=None
) -> bool:
    """The one status setter of a grant, over Grant.TRANSITIONS; return whether it moved.

    The caller holds the grant row locked (select_for_update) and decides whether `actor`
    may take the step. The same status again is no move (the yearly decision re-applies the
    engine's status): nothing is written. Every real move writes an audit row with who,
    why and the clause (the time is the row's own).
    """
    if to_status not in Grant.Status.values:
        raise IllegalGrantTransition(f"未知的资助状态：{to_status}。", code="unknown_status")
    from_status = grant.status
    if to_status == from_status:
        return False
    if to_status not in Grant.TRANSITIONS.get(from_status, frozenset()):
        raise IllegalGrantTransition(
            f"资助状态不能从“{Grant.Status(from_status).label}”变更为“{Grant.Status(to_status).label}”。",
            code="illegal_transition",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写资助状态变更原因。"})
    grant.status = to_status
    grant.save(update_fields=["status", "updated_at"])
    audit(
        event="funding.grant_status_changed",
        user=actor,
        request=request,
        obj=grant,
        city_id=grant.city_id,
        reason=reason.strip(),
        clause=clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return True


def recovery_set_status(
    *, recovery: Recovery, to_status: str, actor, reason: str, clause: str = "", request=None
) -> bool:
    """The one status setter of a recovery, over Recovery.TRANSITIONS (row locked by caller).

    The same status again (a second partial repayment) is no move and writes nothing here;
    the repayment itself is audited by its service.
    """
    if to_status not in Recovery.Status.values:
        raise IllegalRecoveryTransition(f"未知的追回状态：{to_status}。", code="unknown_status")
    from_status = recovery.status
    if to_status == from_status:
        return False
    if to_status not in Recovery.TRANSITIONS.get(from_status, frozenset()):
        raise IllegalRecoveryTransition(
            f"追回状态不能从“{Recovery.Status(from_status).label}”变更为“{Recovery.Status(to_status).label}”。",
            code="illegal_transition",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写追回状态变更原因。"})
    recovery.status = to_status
    recovery.save(update_fields=["status"])
    audit(
        event="funding.recovery_status_changed",
        user=actor,
        request=request,
        obj=recovery,
        city_id=recovery.grant.city_id,
        reason=reason.strip(),
        clause=clause or recovery.clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return True
