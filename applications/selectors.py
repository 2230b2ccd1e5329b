"""Reads for applications; every query a user sees goes through accounts.scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.roles import Role
from accounts.scoping import get_for_user, scope_queryset
from policies.api import LEVEL_LABELS, PolicyError, acting_roles, current_params, get_city_policy

from .models import Application, ApplicationTransition, Call, ExpertAssignment, PublicNotice
from .services import ACTION_TEXT, panel_stats


def city_rows(user, queryset: QuerySet) -> QuerySet:
    """Rows readable by every user of their city (calls, notices)."""
    if user.is_authenticated and user.is_platform_admin:
        return queryset
    if not user.is_authenticated or not user.city_id:
        return queryset.none()
    return queryset.filter(city_id=user.city_id)


def call_list(user, *, today: dt.date | None = None, open_only: bool = False) -> QuerySet:
    today = today or timezone.localdate()
    qs = city_rows(user, Call.objects.select_related("city"))
    if open_only:
        qs = qs.filter(opens_on__lte=today, closes_on__gte=today)
    return qs.order_by("-opens_on", "-id")


def call_get(user, pk: int) -> Call:
    try:
        return city_rows(user, Call.objects.select_related("city")).get(pk=pk)
    except Call.DoesNotExist as exc:
        raise Http404("未找到该记录，或您无权访问。") from exc


def _base() -> QuerySet:
    return Application.objects.select_related("city", "call", "society", "host_unit", "district")


def application_get(user, pk: int) -> Application:
    return get_for_user(user, _base(), pk=pk)


def my_applications(user) -> QuerySet:
    """Applications of the user's own society or host unit."""
    if user.role == Role.SOCIETY_STAFF:
        qs = _base().filter(society_id=user.society_id)
    elif user.role == Role.HOST_STAFF:
        qs = _base().filter(host_unit_id=user.host_unit_id)
    else:
        return Application.objects.none()
    return scope_queryset(user, qs).order_by("-updated_at", "-id")


def _waiting_condition(user) -> Q:
    """Return Q for applications whose current stage is acted on by the user's role."""
    if not user.city_id:
        return Q(pk__in=[])
    try:
        policy = get_city_policy(user.city)
    except PolicyError:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for program, workflow in policy.workflows.items():
        codes = [
            s.code
            for s in workflow.stages
            if not s.is_terminal and s.code != workflow.start and user.role in acting_roles(s)
        ]
        if codes:
            condition |= Q(program=program, stage__in=codes)
    return condition


def reviewer_inbox(user) -> QuerySet:
    """Return what waits for the user: stages their role acts on, or their open assignments.

    One query whatever the row count: related rows are joined, the stage labels come from
    the policy declarations in memory.
    """
    base = _base().filter(withdrawn=False, outcome="")
    if user.role == Role.EXPERT_REVIEWER:
        open_assignments = ExpertAssignment.objects.filter(
            expert_id=user.expert_id, declared_conflict="", removed_at__isnull=True
        ).exclude(score__submitted_at__isnull=False)
        qs = base.filter(
            pk__in=open_assignments.values("application_id"),
        )
        qs = scope_queryset(user, qs)
        return qs.order_by("stage_entered_at", "id")
    qs = scope_queryset(user, base.filter(_waiting_condition(user)))
    return qs.order_by("stage_entered_at", "id")


def stage_labels(city) -> dict[tuple[str, str], str]:
    policy = get_city_policy(city)
    labels = {}
    for program, workflow in policy.workflows.items():
        for stage in workflow.stages:
            labels[(program, stage.code)] = gettext(stage.label_zh)
    labels.update({(p, "withdrawn"): gettext("已撤回") for p in policy.workflows})
    return labels


def decorate(rows, city=None) -> list[Application]:
    """Attach stage and program labels from the declarations (no queries)."""
    rows = list(rows)
    cache: dict[int, tuple[dict, Any]] = {}
    for row in rows:
        if row.city_id not in cache:
            try:
                policy = get_city_policy(row.city)
                cache[row.city_id] = (stage_labels(row.city), policy)
            except PolicyError:
                cache[row.city_id] = ({}, None)
        labels, policy = cache[row.city_id]
        row.stage_label = labels.get((row.program, row.stage), row.stage)
        row.program_label = (
            gettext(policy.programs[row.program].label_zh)
            if policy and row.program in policy.programs
            else row.program
        )
    return rows


def application_history(application: Application) -> list[ApplicationTransition]:
    labels = stage_labels(application.city)
    rows = list(application.transitions.select_related("actor"))
    for row in rows:
        row.from_label = labels.get((application.program, row.from_stage), row.from_stage)
        row.to_label = labels.get((application.program, row.to_stage), row.to_stage)
        row.skipped_labels = [labels.get((application.program, c), c) for c in row.skipped]
        row.action_label = gettext(ACTION_TEXT.get(row.action, row.action))
    return rows


