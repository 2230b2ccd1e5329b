"""Reads of the policies app: parameters in force, activity summaries from model rows, calendars.

An application's eligibility facts are built in one place, `applications.facts.build_facts`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DatabaseError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role
from stations.choices import ActivityKind
from stations.models import (
    ActivityRecord,
    City,
    Station,
    StationExpert,
)

from .facts import ActivitySummary
from .models import PolicyDecision, PolicyVersion, StatutoryDay
from .registry import get_policy
from .types import CityPolicy, QuantItem
from .workdays import WorkdayCalendar, notice_end_date


# -- parameters ----------------------------------------------------------------------------
def policy_version_for(city: City, on: dt.date | None = None) -> PolicyVersion:
    """Return the version in force on a date (default today): newest effective on or before.

    Version 1 (the module defaults) is created on first use for a city that has none.
    """
    on = on or timezone.localdate()
    versions = PolicyVersion.objects.filter(city=city)
    found = versions.filter(effective_from__lte=on).order_by("-version").first()
    if found is None:
        found = versions.order_by("version").first()
    if found is None:
        from .services import policy_version_ensure_initial

        found = policy_version_ensure_initial(city=city)
    return found


def params_for(
    city: City, on: dt.date | None = None
) -> tuple[CityPolicy, dict[str, Any], PolicyVersion]:
    version = policy_version_for(city, on)
    policy = get_policy(city.policy_code)
    return policy, policy.params(version.params), version


def params_for_simulation(city_code: str) -> tuple[dict[str, Any] | None, int]:
    """Return (stored params, version number) for today, or (None, 1) = module defaults.

    Read-only: it never creates version 1, and a database without the tables (e.g. a
    fresh file, or the command run outside any deployment) falls back to the defaults.
    """
    try:
        city = City.objects.filter(Q(policy_code=city_code) | Q(code=city_code)).first()
        if city is None:
            return None, 1
        today = timezone.localdate()
        version = (
            PolicyVersion.objects.filter(city=city, effective_from__lte=today)
            .order_by("-version")
            .first()
        )
    except DatabaseError:
        return None, 1
    if version is None:
        return None, 1
    return version.params, version.version


def version_history(city: City):
    return PolicyVersion.objects.filter(city=city).select_related("created_by").order_by("-version")


def decisions_for(subject) -> list[PolicyDecision]:
    return list(
        PolicyDecision.objects.filter(
            subject_type=subject._meta.label, subject_id=str(subject.pk)
        ).select_related("policy_version")
    )


# -- permissions ---------------------------------------------------------------------------
def can_manage_city_policy(user, city: City) -> tuple[bool, str]:
    """Return whether the user may view and edit this city's policy parameters, and why not."""
    if not user.is_authenticated or not user.is_active:
        return False, "未登录"
    if user.is_platform_admin:
        return True, ""
    if user.role != Role.CITY_ADMIN:
        return False, "仅市科协学会部管理员可管理政策参数"
    if user.city_id != city.id:
        return False, "只能管理本市的政策参数"
    return True, ""


def cities_for_policy_admin(user):
    if not user.is_authenticated:
        return City.objects.none()
    if user.is_platform_admin:
        return City.objects.all()
    if user.role == Role.CITY_ADMIN and user.city_id:
        return City.objects.filter(pk=user.city_id)
    return City.objects.none()


def get_city_for_policy_admin(user, code: str) -> City:
    """Return the city if the user may manage its policy; missing and forbidden both 404."""
    city = cities_for_policy_admin(user).filter(code=code).first()
    if city is None:
        raise Http404("未找到该城市，或您无权管理其政策参数。")
    return city


def can_edit_holidays(user) -> bool:
    return user.is_authenticated and (
        user.is_platform_admin or (user.role == Role.CITY_ADMIN and bool(user.city_id))
    )


# -- working days --------------------------------------------------------------------------
def workday_calendar() -> WorkdayCalendar:
    return WorkdayCalendar.from_rows(StatutoryDay.objects.values_list("date", "is_workday"))


def notice_end(start: dt.date, n_workdays: int) -> dt.date:
    """Return the closing day of a public notice with the administrators' holiday table."""
    return notice_end_date(start, n_workdays, workday_calendar())


def notice_end_for(city: City, start: dt.date, param: str = "notice_workdays") -> dt.date:
    _, params, _ = params_for(city, start)
    return notice_end(start, int(params[param]))


def statutory_days(year: int | None = None):
    days = StatutoryDay.objects.all()
    if year:
        days = days.filter(date__year=year)
    return days


