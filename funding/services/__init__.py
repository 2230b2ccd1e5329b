"""Writes for funding, by concern: grants, payments, recoveries, budgets and expenses,
penalties and policy decisions, change requests, and the status setters.

Callers import from here (`from funding import services`); the read helpers the services
share (payable, net_paid, default_payee, the users a notice goes to) live in
funding.selectors and are re-exported for the callers that read them through services.
"""

from __future__ import annotations

from ..selectors import (
    default_payee,
    grant_link,
    grant_users,
    is_station_member,
    net_paid,
    payable,
    station_users,
)
from .budgets import (
    BUDGET_FIELDS,
    EXPENSE_FIELDS,
    _check_category,
    _money_fields,
    budget_line_add,
    budget_line_delete,
    budget_line_update,
    expense_delete,
    expense_record,
    expense_update,
)
from .changes import (
    change_request_decide,
    change_request_set_status,
    change_request_submit,
)
from .conflicts import _conflicts, _support_years, grant_conflicts
from .grants import (
    DECIDED_FIELDS,
    _application_payee_name,
    _budget_from_application,
    _default_level,
    _fundable_program,
    _grant_make,
    _initial_status,
    _key_support_stage,
    _move_station,
    _restored_status,
    _schedule_dict,
    _station_follows,
    _year_params,
    grant_apply_schedule,
    grant_create,
    grant_create_for_application,
)
from .payments import (
    _already_paid_message,
    disbursement_approve,
    payment_notice_send,
)
from .penalties import (
    _cities_declaring,
    _grant_open,
    grant_penalize,
    grant_revoke,
    support_award,
)
from .recoveries import (
    RecoveryExceedsPaid,
    _recovery_add,
    recovery_record,
    repayment_record,
)
from .status import (
    ADVERSE_STATION_STATUS,
    FUNDABLE_STATION_STATUSES,
    AlreadyPaid,
    IllegalGrantTransition,
    IllegalRecoveryTransition,
    grant_set_status,
    recovery_set_status,
    yuan,
)

__all__ = [
    "ADVERSE_STATION_STATUS",
    "AlreadyPaid",
    "BUDGET_FIELDS",
    "DECIDED_FIELDS",
    "EXPENSE_FIELDS",
    "FUNDABLE_STATION_STATUSES",
    "IllegalGrantTransition",
    "IllegalRecoveryTransition",
    "RecoveryExceedsPaid",
    "_already_paid_message",
    "_application_payee_name",
    "_budget_from_application",
    "_check_category",
    "_cities_declaring",
    "_conflicts",
    "_default_level",
    "_fundable_program",
    "_grant_make",
    "_grant_open",
    "_initial_status",
    "_key_support_stage",
    "_money_fields",
    "_move_station",
    "_recovery_add",
    "_restored_status",
    "_schedule_dict",
    "_station_follows",
    "_support_years",
    "_year_params",
    "budget_line_add",
    "budget_line_delete",
    "budget_line_update",
    "change_request_decide",
    "change_request_set_status",
    "change_request_submit",
    "default_payee",
    "disbursement_approve",
    "expense_delete",
    "expense_record",
    "expense_update",
    "grant_apply_schedule",
    "grant_conflicts",
    "grant_create",
    "grant_create_for_application",
    "grant_link",
    "grant_penalize",
    "grant_revoke",
    "grant_set_status",
    "grant_users",
    "is_station_member",
    "net_paid",
    "payable",
    "payment_notice_send",
    "recovery_record",
    "recovery_set_status",
    "repayment_record",
    "station_users",
    "support_award",
    "yuan",
]
