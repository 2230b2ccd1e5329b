"""Calls, application drafts and the eligibility check (create, save draft, check, quotas)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit
from policies import api
from policies.api import (
    call_warnings,
    current_params,
    get_city_policy,
    quota_counts_level,
    workflow_for,
)
from stations.models import Station

from .. import permissions as perms
from ..calls import call_window, check_call_admin, merge_materials
from ..facts import build_facts
from ..forms import form_class_for
from ..models import Application, ApplicationTransition, AttachmentKind, Call
from ..station_record import application_prefill_from_station
from ._common import StaleVersion, _finding_dict


@transaction.atomic
def call_create(*, city, actor: User, data: Mapping[str, Any]) -> Call:
    """Publish a call; its required materials are the policy's plus the administrator's."""
    check_call_admin(actor, city)
    policy = get_city_policy(city)
    policy.program(data["program"])  # raises on an unknown program
    data = dict(data)
    data["required_materials"] = merge_materials(
        city, data["program"], data.get("required_materials") or ()
    )
    window = call_window(
        city=city,
        program=data["program"],
        opens_on=data.get("opens_on"),
        closes_on=data.get("closes_on"),
    )
    if window.clamped:
        data["closes_on"] = window.closes_on
    call = Call(city=city, created_by=actor, **data)
    call.full_clean()
    call.save()
    call.warnings = call_warnings(call)  # shown to the administrator; the call stands
    detail = {"program": call.program, "required_materials": call.required_materials}
    if window.clamped:
        call.warnings.insert(0, window.message)
        detail.update(requested_closes_on=window.requested.isoformat(), clause=window.clause)
    audit(
        event="call.created",
        user=actor,
        obj=call,
        reason="；".join(call.warnings),
        detail=detail,
    )
    call.window = window
    return call


def _scope_for_applicant(actor: User, call: Call, station=None, society=None) -> dict[str, Any]:
    """Return the applicant's society (and host unit) for a new application.

    A host unit names the society it signed the co-construction agreement with: the
    station's society when applying for a station, else the one chosen (a first filing,
    沈阳 三(一)), else the society of its only station.
    """
    if actor.role == Role.SOCIETY_STAFF:
        return {"society": actor.society}
    if actor.role == Role.HOST_STAFF:
        from stations.models import Society

        host = actor.host_unit
        if station is not None:
            return {"host_unit": host, "society": station.society}
        if society is not None:
            if society.city_id != call.city_id:
                raise ValidationError("请选择本市登记的合作学会。")
            return {"host_unit": host, "society": society}
        ids = set(Station.objects.filter(host_unit=host).values_list("society", flat=True))
        if len(ids) != 1:
            raise ValidationError("请选择与本单位签订共建协议的学会。")
        return {"host_unit": host, "society": Society.objects.get(pk=ids.pop())}
    raise PermissionDenied("只有申报单位可以申报")


@transaction.atomic
def application_create(
    *,
    call: Call,
    actor: User,
    host_unit=None,
    station=None,
    society=None,
    today: dt.date | None = None,
) -> Application:
    """Open a draft for a call (the actor must be the program's applicant role)."""
    today = today or timezone.localdate()
    workflow = workflow_for(call.city, call.program)
    if actor.role != workflow.stage(workflow.start).role:
        raise PermissionDenied("您的角色不能申报该项目")
    if actor.city_id != call.city_id:
        raise PermissionDenied("只能申报本市的项目")
    if not call.opens_on <= today <= call.closes_on:
        raise ValidationError("该批次不在申报期内。")
    if (
        station is not None
        and actor.role == Role.HOST_STAFF
        and station.host_unit_id != (actor.host_unit_id)
    ):
        raise PermissionDenied("只能为本单位的服务站申报")
    scope = _scope_for_applicant(actor, call, station=station, society=society)
    host_unit = scope.get("host_unit", host_unit)
    if host_unit is not None and host_unit.city_id != call.city_id:
        raise ValidationError("建站单位必须属于本市。")
    if station is not None and (
        station.city_id != call.city_id or station.society_id != scope["society"].pk
    ):
        raise PermissionDenied("只能为本学会的服务站申报")
    if station is not None and host_unit is None:
        host_unit = station.host_unit
    program = get_city_policy(call.city).program(call.program)
    _params, version = current_params(call.city)
    app = Application(
        city=call.city,
        call=call,
        program=call.program,
        level=program.levels[0],
        title=f"{scope['society'].name}·{program.label_zh}",
        society=scope["society"],
        host_unit=host_unit,
        district=host_unit.district if host_unit else None,
        station=station,
        stage=workflow.start,
        policy_version=version,
        created_by=actor,
        stage_entered_at=timezone.now(),
    )
    app.full_clean()
    app.save()
    audit(event="application.created", user=actor, obj=app, detail={"call": call.pk})
    if station is not None:
        # A later application of a station starts from what is known (issue 15).
        application_prefill_from_station(app, actor)
    return app


def _form_for(application: Application, data, *, draft: bool):
    policy = get_city_policy(application.city)
    cls = form_class_for(policy.code, application.program)
    return cls(data, draft=draft, levels=policy.program(application.program).levels)


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    actor: User,
    data: Mapping[str, Any],
    budget=None,
    host_unit=None,
    expected_version: int | None = None,
) -> Application:
    """Store the posted form values (valid or not yet) of an editable application.

    `host_unit` is the demand/host unit a society names for a new station (贵阳 三(三):
    the society applies together with a demand unit); it must be of the same city.
    """
    app = Application.objects.select_for_update().get(pk=application.pk)
    ok, reason = perms.can_edit_application(actor, app)
    if not ok:
        raise PermissionDenied(reason)
    if expected_version is not None and app.version != expected_version:
        raise StaleVersion("申报已被他人修改，请刷新后重试。")
    form = _form_for(app, data, draft=True)
    stored = {name: form[name].value() for name in form.fields}
    stored = {k: v for k, v in stored.items() if v not in (None, "")}
    if budget is not None:
        stored["budget"] = budget
    elif "budget" in app.form_data:
        stored["budget"] = app.form_data["budget"]
    app.form_data = stored
    app.title = stored.get("title") or app.title
    if host_unit is not None and app.station_id is None and app.host_unit_id != host_unit.pk:
        if host_unit.city_id != app.city_id:
            raise ValidationError("需求（建站）单位必须属于本市。")
        app.host_unit = host_unit
        app.district = host_unit.district
    level = stored.get("level")
    if level in get_city_policy(app.city).program(app.program).levels:
        app.level = level
    app.version += 1
    app.save()
    audit(event="application.draft_saved", user=actor, obj=app)
    return app


