"""Decisions outside the schedule the policy declares: penalties (with the ban length),
discretionary later-year support and revocation on a declared ground.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit, notify
from policies import api as engine

from ..graded_years import graded_years
from ..models import (
    Grant,
    GrantDecision,
    Recovery,
)
from ..selectors import net_paid, station_users
from .grants import _move_station
from .recoveries import _recovery_add
from .status import S, grant_set_status, yuan


def _cities_declaring(attribute: str) -> str:
    """The names of the cities whose policy declares `attribute` (for a refusal message)."""
    from policies.api import all_policies

    return "、".join(p.name_zh for p in all_policies().values() if getattr(p, attribute))


@transaction.atomic
def grant_penalize(*, grant: Grant, measure: str, reason: str, actor, request=None) -> Grant:
    """Apply the city's penalty by severity (CityPolicy.penalty_measures): stop, revoke and
    refund, or revoke, refund and ban applications for the policy's ban length."""
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("city", "station")
        .get(pk=grant.pk)
    )
    policy = engine.policy_for(grant.city)
    params = engine.current_version(grant.city).params
    penalties = policy.penalty_labels(params)
    clause = policy.penalty_clause
    if not penalties:
        raise ValidationError(
            f"按严重程度停拨、撤销、限期不受理的处罚仅适用于{_cities_declaring('penalty_measures')}。"
        )
    if measure not in penalties:
        raise ValidationError({"measure": "未知的处罚措施。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写处罚原因（如逾期未报、未完成任务、违规使用）。"})
    grant.frozen_reason = f"{penalties[measure]}：{reason.strip()}"[:200]
    grant.frozen_clause = clause
    refund = 0
    if measure == "stop":
        to_status, target = Grant.Status.SUSPENDED, S.SUSPENDED
    else:
        to_status, target = Grant.Status.REVOKED, S.REVOKED
    grant_set_status(
        grant=grant,
        to_status=to_status,
        actor=actor,
        reason=grant.frozen_reason,
        clause=clause,
        request=request,
    )
    if measure != "stop":
        refund = net_paid(grant)
        if refund > 0:
            _recovery_add(
                grant=grant,
                year=timezone.localdate().year,
                amount=refund,
                source=Recovery.Source.REVOCATION,
                reason=f"{penalties[measure]}：{reason.strip()}",
                clause=clause,
                actor=actor,
            )
        if measure == "ban":
            today = timezone.localdate()
            # The ban's length is the city's parameter (CityPolicy.ban_years_param).
            years = policy.ban_years(params)
            grant.banned_until = (
                today.replace(year=today.year + years)
                if not (today.month == 2 and today.day == 29)
                else dt.date(today.year + years, 2, 28)
            )
    grant.full_clean()
    grant.save()
    GrantDecision.objects.create(
        grant=grant,
        kind=GrantDecision.Kind.PENALTY,
        year=timezone.localdate().year,
        amount=refund if measure != "stop" else 0,
        reason_code=measure,
        reason=grant.frozen_reason,
        clause=clause,
        created_by=actor,
    )
    _move_station(grant.station, target, actor, grant.frozen_reason, clause)
    audit(
        event="funding.grant_penalized",
        user=actor,
        request=request,
        obj=grant,
        city_id=grant.city_id,
        reason=reason,
        clause=clause,
        detail={"measure": measure, "banned_until": str(grant.banned_until or "")},
    )
    return grant


def _grant_open(grant: Grant, what: str, attribute: str) -> None:
    """Refuse unless the grant's policy declares `attribute` and the grant is still open."""
    if not getattr(engine.policy_for(grant.city), attribute):
        raise ValidationError(f"{what}仅适用于{_cities_declaring(attribute)}的政策规定的资助。")
    if grant.frozen_reason or grant.status in (Grant.Status.REVOKED, Grant.Status.DELISTED):
        raise ValidationError(f"该资助已终止：{grant.frozen_reason or grant.get_status_display()}")


