"""Writes of the network app: registration, demand submission and the demand workflow.

`demand_transition` is the only place a demand's status changes. Activity mapping (the
station's records counted by the city evaluations):

- accepted (assigned to a station) → ActivityKind.DEMAND_SERVED, dated the acceptance day:
  the station has taken the enterprise's technical demand on (贵阳 三(三)7 counts demands
  *served* per year, not only the solved ones);
- solved → ActivityKind.PROBLEM_SOLVED (益阳 第十二条 破解企业技术难题);
- solved with "achievement transferred" → also ActivityKind.ACHIEVEMENT_TRANSFER.

Each demand produces at most one record of each kind (kept on the demand), so a repeated
request cannot count twice; closing a demand later does not delete the served record.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from accounts.services import audit, notify
from stations.choices import ActivityKind
from stations.models import ActivityRecord, City, Station

from . import permissions, workflow
from .choices import DemandStatus
from .models import Demand, DemandAttachment, DemandUpdate, Enterprise
from .selectors import PUBLIC_STATION_STATUSES, VIEW_DEMAND
from .validators import validate_attachment


@transaction.atomic
def enterprise_register(
    *,
    city: City,
    name: str,
    credit_code: str,
    industry: str = "",
    contact_name: str,
    contact_mobile: str,
    contact_email: str,
    username: str,
    password: str,
    request=None,
) -> Enterprise:
    """Create the enterprise and its login (role 企业用户, scoped to the chosen city)."""
    User = get_user_model()
    user = User(
        username=username,
        role=Role.ENTERPRISE,
        city=city,
        full_name=contact_name,
        mobile=contact_mobile,
        email=contact_email,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    enterprise = Enterprise(
        user=user,
        city=city,
        name=name,
        credit_code=credit_code.strip().upper(),
        industry=industry,
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        contact_email=contact_email,
    )
    enterprise.full_clean()
    enterprise.save()
    audit(event="network.enterprise_registered", user=user, request=request, obj=enterprise)
    return enterprise


def _demand_link(demand: Demand) -> str:
    return reverse("network:demand_detail", args=[demand.pk])


def _city_admins(city_id: int):
    return get_user_model().objects.filter(role=Role.CITY_ADMIN, city_id=city_id, is_active=True)


def _station_staff(station: Station):
    """Return the active staff of the station's society and of its host unit."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(role=Role.SOCIETY_STAFF, society_id=station.society_id)
            | Q(role=Role.HOST_STAFF, host_unit_id=station.host_unit_id)
        )
    )


@transaction.atomic
def demand_submit(
    *,
    enterprise: Enterprise,
    actor,
    title: str,
    description: str,
    industry: str,
    field: str,
    urgency: str,
    files=(),
    request=None,
) -> Demand:
    ok, reason = permissions.can_submit_demand(actor)
    if not ok or actor.enterprise.pk != enterprise.pk:
        raise ValidationError(reason or "只能以本企业名义提交需求。")
    demand = Demand(
        enterprise=enterprise,
        city_id=enterprise.city_id,
        title=title,
        description=description,
        industry=industry,
        field=field,
        urgency=urgency,
    )
    demand.full_clean()
    demand.save()
    for upload in files:
        checked = validate_attachment(upload)
        DemandAttachment.objects.create(
            demand=demand,
            file=upload,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=actor,
        )
    # The enterprise sees its own demands through this object grant (see network.scopes).
    assign_perm(VIEW_DEMAND, actor, demand)
    DemandUpdate.objects.create(demand=demand, actor=actor, to_status=demand.status)
    audit(event="network.demand_submitted", user=actor, request=request, obj=demand)
    notify(
        recipients=_city_admins(demand.city_id),
        title=f"新的企业技术需求：{demand.title}",
        body=f"{enterprise.name}提交了技术需求“{demand.title}”（{demand.field}，{demand.industry}），请受理并分派服务站。",
        link=_demand_link(demand),
    )
    return demand


