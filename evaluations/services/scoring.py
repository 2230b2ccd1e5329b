"""Experts assigned to an evaluation and their scores on the city's rubric."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import audit, notify
from policies import api as engine

from ..models import ExpertScore, StationEvaluation
from ._common import E, StaleEvaluation, _locked, _when
from .status import evaluation_set_status


@transaction.atomic
def experts_assign(
    *, evaluation: StationEvaluation, experts, actor, request=None
) -> list[ExpertScore]:
    evaluation = _locked(evaluation)
    if evaluation.status == E.CONFIRMED:
        raise ValidationError("考核已确认，不能再指派专家。")
    created = []
    for user in experts:
        if user.role != Role.EXPERT_REVIEWER or user.city_id != evaluation.station.city_id:
            raise ValidationError(f"{user}不是本市评审专家。")
        if evaluation.station.experts.filter(pk=user.expert_id).exists():
            raise ValidationError(f"{user}是该服务站专家团队成员，须回避。")
        score, made = ExpertScore.objects.get_or_create(
            evaluation=evaluation, expert=user, defaults={"assigned_by": actor}
        )
        if made:
            created.append(score)
    if created and evaluation.status == E.SCORED:
        evaluation_set_status(
            evaluation=evaluation,
            to_status=E.SUBMITTED,
            actor=actor,
            reason=_("指派了新的评审专家，待其评分"),
            request=request,
        )
    evaluation.version += 1
    evaluation.save()
    notify(
        recipients=[s.expert for s in created],
        title=f"请为{evaluation}评分",
        link=f"/evaluations/{evaluation.pk}/",
    )
    audit(
        event="evaluations.experts_assigned",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        detail={"experts": [s.expert_id for s in created]},
    )
    return created


@transaction.atomic
def expert_score_submit(
    *,
    score: ExpertScore,
    points: dict[str, float],
    comment: str,
    actor,
    request=None,
    expected_version: int | None = None,
) -> ExpertScore:
    """Record an assigned expert's indicator scores; the rubric checks each maximum.

    `expected_version` is the score's version the form was rendered with: a save from an older
    page (another tab saved since) is refused and the newer scores are kept."""
    evaluation = _locked(score.evaluation)
    score = ExpertScore.objects.select_for_update(of=("self",)).get(pk=score.pk)
    if score.expert_id != actor.pk:
        raise ValidationError("只能填写指派给您的评分。")
    if score.submitted_at is not None:  # read-only once submitted (a second tab, a double click)
        raise ValidationError(
            _("您已于 %(when)s 提交评分，评分提交后不能修改或再次提交。")
            % {"when": _when(score.submitted_at)},
            code="already_submitted",
        )
    if expected_version is not None and score.version != expected_version:
        raise StaleEvaluation(
            "您的评分已在其他页面修改，本次未保存，已保留较新的评分。请刷新页面后重新操作。",
            code="stale",
        )
    if evaluation.status not in (E.SUBMITTED, E.SCORED):
        raise ValidationError("服务站尚未提交自评材料，或考核已确认。")
    rubric = engine.evaluation_rubric(evaluation.station.city, evaluation.grant.program)
    try:
        total = engine.score_rubric(rubric, points)
    except engine.PolicyError as exc:
        raise ValidationError(str(exc)) from exc
    score.points = {k: float(v) for k, v in points.items()}
    score.total = engine.quantize_score(total)
    score.comment = comment.strip()
    score.submitted_at = timezone.now()
    score.version += 1
    score.save()
    if (
        evaluation.status != E.SCORED
        and not evaluation.expert_scores.filter(submitted_at__isnull=True).exists()
    ):
        evaluation_set_status(
            evaluation=evaluation,
            to_status=E.SCORED,
            actor=actor,
            reason=_("指派的专家已全部评分"),
            clause=rubric.clause,
            request=request,
        )
    evaluation.version += 1
    evaluation.save()
    audit(
        event="evaluations.expert_scored",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        clause=rubric.clause,
        detail={"points": score.points, "total": str(score.total)},
    )
    return score
