"""Reads for the home page: what waits for the signed-in person, oldest first.

Every source is another app's selector (so the rows are the ones the person may see); this
module only turns them into one list of `TodoItem`s with a deadline and the days left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role

LIMIT = 12  # rows per source; the page links to the full list


@dataclass(frozen=True)
class TodoItem:
    kind: str  # what to do, e.g. 审核申报 (a label, never a code)
    title: str  # which object
    url: str
    since: dt.date | None = None  # when it started waiting for the person
    deadline: dt.date | None = None

    @property
    def days_left(self) -> int | None:
        if self.deadline is None:
            return None
        return (self.deadline - timezone.localdate()).days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0

    @property
    def sort_key(self) -> tuple:
        # Oldest first: what has waited longest, then what closes soonest.
        far = dt.date.max
        return (self.since or self.deadline or far, self.deadline or far, self.title)


def _day(moment) -> dt.date | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return moment


def _applications_to_review(user) -> list[TodoItem]:
    from applications import selectors as app_selectors

    if user.role == Role.EXPERT_REVIEWER:
        return []
    rows = app_selectors.decorate(app_selectors.reviewer_inbox(user)[:LIMIT])
    return [
        TodoItem(
            kind=_("审核申报") + f"（{row.stage_label}）",
            title=str(row),
            url=reverse("applications:detail", args=[row.pk]),
            since=_day(row.stage_entered_at or row.submitted_at),
        )
        for row in rows
    ]


def _panels_to_score(user) -> list[TodoItem]:
    from applications.models import ExpertAssignment

    if user.role != Role.EXPERT_REVIEWER or not user.expert_id:
        return []
    rows = (
        ExpertAssignment.objects.filter(
            expert_id=user.expert_id,
            declared_conflict="",
            removed_at__isnull=True,
            application__withdrawn=False,
            application__outcome="",
        )
        .exclude(score__submitted_at__isnull=False)
        .select_related("application__city")
        .order_by("assigned_at", "id")[:LIMIT]
    )
    return [
        TodoItem(
            kind=_("评审打分"),
            title=expert_title(a.application),  # blind review hides who applied
            url=reverse("applications:score", args=[a.pk]),
            since=_day(a.assigned_at),
            deadline=a.due_on,
        )
        for a in rows
    ]


def _evaluations(user) -> list[TodoItem]:
    from evaluations import selectors as ev_selectors
    from evaluations.models import StationEvaluation

    E = StationEvaluation.Status
    visible = ev_selectors.evaluation_list(user)
    items: list[TodoItem] = []
    if user.role in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        for ev in visible.filter(status=E.PENDING, round__status="open").order_by(
            "round__due_date", "id"
        )[:LIMIT]:
            items.append(
                TodoItem(
                    kind=_("提交年度自评"),
                    title=f"{ev.station.name} · {ev.year}",
                    url=reverse("evaluations:detail", args=[ev.pk]),
                    since=_day(ev.round.opened_at),
                    deadline=ev.round.due_date,
                )
            )
    elif user.role == Role.EXPERT_REVIEWER:
        scores = (
            StationEvaluation.objects.filter(
                expert_scores__expert=user,
                expert_scores__submitted_at__isnull=True,
                status__in=[E.SUBMITTED, E.SCORED],
            )
            .select_related("station", "round")
            .order_by("submitted_at", "id")[:LIMIT]
        )
        for ev in scores:
            items.append(
                TodoItem(
                    kind=_("年度考核评分"),
                    title=f"{ev.station.name} · {ev.year}",
                    url=reverse("evaluations:detail", args=[ev.pk]),
                    since=_day(ev.submitted_at),
                )
            )
    elif user.role == Role.CITY_ADMIN or user.is_platform_admin:
        # Scored: confirm the result; submitted with no expert yet: assign the experts.
        # NOT EXISTS rather than a join + DISTINCT over every column (≈100 ms at city scale).
        from evaluations.models import ExpertScore

        no_expert = ~Exists(ExpertScore.objects.filter(evaluation=OuterRef("pk")))
        waiting = Q(status=E.SCORED) | (Q(status=E.SUBMITTED) & no_expert)
        rows = visible.filter(waiting).select_related("station").order_by("submitted_at", "id")
        for ev in rows[:LIMIT]:
            kind = _("确认考核结果") if ev.status == E.SCORED else _("指派考核专家")
            items.append(
                TodoItem(
                    kind=kind,
                    title=f"{ev.station.name} · {ev.year}",
                    url=reverse("evaluations:detail", args=[ev.pk]),
                    since=_day(ev.submitted_at),
                )
            )
    return items


def _notices(user) -> list[TodoItem]:
    from applications import selectors as app_selectors

    if user.role != Role.CITY_ADMIN:
        return []
    today = timezone.localdate()
    items = [
        TodoItem(
            kind=_("公示期将结束"),
            title=notice.title,
            url=reverse("applications:notice", args=[notice.pk]),
            since=notice.start_on,
            deadline=notice.end_on,
        )
        for notice in app_selectors.notice_list(user).filter(end_on__gte=today)[:LIMIT]
    ]
    for app in app_selectors.notice_candidates(user)[:LIMIT]:
        items.append(
            TodoItem(
                kind=_("发布公示"),
                title=str(app),
                url=reverse("applications:notice_create"),
                since=_day(app.stage_entered_at),
            )
        )
    return items


def _payments(user) -> list[TodoItem]:
    from funding import selectors as funding_selectors
    from funding.services import payable

    if user.role != Role.FINANCE:
        return []
    items = []
    grants = (
        funding_selectors.grant_list(user)
        .filter(frozen_reason="")
        .select_related("station", "application")
        .order_by("id")
    )
    for grant in grants:
        for due in payable(grant):
            items.append(
                TodoItem(
                    kind=_("审核拨付") + f"（{due['year']}）",
                    title=grant.subject,
                    url=reverse("funding:grant", args=[grant.pk]),
                    since=dt.date(due["year"], 1, 1),
                )
            )
        if len(items) >= LIMIT:
            break
    return items


def _demands(user) -> list[TodoItem]:
    from network import selectors as network_selectors
    from network.choices import DemandStatus as S

    if user.role == Role.CITY_ADMIN:
        wanted, kind = Q(status=S.SUBMITTED), _("受理技术需求")
    elif user.role in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        wanted, kind = Q(status__in=[S.ACCEPTED, S.IN_PROGRESS]), _("答复技术需求")
    else:
        return []
    rows = network_selectors.demand_list(user).filter(wanted).order_by("created_at", "id")[:LIMIT]
    return [
        TodoItem(
            kind=kind,
            title=d.title,
            url=reverse("network:demand_detail", args=[d.pk]),
            since=_day(d.accepted_at or d.created_at),
        )
        for d in rows
    ]


def _own_drafts(user) -> list[TodoItem]:
    from applications import selectors as app_selectors
    from policies.api import PolicyError, workflow_for

    if user.role not in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        return []
    items = []
    for app in app_selectors.my_applications(user).filter(withdrawn=False, outcome="")[:50]:
        try:
            start = workflow_for(app.city, app.program).start
        except PolicyError:  # a city without that workflow shows no draft row
            continue
        if app.stage != start:
            continue
        returned = app.submitted_at is not None
        items.append(
            TodoItem(
                kind=_("修改后重新提交") if returned else _("完成申报并提交"),
                title=str(app),
                url=reverse("applications:edit", args=[app.pk]),
                since=_day(app.stage_entered_at or app.created_at),
                deadline=app.call.closes_on,
            )
        )
    return items[:LIMIT]


SOURCES = (
    _applications_to_review,
    _panels_to_score,
    _evaluations,
    _notices,
    _payments,
    _demands,
    _own_drafts,
)


def todo_for(user) -> list[TodoItem]:
    """Return what waits for the user, oldest first."""
    items: list[TodoItem] = []
    for source in SOURCES:
        items.extend(source(user))
    return sorted(items, key=lambda item: item.sort_key)


def expert_title(application) -> str:
    from applications.services import expert_title as title

    return title(application)


def scored_assignments(user) -> list[dict]:
    """Return the expert's assignments with whether each has been scored (已评/未评)."""
    from applications.models import ExpertAssignment

    if user.role != Role.EXPERT_REVIEWER or not user.expert_id:
        return []
    rows = (
        ExpertAssignment.objects.filter(expert_id=user.expert_id)
        .select_related("application__city", "score")
        .order_by("-assigned_at", "-id")[:20]
    )
    result = []
    for a in rows:
        score = getattr(a, "score", None)
        result.append(
            {
                "title": expert_title(a.application),
                "url": reverse("applications:score", args=[a.pk]),
                "scored": bool(score and score.submitted_at),
                "conflict": bool(a.declared_conflict),
                "due_on": a.due_on,
            }
        )
    return result