def _record(demand: Demand, kind: str, actor, title: str) -> ActivityRecord:
    record = ActivityRecord(
        station=demand.station,
        kind=kind,
        date=timezone.localdate(),
        title=f"{title}：{demand.title}"[:150],
        description=f"企业：{demand.enterprise.name}；技术需求编号 {demand.pk}。{demand.outcome}".strip(),
        quantity=1,
        created_by=actor,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def demand_transition(
    *,
    demand: Demand,
    target: str,
    actor,
    note: str = "",
    station: Station | None = None,
    achievement_transferred: bool = False,
    request=None,
) -> Demand:
    """Move a demand to `target`, write its timeline and audit rows, record station activity."""
    # Lock the row: two administrators assigning at once, or a double-clicked "solved",
    # would otherwise both pass the state check and create two activity records.
    demand = (
        Demand.objects.select_for_update(of=("self",))
        .select_related("enterprise__user", "station")
        .get(pk=demand.pk)
    )
    ok, reason = permissions.can_transition_demand(actor, demand, target)
    if not ok:
        audit(
            event="network.demand_transition",
            user=actor,
            request=request,
            obj=demand,
            result="denied",
            reason=reason,
            detail={"from": demand.status, "to": target},
        )
        raise workflow.IllegalDemandTransition(reason)
    source = demand.status
    now = timezone.now()
    note = (note or "").strip()
    if target == DemandStatus.ACCEPTED:
        if station is None or station.city_id != demand.city_id:
            raise ValidationError({"station": "请选择本市的服务站。"})
        if station.status not in PUBLIC_STATION_STATUSES:
            raise ValidationError({"station": "该服务站当前状态不能承接需求。"})
        demand.station = station
        demand.accepted_at = now
    if target == DemandStatus.SOLVED:
        if not note:
            raise ValidationError({"note": "请填写服务成效（如何解决了企业的问题）。"})
        demand.outcome = note
        demand.achievement_transferred = achievement_transferred
    if target in workflow.TERMINAL:
        demand.finished_at = now
    demand.status = target
    demand.full_clean()
    if target == DemandStatus.ACCEPTED and demand.served_record_id is None:
        demand.served_record = _record(demand, ActivityKind.DEMAND_SERVED, actor, "服务技术需求")
    if target == DemandStatus.SOLVED:
        if demand.solved_record_id is None:
            demand.solved_record = _record(
                demand, ActivityKind.PROBLEM_SOLVED, actor, "解决企业难题"
            )
        if achievement_transferred and demand.transfer_record_id is None:
            demand.transfer_record = _record(
                demand, ActivityKind.ACHIEVEMENT_TRANSFER, actor, "成果转化"
            )
    demand.save()
    DemandUpdate.objects.create(
        demand=demand, actor=actor, from_status=source, to_status=target, note=note
    )
    audit(
        event="network.demand_transition",
        user=actor,
        request=request,
        obj=demand,
        reason=note,
        detail={"from": source, "to": target, "station": demand.station_id},
    )
    _notify_transition(demand, source, target)
    return demand


def _notify_transition(demand: Demand, source: str, target: str) -> None:
    link = _demand_link(demand)
    enterprise_user = demand.enterprise.user
    if target == DemandStatus.ACCEPTED:
        notify(
            recipients=[enterprise_user],
            title=f"您的技术需求已受理：{demand.title}",
            body=f"需求“{demand.title}”已由{demand.station.name}承接服务。",
            link=link,
        )
        notify(
            recipients=_station_staff(demand.station),
            title=f"新分派的企业技术需求：{demand.title}",
            body=f"市科协已将{demand.enterprise.name}的技术需求“{demand.title}”分派给{demand.station.name}。",
            link=link,
        )
    elif target == DemandStatus.SOLVED:
        notify(
            recipients=[enterprise_user],
            title=f"您的技术需求已解决：{demand.title}",
            body=f"{demand.station.name}已完成服务：{demand.outcome}",
            link=link,
        )
    elif target == DemandStatus.CLOSED:
        notify(
            recipients=[enterprise_user],
            title=f"您的技术需求已关闭：{demand.title}",
            body="可登录平台查看办理记录。",
            link=link,
        )
