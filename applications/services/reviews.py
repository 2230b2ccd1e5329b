"""Expert review: assignments, recorded panel draws, declarations, scores and site inspections.

Removing or replacing a panel member and paper score sheets live in applications/panels.py.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import statistics
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit, notify
from policies.api import review_rubric
from stations.models import Expert

from .. import permissions as perms
from ..models import (
    Application,
    AttachmentKind,
    ExpertAssignment,
    ExpertDraw,
    Inspection,
    ReviewScore,
)
from ._common import ConflictOfInterest, StaleVersion
from .attachments import attachment_add
from .blind import conflict_reason, expert_title
from .notifications import render_message


def _assign(app, expert, actor, due_on, draw=None) -> ExpertAssignment:
    reason = conflict_reason(expert, app)
    if reason:
        raise ConflictOfInterest(f"{expert.name}须回避：{reason}")
    if expert.city_id != app.city_id or not expert.is_reviewer:
        raise ValidationError(f"{expert.name}不在本市评审专家库中")
    assignment = ExpertAssignment.objects.create(
        application=app, expert=expert, stage=app.stage, draw=draw, assigned_by=actor, due_on=due_on
    )
    user = User.objects.filter(expert=expert, is_active=True).first()
    if user is not None:
        title, body = render_message(
            app.city, "assigned", title=expert_title(app), due=due_on or "—", stage=app.stage
        )
        notify(
            recipients=[user],
            title=title,
            body=body,
            link=reverse("applications:score", args=[app.pk]),
        )
    return assignment


@transaction.atomic
def assignment_create(
    *, application: Application, expert: Expert, actor: User, due_on: dt.date | None = None
) -> ExpertAssignment:
    ok, reason = perms.can_manage_panel(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    if application.assignments.filter(expert=expert, stage=application.stage).exists():
        raise ValidationError(f"{expert.name}已在本评审组中")
    assignment = _assign(application, expert, actor, due_on)
    audit(
        event="application.expert_assigned",
        user=actor,
        obj=application,
        detail={"expert": expert.pk, "stage": application.stage},
    )
    return assignment


NO_ACCOUNT = "未开通可登录的账号（不能在线评分）"


def acting_expert_ids(city_id: int) -> set[int]:
    """Return the ids of the city's experts who can log in and score (an active account
    with a password set): a draw that picks anyone else leaves the panel unable to finish."""
    users = (
        User.objects.filter(expert__city_id=city_id, role=Role.EXPERT_REVIEWER, is_active=True)
        .exclude(password__startswith="!")
        .exclude(password="")
    )
    return set(users.values_list("expert_id", flat=True))


def draw_pool(application: Application, field: str = "") -> tuple[list[int], dict[str, str]]:
    """Return (eligible expert ids in id order, {excluded id: reason}) for a random draw.

    Left out: experts who must recuse, and experts without a usable account (the reason
    says so, and the panel page lists them to invite). Members of the stage's panel —
    removed ones too — are not candidates again."""
    experts = Expert.objects.filter(city_id=application.city_id, is_reviewer=True).select_related(
        "society"
    )
    if field:
        experts = experts.filter(field__icontains=field)
    taken = set(
        application.assignments.filter(stage=application.stage).values_list("expert_id", flat=True)
    )
    acting = acting_expert_ids(application.city_id)
    pool, excluded = [], {}
    for expert in experts.order_by("pk"):
        reason = conflict_reason(expert, application)
        if not reason and expert.pk not in acting:
            reason = NO_ACCOUNT
        if reason:
            excluded[str(expert.pk)] = reason
        elif expert.pk not in taken:
            pool.append(expert.pk)
    return pool, excluded


def draw_select(pool: list[int], size: int, seed: str) -> list[int]:
    """Return the draw's result: the same seed and pool always give the same experts."""
    return sorted(random.Random(seed).sample(sorted(pool), size))


