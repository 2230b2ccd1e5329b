"""Build the policy engine's EligibilityFacts from an application: the one facts builder.

Eligibility is always judged for an application (its form data, attachments, society, host
unit, the city's other stations and the society's grants), so the facts are built here and
handed to `policies.api.check_eligibility`; the engine itself never reads the database.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from policies.api import (
    EligibilityFacts,
    ExpertFacts,
    HostUnitFacts,
    PenaltyFacts,
    PolicyError,
    SocietyFacts,
    current_params,
    get_city_policy,
    province_of,
)
from stations.choices import StationStatus
from stations.models import Station

GONE = (StationStatus.REVOKED, StationStatus.DELISTED, StationStatus.EXPIRED, StationStatus.APPLIED)


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_experts(text: str) -> tuple[ExpertFacts, ...]:
    """Return experts from the form's lines "姓名，省份" (full- or half-width comma)."""
    experts = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if parts and parts[0]:
            experts.append(ExpertFacts(name=parts[0], province=parts[1] if len(parts) > 1 else ""))
    return tuple(experts)


def _flags(qs) -> tuple[str, ...]:
    return tuple(sorted({f.kind for f in qs if f.lifted_on is None}))


def match_experts(typed: tuple[ExpertFacts, ...], city_id: int) -> tuple[ExpertFacts, ...]:
    """Match the typed experts to Expert records: their province and credit flags count.

    贵阳 三(三)8: a flagged expert (失信/涉黑涉恶) must not pass as plain text. An expert is
    matched by name, among the city's expert library first, then any city's; a typed
    province narrows namesakes. When namesakes still remain, any of them with an active flag
    is taken as flagged (the administrator then identifies the person). An unmatched name
    keeps what was typed.
    """
    from stations.models import Expert

    names = {e.name for e in typed}
    if not names:
        return typed
    records = list(Expert.objects.filter(name__in=names).prefetch_related("credit_flags"))
    matched = []
    for entry in typed:
        candidates = [r for r in records if r.name == entry.name]
        local = [r for r in candidates if r.city_id == city_id]
        candidates = local or candidates
        wanted = province_of(entry.province)
        if wanted:
            candidates = [r for r in candidates if province_of(r.province) == wanted]
        if not candidates:
            matched.append(entry)
            continue
        flags = tuple(sorted({k for r in candidates for k in _flags(r.credit_flags.all())}))
        record = candidates[0]
        matched.append(
            ExpertFacts(
                id=record.pk if len(candidates) == 1 else None,
                name=entry.name,
                province=record.province if len(candidates) == 1 else entry.province,
                credit_flags=flags,
            )
        )
    return tuple(matched)


def society_facts(society) -> SocietyFacts:
    parent = society.parent
    return SocietyFacts(
        id=society.pk,
        name=society.name,
        level=society.level,
        branch_kind=society.branch_kind,
        parent_name=parent.name if parent else "",
        parent_level=parent.level if parent else "",
        discipline=society.discipline,
        rating=society.rating,
        inspections={i.year: i.result for i in society.inspections.all()},
        credit_flags=_flags(society.credit_flags.all()),
    )


def host_facts(host) -> HostUnitFacts | None:
    if host is None:
        return None
    org = [f for f in host.credit_flags.all() if f.party == "organisation"]
    rep = [f for f in host.credit_flags.all() if f.party == "legal_rep"]
    return HostUnitFacts(
        id=host.pk,
        name=host.name,
        nature=host.nature,
        registered_city=host.registered_city,
        is_legal_person=host.is_legal_person,
        has_own_cast=host.has_own_cast,
        has_expert_workstation=host.has_expert_workstation,
        district=host.district.name if host.district_id else "",
        credit_flags=_flags(org),
        legal_rep_credit_flags=_flags(rep),
    )


# CityPolicy.penalty_measures (funding) -> the engine's penalty kinds (杭州 附件第十三条).
PENALTY_KINDS = {"ban": "ban", "revoke": "revoke", "stop": "stop_payment"}


def penalty_facts(society_id: int, city_id: int) -> tuple[PenaltyFacts, ...]:
    """Return the sanctions recorded against the society's grants in the city."""
    from funding.models import GrantDecision

    decisions = GrantDecision.objects.filter(
        kind=GrantDecision.Kind.PENALTY,
        grant__society_id=society_id,
        grant__city_id=city_id,
    ).order_by("created_at")
    return tuple(
        PenaltyFacts(
            date=timezone.localtime(d.created_at).date(),
            kind=PENALTY_KINDS.get(d.reason_code, "ban"),
            note=d.reason,
        )
        for d in decisions
    )


