"""The station's self-report, its attachments and the demand unit's evaluation."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit
from policies import api as engine
from stations.uploads import validate_upload

from ..models import (
    EvaluationAttachment,
    StationEvaluation,
)
from ..selectors import self_report_figures
from ._common import (
    E,
    _check_not_submitted,
    _check_round_open,
    _check_version,
    _locked,
)
from .status import evaluation_set_status

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


@transaction.atomic
def evaluation_submit(
    *,
    evaluation: StationEvaluation,
    actor,
    summary: str,
    final_accounts: str = "",
    final_accounts_total: Decimal | None = None,
    expected_version: int | None = None,
    request=None,
) -> StationEvaluation:
    """Submit the station's self-report once; counts come from records. It is read-only after."""
    # Lock: of two submissions at once (a double click), the second waits and is refused.
    evaluation = _locked(evaluation)
    _check_not_submitted(evaluation)
    _check_version(evaluation, expected_version)
    _check_round_open(evaluation)
    if evaluation.status != E.PENDING:
        raise ValidationError(_("当前考核状态不能提交自评材料。"), code="not_pending")
    if not summary.strip():
        raise ValidationError({"summary": "请填写年度工作总结。"})
    policy = engine.policy_for(evaluation.station.city)
    if policy.requires_final_accounts and not final_accounts.strip():
        raise ValidationError(
            {
                "final_accounts": _("年终考核须提交经费决算（%(clause)s）。")
                % {"clause": policy.final_accounts_clause}
            }
        )
    evaluation.summary = summary.strip()
    evaluation.final_accounts = final_accounts.strip()
    evaluation.final_accounts_total = final_accounts_total
    evaluation.counts, evaluation.quantitative = self_report_figures(evaluation)
    evaluation.submitted_by = actor
    evaluation.submitted_at = timezone.now()
    evaluation.version += 1
    evaluation.full_clean()
    evaluation_set_status(
        evaluation=evaluation,
        to_status=E.SUBMITTED,
        actor=actor,
        reason=_("提交年度自评材料"),
        request=request,
    )
    evaluation.save()
    audit(
        event="evaluations.self_report_submitted",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        detail={"counts": evaluation.counts},
    )
    return evaluation


@transaction.atomic
def evaluation_attachment_add(
    *, evaluation: StationEvaluation, upload, actor, request=None
) -> EvaluationAttachment:
    """Store a photo or document of the self-report after the one upload check (by content).

    Attachments belong to the self-report: once it is submitted they are read-only too."""
    evaluation = _locked(evaluation)
    _check_not_submitted(evaluation)
    _check_round_open(evaluation)
    try:
        checked = validate_upload(upload, max_bytes=ATTACHMENT_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    att = EvaluationAttachment(
        evaluation=evaluation,
        file=upload,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    att.save()
    audit(
        event="evaluations.attachment_added",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        detail={"name": att.original_name, "size": att.size, "kind": checked.kind},
    )
    return att


DEMAND_RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


@transaction.atomic
def evaluation_demand_unit_review(
    *,
    evaluation: StationEvaluation,
    actor,
    rating: str,
    opinion: str,
    expected_version: int | None = None,
    request=None,
) -> StationEvaluation:
    """The demand unit's own evaluation of the station, where the policy has one (贵阳 四(三))."""
    evaluation = _locked(evaluation)
    _check_version(evaluation, expected_version)
    policy = engine.policy_for(evaluation.station.city)
    if not policy.has_demand_unit_evaluation:
        raise ValidationError(_("本市服务站考核不设需求单位评价。"))
    if evaluation.status == E.CONFIRMED:
        raise ValidationError("考核已确认，不能再修改。")
    if rating not in DEMAND_RATINGS or not opinion.strip():
        raise ValidationError("请选择评价等次并填写评价意见。")
    evaluation.demand_unit_rating = rating
    evaluation.demand_unit_opinion = opinion.strip()
    evaluation.demand_unit_by = actor
    evaluation.version += 1
    evaluation.save()
    audit(
        event="evaluations.demand_unit_reviewed",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=evaluation.station.city_id,
        clause=policy.demand_unit_clause,
        detail={"rating": rating},
    )
    return evaluation
