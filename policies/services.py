"""Writes of the policies app: parameter versions, decision records, the holiday table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max, Model

from accounts.services import audit

from .engine import validate_params
from .models import PolicyDecision, PolicyVersion, StatutoryDay
from .registry import get_policy

INITIAL_EFFECTIVE_FROM = dt.date(2000, 1, 1)


def policy_version_ensure_initial(*, city) -> PolicyVersion:
    """Return version 1 of a city's parameters, creating it from the module defaults.

    Idempotent. Called by the data migration for the reference cities and lazily by
    selectors for cities created later.
    """
    policy = get_policy(city.policy_code)
    version, _ = PolicyVersion.objects.get_or_create(
        city=city,
        version=1,
        defaults={
            "effective_from": policy.effective_from or INITIAL_EFFECTIVE_FROM,
            "params": validate_params(policy, policy.defaults),
            "note": "政策文件默认值",
        },
    )
    return version


@transaction.atomic
def policy_version_create(
    *,
    city,
    params: dict[str, Any],
    effective_from: dt.date,
    note: str,
    actor,
    request=None,
    impact: dict[str, Any] | None = None,
) -> PolicyVersion:
    """Create the next parameter version of a city (old versions are never changed).

    `impact` is the preview the administrator confirmed (reports.forecast.Impact.as_dict):
    stored with the version, and its totals and affected stations go into the audit row.
    """
    policy = get_policy(city.policy_code)
    clean = validate_params(policy, params)
    policy_version_ensure_initial(city=city)
    # Lock the city's versions so two administrators saving at once cannot both take N+1.
    latest = (
        PolicyVersion.objects.select_for_update().filter(city=city).order_by("-version").first()
    )
    before = latest.params if latest else {}
    number = (PolicyVersion.objects.filter(city=city).aggregate(m=Max("version"))["m"] or 0) + 1
    version = PolicyVersion(
        city=city,
        version=number,
        effective_from=effective_from,
        params=clean,
        note=note,
        impact_preview=impact or {},
        created_by=actor,
    )
    version.full_clean()
    version.save()
    changed = {
        key: {"before": before.get(key), "after": value}
        for key, value in clean.items()
        if before.get(key) != value
    }
    audit(
        event="policy.params_changed",
        user=actor,
        request=request,
        obj=version,
        city_id=city.id,
        reason=note,
        clause=f"{policy.name_zh} 政策参数",
        detail={
            "version": number,
            "previous_version": latest.version if latest else None,
            "effective_from": effective_from.isoformat(),
            "before": before,
            "after": clean,
            "changed": changed,
            "impact": _impact_summary(impact),
        },
    )
    return version


def _impact_summary(impact: dict[str, Any] | None) -> dict[str, Any] | None:
    if not impact:
        return None
    return {
        "years": impact.get("years"),
        "totals": impact.get("totals"),
        "total_delta": impact.get("total_delta"),
        "quotas": impact.get("quotas"),
        "affected": [
            {"kind": a["kind"], "id": a["id"], "delta": a["delta"]}
            for a in impact.get("affected", [])
        ],
    }


def decision_record(
    *,
    city,
    kind: str,
    outcome: dict[str, Any],
    inputs: dict[str, Any] | None = None,
    clauses: list[str] | tuple[str, ...] = (),
    policy_version: PolicyVersion | None = None,
    program: str = "",
    subject: Model | None = None,
    subject_label: str = "",
    actor=None,
) -> PolicyDecision:
    """Store a computed decision with the parameter version it used (current if not given)."""
    if policy_version is None:
        from .selectors import policy_version_for

        policy_version = policy_version_for(city)
    decision = PolicyDecision(
        city=city,
        policy_version=policy_version,
        kind=kind,
        program=program,
        subject_type=subject._meta.label if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=(subject_label or (str(subject) if subject is not None else ""))[:200],
        inputs=inputs or {},
        outcome=outcome,
        clauses=list(clauses),
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def funding_decide(*, city, scenario: dict[str, Any], actor=None, subject=None) -> PolicyDecision:
    """Compute a funding schedule with today's parameters and store it as a decision."""
    from .engine import simulate
    from .selectors import policy_version_for

    version = policy_version_for(city)
    data = {**scenario, "city": city.policy_code}
    outcome = simulate(data, params=version.params, policy_version=version.version)
    clauses = sorted({c for year in outcome["years"] for c in year["clauses"]})
    return decision_record(
        city=city,
        kind="funding_schedule",
        program=outcome["program"],
        inputs=data,
        outcome=outcome,
        clauses=clauses,
        policy_version=version,
        subject=subject,
        actor=actor,
    )


@transaction.atomic
def statutory_day_save(
    *, date: dt.date, is_workday: bool, name: str, actor, request=None
) -> StatutoryDay:
    """Create or change one day of the holiday table, audited with before/after."""
    day = StatutoryDay.objects.filter(date=date).first()
    before = {"is_workday": day.is_workday, "name": day.name} if day else None
    if day is None:
        day = StatutoryDay(date=date)
    day.is_workday = is_workday
    day.name = name
    day.created_by = day.created_by or actor
    day.full_clean()
    day.save()
    audit(
        event="policy.statutory_day_saved",
        user=actor,
        request=request,
        obj=day,
        detail={
            "date": date.isoformat(),
            "before": before,
            "after": {"is_workday": is_workday, "name": name},
        },
    )
    return day


@transaction.atomic
def statutory_day_delete(*, day: StatutoryDay, actor, request=None) -> None:
    audit(
        event="policy.statutory_day_deleted",
        user=actor,
        request=request,
        obj=day,
        detail={
            "date": day.date.isoformat(),
            "before": {"is_workday": day.is_workday, "name": day.name},
        },
    )
    day.delete()