# -- activity summary (益阳 第十二条) -------------------------------------------------------
def agreement_year(term_start: dt.date | None, year: int) -> int:
    """Return which year of the agreement calendar year `year` is assessed as (1, 2, …).

    益阳 第十二条(一) asks ≥50% of the agreement done in its first year and 100% by its
    second, so the year counts from the term start, not by calendar year: a calendar year
    is the agreement year that covers most of it, i.e. the one in force on 1 July. A term
    starting in December 2023 is in its first year for 2024 and its second for 2025; a year
    before the term starts counts as the first.
    """
    if term_start is None:
        return 1
    midyear = dt.date(year, 7, 1)
    if midyear < term_start:
        return 1
    elapsed = midyear.year - term_start.year
    if (midyear.month, midyear.day) < (term_start.month, term_start.day):
        elapsed -= 1
    return elapsed + 1


def activity_summary(station: Station, year: int, term_year: int | None = None) -> ActivitySummary:
    """Summarise one station's activity records of a calendar year (one query)."""
    quarters = [0, 0, 0, 0]
    counts = dict.fromkeys(
        (
            ActivityKind.SURVEY,
            ActivityKind.SURVEY_RESULT,
            ActivityKind.BREAKTHROUGH,
            ActivityKind.PROBLEM_SOLVED,
            ActivityKind.ACHIEVEMENT_TRANSFER,
        ),
        0,
    )
    trainings: list[int] = []
    demands = 0
    # 益阳 第十二条(一): agreement completion is a running figure over the term, so the
    # latest progress recorded up to the year's end counts, not only this year's records.
    progress_records = ActivityRecord.objects.filter(
        station=station, kind=ActivityKind.AGREEMENT_PROGRESS, date__year__lte=year
    )
    term_start = station.term_start or station.certified_on
    if term_start is not None:
        progress_records = progress_records.filter(date__gte=term_start)
    progress = (
        progress_records.order_by("-quantity").values_list("quantity", flat=True).first() or 0
    )
    records = (
        ActivityRecord.objects.filter(station=station, date__year=year)
        .order_by("date", "id")
        .only("kind", "date", "quantity", "trainees")
    )
    for record in records:
        if record.kind == ActivityKind.EXPERT_ONSITE:
            quarters[(record.date.month - 1) // 3] += record.quantity
        elif record.kind == ActivityKind.TRAINING:
            trainings.append(record.trainees or 0)
        elif record.kind == ActivityKind.DEMAND_SERVED:
            demands += record.quantity
        elif record.kind in counts:
            counts[record.kind] += record.quantity
    demands += _network_demands_without_record(station, year)
    experts, outside = _team_in_year(station, year)
    if term_year is None:
        term_year = agreement_year(station.term_start or station.certified_on, year)
    return ActivitySummary(
        year=year,
        term_year=term_year,
        expert_days_by_quarter=tuple(quarters),
        surveys=counts[ActivityKind.SURVEY],
        survey_results=counts[ActivityKind.SURVEY_RESULT],
        training_trainees=tuple(trainings),
        breakthroughs=counts[ActivityKind.BREAKTHROUGH],
        problems_solved=counts[ActivityKind.PROBLEM_SOLVED],
        achievements_transferred=counts[ActivityKind.ACHIEVEMENT_TRANSFER],
        agreement_progress_percent=min(progress, 100),
        level=station.level,
        demands_served=demands,
        experts=experts,
        outside_experts=outside,
    )


def _network_demands_without_record(station: Station, year: int) -> int:
    """Network demands the station took on in `year` not yet counted by a served record."""
    from network.models import Demand

    return Demand.objects.filter(
        station=station, accepted_at__year=year, served_record__isnull=True
    ).count()


def _team_in_year(station: Station, year: int) -> tuple[int, int]:
    """Return (experts on the team at some time in `year`, of whom outside Guizhou)."""
    from .common import province_of

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    spells = (
        StationExpert.objects.filter(station=station, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
        .select_related("expert")
    )
    experts = {m.expert_id: m.expert.province for m in spells}
    outside = sum(1 for p in experts.values() if province_of(p) not in ("", "贵州省"))
    return len(experts), outside


def quantitative_assessment(
    station: Station, year: int, term_year: int | None = None
) -> tuple[ActivitySummary, list[QuantItem]]:
    policy, params, _ = params_for(station.city, dt.date(year, 12, 31))
    summary = activity_summary(station, year, term_year)
    return summary, policy.quantitative_items(summary, params)
