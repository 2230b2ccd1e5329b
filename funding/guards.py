"""Around every money-writing form: lock the grant, use the form's one-time token once, and
refuse a voucher number the grant already has — all in the transaction of the write itself."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.idempotency import token_consume

from .models import Disbursement, Grant, Repayment


def voucher_check(*, grant: Grant, voucher_no: str, pay_year: int | None = None) -> None:
    """A voucher (凭证号) identifies one bank transaction: once per grant, payments and refunds.

    `pay_year`: a payment for a year already paid is left to the service, which says "already
    paid" (the clearer message) whatever the voucher."""
    voucher = (voucher_no or "").strip()
    if not voucher:
        return
    payments = Disbursement.objects.filter(grant=grant, voucher_no=voucher)
    if pay_year is not None:
        payments = payments.exclude(year=pay_year)
    taken = (
        payments.exists()
        or Repayment.objects.filter(recovery__grant=grant, voucher_no=voucher).exists()
    )
    if taken:
        raise ValidationError(
            {"voucher_no": f"凭证号 {voucher} 已在本资助项目中登记过，同一凭证不能重复入账。"}
        )


@contextmanager
def money_form_write(
    *,
    form,
    grant: Grant,
    actor,
    purpose: str,
    voucher_no: str | None = None,
    pay_year: int | None = None,
):
    """`with money_form_write(...): services.…(…)` — one write per rendered form.

    The grant row is locked first, so concurrent writes on one grant queue up; a second POST of
    the same form raises accounts.idempotency.DuplicateSubmission (a ValidationError) and writes
    nothing; a failed write rolls back the token so the corrected form can be sent again."""
    with transaction.atomic():
        locked = Grant.objects.select_for_update(of=("self",)).get(pk=grant.pk)
        token_consume(key=getattr(form, "token", ""), user=actor, purpose=f"{purpose}:{grant.pk}")
        if voucher_no is not None:
            voucher_check(grant=locked, voucher_no=voucher_no, pay_year=pay_year)
        yield locked