def funded_activities(application, year: int) -> tuple[str, ...]:
    """Return the same society's live grants in the city whose period covers `year`…

    …or overlaps the application's own support period: bases, stations, research topics
    and 海智 activities alike (杭州 六(二)). Whether one contains the other is for the
    reviewer to judge; the platform lists them.
    """
    from funding.models import Grant

    policy = get_city_policy(application.city)
    try:
        program = policy.program(application.program)
    except PolicyError:  # an unknown program has no period
        return ()
    if application.society_id is None:  # a host unit's own application: no society to match
        return ()
    params, _ = current_params(application.city)
    end = year + max(policy.support_years(program, params), 1) - 1
    grants = (
        # A grant carries its own society and city, with or without a station: topics and
        # 海智 activities count as much as bases and stations.
        Grant.objects.filter(society_id=application.society_id, city_id=application.city_id)
        .exclude(status__in=[Grant.Status.REVOKED, Grant.Status.DELISTED])
        .exclude(application_id=application.pk)
        .select_related("station", "application")
    )
    if application.station_id:
        grants = grants.exclude(station_id=application.station_id, program=application.program)
    found = []
    for grant in grants.order_by("start_year", "pk"):
        try:
            g_prog = policy.program(grant.program)
        except PolicyError:
            continue
        g_end = (
            grant.start_year
            + max(policy.support_years(g_prog, policy.params(grant.policy_params or {})), 1)
            - 1
        )
        if grant.start_year <= end and year <= g_end:
            found.append(f"{grant.subject}（{g_prog.label_zh}，{grant.start_year}–{g_end}年）")
    return tuple(found)


def same_year_approval(application, year: int) -> bool | None:
    """Return whether the society had a station/project approved in `year` (None: no rule)."""
    programs = get_city_policy(application.city).same_year_programs
    if not programs:
        return None
    return (
        type(application)
        .objects.filter(
            city_id=application.city_id,
            society_id=application.society_id,
            program__in=programs,
            outcome="certified",
            withdrawn=False,
            call__opens_on__year=year,
        )
        .exclude(pk=application.pk)
        .exists()
    )


def application_day() -> dt.date:
    """Return the date eligibility rules see as the application date (tests pin it)."""
    return timezone.localdate()


def build_facts(application, *, today: dt.date | None = None) -> EligibilityFacts:
    data = application.form_data or {}
    others = Station.objects.filter(city_id=application.city_id).exclude(status__in=GONE)
    if application.station_id:
        others = others.exclude(pk=application.station_id)
    discipline = data.get("discipline") or application.society.discipline
    station = application.station
    previously_key_supported = bool(
        station
        and (
            station.status == StationStatus.KEY_SUPPORTED
            or station.status_changes.filter(to_status=StationStatus.KEY_SUPPORTED).exists()
        )
    )
    return EligibilityFacts(
        city=application.city.policy_code,
        program=application.program,
        level=application.level,
        society=society_facts(application.society),
        host_unit=host_facts(application.host_unit),
        experts=match_experts(parse_experts(data.get("experts", "")), application.city_id),
        staff_count=_int(data.get("staff_count")),
        head_name=data.get("head_name", "") or "",
        discipline=discipline,
        agreement_signed_on=_date(data.get("agreement_signed_on")),
        term_start=_date(data.get("term_start")),
        term_end=_date(data.get("term_end")),
        same_discipline_stations=others.filter(
            Q(discipline=discipline) | Q(discipline="", society__discipline=discipline)
        ).count(),
        same_society_stations=others.filter(society_id=application.society_id).count(),
        previously_key_supported=previously_key_supported,
        station_filed=bool(
            station
            and (application.station_prior_status or station.status) != StationStatus.APPLIED
        ),
        attachments=frozenset(application.attachments.values_list("kind", flat=True)),
        application_date=today or application_day(),
        penalties=penalty_facts(application.society_id, application.city_id),
        funded_activities=funded_activities(application, (today or application_day()).year),
        district_name=str(data.get("district_name") or ""),
        apply_via=str(data.get("apply_via") or ""),
        county_talent_opinion=str(data.get("county_talent_opinion") or ""),
        has_same_year_station_or_project=same_year_approval(
            application, (today or application_day()).year
        ),
        # A call closes within its round (call_create clamps it to the round's deadline).
        round_year=application.call.closes_on.year if application.call_id else None,
    )
