"""The one status setter of StationEvaluation and of EvaluationRound, over the
models' TRANSITIONS tables; nothing else assigns their status.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit

from ..models import EvaluationRound, StationEvaluation
from ._common import E


class IllegalEvaluationTransition(ValidationError):
    """A status move the evaluation's or round's transitions table does not allow."""


def _check_move(model, from_status: str, to_status: str, what: str) -> None:
    if to_status not in model.Status.values:
        raise IllegalEvaluationTransition(
            _("未知的%(what)s状态：%(status)s。") % {"what": what, "status": to_status},
            code="unknown_status",
        )
    if to_status not in model.TRANSITIONS.get(from_status, frozenset()):
        raise IllegalEvaluationTransition(
            _("%(what)s状态不能从“%(from)s”变更为“%(to)s”。")
            % {
                "what": what,
                "from": model.Status(from_status).label,
                "to": model.Status(to_status).label,
            },
            code="illegal_transition",
        )


@transaction.atomic
def evaluation_set_status(
    *,
    evaluation: StationEvaluation,
    to_status: str,
    actor,
    reason: str,
    clause: str = "",
    request=None,
) -> StationEvaluation:
    """Move an evaluation along StationEvaluation.TRANSITIONS; the only writer of its status.

    The caller decides whether `actor` may take the step (permissions, the service's own
    checks); this refuses a move the table does not allow, saves the status (only: the
    caller saves its other fields after) and writes the audit row (who, when, why, clause).
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写状态变更原因。")})
    # Lock the row (re-entrant inside the caller's own lock): two actors moving the same
    # evaluation at once must not both start from the same status.
    from_status = (
        StationEvaluation.objects.select_for_update(of=("self",))
        .values_list("status", flat=True)
        .get(pk=evaluation.pk)
    )
    _check_move(StationEvaluation, from_status, to_status, _("考核"))
    evaluation.status = to_status
    evaluation.save(update_fields=["status"])
    audit(
        event="evaluations.status_changed",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        reason=reason.strip(),
        clause=clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return evaluation


def evaluation_prepare_import(*, evaluation: StationEvaluation, actor) -> StationEvaluation:
    """Give an unsaved, imported past evaluation its final state: 已确认 by the importer.

    A legacy row is created in the state it had on paper, so it makes no move through the
    table (and no per-row audit: the import audits the file); a saved row is refused.
    """
    if evaluation.pk is not None:
        raise IllegalEvaluationTransition(
            _("已有的考核记录不能按导入重新确认。"), code="illegal_transition"
        )
    evaluation.status = E.CONFIRMED
    evaluation.confirmed_by = actor
    evaluation.confirmed_at = timezone.now()
    return evaluation


@transaction.atomic
def round_set_status(
    *,
    round: EvaluationRound,
    to_status: str,
    actor,
    reason: str,
    clause: str = "",
    request=None,
) -> EvaluationRound:
    """Move a round along EvaluationRound.TRANSITIONS; the only writer of its status.

    Closing records who closed it and when on the round itself.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写状态变更原因。")})
    # Lock the row: a second close racing the first must see it closed and be refused.
    from_status = (
        EvaluationRound.objects.select_for_update(of=("self",))
        .values_list("status", flat=True)
        .get(pk=round.pk)
    )
    _check_move(EvaluationRound, from_status, to_status, _("考核批次"))
    round.status = to_status
    fields = ["status"]
    if to_status == EvaluationRound.Status.CLOSED:
        round.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        round.closed_at = timezone.now()
        fields += ["closed_by", "closed_at"]
    round.save(update_fields=fields)
    audit(
        event="evaluations.round_status_changed",
        user=actor,
        request=request,
        obj=round,
        city_id=round.city_id,
        reason=reason.strip(),
        clause=clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return round
