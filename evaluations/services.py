"""Writes for the annual evaluation cycle: open, self-report, score, confirm.

Confirmation is the only place a grade is given; the grade and every consequence come from
the policy engine through funding.services.grant_apply_schedule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import audit, notify
from funding import policy_adapter as engine
from funding.models import Grant
from funding.services import _station_users, grant_apply_schedule
from stations.uploads import validate_upload

from .models import (
    EvaluationAttachment,
    EvaluationRound,
    ExpertScore,
    StationEvaluation,
    normalize_score,
)

E = StationEvaluation.Status
ABSENT_CLAUSE = {"guiyang": "贵阳 四(三)3"}  # every workstation must take part
# The policies name no period: the city's `rectification_days` parameter (益阳 default 90),
# this when a city declares none; the administrator may also enter a date.
RECTIFICATION_DAYS = 90
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


class StaleEvaluation(ValidationError):
    """Someone saved the evaluation since this form was loaded."""


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
        StationEvaluation.objects.select_for_update()
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
        EvaluationRound.objects.select_for_update()
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


def _check_version(evaluation: StationEvaluation, expected_version: int | None) -> None:
    if expected_version is not None and evaluation.version != expected_version:
        raise StaleEvaluation("该考核记录已被他人更新，请刷新页面后重新操作。", code="stale")


def _check_round_open(evaluation: StationEvaluation) -> None:
    if evaluation.round.status != EvaluationRound.Status.OPEN:
        raise ValidationError("本年度考核已结束，不能再提交或修改自评材料。", code="round_closed")


def _locked(evaluation: StationEvaluation) -> StationEvaluation:
    return (
        StationEvaluation.objects.select_for_update()
        .select_related("station__city", "station__society", "station__host_unit", "grant", "round")
        .get(pk=evaluation.pk)
    )


def assessed_years(grant: Grant) -> list[int]:
    """Return the years in which a grant's station is evaluated."""
    city = grant.station.city
    program = engine.program_for(city, grant.program)
    if program.payment == "yearly":
        years = engine.policy_for(city).support_years(program, grant.policy_params)
        return list(range(grant.start_year, grant.start_year + years))
    if city.policy_code == "guiyang":  # annual assessment over the agreement (≥2 years)
        end = grant.station.term_end.year if grant.station.term_end else grant.start_year + 1
        return list(range(grant.start_year, max(end, grant.start_year + 1) + 1))
    return []  # one-off awards and topics carry no annual evaluation


def evaluation_targets(city, year: int) -> list[Grant]:
    grants = (
        Grant.objects.filter(station__city=city, start_year__lte=year, frozen_reason="")
        .exclude(status__in=[Grant.Status.REVOKED, Grant.Status.DELISTED])
        .select_related("station__city")
    )
    return [g for g in grants if year in assessed_years(g)]


@transaction.atomic
def round_open(
    *, city, year: int, due_date: dt.date, actor, title: str = "", request=None
) -> EvaluationRound:
    """Open the year's evaluation for the city's supported stations, with a due date."""
    if EvaluationRound.objects.filter(city=city, year=year).exists():
        raise ValidationError(f"{city}{year}年度考核已经发起。")
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "截止日期不能早于今天。"})
    rnd = EvaluationRound(
        city=city,
        year=year,
        due_date=due_date,
        opened_by=actor,
        title=title or f"{city}{year}年度服务站考核",
    )
    rnd.full_clean()
    rnd.save()
    created = []
    for grant in evaluation_targets(city, year):
        ev = StationEvaluation(round=rnd, station=grant.station, grant=grant, year=year)
        ev.full_clean()
        ev.save()
        created.append(ev)
        notify(
            recipients=_station_users(grant.station),
            title=f"请提交{year}年度考核自评材料（截止 {due_date:%Y-%m-%d}）",
            body=f"{grant.station}：请在截止日期前提交年度工作总结{'和经费决算' if city.policy_code == 'hangzhou' else ''}。",
            link=f"/evaluations/{ev.pk}/",
        )
    audit(
        event="evaluations.round_opened",
        user=actor,
        request=request,
        obj=rnd,
        city_id=city.pk,
        detail={
            "year": year,
            "due_date": due_date.isoformat(),
            "stations": [e.station_id for e in created],
        },
    )
    return rnd


def term_year(evaluation: StationEvaluation) -> int:
    return evaluation.year - evaluation.grant.start_year + 1


