"""The administrator's confirmation: the only place a grade is given; the grade and
every consequence come from the policy engine through funding.services.grant_apply_schedule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit, notify
from funding.models import Grant
from funding.services import grant_apply_schedule, station_users
from policies import api as engine

from ..models import StationEvaluation
from ._common import E, _check_version, _locked
from .status import evaluation_set_status

# The policies name no period: the city's `rectification_days` parameter (益阳 default 90),
# this when a city declares none; the administrator may also enter a date.
RECTIFICATION_DAYS = 90


def _engine_score(value: Decimal) -> int | float:
    """The score as the engine (and simulate_policy) takes it: two decimals, half up."""
    return engine.round_score(value)


@transaction.atomic
def evaluation_confirm(
    *,
    evaluation: StationEvaluation,
    final_score: Decimal,
    actor,
    expected_version: int | None = None,
    rectification_deadline: dt.date | None = None,
    request=None,
) -> StationEvaluation:
    """Confirm the final score; the engine gives the grade and the consequences, applied now."""
    # Lock the evaluation and its grant: two confirmations (or a confirmation and a payment)
    # must not compute the schedule from the same stale state.
    evaluation = _locked(evaluation)
    _check_version(evaluation, expected_version)
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("station__city")
        .get(pk=evaluation.grant_id)
    )
    if evaluation.status != E.SCORED:
        raise ValidationError("须在指派的专家全部评分后确认最终得分。")
    final_score = engine.quantize_score(final_score)
    if not Decimal(0) <= final_score <= Decimal(100):
        raise ValidationError({"final_score": "最终得分须在 0–100 之间。"})
    # An absent year (round closed without a self-report) has no score for the engine.
    earlier = StationEvaluation.objects.filter(grant=grant, year__lt=evaluation.year).exclude(
        status=E.ABSENT
    )
    if earlier.exclude(status=E.CONFIRMED).exists():
        raise ValidationError("须先确认该服务站以前年度的考核。")
    decided = list(earlier.order_by("year"))
    scores = [(e.year, _engine_score(e.final_score)) for e in decided]
    scores.append((evaluation.year, _engine_score(final_score)))
    try:
        applied = grant_apply_schedule(
            grant=grant,
            actor=actor,
            evaluations=scores,
            decided_year=evaluation.year,
            # Earlier years stay as decided: their version and their stored row.
            year_versions={e.year: e.policy_version or grant.policy_version for e in decided},
            decided_rows={e.year: e.decision["year"] for e in decided if e.decision.get("year")},
        )
    except engine.PolicyError as exc:
        raise ValidationError(str(exc)) from exc
    row = applied["row"]
    consequences = applied["consequences"]
    if row["status"] == "rectification":
        days = int(
            engine.current_version(grant.station.city).params.get(
                "rectification_days", RECTIFICATION_DAYS
            )
        )
        evaluation.rectification_deadline = rectification_deadline or (
            timezone.localdate() + dt.timedelta(days=days)
        )
        for c in consequences:
            if c["kind"] == "rectify":
                c["label"] += f"，整改期限 {evaluation.rectification_deadline:%Y-%m-%d}"
    evaluation.final_score = final_score
    evaluation.grade = row["grade"] or ""
    evaluation.policy_version = applied.get("policy_version") or grant.policy_version
    evaluation.decision = {"year": row, "consequences": consequences, "schedule": grant.schedule}
    evaluation.confirmed_by = actor
    evaluation.confirmed_at = timezone.now()
    evaluation.version += 1
    evaluation.full_clean()
    evaluation_set_status(
        evaluation=evaluation,
        to_status=E.CONFIRMED,
        actor=actor,
        reason=_("确认最终得分 %(score)s 分") % {"score": final_score},
        clause="、".join(row["clauses"]),
        request=request,
    )
    evaluation.save()
    city = evaluation.station.city
    engine.record_decision(
        city=city,
        version=engine.current_version(city),
        kind="evaluation_grade",
        program=grant.program,
        subject=evaluation,
        inputs={"scores": scores},
        outcome=evaluation.decision,
        clauses=row["clauses"],
        actor=actor,
    )
    grade_label = engine.GRADE_LABELS.get(evaluation.grade, evaluation.grade)
    notify(
        recipients=station_users(evaluation.station),
        title=f"{evaluation}结果：{final_score}分，{grade_label}",
        body="；".join(f"{c['label']}（{c['clause']}）" for c in consequences),
        link=f"/funding/stations/{evaluation.station_id}/",
    )
    audit(
        event="evaluations.confirmed",
        user=actor,
        request=request,
        obj=evaluation,
        city_id=city.pk,
        clause="、".join(row["clauses"]),
        detail={"score": str(final_score), "grade": evaluation.grade, "consequences": consequences},
    )
    return evaluation
