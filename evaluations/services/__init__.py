"""Writes for the annual evaluation cycle: open, self-report, score, confirm, close.

A package by concern (issue 14): `rounds` (open, remind, close), `self_report` (the
station's report, attachments, the demand unit), `scoring` (experts and their scores),
`confirm` (the grade and its consequences, from the policy engine), `status` (the one
setter per model over its transitions table). Import from here: every public name is
re-exported, and the read helpers that used to live here are re-exported from selectors.
"""

from ..selectors import (
    assessed_years,
    evaluation_targets,
    self_report_figures,
    suggested_score,
    term_year,
)
from ._common import StaleEvaluation
from .confirm import RECTIFICATION_DAYS, evaluation_confirm
from .rounds import round_close, round_open, round_send_reminders
from .scoring import expert_score_submit, experts_assign
from .self_report import (
    ATTACHMENT_MAX_BYTES,
    DEMAND_RATINGS,
    evaluation_attachment_add,
    evaluation_demand_unit_review,
    evaluation_submit,
)
from .status import (
    IllegalEvaluationTransition,
    evaluation_prepare_import,
    evaluation_set_status,
    round_set_status,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "DEMAND_RATINGS",
    "IllegalEvaluationTransition",
    "RECTIFICATION_DAYS",
    "StaleEvaluation",
    "assessed_years",
    "evaluation_attachment_add",
    "evaluation_confirm",
    "evaluation_demand_unit_review",
    "evaluation_prepare_import",
    "evaluation_set_status",
    "evaluation_submit",
    "evaluation_targets",
    "expert_score_submit",
    "experts_assign",
    "round_close",
    "round_open",
    "round_send_reminders",
    "round_set_status",
    "self_report_figures",
    "suggested_score",
    "term_year",
]