@transaction.atomic
def support_award(
    *, grant: Grant, year: int, amount: int, reason: str, actor, request=None
) -> GrantDecision:
    """Enter discretionary later-year support (CityPolicy.later_support_clause); finance then
    pays it once."""
    # Lock the grant: two administrators entering the same year at once must not both pass.
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("city", "station")
        .get(pk=grant.pk)
    )
    _grant_open(grant, "后续年度补助", "later_support_clause")
    clause = engine.policy_for(grant.city).later_support_clause
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写给予补助的理由（合作情况）。"})
    if year <= grant.start_year:
        raise ValidationError(
            {"year": f"后续年度补助须在认定年度（{grant.start_year}年）之后（{clause}）。"}
        )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "补助金额须为正整数（元）。"})
    latest = graded_years().latest_confirmed(grant, year)
    if latest is None or latest.grade != "qualified":
        raise ValidationError(
            f"后续年度补助只给予考核合格的工作站：最近一次考核"
            f"{'尚未确认' if latest is None else '不合格'}（{clause}）。"
        )
    if grant.decisions.filter(kind=GrantDecision.Kind.SUPPORT, year=year).exists():
        raise ValidationError({"year": f"{year}年度补助已确定，不能重复确定。"})
    if grant.disbursements.filter(year=year).exists():
        raise ValidationError({"year": f"{year}年度已有拨付。"})
    award = GrantDecision(
        grant=grant,
        kind=GrantDecision.Kind.SUPPORT,
        year=year,
        amount=amount,
        reason=reason.strip(),
        clause=clause,
        created_by=actor,
    )
    award.full_clean()
    award.save()
    city = grant.city
    engine.record_decision(
        city=city,
        version=engine.current_version(city),
        kind="discretionary_support",
        program=grant.program,
        subject=grant,
        inputs={"year": year, "reason": award.reason, "assessed": latest.year},
        outcome={"amount": amount},
        clauses=[clause],
        actor=actor,
    )
    audit(
        event="funding.support_awarded",
        user=actor,
        request=request,
        obj=grant,
        city_id=city.pk,
        reason=award.reason,
        clause=clause,
        detail={"year": year, "amount": amount},
    )
    notify(
        recipients=station_users(grant.station),
        title=f"{grant.station}获{year}年度后续补助 {yuan(amount)} 元（待财务拨付）",
        body=f"{award.reason}（{clause}）",
        link=f"/funding/stations/{grant.station_id}/",
    )
    return award


@transaction.atomic
def grant_revoke(
    *,
    grant: Grant,
    reason_code: str,
    detail: str,
    actor,
    recover_amount: int | None = None,
    request=None,
) -> GrantDecision:
    """Revoke a station for a ground of CityPolicy.revocation_reasons; recover money if so
    decided."""
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("city", "station")
        .get(pk=grant.pk)
    )
    _grant_open(grant, "撤销学会工作站", "revocation_reasons")
    policy = engine.policy_for(grant.city)
    clause = policy.revocation_clause
    if reason_code not in policy.revocation_reasons:
        raise ValidationError({"reason_code": f"请选择{clause}规定的撤销情形。"})
    if not (detail or "").strip():
        raise ValidationError({"detail": "请写明事实与认定依据。"})
    label = policy.revocation_reasons[reason_code]
    recover_amount = recover_amount or 0
    available = net_paid(grant)
    if recover_amount < 0 or recover_amount > available:
        raise ValidationError(
            {"recover_amount": f"追回金额须在 0–{yuan(available)} 元之间（已拨付净额）。"}
        )
    reason = f"撤销学会工作站（{label}）：{detail.strip()}"
    grant_set_status(
        grant=grant,
        to_status=Grant.Status.REVOKED,
        actor=actor,
        reason=reason,
        clause=clause,
        request=request,
    )
    grant.frozen_reason = reason[:200]
    grant.frozen_clause = clause
    grant.full_clean()
    grant.save()
    decision = GrantDecision(
        grant=grant,
        kind=GrantDecision.Kind.REVOKE,
        year=timezone.localdate().year,
        amount=recover_amount,
        reason_code=reason_code,
        reason=reason,
        clause=clause,
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    if recover_amount:
        _recovery_add(
            grant=grant,
            year=decision.year,
            amount=recover_amount,
            source=Recovery.Source.REVOCATION,
            reason=reason,
            clause=clause,
            actor=actor,
        )
    _move_station(grant.station, S.REVOKED, actor, reason, clause)
    city = grant.city
    engine.record_decision(
        city=city,
        version=engine.current_version(city),
        kind="revocation",
        program=grant.program,
        subject=grant,
        inputs={"reason_code": reason_code, "detail": detail.strip()},
        outcome={"status": "revoked", "recovered": recover_amount},
        clauses=[clause],
        actor=actor,
    )
    audit(
        event="funding.grant_revoked",
        user=actor,
        request=request,
        obj=grant,
        city_id=city.pk,
        reason=reason,
        clause=clause,
        detail={"reason_code": reason_code, "recovered": recover_amount},
    )
    notify(
        recipients=station_users(grant.station),
        title=f"{grant.station}已被撤销（{clause}）",
        body=reason
        + (f"；须退回已拨付资金 {yuan(recover_amount)} 元。" if recover_amount else "。"),
        link=f"/funding/stations/{grant.station_id}/",
    )
    return decision
