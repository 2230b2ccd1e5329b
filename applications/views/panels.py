"""The expert panel: drawing and assigning experts, paper score sheets, the expert's scoring page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from accounts.roles import Role
from policies.api import current_params, review_rubric
from stations.models import Expert
from stations.uploads import stored_file_response

from .. import permissions as perms
from .. import selectors, services
from ..models import ExpertAssignment
from ._common import _flash_error

# --- expert panel and scoring -------------------------------------------------------------------


@login_required
def panel(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    ok, reason = perms.can_manage_panel(user, app)
    if not ok:
        raise Http404(reason)
    invitation_link = ""
    if request.method == "POST":
        due_on = request.POST.get("due_on") or None
        mode = request.POST.get("mode")
        try:
            if mode == "draw":
                draw = services.panel_draw(
                    application=app,
                    actor=user,
                    size=int(request.POST.get("size") or 0),
                    field=request.POST.get("field", "").strip(),
                    due_on=due_on,
                )
                messages.success(
                    request, f"已随机抽取 {len(draw.selected)} 位专家（种子 {draw.seed}）"
                )
            elif mode in ("remove", "replace"):
                assignment = get_object_or_404(
                    app.assignments, pk=request.POST.get("assignment"), stage=app.stage
                )
                reason_text = request.POST.get("reason", "")
                if mode == "remove":
                    services.assignment_remove(
                        assignment=assignment, actor=user, reason=reason_text
                    )
                    messages.success(request, f"已将 {assignment.expert.name} 移出专家组")
                else:
                    chosen = request.POST.get("expert")
                    expert = (
                        get_object_or_404(Expert, pk=chosen, city_id=app.city_id)
                        if chosen
                        else None
                    )
                    new = services.assignment_replace(
                        assignment=assignment, actor=user, reason=reason_text, expert=expert
                    )
                    messages.success(
                        request, f"已将 {assignment.expert.name} 替换为 {new.expert.name}"
                    )
            elif mode == "invite":
                from accounts.invitations import expert_invitation_issue

                expert = get_object_or_404(
                    Expert, pk=request.POST.get("expert"), city_id=app.city_id
                )
                _invitation, token = expert_invitation_issue(
                    expert=expert, actor=user, request=request
                )
                # Shown once on this page (not put in a message kept in the session).
                invitation_link = request.build_absolute_uri(
                    reverse("accounts:invitation", args=[token])
                )
                invited = expert
            else:
                expert = get_object_or_404(
                    Expert, pk=request.POST.get("expert"), city_id=app.city_id
                )
                services.assignment_create(
                    application=app, expert=expert, actor=user, due_on=due_on
                )
                messages.success(request, f"已指派 {expert.name}")
        except (ValidationError, PermissionDenied, ValueError) as exc:
            _flash_error(request, exc)
        if not invitation_link:
            return redirect("applications:panel", pk=pk)
    pool, excluded = services.draw_pool(app)
    experts = list(Expert.objects.filter(city_id=app.city_id, is_reviewer=True).order_by("name"))
    acting = services.acting_expert_ids(app.city_id)
    for expert in experts:
        expert.conflict = services.conflict_reason(expert, app)
        expert.can_act = expert.pk in acting
    selectors.decorate([app])
    stuck = {a.pk for a in services.panel_members_unable_to_act(app)}
    panel_rows = selectors.panel_for(app, app.stage)
    for a in panel_rows["assignments"]:
        a.cannot_act = a.pk in stuck
    return render(
        request,
        "applications/panel.html",
        {
            "app": app,
            "experts": experts,
            "pool_size": len(pool),
            "excluded": excluded,
            "panel": panel_rows,
            "draws": list(app.draws.filter(stage=app.stage).select_related("replaces__expert")),
            "unable": services.experts_unable_to_act(app),
            "invitation_link": invitation_link,
            "invited": invited if invitation_link else None,
        },
    )


@login_required
def panel_offline(request, pk: int, assignment_id: int):
    """The administrator enters an expert's signed paper score sheet, with its scan."""
    user = request.user
    app = selectors.application_get(user, pk)
    ok, reason = perms.can_manage_panel(user, app)
    if not ok:
        raise Http404(reason)
    assignment = get_object_or_404(
        app.assignments.select_related("expert"),
        pk=assignment_id,
        stage=app.stage,
        removed_at__isnull=True,
    )
    rubric = review_rubric(app.city, app.program)
    if rubric is None:
        raise Http404
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        posted = {i.code: request.POST.get(f"points_{i.code}", "") for i in rubric.indicators}
        try:
            services.offline_score_record(
                assignment=assignment,
                actor=user,
                points=posted,
                comment=request.POST.get("comment", ""),
                sheet=request.FILES.get("sheet"),
                no_conflict_confirmed=request.POST.get("no_conflict") == "on",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {
                    k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
                }
                messages.error(request, gettext("评分未录入：请检查标红的项目。"))
            else:
                _flash_error(request, exc)
        except PermissionDenied as exc:
            _flash_error(request, exc)
        else:
            messages.success(
                request,
                gettext("已代录 %(name)s 的纸质评分表。") % {"name": assignment.expert.name},
            )
            return redirect("applications:panel", pk=pk)
    selectors.decorate([app])
    return render(
        request,
        "applications/panel_offline.html",
        {
            "app": app,
            "assignment": assignment,
            "rubric": rubric,
            "rows": [
                (i, posted.get(i.code, ""), errors.get(i.code, [])) for i in rubric.indicators
            ],
            "comment": request.POST.get("comment", ""),
            "comment_errors": errors.get("comment", []),
        },
    )


@login_required
def score_sheet_download(request, pk: int, assignment_id: int):
    """The scan of a paper score sheet: for the city administrators only."""
    user = request.user
    app = selectors.application_get(user, pk)
    if user.role != Role.CITY_ADMIN and not user.is_platform_admin:
        raise Http404
    assignment = get_object_or_404(app.assignments.select_related("score"), pk=assignment_id)
    score = getattr(assignment, "score", None)
    if score is None or not score.sheet:
        raise Http404
    return stored_file_response(
        score.sheet, filename=score.sheet_name, content_type=score.sheet_content_type
    )


def _points_total(points) -> Decimal:
    """Return the sum of the numeric points (an unreadable value counts as nothing)."""
    total = Decimal(0)
    for value in points.values():
        try:
            total += Decimal(str(value))
        except ArithmeticError:
            continue
    return total


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "").strip()
    return int(raw) if raw.isdigit() else None


