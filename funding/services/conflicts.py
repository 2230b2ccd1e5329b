"""The city's double-funding and repeat rules for a new grant: the facts they read.

Part of funding.services (see its __init__). The rules themselves are the city's
(CityPolicy.grant_conflicts); this module only gathers what they look at.
"""

from __future__ import annotations

from django.utils import timezone

from policies import api as engine
from stations.models import Station

from ..models import Grant


def grant_conflicts(
    *,
    station: Station,
    program: str,
    level: str,
    start_year: int,
    support_years: int,
    activity_scope: str = "",
) -> list[tuple[str, str]]:
    """Return (message, clause) for each double-funding or repeat rule the grant breaks.

    The rules are the city's (CityPolicy.grant_conflicts); this gathers the facts they read.
    """
    return _conflicts(
        city=station.city,
        society=station.society,
        host_unit=station.host_unit,
        station=station,
        program=program,
        level=level,
        start_year=start_year,
        support_years=support_years,
        activity_scope=activity_scope,
    )


def _conflicts(
    *,
    city,
    society,
    host_unit,
    station: Station | None,
    program: str,
    level: str,
    start_year: int,
    support_years: int,
    activity_scope: str,
) -> list[tuple[str, str]]:
    from policies.api import GrantFacts

    others = Grant.objects.filter(city=city, society=society).exclude(
        status__in=[Grant.Status.REVOKED, Grant.Status.DELISTED]
    )
    end_year = start_year + max(support_years, 1) - 1
    overlapping = tuple(
        f"{g.subject}，{g.program}，{g.start_year}年起"
        for g in others.select_related("city", "station", "application")
        if g.start_year <= end_year
        and start_year <= g.start_year + max(_support_years(g), 1) - 1
        and (
            (station is not None and g.station_id == station.pk)
            or (activity_scope and g.activity_scope.strip() == activity_scope.strip())
        )
    )
    banned = (
        Grant.objects.filter(society=society, banned_until__gte=timezone.localdate())
        .order_by("-banned_until")
        .first()
    )
    facts = GrantFacts(
        program=program,
        level=level,
        start_year=start_year,
        society_name=str(society),
        host_has_expert_workstation=bool(host_unit and host_unit.has_expert_workstation),
        station_programs=frozenset(
            Grant.objects.filter(station=station).values_list("program", flat=True)
            if station is not None
            else ()
        ),
        overlapping=overlapping,
        banned_until=banned.banned_until if banned else None,
    )
    params = engine.current_version(city).params
    policy = engine.policy_for(city)
    return [(f.message_zh, f.clause) for f in policy.grant_conflicts(facts, params) if f.blocks]


def _support_years(grant: Grant) -> int:
    program = engine.program_for(grant.city, grant.program)
    return engine.policy_for(grant.city).support_years(program, grant.policy_params)