@transaction.atomic
def panel_draw(
    *,
    application: Application,
    actor: User,
    size: int,
    field: str = "",
    due_on: dt.date | None = None,
) -> ExpertDraw:
    """Draw the panel at random. The seed always comes from the server (never from a form):
    it is recorded on the draw and in the audit trail, shown on the page, and reproduces the
    result with draw_select(pool, size, seed)."""
    ok, reason = perms.can_manage_panel(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    pool, excluded = draw_pool(application, field)
    if size < 1 or size > len(pool):
        raise ValidationError(f"可抽取的专家只有 {len(pool)} 人（已排除回避专家）")
    seed = secrets.token_hex(16)
    selected = draw_select(pool, size, seed)
    draw = ExpertDraw.objects.create(
        application=application,
        stage=application.stage,
        seed=seed,
        field_filter=field,
        size=size,
        pool=pool,
        excluded=excluded,
        selected=selected,
        drawn_by=actor,
    )
    for expert in Expert.objects.filter(pk__in=selected):
        _assign(application, expert, actor, due_on, draw=draw)
    audit(
        event="application.experts_drawn",
        user=actor,
        obj=application,
        detail={"seed": seed, "pool": pool, "selected": selected, "excluded": excluded},
    )
    return draw


@transaction.atomic
def assignment_declare(
    *, assignment: ExpertAssignment, actor: User, no_conflict: bool, conflict: str = ""
) -> ExpertAssignment:
    """Record the expert's declaration: no conflict (may score) or a conflict (recuses)."""
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    if actor.role != Role.EXPERT_REVIEWER or actor.expert_id != assignment.expert_id:
        raise PermissionDenied("只有被指派的评审专家可以声明")
    if no_conflict:
        assignment.no_conflict_declared_at = timezone.now()
        assignment.declared_conflict = ""
    else:
        if not conflict.strip():
            raise ValidationError("请说明利益冲突情况。")
        assignment.declared_conflict = conflict.strip()
        assignment.no_conflict_declared_at = None
    assignment.save()
    audit(
        event="application.conflict_declared",
        user=actor,
        obj=assignment.application,
        detail={"no_conflict": no_conflict, "conflict": conflict},
    )
    return assignment


@transaction.atomic
def score_save(
    *,
    assignment: ExpertAssignment,
    actor: User,
    points: Mapping[str, Any],
    comment: str = "",
    submit: bool = False,
    expected_version: int | None = None,
) -> ReviewScore:
    """Save (or submit) an expert's scores against the city's rubric for the program."""
    assignment = (
        ExpertAssignment.objects.select_for_update()
        .select_related("application__city")
        .get(pk=assignment.pk)
    )
    ok, reason = perms.can_score(actor, assignment)
    if not ok:
        raise PermissionDenied(reason)
    if not assignment.no_conflict_declared_at:
        raise PermissionDenied("请先声明与该申报无利益冲突，再进行评分")
    app = assignment.application
    rubric = review_rubric(app.city, app.program)
    if rubric is None:
        raise ValidationError("该项目没有配置评审指标")
    score, created = ReviewScore.objects.select_for_update().get_or_create(assignment=assignment)
    # expected_version 0: the form was rendered before the first save; a score saved since
    # (another tab's first save) makes it stale like any later version.
    current_version = 0 if created else score.version
    if expected_version is not None and current_version != expected_version:
        raise StaleVersion("评分已在其他页面修改，请刷新后重试。")
    if score.submitted_at:
        raise ValidationError("评分已提交，不能再修改。")
    clean = clean_points(rubric, points, comment, submit=submit)
    score.points = clean
    score.total = sum((Decimal(v) for v in clean.values()), Decimal("0"))
    score.comment = comment.strip()
    score.version += 1
    if submit:
        score.submitted_at = timezone.now()
    score.save()
    audit(
        event="application.score_submitted" if submit else "application.score_saved",
        user=actor,
        obj=app,
        detail={"points": clean, "total": str(score.total)},
    )
    return score


def clean_points(rubric, points: Mapping[str, Any], comment: str, *, submit: bool) -> dict:
    """Return the rubric's points as strings, or raise a ValidationError per indicator."""
    clean: dict[str, str] = {}
    errors = {}
    for indicator in rubric.indicators:
        raw = points.get(indicator.code, "")
        if raw in ("", None):
            if submit:
                errors[indicator.code] = f"请为“{indicator.label_zh}”打分"
            continue
        try:
            value = Decimal(str(raw))
        except Exception:
            errors[indicator.code] = f"“{indicator.label_zh}”须为数字"
            continue
        if not 0 <= value <= indicator.max_points:
            errors[indicator.code] = f"“{indicator.label_zh}”须在 0–{indicator.max_points} 分之间"
            continue
        clean[indicator.code] = str(value)
    if submit and not comment.strip():
        errors["comment"] = "请填写评审意见"
    if errors:
        raise ValidationError(errors)
    return clean


def panel_stats(totals: list[Decimal], *, trim: bool) -> dict[str, Any]:
    """Return count, mean, spread (max − min), stdev and — if `trim` — the trimmed mean."""
    values = sorted(Decimal(t) for t in totals)
    if not values:
        return {"n": 0, "mean": None, "spread": None, "stdev": None, "trimmed": None, "final": None}
    mean = sum(values) / len(values)
    trimmed = None
    if trim and len(values) >= 3:
        inner = values[1:-1]
        trimmed = sum(inner) / len(inner)
    stdev = Decimal(str(statistics.pstdev([float(v) for v in values]))) if len(values) > 1 else 0
    q = Decimal("0.01")
    return {
        "n": len(values),
        "mean": mean.quantize(q),
        "spread": (values[-1] - values[0]).quantize(q),
        "stdev": Decimal(stdev).quantize(q),
        "trimmed": trimmed.quantize(q) if trimmed is not None else None,
        "final": (trimmed if trimmed is not None else mean).quantize(q),
    }


@transaction.atomic
def inspection_record(
    *, application: Application, actor: User, date, inspectors: str, findings: str, photo=None
) -> Inspection:
    ok, reason = perms.can_record_inspection(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    inspection = Inspection(
        application=application,
        date=date,
        inspectors=inspectors,
        findings=findings,
        recorded_by=actor,
    )
    inspection.full_clean()
    inspection.save()
    if photo is not None:
        attachment_add(
            application=application,
            actor=actor,
            kind=AttachmentKind.INSPECTION_PHOTO,
            upload=photo,
            inspection=inspection,
        )
    audit(event="application.inspection_recorded", user=actor, obj=application)
    return inspection
