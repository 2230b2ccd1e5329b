"""Build the policy engine's EligibilityFacts from an application.

ADAPTER (issue 4, pending issue 3): `policies.selectors` is meant to build facts from ORM
objects; until it offers a builder for an application, this module does, from the
application's society, host unit, form data, attachments and the city's other stations.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from policies.facts import EligibilityFacts, ExpertFacts, HostUnitFacts, SocietyFacts
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
        station and station.status_changes.filter(to_status=StationStatus.KEY_SUPPORTED).exists()
    )
    return EligibilityFacts(
        city=application.city.policy_code,
        program=application.program,
        level=application.level,
        society=society_facts(application.society),
        host_unit=host_facts(application.host_unit),
        experts=parse_experts(data.get("experts", "")),
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
        # A call closes within its round (call_create clamps it to the round's deadline).
        round_year=application.call.closes_on.year if application.call_id else None,
    )