def application_check(application: Application, facts=None) -> list[dict[str, str]]:
    """Return completeness and eligibility findings for the application as it stands."""
    findings: list[dict[str, str]] = []
    form = _form_for(application, application.form_data, draft=False)
    if getattr(form, "needs_host_unit", False) and not application.host_unit_id:
        findings.append(
            {
                "code": "host_unit_missing",
                "severity": "block",
                "message": "请选择需求（建站）单位",
                "clause": get_city_policy(application.city)
                .program(application.program)
                .host_unit_clause,
            }
        )
    if not form.is_valid():
        missing = "、".join(str(form.fields[n].label) for n in form.errors if n in form.fields)
        findings.append(
            {
                "code": "form_incomplete",
                "severity": "block",
                "message": f"申报书未填写完整或有误：{missing or '请检查'}",
                "clause": "",
            }
        )
    if getattr(form, "has_budget", False) and not application.form_data.get("budget"):
        findings.append(
            {
                "code": "budget_missing",
                "severity": "block",
                "message": "请填写经费预算表",
                "clause": "",
            }
        )
    # 贵阳 四(四)4 (and any city's forbidden uses): refused in the budget table as in expenses.
    findings += [
        _finding_dict(f)
        for f in api.budget_findings(application.city, application.form_data.get("budget") or [])
    ]
    kinds = set(application.attachments.values_list("kind", flat=True))
    labels = dict(AttachmentKind.choices)
    for kind in application.call.required_materials:
        if kind not in kinds:
            findings.append(
                {
                    "code": f"missing_{kind}",
                    "severity": "block",
                    "message": f"缺少必交材料：{labels.get(kind, kind)}",
                    "clause": "",
                }
            )
    params, _version = current_params(application.city)
    facts = facts or build_facts(application)
    findings += [
        _finding_dict(f)
        for f in api.check_eligibility(application.city, application.program, facts, params)
    ]
    return findings


def _quota(application: Application, params: Mapping[str, Any]) -> int | None:
    """Return the quota this application counts against, or None (e.g. Yiyang provincial+)."""
    if not quota_counts_level(application.city, application.program, application.level):
        return None
    if application.call.quota is not None:
        return application.call.quota
    program = get_city_policy(application.city).program(application.program)
    value = params.get(program.quota_param) if program.quota_param else None
    return int(value) if value is not None else None


def quota_calls(application: Application):
    """Return the calls whose approvals share one quota with this application's call."""
    return application.call.quota_calls()


def approved_at_stage(application: Application, stage_code: str) -> int:
    """Count other applications of the year's calls already approved past `stage_code`.

    Where the program's quota counts only some levels (益阳 第十一条: city-level stations),
    only applications of this application's level count.
    """
    program = get_city_policy(application.city).program(application.program)
    moves = ApplicationTransition.objects.filter(
        application__call__in=quota_calls(application), from_stage=stage_code, action="approve"
    )
    if program.quota_levels:
        moves = moves.filter(application__level=application.level)
    return (
        moves.exclude(application_id=application.pk)
        .exclude(application__outcome="rejected")
        .exclude(application__withdrawn=True)
        .values("application_id")
        .distinct()
        .count()
    )