def panel_for(application: Application, stage: str | None = None) -> dict[str, Any]:
    """Return the assignments of a stage with their scores and the panel's statistics."""
    params, _version = current_params(application.city)
    codes = (
        [stage]
        if stage
        else list(application.assignments.values_list("stage", flat=True).distinct())
    )
    assignments = list(
        application.assignments.filter(stage__in=codes)
        .select_related("expert", "score", "draw", "replaced_by__expert")
        .order_by("id")
    )
    labels = stage_labels(application.city)
    for a in assignments:  # the stage as the page names it, never its code
        a.stage_label = labels.get((application.program, a.stage), a.stage)
    totals = [
        a.score.total
        for a in assignments
        if hasattr(a, "score")
        and a.score.submitted_at
        and not a.declared_conflict
        and not a.removed_at
    ]
    trim = bool(params.get("trimmed_mean", params.get("trim_extremes", False)))
    return {"assignments": assignments, "stats": panel_stats(totals, trim=trim), "trim": trim}


def ranking(user, call: Call) -> dict[str, Any]:
    """Return the call's applications ranked by panel score against the quota."""
    params, _version = current_params(call.city)
    policy = get_city_policy(call.city)
    program = policy.program(call.program)
    quota = call.quota
    if quota is None and program.quota_param:
        quota = int(params[program.quota_param])
    trim = bool(params.get("trimmed_mean", params.get("trim_extremes", False)))
    apps = list(
        scope_queryset(
            user, _base().filter(call=call, withdrawn=False).exclude(stage="draft")
        ).prefetch_related(
            Prefetch(
                "assignments",
                queryset=ExpertAssignment.objects.filter(
                    declared_conflict="", removed_at__isnull=True
                ).select_related("score"),
            )
        )
    )
    decorate(apps)
    for app in apps:
        totals = [
            a.score.total
            for a in app.assignments.all()
            if hasattr(a, "score") and a.score.submitted_at
        ]
        app.stats = panel_stats(totals, trim=trim)
    apps.sort(key=lambda a: (a.stats["final"] is None, -(a.stats["final"] or Decimal(0)), a.pk))
    # Only the levels the quota counts are ranked against it (益阳: city-level stations).
    index = 0
    for app in apps:
        app.counts = not program.quota_levels or app.level in program.quota_levels
        if app.counts:
            index += 1
            app.rank = index
        else:
            app.rank = None
        app.within_quota = quota is None or not app.counts or index <= quota
    levels = "、".join(LEVEL_LABELS[lv] for lv in program.quota_levels)
    workflow = policy.workflows[call.program]
    quota_stages = [s.code for s in workflow.stages if s.quota_check]
    passed = ApplicationTransition.objects.filter(
        application__call__in=call.quota_calls(),  # per year, not per call
        application__withdrawn=False,
        from_stage__in=quota_stages,
        action="approve",
    ).exclude(application__outcome="rejected")
    if program.quota_levels:
        passed = passed.filter(application__level__in=program.quota_levels)
    approved = passed.values("application_id").distinct().count()
    return {
        "approved": approved,
        "remaining": max(quota - approved, 0) if quota is not None else None,
        "rows": apps,
        "quota": quota,
        "quota_levels": levels,
        "trim": trim,
        "program": program,
    }


def notice_list(user) -> QuerySet:
    return city_rows(user, PublicNotice.objects.select_related("city")).order_by("-start_on")


def notice_get(user, pk: int) -> PublicNotice:
    try:
        return notice_list(user).get(pk=pk)
    except PublicNotice.DoesNotExist as exc:
        raise Http404("未找到该记录，或您无权访问。") from exc


def notice_candidates(user) -> list[Application]:
    """Applications waiting at a notice stage, not yet on an open notice."""
    return decorate(notice_candidate_rows(user))


def notice_candidate_rows(user) -> QuerySet[Application]:
    """`notice_candidates` as a queryset (undecorated: a caller may slice it or read fewer
    columns)."""
    if not user.city_id:
        return Application.objects.none()
    policy = get_city_policy(user.city)
    condition = Q(pk__in=[])
    for program, workflow in policy.workflows.items():
        codes = [s.code for s in workflow.stages if s.notice_workdays_param]
        if codes:
            condition |= Q(program=program, stage__in=codes)
    qs = scope_queryset(user, _base().filter(condition, withdrawn=False)).exclude(
        notices__end_on__gte=timezone.localdate()
    )
    return qs.distinct()


def grants_of(application: Application) -> list:
    """Return the grants of the application's station (funding.models), newest first; for a
    program without a station (a topic, an activity, an award) the grant made from the
    application itself.

    ADAPTER: read-only look into the funding app so the detail page can link the money the
    certification created.
    """
    if not application.outcome:
        return []
    from funding.models import Grant

    if application.station_id:
        grants = Grant.objects.filter(station_id=application.station_id)
    else:
        grants = Grant.objects.filter(application=application)
    return list(grants.order_by("-start_year"))