def self_report_figures(evaluation: StationEvaluation) -> tuple[dict, list[dict]]:
    """Return the year's activity counts and the policy's yearly items (益阳, 贵阳)."""
    from stations.choices import ActivityKind

    station = evaluation.station
    counts: dict[str, dict] = {}
    for record in station.activities.filter(date__year=evaluation.year):
        row = counts.setdefault(
            record.kind,
            {"label": str(ActivityKind(record.kind).label), "records": 0, "quantity": 0},
        )
        row["records"] += 1
        row["quantity"] += record.quantity
    items: list[dict] = []
    # The policy says which yearly items it counts (益阳 第十二条 five items, 贵阳 三(三)7
    # minimums); other cities return none.
    version = engine.current_version(station.city)
    summary = engine.activity_summary(station, evaluation.year, term_year(evaluation))
    for item in engine.quantitative_items(station.city, summary, version.params):
        items.append(
            {
                "code": item.code,
                "label": item.label_zh,
                "requirement": item.requirement_zh,
                "passed": item.passed,
                "figures": dict(item.figures),
                "clause": item.clause,
            }
        )
    return counts, items


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
    """Submit (or resubmit before scoring) the station's self-report; counts come from records."""
    # Lock: a resubmission racing the expert's first score must not slip past the status check.
    evaluation = _locked(evaluation)
    _check_version(evaluation, expected_version)
    _check_round_open(evaluation)
    if (
        evaluation.status not in (E.PENDING, E.SUBMITTED)
        or evaluation.expert_scores.filter(submitted_at__isnull=False).exists()
    ):
        raise ValidationError("专家已开始评分，自评材料不能再修改。")
    if not summary.strip():
        raise ValidationError({"summary": "请填写年度工作总结。"})
    if evaluation.station.city.policy_code == "hangzhou" and not final_accounts.strip():
        raise ValidationError(
            {"final_accounts": "杭州市要求年终考核提交经费决算（附件第十二条）。"}
        )
    evaluation.summary = summary.strip()
    evaluation.final_accounts = final_accounts.strip()
    evaluation.final_accounts_total = final_accounts_total
    evaluation.counts, evaluation.quantitative = self_report_figures(evaluation)
    evaluation.submitted_by = actor
    evaluation.submitted_at = timezone.now()
    evaluation.version += 1
    evaluation.full_clean()
    if evaluation.status != E.SUBMITTED:  # a resubmission before scoring stays 已提交
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
    """Store a photo or document of the self-report after the one upload check (by content)."""
    evaluation = _locked(evaluation)
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
    """Guiyang 四(三): the demand unit's own evaluation of the station."""
    evaluation = _locked(evaluation)
    _check_version(evaluation, expected_version)
    if evaluation.station.city.policy_code != "guiyang":
        raise ValidationError("只有贵阳工作站考核需要需求单位评价。")
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
        clause="贵阳 四(三)",
        detail={"rating": rating},
    )
    return evaluation


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
    score = ExpertScore.objects.select_for_update().get(pk=score.pk)
    if score.expert_id != actor.pk:
        raise ValidationError("只能填写指派给您的评分。")
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


def suggested_score(evaluation: StationEvaluation) -> Decimal | None:
    totals = [s.total for s in evaluation.expert_scores.all() if s.total is not None]
    if not totals:
        return None
    return normalize_score(engine.quantize_score(sum(totals) / len(totals)))


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
        Grant.objects.select_for_update()
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
        recipients=_station_users(evaluation.station),
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


@transaction.atomic
def round_send_reminders(*, round_id: int, today: dt.date | None = None) -> int:
    """Remind stations that have not submitted; once per station and due-date window."""
    from funding.models import TaskReceipt

    today = today or timezone.localdate()
    rnd = EvaluationRound.objects.select_related("city").get(pk=round_id)
    days_left = (rnd.due_date - today).days
    sent = 0
    for ev in rnd.evaluations.filter(status=E.PENDING).select_related("station"):
        _receipt, created = TaskReceipt.objects.get_or_create(
            key=f"eval_reminder:{ev.pk}:{rnd.due_date}:{days_left}"
        )
        if not created:
            continue
        notify(
            recipients=_station_users(ev.station),
            title=f"提醒：{ev}自评材料将于 {rnd.due_date:%Y-%m-%d} 截止（还有 {days_left} 天）",
            link=f"/evaluations/{ev.pk}/",
        )
        sent += 1
    return sent


@transaction.atomic
def round_close(*, round: EvaluationRound, actor, request=None) -> EvaluationRound:
    """Close a round: every submitted evaluation must be confirmed; the rest were absent.

    A station that never submitted its self-report is recorded as 未参加考核; in Guiyang
    that is a ground for revocation (贵阳 四(三)4), which the administrator decides.
    """
    # Lock the round: a self-report submitted while closing must land before or be refused.
    rnd = EvaluationRound.objects.select_for_update().select_related("city").get(pk=round.pk)
    if rnd.status != EvaluationRound.Status.OPEN:
        raise ValidationError("该考核批次已经结束。")
    evaluations = list(
        rnd.evaluations.select_for_update(of=("self",))
        .select_related("station")
        .order_by("station__name")
    )
    unfinished = [e for e in evaluations if e.status in (E.SUBMITTED, E.SCORED)]
    if unfinished:
        names = "、".join(str(e.station) for e in unfinished[:5])
        raise ValidationError(
            f"尚有 {len(unfinished)} 个服务站已提交自评但考核未确认（{names}），请先完成评分和确认。"
        )
    absent = [e for e in evaluations if e.status == E.PENDING]
    for ev in absent:
        evaluation_set_status(
            evaluation=ev,
            to_status=E.ABSENT,
            actor=actor,
            reason=_("考核批次结束时未提交自评材料"),
            clause=ABSENT_CLAUSE.get(rnd.city.policy_code, ""),
            request=request,
        )
        ev.version += 1
        ev.save(update_fields=["version"])
        notify(
            recipients=_station_users(ev.station),
            title=f"{ev}：未在截止日期前提交自评材料，记为未参加考核",
            link=f"/evaluations/{ev.pk}/",
        )
    round_set_status(
        round=rnd,
        to_status=EvaluationRound.Status.CLOSED,
        actor=actor,
        reason=_("结束年度考核"),
        clause=ABSENT_CLAUSE.get(rnd.city.policy_code, ""),
        request=request,
    )
    audit(
        event="evaluations.round_closed",
        user=actor,
        request=request,
        obj=rnd,
        city_id=rnd.city_id,
        clause=ABSENT_CLAUSE.get(rnd.city.policy_code, ""),
        detail={
            "confirmed": sum(1 for e in evaluations if e.status == E.CONFIRMED),
            "absent": [e.station_id for e in absent],
        },
    )
    return rnd
