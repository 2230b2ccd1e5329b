"""Reads for the home page: what waits for the signed-in person, oldest first.

Every source is another app's selector (so the rows are the ones the person may see); this
module only turns them into one list of `TodoItem`s with a deadline and the days left. Each
source reads only the columns its items print (`_slim`): the selectors join what their own
pages show, and building, converting and decrypting those wide rows was most of the home
page's time.
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
PAYMENT_BATCH = 50  # grants read in the first batch when looking for dues (then ×4)
# What an application's to-do item reads: its title, stage and when it got there, and its
# city's policy (for the stage's label and the workflow's first stage).
APPLICATION_FIELDS = (
    "id",
    "title",
    "program",
    "stage",
    "stage_entered_at",
    "submitted_at",
    "created_at",
    "city__policy_code",
)


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


def _slim(queryset, *fields: str, related: tuple[str, ...] = ()):
    """`queryset` reading only `fields` (and joining only `related`): no decrypted column,
    no joined row the to-do item does not print."""
    queryset = queryset.select_related(None)
    if related:  # (select_related() without names would join every foreign key)
        queryset = queryset.select_related(*related)
    # defer(None) first: only() keeps out whatever the selector deferred.
    return queryset.defer(None).only(*fields)


def _rows(queryset, *fields: str) -> list[dict]:
    """The first LIMIT rows of `queryset` as plain values (no model instance, no join but
    those the fields name)."""
    return list(queryset.values(*fields)[:LIMIT])


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
    rows = _rows(
        app_selectors.reviewer_inbox(user),
        "id",
        "title",
        "program",
        "stage",
        "stage_entered_at",
        "submitted_at",
        "city_id",
    )
    labels = _stage_labels(user, {row["city_id"] for row in rows})

    def stage(row) -> str:
        return labels[row["city_id"]].get((row["program"], row["stage"]), row["stage"])

    return [
        TodoItem(
            kind=_("审核申报") + f"（{stage(row)}）",
            title=row["title"],
            url=reverse("applications:detail", args=[row["id"]]),
            since=_day(row["stage_entered_at"] or row["submitted_at"]),
        )
        for row in rows
    ]


def _stage_labels(user, city_ids) -> dict:
    """{city id: {(program, stage): label}} of the rows' cities (the user's own is loaded)."""
    from applications.selectors import stage_labels
    from policies.api import PolicyError
    from stations.models import City

    cities = {user.city_id: user.city} if user.city_id in city_ids else {}
    if set(city_ids) - set(cities):
        cities.update(City.objects.in_bulk(set(city_ids) - set(cities)))
    labels = {}
    for pk, city in cities.items():
        try:
            labels[pk] = stage_labels(city)
        except PolicyError:  # as applications.selectors.decorate: the stage's code
            labels[pk] = {}
    return labels


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
        pending = visible.filter(status=E.PENDING, round__status="open").order_by(
            "round__due_date", "id"
        )
        fields = ("id", "year", "station__name", "round__opened_at", "round__due_date")
        for ev in _rows(pending, *fields):
            items.append(
                TodoItem(
                    kind=_("提交年度自评"),
                    title=f"{ev['station__name']} · {ev['year']}",
                    url=reverse("evaluations:detail", args=[ev["id"]]),
                    since=_day(ev["round__opened_at"]),
                    deadline=ev["round__due_date"],
                )
            )
    elif user.role == Role.EXPERT_REVIEWER:
        scores = StationEvaluation.objects.filter(
            expert_scores__expert=user,
            expert_scores__submitted_at__isnull=True,
            status__in=[E.SUBMITTED, E.SCORED],
        ).order_by("submitted_at", "id")
        for ev in _rows(scores, "id", "year", "submitted_at", "station__name"):
            items.append(
                TodoItem(
                    kind=_("年度考核评分"),
                    title=f"{ev['station__name']} · {ev['year']}",
                    url=reverse("evaluations:detail", args=[ev["id"]]),
                    since=_day(ev["submitted_at"]),
                )
            )
    elif user.role == Role.CITY_ADMIN or user.is_platform_admin:
        # Scored: confirm the result; submitted with no expert yet: assign the experts.
        # NOT EXISTS rather than a join + DISTINCT over every column (≈100 ms at city scale).
        from evaluations.models import ExpertScore

        no_expert = ~Exists(ExpertScore.objects.filter(evaluation=OuterRef("pk")))
        waiting = Q(status=E.SCORED) | (Q(status=E.SUBMITTED) & no_expert)
        rows = visible.filter(waiting).order_by("submitted_at", "id")
        for ev in _rows(rows, "id", "year", "status", "submitted_at", "station__name"):
            kind = _("确认考核结果") if ev["status"] == E.SCORED else _("指派考核专家")
            items.append(
                TodoItem(
                    kind=kind,
                    title=f"{ev['station__name']} · {ev['year']}",
                    url=reverse("evaluations:detail", args=[ev["id"]]),
                    since=_day(ev["submitted_at"]),
                )
            )
    return items


def _notices(user) -> list[TodoItem]:
    from applications import selectors as app_selectors

    if user.role != Role.CITY_ADMIN:
        return []
    today = timezone.localdate()
    notices = app_selectors.notice_list(user).filter(end_on__gte=today)
    items = [
        TodoItem(
            kind=_("公示期将结束"),
            title=notice["title"],
            url=reverse("applications:notice", args=[notice["id"]]),
            since=notice["start_on"],
            deadline=notice["end_on"],
        )
        for notice in _rows(notices, "id", "title", "start_on", "end_on")
    ]
    candidates = app_selectors.notice_candidate_rows(user)
    for app in _rows(candidates, "id", "title", "stage_entered_at"):
        items.append(
            TodoItem(
                kind=_("发布公示"),
                title=app["title"],
                url=reverse("applications:notice_create"),
                since=_day(app["stage_entered_at"]),
            )
        )
    return items


def _payments(user) -> list[TodoItem]:
    from accounts.querycache import DIRECTORY_KEY, cached_value
    from funding import selectors as funding_selectors

    if user.role != Role.FINANCE:
        return []
    grants = funding_selectors.grant_list(user).filter(frozen_reason="").order_by("id")
    # The first dues (grant, year) from the shared cache: the same for every finance user
    # of the city (the key is the grants' WHERE: their scope), dropped by any save or delete
    # of a grant, payment or decision (funding.selectors.DUES_GENERATION) and by the
    # directory generation, which an import bumps once for its file (bulk writes send no
    # signal). The names are read each time.
    dues = cached_value(
        "home-payments",
        grants,
        LIMIT,
        lambda: _first_dues(grants),
        generation_key=(funding_selectors.DUES_GENERATION, DIRECTORY_KEY),
    )
    owing = {pk for pk, _year in dues}
    names = {
        g.pk: g.subject
        for g in _slim(
            grants.filter(pk__in=owing),
            "id",
            "station__name",
            "application__title",
            related=("station", "application"),
        )
    }
    return [
        TodoItem(
            kind=_("审核拨付") + f"（{year}）",
            title=names[pk],
            url=reverse("funding:grant", args=[pk]),
            since=dt.date(year, 1, 1),
        )
        for pk, year in dues
        if pk in names
    ]


def _first_dues(grants) -> list[tuple[int, int]]:
    """(grant id, year) of what is due, grant by grant in id order, until LIMIT: in batches
    growing fourfold, each read as plain values with its paid years and support decisions
    in three queries (a city where everything is paid reads its grants in a handful of
    batches, not three queries a grant)."""
    from funding.selectors import payable_by_grant

    dues: list[tuple[int, int]] = []
    after, size = 0, PAYMENT_BATCH
    while len(dues) < LIMIT:
        batch = payable_by_grant(grants.filter(id__gt=after)[:size])
        for pk, years in batch:
            dues.extend((pk, due["year"]) for due in years)
            if len(dues) >= LIMIT:
                break
        if len(batch) < size:  # the last grants
            break
        after, size = batch[-1][0], size * 4
    return dues


def _demands(user) -> list[TodoItem]:
    from network import selectors as network_selectors
    from network.choices import DemandStatus as S

    if user.role == Role.CITY_ADMIN:
        wanted, kind = Q(status=S.SUBMITTED), _("受理技术需求")
    elif user.role in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        wanted, kind = Q(status__in=[S.ACCEPTED, S.IN_PROGRESS]), _("答复技术需求")
    else:
        return []
    demands = network_selectors.demand_list(user).filter(wanted).order_by("created_at", "id")
    return [
        TodoItem(
            kind=kind,
            title=d["title"],
            url=reverse("network:demand_detail", args=[d["id"]]),
            since=_day(d["accepted_at"] or d["created_at"]),
        )
        for d in _rows(demands, "id", "title", "accepted_at", "created_at")
    ]


def _own_drafts(user) -> list[TodoItem]:
    from applications import selectors as app_selectors
    from policies.api import PolicyError, workflow_for

    if user.role not in (Role.SOCIETY_STAFF, Role.HOST_STAFF):
        return []
    items = []
    mine = _slim(
        app_selectors.my_applications(user).filter(withdrawn=False, outcome=""),
        *APPLICATION_FIELDS,
        "call__closes_on",
        related=("city", "call"),
    )
    for app in mine[:50]:
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
    fields = ("id", "title", "program", "opens_on", "closes_on", "city__policy_code")
    open_now = list(
        _slim(app_selectors.call_list(user, open_only=True), *fields, related=("city",))
    )
    calls = [c for c in open_now if _applicant_role(c) == user.role]
    # Where none: open calls for the other applicant role, or the next one to open.
    others = [c for c in open_now if c not in calls]
    other_role = Role(_applicant_role(others[0])).label if others else ""
    upcoming = None
    if not calls:
        upcoming = next(
            (
                c
                for c in _slim(app_selectors.call_list(user), *fields, related=("city",))
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


# --- the rendered list, cached per person ---------------------------------------------------

# The generation of what the to-do sources read besides the directory, the grants' dues and
# object permissions (which have their own): any save or delete of one of these rows drops
# every cached list at once (and again on commit: accounts.querycache.bump_now_and_on_commit).
TODO_GENERATION = "querycache:home-todo-generation"
TODO_MODELS = (
    "applications.Call",
    "applications.Application",
    "applications.ExpertAssignment",
    "applications.ReviewScore",
    "applications.PublicNotice",
    "evaluations.EvaluationRound",
    "evaluations.StationEvaluation",
    "evaluations.ExpertScore",
    "network.Demand",
)


def bump_todo(**_kwargs) -> None:
    from accounts.querycache import bump_now_and_on_commit

    bump_now_and_on_commit(TODO_GENERATION)


def connect_todo_cache() -> None:
    from django.apps import apps

    from accounts.querycache import bump_on_write

    bump_on_write(bump_todo, [apps.get_model(label) for label in TODO_MODELS], "home-todo")


def cached_todo_html(user, render) -> str:
    """`render()` (the to-do card's HTML) through the shared cache, once per person, day and
    language until one of the rows it reads changes.

    The key holds the person and everything their scope is made of (role, city, district,
    society, host unit, expert: an account changed by the security administrator gets a new
    key), the day (days left count from it) and the language; the value is dropped by the
    to-do, directory, dues and object-permission generations. A page of twenty people's
    reloads then costs one build, not twenty."""
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from accounts.querycache import DIRECTORY_KEY, GRANTS_KEY, cached_for
    from funding.selectors import DUES_GENERATION

    variant = (
        user.pk,
        user.role,
        bool(user.is_superuser),
        user.city_id,
        user.district_id,
        user.society_id,
        user.host_unit_id,
        user.expert_id,
        timezone.localdate().isoformat(),
        get_language(),
    )
    generations = (TODO_GENERATION, DIRECTORY_KEY, DUES_GENERATION, GRANTS_KEY)
    return mark_safe(cached_for("home-todo", variant, lambda: str(render()), generations))
