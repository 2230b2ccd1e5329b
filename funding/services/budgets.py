"""Budgets and expenses (预算与支出): categories checked against the city's expense rules.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import audit
from policies import api as engine

from ..models import (
    BudgetLine,
    Expense,
    Grant,
)


def _check_category(grant: Grant, category: str) -> str:
    """Refuse a forbidden category with its clause; return a warning for an unlisted one."""
    if category not in engine.EXPENSE_LABELS:
        raise ValidationError({"category": "未知的支出类别。"})
    finding = engine.expense_finding(grant.city, category)
    if finding is None:
        return ""
    if finding.blocks:
        raise ValidationError(
            {"category": f"{finding.message_zh}（{finding.clause}）"}, code="expense_forbidden"
        )
    return f"{finding.message_zh}（{finding.clause}）"


@transaction.atomic
def budget_line_add(
    *,
    grant: Grant,
    category: str,
    content: str,
    amount: Decimal,
    basis: str = "",
    actor,
    request=None,
) -> BudgetLine:
    warning = _check_category(grant, category)
    if warning:
        raise ValidationError({"category": warning})
    line = BudgetLine(
        grant=grant,
        category=category,
        content=content,
        amount=amount,
        basis=basis,
        created_by=actor,
    )
    line.full_clean()
    line.save()
    audit(
        event="funding.budget_line_added",
        user=actor,
        request=request,
        obj=line,
        city_id=grant.city_id,
        detail={"category": category, "amount": str(amount)},
    )
    return line


@transaction.atomic
def expense_record(
    *,
    grant: Grant,
    spent_on: dt.date,
    category: str,
    description: str,
    amount: Decimal,
    voucher_no: str = "",
    actor,
    request=None,
) -> Expense:
    warning = _check_category(grant, category)
    expense = Expense(
        grant=grant,
        spent_on=spent_on,
        category=category,
        description=description,
        amount=amount,
        voucher_no=voucher_no,
        warning=warning,
        created_by=actor,
    )
    expense.full_clean()
    expense.save()
    audit(
        event="funding.expense_recorded",
        user=actor,
        request=request,
        obj=expense,
        city_id=grant.city_id,
        reason=warning,
        detail={"category": category, "amount": str(amount)},
    )
    return expense


def _money_fields(obj, names) -> dict[str, str]:
    return {name: str(getattr(obj, name)) for name in names}


BUDGET_FIELDS = ("category", "content", "amount", "basis")


EXPENSE_FIELDS = ("spent_on", "category", "description", "amount", "voucher_no")


@transaction.atomic
def budget_line_update(
    *,
    line: BudgetLine,
    category: str,
    content: str,
    amount: Decimal,
    basis: str = "",
    actor,
    request=None,
) -> BudgetLine:
    """Change a budget row; a forbidden (or unlisted) category is refused with its clause."""
    line = (
        BudgetLine.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=line.pk)
    )
    warning = _check_category(line.grant, category)
    if warning:
        raise ValidationError({"category": warning})
    before = _money_fields(line, BUDGET_FIELDS)
    line.category, line.content, line.amount, line.basis = category, content, amount, basis
    line.full_clean()
    line.save()
    audit(
        event="funding.budget_line_updated",
        user=actor,
        request=request,
        obj=line,
        city_id=line.grant.city_id,
        detail={"before": before, "after": _money_fields(line, BUDGET_FIELDS)},
    )
    return line


@transaction.atomic
def budget_line_delete(*, line: BudgetLine, actor, request=None) -> None:
    _delete_row(line, BUDGET_FIELDS, "funding.budget_line_deleted", actor, request)


def _delete_row(row, fields, event: str, actor, request) -> None:
    """Delete a budget line or an expense under its lock; the audit keeps what it said, on
    the grant (the row itself is gone)."""
    row = (
        type(row)
        .objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=row.pk)
    )
    audit(
        event=event,
        user=actor,
        request=request,
        obj=row.grant,
        city_id=row.grant.city_id,
        detail={"deleted": {"id": row.pk, **_money_fields(row, fields)}},
    )
    row.delete()


@transaction.atomic
def expense_update(
    *,
    expense: Expense,
    spent_on: dt.date,
    category: str,
    description: str,
    amount: Decimal,
    voucher_no: str = "",
    actor,
    request=None,
) -> Expense:
    """Change a recorded expense; a forbidden category is refused with its clause."""
    expense = (
        Expense.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=expense.pk)
    )
    warning = _check_category(expense.grant, category)
    before = _money_fields(expense, EXPENSE_FIELDS)
    expense.spent_on, expense.category, expense.description = spent_on, category, description
    expense.amount, expense.voucher_no, expense.warning = amount, voucher_no, warning
    expense.full_clean()
    expense.save()
    audit(
        event="funding.expense_updated",
        user=actor,
        request=request,
        obj=expense,
        city_id=expense.grant.city_id,
        reason=warning,
        detail={"before": before, "after": _money_fields(expense, EXPENSE_FIELDS)},
    )
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense, actor, request=None) -> None:
    _delete_row(expense, EXPENSE_FIELDS, "funding.expense_deleted", actor, request)


def _budget_from_application(grant: Grant, application, actor, request) -> None:
    """The approved application's budget table (申报书 预算表) becomes the grant's budget.

    Each row keeps its content and basis; its category is the expense code the row names
    (engine.expense_category_of), else 其他支出 with the typed category kept in the content.
    Rows without a positive amount are left out. The application passed its own budget
    check (forbidden uses refused with their clause) before it was approved.
    """
    from policies.api import expense_category_of

    for row in (application.form_data or {}).get("budget") or []:
        try:
            amount = Decimal(str(row.get("amount") or "0"))
        except ArithmeticError:
            continue
        if amount <= 0:
            continue
        typed = str(row.get("category") or "").strip()
        code = expense_category_of(typed) or "other"
        content = str(row.get("content") or "").strip()
        if code == "other" and typed and typed != engine.EXPENSE_LABELS["other"]:
            content = f"{typed}：{content}" if content else typed
        line = BudgetLine(
            grant=grant,
            category=code,
            content=content[:200] or typed[:200],
            amount=amount,
            basis=str(row.get("basis") or "")[:200],
            created_by=actor,
        )
        line.full_clean()
        line.save()
        audit(
            event="funding.budget_line_added",
            user=actor,
            request=request,
            obj=line,
            city_id=grant.city_id,
            reason="经批准的申报书预算表",
            detail={"category": code, "amount": str(amount), "application": application.pk},
        )