@login_required
def score(request, pk: int):
    user = request.user
    app = selectors.application_get(user, pk)
    assignment = (
        ExpertAssignment.objects.filter(application=app, expert_id=user.expert_id)
        .select_related("score")
        .order_by("-id")
        .first()
    )
    if assignment is None or user.role != Role.EXPERT_REVIEWER:
        raise Http404
    rubric = review_rubric(app.city, app.program)
    params, _version = current_params(app.city)
    errors: dict = {}
    posted = {}
    if request.method == "POST":
        try:
            if "declare" in request.POST:
                services.assignment_declare(
                    assignment=assignment,
                    actor=user,
                    no_conflict=request.POST.get("declare") == "none",
                    conflict=request.POST.get("conflict", ""),
                )
                return redirect("applications:score", pk=pk)
            posted = {i.code: request.POST.get(f"points_{i.code}", "") for i in rubric.indicators}
            services.score_save(
                assignment=assignment,
                actor=user,
                points=posted,
                comment=request.POST.get("comment", ""),
                submit="submit" in request.POST,
                # 0 = the page was loaded before any score existed (a version from the first render).
                expected_version=_posted_version(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {
                    k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
                }
                # Name what is missing (an indicator, or the 评审意见 itself), not just "标红".
                messages.error(
                    request,
                    "评分未提交：" + "；".join(m for v in errors.values() for m in v) + "。",
                )
            else:
                _flash_error(request, exc)
        except PermissionDenied as exc:
            _flash_error(request, exc)
        else:
            messages.success(
                request, "评分已提交。" if "submit" in request.POST else "评分已暂存。"
            )
            return redirect("applications:score", pk=pk)
    assignment.refresh_from_db()
    current = getattr(assignment, "score", None)
    saved = current.points if current else {}
    rows = [
        (i, posted.get(i.code, saved.get(i.code, "")), errors.get(i.code, []))
        for i in rubric.indicators
    ]
    selectors.decorate([app])
    return render(
        request,
        "applications/score.html",
        {
            "app": app,
            "assignment": assignment,
            "rubric": rubric,
            "rows": rows,
            "score": current,
            "comment": request.POST.get("comment", current.comment if current else ""),
            "comment_errors": errors.get("comment", []),
            "blind": bool(params.get("blind_review", False)),
            "can_score": perms.can_score(user, assignment)[0],
            # What the expert typed stays, and so does its total (not 合计 0 after a refusal).
            "total": _points_total({**saved, **{k: v for k, v in posted.items() if v != ""}}),
        },
    )
