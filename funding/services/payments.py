"""Disbursements: a due grant-year paid once (row lock + unique constraint), its notice.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.outbox import outbox_enqueue
from accounts.services import audit, notify

from ..models import (
    Disbursement,
    Grant,
)
from ..selectors import grant_link, grant_users, payable
from .status import AlreadyPaid, yuan


def disbursement_approve(
    *,
    grant: Grant,
    year: int,
    paid_on: dt.date,
    voucher_no: str,
    payee_account_name: str,
    payee_bank: str,
    payee_account_no: str,
    actor,
    request=None,
) -> Disbursement:
    """Record that a due grant-year was paid; a second approval raises AlreadyPaid."""
    with transaction.atomic():
        # Lock the grant: two finance officers approving the same year at once would both
        # see "not paid yet" and both insert; the second waits here and then finds the row.
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("city", "station")
            .get(pk=grant.pk)
        )
        existing = Disbursement.objects.filter(grant=grant, year=year).first()
        if existing is not None:
            raise AlreadyPaid(_already_paid_message(existing), code="already_paid")
        due = next((y for y in payable(grant) if y["year"] == year), None)
        if due is None:
            raise ValidationError(f"{year}年度没有应拨付的资助（以考核决定为准）。", code="not_due")
        disbursement = Disbursement(
            grant=grant,
            year=year,
            amount=due["paid"],
            clauses=due["clauses"],
            approved_by=actor,
            paid_on=paid_on,
            voucher_no=voucher_no.strip(),
            payee_account_name=payee_account_name.strip(),
            payee_bank=payee_bank.strip(),
            payee_account_no=payee_account_no.strip(),
        )
        disbursement.full_clean(exclude=["grant"])
        try:
            with transaction.atomic():
                disbursement.save()
        except IntegrityError as exc:  # the unique constraint, should the lock be bypassed
            existing = Disbursement.objects.get(grant=grant, year=year)
            raise AlreadyPaid(_already_paid_message(existing), code="already_paid") from exc
        Grant.objects.filter(pk=grant.pk).update(
            disbursed_total=F("disbursed_total") + disbursement.amount
        )
        audit(
            event="funding.disbursement_approved",
            user=actor,
            request=request,
            obj=disbursement,
            city_id=grant.city_id,
            clause="、".join(due["clauses"]),
            detail={
                "grant": grant.pk,
                "year": year,
                "amount": disbursement.amount,
                "voucher_no": voucher_no,
            },
        )
        # Through the outbox: a payment recorded while Redis is down still gets its notice later.
        outbox_enqueue(
            "funding.tasks.send_payment_notice",
            key=f"payment-notice:{disbursement.pk}",
            args=[disbursement.pk],
        )
    return disbursement


def _already_paid_message(existing: Disbursement) -> str:
    return (
        f"该笔资助已拨付（{existing.year}年度，{yuan(existing.amount)}元，"
        f"{existing.paid_on:%Y-%m-%d}，凭证号 {existing.voucher_no}），不会重复支付。"
    )


def payment_notice_send(*, disbursement_id: int) -> bool:
    """Notify the station's users of a payment once; a redelivered task changes nothing."""
    from ..models import TaskReceipt

    with transaction.atomic():
        disbursement = (
            Disbursement.objects.select_for_update(of=("self",))
            .select_related("grant__city", "grant__station")
            .filter(pk=disbursement_id, notice_sent_at__isnull=True)
            .first()
        )
        if disbursement is None:
            return False
        _, created = TaskReceipt.objects.get_or_create(key=f"payment_notice:{disbursement_id}")
        if not created:
            return False
        grant = disbursement.grant
        notify(
            recipients=grant_users(grant),
            title=f"资助资金已拨付：{grant.subject}{disbursement.year}年度 {yuan(disbursement.amount)} 元",
            body=f"支付日期 {disbursement.paid_on:%Y-%m-%d}，凭证号 {disbursement.voucher_no}。",
            link=grant_link(grant),
        )
        disbursement.notice_sent_at = timezone.now()
        disbursement.save(update_fields=["notice_sent_at"])
    return True
