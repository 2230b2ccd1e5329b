"""Money demanded back (追回) and repayments; never more than was paid net.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import audit
from policies import api as engine

from ..models import (
    Grant,
    Recovery,
    Repayment,
)
from ..selectors import net_paid
from .status import recovery_set_status, yuan


class RecoveryExceedsPaid(ValidationError):
    """A recovery would demand back more than was paid net of earlier recoveries."""


def _recovery_add(
    *, grant: Grant, year: int, amount: int, source: str, reason: str, clause: str, actor
) -> Recovery:
    """Write one recovery; the grant row must be locked (select_for_update) by the caller.

    The one place a Recovery is created. Checked here against the net paid amount and again
    by the database (grant_recovered_within_paid over the running counters).
    """
    available = net_paid(grant)
    if amount > available:
        raise RecoveryExceedsPaid(
            f"追回金额 {yuan(amount)} 元超过已拨付净额 {yuan(available)} 元，未登记。",
            code="recovery_exceeds_paid",
        )
    recovery = Recovery(
        grant=grant,
        year=year,
        amount=amount,
        source=source,
        reason=reason,
        clause=clause,
        created_by=actor,
    )
    recovery.full_clean()
    recovery.save()
    Grant.objects.filter(pk=grant.pk).update(recovered_total=F("recovered_total") + amount)
    grant.refresh_from_db(fields=list(Grant.COUNTERS))
    return recovery


@transaction.atomic
def recovery_record(
    *,
    grant: Grant,
    amount: int,
    reason: str,
    actor,
    source: str = Recovery.Source.MISUSE,
    clause: str = "",
    request=None,
) -> Recovery:
    """Demand money back for misuse or a revocation reason (an administrator's decision)."""
    # Lock the grant: two recoveries recorded at once must not together exceed what was paid.
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("city", "station")
        .get(pk=grant.pk)
    )
    clause = clause or engine.policy_for(grant.city).misuse_clause
    if not clause:
        raise ValidationError(f"{grant.city}的政策未规定追回，请填写政策依据。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写追回原因。"})
    available = net_paid(grant)
    if amount <= 0 or amount > available:
        raise ValidationError(
            {"amount": f"追回金额须在 1–{yuan(available)} 元之间（已拨付净额）。"}
        )
    recovery = _recovery_add(
        grant=grant,
        year=timezone.localdate().year,
        amount=amount,
        source=source,
        reason=reason.strip(),
        clause=clause,
        actor=actor,
    )
    audit(
        event="funding.recovery_demanded",
        user=actor,
        request=request,
        obj=recovery,
        city_id=grant.city_id,
        reason=reason,
        clause=clause,
        detail={"amount": amount, "grant": grant.pk},
    )
    return recovery


@transaction.atomic
def repayment_record(
    *, recovery: Recovery, amount: int, received_on: dt.date, voucher_no: str, actor, request=None
) -> Repayment:
    # Lock the recovery: concurrent repayments must not together exceed the demand.
    recovery = (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=recovery.pk)
    )
    outstanding = recovery.outstanding
    if amount <= 0 or amount > outstanding:
        raise ValidationError({"amount": f"退回金额须在 1–{yuan(outstanding)} 元之间。"})
    repayment = Repayment(
        recovery=recovery,
        amount=amount,
        received_on=received_on,
        voucher_no=voucher_no.strip(),
        recorded_by=actor,
    )
    repayment.full_clean()
    repayment.save()
    recovery_set_status(
        recovery=recovery,
        to_status=Recovery.Status.REPAID
        if amount == outstanding
        else Recovery.Status.PARTLY_REPAID,
        actor=actor,
        reason=f"登记退回款 {yuan(amount)} 元（凭证号 {repayment.voucher_no}）",
        request=request,
    )
    audit(
        event="funding.repayment_recorded",
        user=actor,
        request=request,
        obj=recovery,
        city_id=recovery.grant.city_id,
        clause=recovery.clause,
        detail={"amount": amount, "status": recovery.status},
    )
    return repayment
