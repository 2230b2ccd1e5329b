"""Row-level scopes of the funding models (see accounts.scoping)."""

from accounts.scoping import ScopePaths, register_scope

from .models import BudgetLine, Disbursement, Expense, Grant, GrantDecision, Recovery


def _via(prefix: str) -> ScopePaths:
    return ScopePaths(
        city=f"{prefix}station__city",
        district=f"{prefix}station__district",
        society=f"{prefix}station__society",
        host_unit=f"{prefix}station__host_unit",
    )


register_scope(Grant, _via(""))
for model in (Disbursement, Recovery, BudgetLine, Expense, GrantDecision):
    register_scope(model, _via("grant__"))