def _applicant_role(call) -> str | None:
    """Return the role that fills in the call's applications (its workflow's first stage)."""
    from policies.api import PolicyError, workflow_for

    try:
        workflow = workflow_for(call.city, call.program)
        return workflow.stage(workflow.start).role
    except PolicyError:
        return None


def open_calls(user) -> dict | None:
    """Return the calls the society or host staff may apply to, or why there are none."""
    from applications import selectors as app_selectors

    if user.role not in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        return None
    today = timezone.localdate()
    open_now = list(app_selectors.call_list(user, open_only=True))
    calls = [c for c in open_now if _applicant_role(c) == user.role]
    # Where none: open calls for the other applicant role, or the next one to open.
    others = [c for c in open_now if c not in calls]
    other_role = Role(_applicant_role(others[0])).label if others else ""
    upcoming = None
    if not calls:
        upcoming = next(
            (
                c
                for c in app_selectors.call_list(user)
                .filter(opens_on__gt=today)
                .order_by("opens_on")
                if _applicant_role(c) == user.role
            ),
            None,
        )
    return {
        "calls": [
            {"title": c.title, "closes_on": c.closes_on, "days_left": (c.closes_on - today).days}
            for c in calls
        ],
        "others": len(others),
        "other_role": other_role,
        "upcoming": upcoming,
        "url": reverse("applications:calls"),
    }
