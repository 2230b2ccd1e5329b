"""Reads for the budget forecast and the impact preview: model rows -> plain facts.

A fixed number of queries per city, whatever the number of grants (the preview of 4,000
grants must answer in a few seconds). Who may read is decided here too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.roles import CITY_WIDE_ROLES, Role
from funding.models import Disbursement, Grant, GrantDecision, Recovery
from stations.models import City

from .forecast import ApplicationFacts, GrantFacts, Portfolio, QuotaUse


# -- who may read --------------------------------------------------------------------------
def can_view_forecast(user, city) -> tuple[bool, str]:
    """City administrators, talent office and finance of the city; the platform admin."""
    if not (user.is_authenticated and user.is_active):
        return False, "请先登录。"
    if user.is_platform_admin:
        return True, ""
    if user.role in CITY_WIDE_ROLES and city is not None and user.city_id == city.pk:
        return True, ""
    return False, "只有本市科协学会部管理员、人才办和财务人员可以查看预算预测。"


def forecast_cities(user):
    if not user.is_authenticated:
        return City.objects.none()
    if user.is_platform_admin:
        return City.objects.all()
    if user.role in CITY_WIDE_ROLES and user.city_id:
        return City.objects.filter(pk=user.city_id)
    return City.objects.none()


def get_forecast_city(user, code: str) -> City:
    """Return the city if the user may read its forecast; missing and forbidden both 404."""
    city = forecast_cities(user).filter(code=code).first()
    if city is None:
        raise Http404("未找到该城市，或您无权查看其预算预测。")
    return city


def is_city_admin(user) -> bool:
    return user.is_platform_admin or user.role == Role.CITY_ADMIN


# -- the portfolio -------------------------------------------------------------------------
def portfolio(city, *, today: dt.date | None = None) -> Portfolio:
    """Return the city's grants, open applications and this year's quota use as facts."""
    from applications.models import Application, ApplicationTransition
    from evaluations.models import StationEvaluation
    from policies.api import get_policy

    today = today or timezone.localdate()
    policy = get_policy(city.policy_code)
    # Plain tuples, not model instances: 4,000 grants load in a fraction of a second.
    grants = list(
        # By the grant's own city: a topic's, activity's or award's grant has no station.
        Grant.objects.filter(city=city)
        .annotate(subject=Coalesce("station__name", "application__title", Value("")))
        .order_by("id")
        .values_list(
            "id",
            "station_id",
            "subject",
            "program",
            "level",
            "start_year",
            "amount_entered",
            "status",
            "frozen_reason",
            "schedule",
            "withdrawn_years",
        )
    )
    evaluations: dict[int, list[tuple[int, float, str]]] = defaultdict(list)
    for grant_id, year, score, grade in (
        StationEvaluation.objects.filter(
            grant__city=city, status=StationEvaluation.Status.CONFIRMED
        )
        .exclude(final_score=None)
        .order_by("grant_id", "year")
        .values_list("grant_id", "year", "final_score", "grade")
    ):
        evaluations[grant_id].append((year, float(score), grade))
    paid: dict[int, set[int]] = defaultdict(set)
    for grant_id, year in Disbursement.objects.filter(grant__city=city).values_list(
        "grant_id", "year"
    ):
        paid[grant_id].add(year)
    support: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for grant_id, year, amount in GrantDecision.objects.filter(
        grant__city=city, kind=GrantDecision.Kind.SUPPORT
    ).values_list("grant_id", "year", "amount"):
        support[grant_id].append((year, amount))
    outstanding: dict[int, int] = defaultdict(int)
    for recovery in (
        Recovery.objects.filter(grant__city=city)
        .exclude(status=Recovery.Status.REPAID)
        .annotate(repaid_sum=Sum("repayments__amount"))
    ):
        outstanding[recovery.grant_id] += recovery.amount - (recovery.repaid_sum or 0)
    facts = []
    last_round: dict[str, int] = {}
    for (
        pk,
        station_id,
        name,
        program,
        level,
        start,
        entered,
        status,
        frozen,
        schedule,
        gone,
    ) in grants:
        scheduled = {int(y["year"]): int(y.get("paid") or 0) for y in schedule.get("years", [])}
        scheduled_years = {y for y, amount in scheduled.items() if amount}
        facts.append(
            GrantFacts(
                id=pk,
                station_id=station_id or 0,
                station=name,
                program=program,
                level=level,
                start_year=start,
                amount_entered=entered,
                status=status,
                frozen=bool(frozen),
                evaluations=tuple(evaluations.get(pk, ())),
                scheduled=scheduled,
                paid_years=frozenset(paid.get(pk, ())),
                withdrawn_years=frozenset(int(y) for y in gone or ()),
                support_dues=tuple(
                    (y, a) for y, a in support.get(pk, ()) if y not in scheduled_years
                ),
                outstanding_recovery=max(outstanding.get(pk, 0), 0),
            )
        )
        last_round[program] = max(last_round.get(program, 0), start)
    open_apps = (
        Application.objects.filter(city=city, withdrawn=False, outcome="")
        .exclude(stage="draft")
        .select_related("call")
        .only("id", "title", "program", "level", "amount", "stage", "call__opens_on")
        .order_by("id")
    )
    applications = tuple(
        ApplicationFacts(
            id=a.pk,
            title=a.title,
            program=a.program,
            level=a.level,
            year=max(a.call.opens_on.year, today.year),
            amount=a.amount,
            stage=a.stage,
        )
        for a in open_apps
        if a.program in policy.programs
    )
    quota_use = []
    for code, program in policy.programs.items():
        if not program.quota_param:
            continue
        quota_stages = [s.code for s in policy.workflows[code].stages if s.quota_check]
        this_year = Application.objects.filter(
            city=city, program=code, withdrawn=False, call__opens_on__year=today.year
        )
        if program.quota_levels:
            this_year = this_year.filter(level__in=program.quota_levels)
        approved = (
            ApplicationTransition.objects.filter(
                application__in=this_year, from_stage__in=quota_stages, action="approve"
            )
            .exclude(application__outcome="rejected")
            .values("application_id")
            .distinct()
            .count()
        )
        open_count = this_year.filter(outcome="").exclude(stage="draft").count()
        quota_use.append(QuotaUse(code, approved, max(open_count - approved, 0)))
    return Portfolio(
        city=city.policy_code,
        grants=tuple(facts),
        applications=applications,
        quota_use=tuple(quota_use),
        last_round=last_round,
    )


# -- forecast and preview for a city -------------------------------------------------------
def city_forecast(city, *, first_year: int, today: dt.date | None = None):
    """Return the city's forecast for three budget years from `first_year` (params of today)."""
    from policies.api import params_for

    from .forecast import budget_years, forecast

    policy, params, version = params_for(city, today)
    result = forecast(policy, portfolio(city, today=today), params, budget_years(first_year))
    result.version = version.version
    return result


def impact_preview(city, proposed: dict, *, first_year: int, today: dt.date | None = None):
    """Return what `proposed` (validated params) would change against the version in force."""
    from policies.api import params_for

    from .forecast import budget_years, impact

    policy, current, version = params_for(city, today)
    result = impact(
        policy,
        portfolio(city, today=today),
        current,
        policy.params(proposed),
        budget_years(first_year),
    )
    result.base_version = version.version
    return result
