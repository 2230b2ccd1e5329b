"""Expert panels that can always finish: remove or replace a member, score on paper.

A drawn expert may never log in (no account, or away). The administrator then
- removes the member with a reason (the row stays, marked removed: the record keeps who
  was on the panel, and the member no longer counts for the guard or the statistics);
- replaces the member, by hand or by a replacement draw recorded like any draw (seed,
  pool, excluded ids, the member it replaces) so that draw_select(pool, 1, seed) gives
  the same expert again;
- or enters the expert's signed paper score sheet (纸质评分表) with its scan, audited as
  entered by the administrator on the expert's behalf;
- or invites the expert to open an account (accounts/invitations.py).
Re-exported by applications.services.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from policies.api import review_rubric
from stations.models import Expert
from stations.uploads import ALL_TYPES

from . import permissions as perms
from .models import Application, ExpertAssignment, ExpertDraw, ReviewScore


def _services():
    # services re-exports this module: import it late to avoid the cycle.
    from . import services

    return services


def _locked(assignment: ExpertAssignment) -> ExpertAssignment:
    return (
        ExpertAssignment.objects.select_for_update()
        .select_related("application__city", "expert")
        .get(pk=assignment.pk)
    )


def _check_manage(actor: User, assignment: ExpertAssignment) -> Application:
    app = assignment.application
    ok, reason = perms.can_manage_panel(actor, app)
    if not ok:
        raise PermissionDenied(reason)
    if assignment.stage != app.stage:
        raise ValidationError("该专家不在当前环节的专家组中")
    return app


def _submitted(assignment: ExpertAssignment) -> bool:
    score = ReviewScore.objects.filter(assignment=assignment).first()
    return bool(score and score.submitted_at)


@transaction.atomic
def assignment_remove(
    *, assignment: ExpertAssignment, actor: User, reason: str
) -> ExpertAssignment:
    """Take a member off the stage's panel, with the reason (audited)."""
    assignment = _locked(assignment)
    app = _check_manage(actor, assignment)
    if assignment.removed_at:
        raise ValidationError(f"{assignment.expert.name}已移出专家组")
    if not reason.strip():
        raise ValidationError("请填写移出原因。")
    if _submitted(assignment):
        raise ValidationError(f"{assignment.expert.name}已提交评分，不能移出")
    assignment.removed_at = timezone.now()
    assignment.removed_by = actor
    assignment.removal_reason = reason.strip()
    assignment.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit(
        event="application.expert_removed",
        user=actor,
        obj=app,
        reason=reason.strip(),
        detail={"expert": assignment.expert_id, "stage": assignment.stage},
    )
    return assignment


@transaction.atomic
def assignment_replace(
    *,
    assignment: ExpertAssignment,
    actor: User,
    reason: str,
    expert: Expert | None = None,
    due_on: dt.date | None = None,
) -> ExpertAssignment:
    """Remove a member and put another in their place: `expert` if given, else one drawn
    at random from the current pool (a recorded, reproducible replacement draw)."""
    services = _services()
    removed = assignment_remove(assignment=assignment, actor=actor, reason=reason)
    app = removed.application
    due_on = due_on or removed.due_on
    draw = None
    if expert is None:
        # The same field filter as the draw that picked the removed member, if any.
        field = removed.draw.field_filter if removed.draw_id else ""
        pool, excluded = services.draw_pool(app, field)
        if not pool:
            raise ValidationError("没有可替换的专家（已排除回避、未开通账号和已在组内的专家）")
        seed = secrets.token_hex(16)
        selected = services.draw_select(pool, 1, seed)
        draw = ExpertDraw.objects.create(
            application=app,
            stage=app.stage,
            seed=seed,
            field_filter=field,
            size=1,
            pool=pool,
            excluded=excluded,
            selected=selected,
            replaces=removed,
            drawn_by=actor,
        )
        expert = Expert.objects.get(pk=selected[0])
    elif app.assignments.filter(expert=expert, stage=app.stage).exists():
        raise ValidationError(f"{expert.name}已在本评审组中")
    new = services._assign(app, expert, actor, due_on, draw=draw)
    removed.replaced_by = new
    removed.save(update_fields=["replaced_by"])
    audit(
        event="application.expert_replaced",
        user=actor,
        obj=app,
        reason=reason.strip(),
        detail={
            "removed": removed.expert_id,
            "expert": expert.pk,
            "stage": app.stage,
            "seed": draw.seed if draw else "",
            "pool": draw.pool if draw else [],
            "excluded": draw.excluded if draw else {},
        },
    )
    return new


@transaction.atomic
def offline_score_record(
    *,
    assignment: ExpertAssignment,
    actor: User,
    points: Mapping[str, Any],
    comment: str,
    sheet,
    no_conflict_confirmed: bool,
) -> ReviewScore:
    """Enter an expert's signed paper score sheet on their behalf, with its scan.

    The sheet carries the expert's own no-conflict declaration: the administrator confirms
    having seen it. The score counts like one submitted online; the audit row names the
    administrator as the one who entered it and the expert on whose behalf."""
    services = _services()
    assignment = _locked(assignment)
    app = _check_manage(actor, assignment)
    if assignment.removed_at:
        raise ValidationError("该专家已移出专家组")
    if assignment.declared_conflict:
        raise ValidationError("该专家已申报利益冲突，不参与本项评审")
    if not no_conflict_confirmed:
        raise ValidationError("请确认评分表上有专家签署的无利益冲突声明。")
    if sheet is None:
        raise ValidationError("请上传专家签字的纸质评分表扫描件。")
    rubric = review_rubric(app.city, app.program)
    if rubric is None:
        raise ValidationError("该项目没有配置评审指标")
    checked = services.check_upload(sheet, allowed=ALL_TYPES)
    clean = services.clean_points(rubric, points, comment, submit=True)
    score, _created = ReviewScore.objects.select_for_update().get_or_create(assignment=assignment)
    if score.submitted_at:
        raise ValidationError("评分已提交，不能再修改。")
    if not assignment.no_conflict_declared_at:
        assignment.no_conflict_declared_at = timezone.now()
        assignment.save(update_fields=["no_conflict_declared_at"])
    score.points = clean
    score.total = sum((Decimal(v) for v in clean.values()), Decimal("0"))
    score.comment = comment.strip()
    score.version += 1
    score.submitted_at = timezone.now()
    score.entered_by = actor
    score.sheet = sheet
    score.sheet_name = checked.original_name
    score.sheet_content_type = checked.content_type
    score.sheet_size = checked.size
    score.save()
    audit(
        event="application.score_entered_offline",
        user=actor,
        obj=app,
        detail={
            "on_behalf_of": assignment.expert_id,
            "entered_by": actor.pk,
            "points": clean,
            "total": str(score.total),
            "sheet": checked.original_name,
        },
    )
    return score


def panel_members_unable_to_act(application: Application) -> list[ExpertAssignment]:
    """Return the stage's active members who cannot log in to score (no usable account)."""
    acting = _services().acting_expert_ids(application.city_id)
    return [
        a
        for a in application.assignments.filter(
            stage=application.stage, removed_at__isnull=True, declared_conflict=""
        ).select_related("expert", "score")
        if a.expert_id not in acting and not (hasattr(a, "score") and a.score.submitted_at)
    ]


def experts_unable_to_act(application: Application) -> list[Expert]:
    """Return the city's reviewers the draw leaves out for want of a usable account."""
    acting = _services().acting_expert_ids(application.city_id)
    return [
        e
        for e in Expert.objects.filter(city_id=application.city_id, is_reviewer=True).order_by(
            "name", "pk"
        )
        if e.pk not in acting
    ]
