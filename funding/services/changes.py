"""Written change requests (合并、重组、撤销、变更、终止) and their one status setter.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit, notify
from policies import api as engine
from stations.models import Station

from ..models import (
    ChangeRequest,
    Grant,
)
from ..selectors import is_station_member, station_users
from .grants import _move_station
from .status import S, grant_set_status


def change_request_set_status(*, request_obj: ChangeRequest, to_status: str) -> None:
    """The one status setter of a change request, over ChangeRequest.TRANSITIONS."""
    allowed = ChangeRequest.TRANSITIONS.get(request_obj.status, frozenset())
    if to_status not in allowed:
        raise ValidationError(
            f"变更申请已{request_obj.get_status_display()}，不能再{ChangeRequest.Status(to_status).label}。",
            code="illegal_transition",
        )
    request_obj.status = to_status


@transaction.atomic
def change_request_submit(
    *, station: Station, kind: str, reason: str, actor, request=None
) -> ChangeRequest:
    """File a station's written request (merge, restructure, cancel, change…) with its clause."""
    station = (
        Station.objects.select_for_update(of=("self",)).select_related("city").get(pk=station.pk)
    )
    policy = engine.policy_for(station.city)
    if not policy.change_kinds:
        raise ValidationError(f"{station.city}的政策未规定服务站变更申请。")
    if kind not in policy.change_kinds:
        raise ValidationError(
            {
                "kind": f"可申请的事项：{'、'.join(policy.change_kinds.values())}（{policy.change_clause}）"
            }
        )
    if actor.role not in policy.change_requesters or not is_station_member(actor, station):
        raise PermissionDenied(f"只有该服务站的申请单位可以提出书面申请（{policy.change_clause}）")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写书面申请的理由。"})
    if station.change_requests.filter(kind=kind, status=ChangeRequest.Status.PENDING).exists():
        raise ValidationError("该事项已有待审批的申请。")
    obj = ChangeRequest(
        station=station,
        kind=kind,
        reason=reason.strip(),
        clause=policy.change_clause,
        requested_by=actor,
    )
    obj.full_clean()
    obj.save()
    audit(
        event="funding.change_requested",
        user=actor,
        request=request,
        obj=obj,
        city_id=station.city_id,
        reason=obj.reason,
        clause=obj.clause,
        detail={"station": station.pk, "kind": kind},
    )
    from accounts.models import User
    from accounts.roles import Role

    notify(
        recipients=list(
            User.objects.filter(role=Role.CITY_ADMIN, city=station.city_id, is_active=True)
        ),
        title=f"{station}提出{policy.change_kinds[kind]}申请",
        body=f"{obj.reason}（{obj.clause}）",
        link=f"/funding/stations/{station.pk}/",
    )
    return obj


@transaction.atomic
def change_request_decide(
    *, change: ChangeRequest, approve: bool, note: str, actor, request=None
) -> ChangeRequest:
    """Approve or refuse a change request (city administrator); a cancellation ends support."""
    from accounts.roles import Role

    change = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("station__city")
        .get(pk=change.pk)
    )
    station = change.station
    if not actor.is_platform_admin and (
        actor.role != Role.CITY_ADMIN or actor.city_id != station.city_id
    ):
        raise PermissionDenied("只有本市科协管理员可以审批变更申请。")
    if not (note or "").strip():
        raise ValidationError({"note": "请填写审批意见。"})
    change_request_set_status(
        request_obj=change,
        to_status=ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REFUSED,
    )
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    change.full_clean()
    change.save()
    policy = engine.policy_for(station.city)
    label = policy.change_kinds.get(change.kind, change.kind)
    ended = []
    if approve and change.kind in policy.change_ends_support:
        reason = f"经批准{label}（书面申请）：{change.reason}"[:200]
        for grant in Grant.objects.select_for_update(of=("self",)).filter(
            station=station, frozen_reason=""
        ):
            grant.frozen_reason = reason
            grant.frozen_clause = change.clause
            grant_set_status(
                grant=grant,
                to_status=Grant.Status.REVOKED,
                actor=actor,
                reason=reason,
                clause=change.clause,
                request=request,
            )
            grant.full_clean()
            grant.save()
            ended.append(grant.pk)
        _move_station(station, S.REVOKED, actor, reason, change.clause)
    audit(
        event="funding.change_decided",
        user=actor,
        request=request,
        obj=change,
        city_id=station.city_id,
        reason=change.decision_note,
        clause=change.clause,
        detail={"approved": approve, "kind": change.kind, "grants_ended": ended},
    )
    notify(
        recipients=station_users(station),
        title=f"{station}{label}申请{'已批准' if approve else '未获批准'}",
        body=f"{change.decision_note}（{change.clause}）",
        link=f"/funding/stations/{station.pk}/",
    )
    return change
