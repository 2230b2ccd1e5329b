"""Row-level scopes of the funding models (see accounts.scoping).

A grant carries its own city, district, society and host unit (copied from its station, or
from its application where the program names no station), so a station-less grant is
scoped like any other.
"""

from accounts.scoping import ScopePaths, register_scope

from .models import BudgetLine, Disbursement, Expense, Grant, GrantDecision, Recovery


def _via(prefix: str) -> ScopePaths:
    return ScopePaths(
        city=f"{prefix}city",
        district=f"{prefix}district",
        society=f"{prefix}society",
        host_unit=f"{prefix}host_unit",
    )


register_scope(Grant, _via(""))
for model in (Disbursement, Recovery, BudgetLine, Expense, GrantDecision):
    register_scope(model, _via("grant__"))
