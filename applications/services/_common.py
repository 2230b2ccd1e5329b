"""Shared pieces of the application services: the errors they raise and small helpers."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from policies.api import ACTION_LABELS, Finding


class TransitionError(ValidationError):
    """An illegal move or a guard that does not hold (message in Chinese, with the clause)."""


class StaleVersion(TransitionError):
    """The application changed since the page was loaded (e.g. a double-clicked button)."""


class ConflictOfInterest(ValidationError):
    """The expert must recuse (回避): own society, host unit or employer of the applicant."""


def _finding_dict(f: Finding) -> dict[str, str]:
    return {"code": f.code, "severity": f.severity, "message": f.message_zh, "clause": f.clause}


ACTION_TEXT = {**ACTION_LABELS, "withdraw": "撤回申报"}
