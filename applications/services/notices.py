"""Public notice (公示) and objections raised during it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit
from policies.api import current_params, notice_end_date, workflow_for

from .. import permissions as perms
from ..models import Application, Objection, PublicNotice


@transaction.atomic
def notice_publish(
    *,
    city,
    applications: list[Application],
    actor: User,
    title: str,
    start_on: dt.date,
    body: str = "",
    backdated_for_demo: bool = False,
) -> PublicNotice:
    """Publish a public notice (公示) of applications waiting at their notice stage.

    A notice starts today or later: a back-dated one would be 期满 before anyone saw it
    (政策解释 7). `backdated_for_demo` is for the demo loader only (stations.demo_workflows
    places its story's notice weeks before the load day); no page or other caller passes it.
    Raises policies.workdays.CalendarMissing (nothing is published) when the notice runs into
    a year whose statutory holidays are not entered yet.
    """
    if actor.role != Role.CITY_ADMIN and not actor.is_platform_admin:
        raise PermissionDenied("只有市科协管理员可以发布公示")
    if not applications:
        raise ValidationError("请选择要公示的申报。")
    today = timezone.localdate()
    if start_on < today and not backdated_for_demo:
        raise ValidationError(
            f"公示开始日期不能早于今天（{today.year}年{today.month}月{today.day}日）："
            "公示期须自发布之日起计算，不能补登已过去的日期（政策解释 7）。",
            code="backdated",
        )
    params, _version = current_params(city)
    workdays, clause = None, ""
    for app in applications:
        if app.city_id != city.pk or not perms.in_scope(actor, app):
            raise PermissionDenied("只能公示本市的申报")
        stage = workflow_for(city, app.program).stage(app.stage)
        if not stage.notice_workdays_param or app.withdrawn:
            raise ValidationError(f"“{app.title}”不在公示环节")
        days = int(params[stage.notice_workdays_param])
        workdays = max(workdays or 0, days)
        clause = stage.clause
    notice = PublicNotice.objects.create(
        city=city,
        title=title,
        body=body,
        start_on=start_on,
        end_on=notice_end_date(city, start_on, workdays),
        workdays=workdays,
        clause=clause,
        published_by=actor,
    )
    notice.applications.set(applications)
    audit(
        event="notice.published",
        user=actor,
        obj=notice,
        clause=clause,
        detail={"applications": [a.pk for a in applications], "end_on": str(notice.end_on)},
    )
    return notice


@transaction.atomic
def objection_record(
    *,
    notice: PublicNotice,
    application: Application,
    actor: User,
    received_on,
    content: str,
    objector: str = "",
) -> Objection:
    if actor.role != Role.CITY_ADMIN and not actor.is_platform_admin:
        raise PermissionDenied("只有市科协管理员可以登记异议")
    if not notice.applications.filter(pk=application.pk).exists():
        raise ValidationError("该申报不在本次公示名单中")
    objection = Objection.objects.create(
        notice=notice,
        application=application,
        received_on=received_on,
        objector=objector,
        content=content,
        recorded_by=actor,
    )
    audit(event="notice.objection_recorded", user=actor, obj=application, reason=content)
    return objection


@transaction.atomic
def objection_decide(
    *, objection: Objection, actor: User, upheld: bool, resolution: str
) -> Objection:
    if actor.role != Role.CITY_ADMIN and not actor.is_platform_admin:
        raise PermissionDenied("只有市科协管理员可以处理异议")
    if not resolution.strip():
        raise ValidationError("请填写处理意见。")
    objection.upheld = upheld
    objection.resolution = resolution.strip()
    objection.save(update_fields=["upheld", "resolution"])
    audit(
        event="notice.objection_decided",
        user=actor,
        obj=objection.application,
        reason=resolution,
        detail={"upheld": upheld},
    )
    return objection
