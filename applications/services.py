"""Writes for applications. `application_transition` is the only place a stage changes.

Every function is keyword-only and atomic, checks applications.permissions itself (so a
forged request is refused even without a button), writes an audit row and queues
notifications on commit (accounts.services.notify).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import statistics
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import CITY_WIDE_ROLES, Role
from accounts.services import audit, notify
from policies import api
from policies.api import (
    ACTION_LABELS,
    EligibilityFacts,
    Finding,
    PolicyError,
    Stage,
    acting_roles,
    amount_required,
    call_warnings,
    check_amount,
    current_params,
    get_city_policy,
    notice_end_date,
    quota_counts_level,
    record_eligibility,
    review_rubric,
    workflow_for,
)
from stations.choices import StationStatus
from stations.models import Expert, Station
from stations.services import station_create, station_set_status, station_update
from stations.uploads import ALL_TYPES, CheckedUpload, validate_upload

from . import permissions as perms
from .calls import CallWindow, call_window, check_call_admin, merge_materials  # noqa: F401
from .facts import build_facts
from .forms import form_class_for
from .models import (
    Application,
    ApplicationTransition,
    Attachment,
    AttachmentKind,
    Call,
    Certification,
    ExpertAssignment,
    ExpertDraw,
    Inspection,
    MessageTemplate,
    Objection,
    ProjectContract,
    PublicNotice,
    QuotaOverride,
    ReviewScore,
)
from .station_record import application_prefill_from_station, station_keep_from_application


class TransitionError(ValidationError):
    """An illegal move or a guard that does not hold (message in Chinese, with the clause)."""


class StaleVersion(TransitionError):
    """The application changed since the page was loaded (e.g. a double-clicked button)."""


class ConflictOfInterest(ValidationError):
    """The expert must recuse (回避): own society, host unit or employer of the applicant."""


# --- attachments ------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {"jpg", "png"}


def check_upload(upload, *, allowed=ALL_TYPES) -> CheckedUpload:
    """Return what an acceptable upload is, or raise a ValidationError in Chinese."""
    return validate_upload(upload, allowed=allowed, max_bytes=ATTACHMENT_MAX_BYTES)


@transaction.atomic
def attachment_add(
    *, application: Application, actor: User, kind: str, upload, inspection=None
) -> Attachment:
    if inspection is None:
        ok, reason = perms.can_edit_application(actor, application)
        if not ok:
            raise PermissionDenied(reason)
        allowed = ALL_TYPES
    else:
        allowed = PHOTO_TYPES
    checked = check_upload(upload, allowed=allowed)
    if kind not in AttachmentKind.values:
        raise ValidationError("未知的材料类别。")
    att = Attachment(
        application=application,
        inspection=inspection,
        kind=kind,
        file=upload,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    att.save()
    audit(
        event="application.attachment_added",
        user=actor,
        obj=application,
        detail={"kind": kind, "file": att.original_name, "size": att.size},
    )
    return att


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    ok, reason = perms.can_edit_application(actor, attachment.application)
    if not ok:
        raise PermissionDenied(reason)
    audit(
        event="application.attachment_deleted",
        user=actor,
        obj=attachment.application,
        detail={"kind": attachment.kind, "file": attachment.original_name},
    )
    attachment.file.delete(save=False)
    attachment.delete()


# --- calls and drafts -------------------------------------------------------------------------


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


# --- the transition -------------------------------------------------------------------------


def _finding_dict(f: Finding) -> dict[str, str]:
    return {"code": f.code, "severity": f.severity, "message": f.message_zh, "clause": f.clause}


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


def _check_guards(
    app: Application,
    stage: Stage,
    action: str,
    actor: User,
    params: Mapping[str, Any],
    override_reason: str,
    today: dt.date,
    facts: Callable[[], EligibilityFacts],
) -> tuple[list[dict], QuotaOverride | None]:
    findings: list[dict] = []
    override = None
    if action == "submit":
        findings = application_check(app, facts=facts())
        blocking = [f for f in findings if f["severity"] == "block"]
        if blocking:
            text = "；".join(
                f["message"] + (f"（{f['clause']}）" if f["clause"] else "") for f in blocking
            )
            raise TransitionError(
                f"不能提交：{text}",
                code="blocked",
                params={"findings": blocking, "all": findings, "facts": facts()},
            )
        record_eligibility(app, findings=findings, facts=facts(), actor=actor)
    if action != "approve":
        return findings, override
    if stage.records_contract and not ProjectContract.objects.filter(application=app).exists():
        # 签订项目合同: the page records the contract with the approval; a direct call too.
        raise TransitionError(
            f"请先登记项目合同（签订日期、合同编号、签字盖章扫描件）（{stage.clause}）",
            code="contract_missing",
        )
    if stage.needs_inspection and not app.inspections.exists():
        raise TransitionError(
            f"尚未记录实地考察，不能通过本环节（{stage.clause}）", code="no_inspection"
        )
    if stage.needs_expert_score:
        assignments = list(
            app.assignments.filter(stage=stage.code, declared_conflict="", removed_at__isnull=True)
        )
        if not assignments:
            raise TransitionError(f"尚未指派评审专家（{stage.clause}）", code="no_experts")
        pending = [a for a in assignments if not hasattr(a, "score") or not a.score.submitted_at]
        if pending:
            raise TransitionError(
                f"还有 {len(pending)} 位专家未提交评分，不能进入下一环节（{stage.clause}）",
                code="scores_incomplete",
            )
    if stage.notice_workdays_param:
        notice = app.notices.order_by("-start_on").first()
        if notice is None:
            raise TransitionError(f"尚未发布公示（{stage.clause}）", code="no_notice")
        if today <= notice.end_on:
            raise TransitionError(
                f"公示期至 {notice.end_on:%Y年%m月%d日} 结束，期满后方可进入下一环节（{notice.clause}）",
                code="notice_open",
            )
        objections = app.objections.filter(notice=notice)
        if objections.filter(upheld=True).exists():
            raise TransitionError(f"公示期间有异议成立，不能通过（{notice.clause}）", code="upheld")
        if objections.filter(upheld__isnull=True).exists():
            raise TransitionError("公示异议尚未处理完毕", code="objection_pending")
    if stage.double_funding_check:
        _check_double_funding(app, actor, params, override_reason, facts())
    if stage.quota_check:
        quota = _quota(app, params)
        if quota is not None:
            # Lock the call: two approvers passing different applications of the same round
            # at once would otherwise both count N-1 approvals and together exceed the quota.
            # The year's calls share the quota: lock them all, in a fixed order.
            list(quota_calls(app).select_for_update().order_by("pk").values_list("pk", flat=True))
            approved = approved_at_stage(app, stage.code)
            if approved >= quota:
                if not override_reason.strip():
                    raise TransitionError(
                        f"名额已满（{approved}/{quota}），超出名额通过须填写理由（政策解释 6；{stage.clause}）",
                        code="quota_full",
                    )
                override = QuotaOverride(
                    application=app,
                    stage=stage.code,
                    quota=quota,
                    approved_count=approved,
                    reason=override_reason.strip(),
                    actor=actor,
                )
    return findings, override


def _check_double_funding(
    app: Application, actor: User, params, override_reason: str, facts: EligibilityFacts
) -> None:
    """Refuse approval over an overlapping funded activity unless a reason is recorded."""
    found = [
        f
        for f in api.check_eligibility(app.city, app.program, facts, params)
        if f.code == "double_funding"
    ]
    if not found:
        return
    finding = found[0]
    if not override_reason.strip():
        raise TransitionError(
            f"{finding.message_zh}。确需立项的，须填写不构成重复资助的理由（{finding.clause}）",
            code="double_funding",
            params={"findings": [_finding_dict(finding)]},
        )
    audit(
        event="application.double_funding_overridden",
        user=actor,
        obj=app,
        city_id=app.city_id,
        reason=override_reason.strip(),
        clause=finding.clause,
        detail={"funded_activities": list(facts.funded_activities)},
    )


def _fix_amount(app: Application, stage: Stage, amount: int | None, params) -> None:
    """Fix the amount the policy leaves to the approver, within its range (政策解释 4)."""
    if not amount_required(app.city, app.program, app.level):
        app.amount = None
        return
    if amount is None:
        raise TransitionError(f"请填写核定金额（{stage.clause}）", code="amount_required")
    try:
        app.amount = check_amount(app.city, app.program, app.level, int(amount), params)
    except PolicyError as exc:
        raise TransitionError(f"{exc}（{stage.clause}）", code="amount_range") from exc


def _facts_once(app: Application) -> Callable[[], EligibilityFacts]:
    """Return a builder of the application's facts that queries at most once per move."""
    built: list[EligibilityFacts] = []

    def facts() -> EligibilityFacts:
        if not built:
            built.append(build_facts(app))
        return built[0]

    return facts


def _enter(app: Application, current: str, action: str, facts: api.FactsSource = None) -> api.Move:
    """Return where `action` at stage `current` takes the application, by the engine.

    The city's workflow says which moves are legal and which stages the facts make optional
    (`skip_if`); an illegal move is refused as a TransitionError citing the engine's reason.
    """
    try:
        return api.move(app.city, app.program, current, action, facts)
    except api.IllegalTransition as exc:
        raise TransitionError(str(exc), code="illegal") from exc


def application_transition(
    *,
    application: Application,
    action: str,
    actor: User,
    comment: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    amount: int | None = None,
) -> ApplicationTransition:
    """Move the application along its city's workflow (or withdraw it) and record the move.

    A submission refused by blocking findings rolls back, but the findings are kept on the
    application afterwards so the applicant sees them with their clauses; every submission's
    eligibility result is stored as a policy decision with the parameter version in force.
    `amount` is the yearly/one-off amount fixed at a `sets_amount` stage where the policy
    leaves it open (Hangzhou ranges, Yiyang national 一事一议).
    """
    try:
        return _transition(
            application=application,
            action=action,
            actor=actor,
            comment=comment,
            override_reason=override_reason,
            expected_version=expected_version,
            today=today,
            amount=amount,
        )
    except TransitionError as exc:
        if getattr(exc, "code", None) == "blocked" and exc.params:
            with transaction.atomic():
                Application.objects.filter(pk=application.pk).update(
                    findings=exc.params["findings"], findings_at=timezone.now()
                )
                record_eligibility(
                    application, findings=exc.params["all"], facts=exc.params["facts"], actor=actor
                )
        raise


@transaction.atomic
def _transition(
    *,
    application: Application,
    action: str,
    actor: User,
    comment: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
    amount: int | None = None,
) -> ApplicationTransition:
    today = today or timezone.localdate()
    # Lock the row: a double-clicked "approve" sends two requests; the second waits here,
    # then sees the new version/stage and is refused instead of moving the application twice.
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("city", "call", "society", "host_unit", "station")
        .get(pk=application.pk)
    )
    if expected_version is not None and app.version != expected_version:
        raise StaleVersion("该申报已被处理（页面已过期），请刷新后查看。", code="stale")
    ok, reason = perms.can_take_action(actor, app, action)
    if not ok:
        audit(
            event="application.transition_denied",
            user=actor,
            obj=app,
            result="denied",
            reason=reason,
            detail={"action": action, "stage": app.stage},
        )
        raise PermissionDenied(reason)
    workflow = workflow_for(app.city, app.program)
    stage = workflow.stage(app.stage)
    params, version = current_params(app.city)
    if action in ("return", "reject") and not comment.strip():
        raise TransitionError("退回修改或不予通过须填写意见。", code="comment_required")

    if action == "withdraw":
        target, skipped, findings, override = "withdrawn", [], [], None
    else:
        facts = _facts_once(app)
        # Where the move leads (the engine refuses an illegal one), then the stage's guards.
        landed = _enter(app, stage.code, action, facts)
        findings, override = _check_guards(
            app, stage, action, actor, params, override_reason, today, facts
        )
        if action == "approve" and stage.sets_amount:
            _fix_amount(app, stage, amount, params)
        target, skipped = landed.stage.code, list(landed.skipped)

    from_stage = app.stage
    now = timezone.now()
    app.stage = target
    app.stage_entered_at = now
    app.version += 1
    app.policy_version = version
    if action == "submit":
        app.findings, app.findings_at = findings, now
        app.submitted_at = now
    if action == "withdraw":
        app.withdrawn = True
        app.outcome = "withdrawn"
        app.decided_at = now
    else:
        new_stage = workflow.stage(target)
        if new_stage.is_terminal:
            app.outcome = next(
                (t for t in ("certified", "filed", "rejected") if t in new_stage.tags), "closed"
            )
            app.decided_at = now
    app.save()
    if override is not None:
        override.save()
    record = ApplicationTransition.objects.create(
        application=app,
        actor=actor,
        action=action,
        from_stage=from_stage,
        to_stage=target,
        comment=comment.strip(),
        clause=stage.clause,
        policy_version=version,
        skipped=skipped,
    )
    _sync_station(app, actor, action, target)
    audit(
        event=f"application.{action}",
        user=actor,
        obj=app,
        reason=comment.strip(),
        clause=stage.clause,
        detail={
            "from": from_stage,
            "to": target,
            "skipped": skipped,
            "policy_version": version,
            "override": override.reason if override else "",
            "amount": app.amount,
        },
    )
    _notify_after(app, record)
    return record


# --- station and certification --------------------------------------------------------------


def _station_name(app: Application) -> str:
    """Return the station's official name: the policy's naming rule where it declares one.

    ADAPTER: CityPolicy has no naming hook yet; Shenyang's module exports `station_name`
    (沈阳 三(二)). Any city module exporting the same function gets the same treatment.
    """
    import importlib

    policy = get_city_policy(app.city)
    module = importlib.import_module(type(policy).__module__)
    rule = getattr(policy, "station_name", None) or getattr(module, "station_name", None)
    if rule is None:
        return app.form_data.get("title") or app.title
    society = app.society
    parent = society.parent
    district = app.form_data.get("district_name", "")
    try:
        return rule(
            society_name=society.name,
            society_level=society.level,
            branch_name=society.name.removeprefix(parent.name) if parent else "",
            parent_name=parent.name if parent else "",
            district=district,
        )
    except PolicyError as exc:
        raise TransitionError(str(exc), code="name_incomplete") from exc


def _sync_station(app: Application, actor: User, action: str, target: str) -> None:
    """Keep the linked station's status in step with the application (stations.services)."""
    workflow = workflow_for(app.city, app.program)
    if action == "submit" and app.host_unit_id:
        if app.station_id is None:
            data = app.form_data
            name = app.title
            if Station.objects.filter(city_id=app.city_id, name=name).exists():
                name = f"{name}（申报{app.pk}）"
            station = station_create(
                actor=actor,
                data={
                    "city": app.city,
                    "district": app.district,
                    "society": app.society,
                    "host_unit": app.host_unit,
                    "level": app.level,
                    "program": app.program,
                    "name": name,
                    "discipline": data.get("discipline", "") or app.society.discipline,
                    "industry": data.get("key_industry") or data.get("industry", "") or "",
                    "head_name": data.get("head_name", "") or "",
                },
                status=StationStatus.APPLIED,
                reason=f"申报：{app.title}",
            )
            app.station = station
            app.save(update_fields=["station"])
        elif app.station.status != StationStatus.APPLIED:
            app.station_prior_status = app.station.status
            app.save(update_fields=["station_prior_status"])
            station_set_status(
                station=app.station,
                to_status=StationStatus.APPLIED,
                actor=actor,
                reason=f"申报：{app.title}",
            )
        return
    if not app.outcome:
        return
    stage = workflow.stage(target) if target in workflow.codes else None
    official = _station_name(app) if app.outcome == "certified" else ""
    station = Station.objects.get(pk=app.station_id) if app.station_id else None
    if station is not None and app.outcome in ("certified", "filed") and stage is not None:
        to = StationStatus.FILED if app.outcome == "filed" else StationStatus.CERTIFIED
        if "key_supported" in stage.tags:
            to = StationStatus.KEY_SUPPORTED
        clash = Station.objects.filter(city_id=app.city_id, name=official).exclude(pk=station.pk)
        changes = {}
        if official and not clash.exists():
            changes["name"] = official
        if to == StationStatus.KEY_SUPPORTED and station.program != app.program:
            # The station is now of the key-support program (沈阳: filed → key support): its
            # header must not keep showing the filing it started from.
            changes["program"] = app.program
        if changes:
            station_update(station=station, actor=actor, data=changes)
        if station.status != to:
            station_set_status(
                station=station,
                to_status=to,
                actor=actor,
                reason=stage.label_zh,
                clause=stage.clause,
            )
        station_keep_from_application(app, station, actor)
    elif station is not None and station.status == StationStatus.APPLIED:
        back = app.station_prior_status or StationStatus.REVOKED
        station_set_status(
            station=station,
            to_status=back,
            actor=actor,
            reason="申报撤回" if app.withdrawn else "申报未获通过",
        )
    if app.outcome == "certified":
        _certify(app, station, actor, official)
        _grant_on_certification(app, station, actor)


def _grant_on_certification(app: Application, station: Station | None, actor: User) -> None:
    """Create the grant when a funded program's workflow ends certified (funding.services).

    A station's program grants the station; a program without one (a research topic, an
    activity, an award) grants the application, paid to the program's payee. Either way the
    grant keeps the application, whose 申报书 gives the payee account and budget lines. The
    amount is the one fixed at approval where the policy leaves it open; otherwise the
    funding engine takes it from the parameters. A funding refusal (e.g. 杭州 六(二) no
    double funding) refuses the certification too: nothing is named or awarded without its
    money being settled.
    """
    from funding.services import grant_create, grant_create_for_application

    program = get_city_policy(app.city).program(app.program)
    if program.payment == "none":
        return
    entered = app.amount if amount_required(app.city, app.program, app.level) else None
    try:
        if station is None:
            grant_create_for_application(
                application=app,
                start_year=timezone.localdate().year,
                amount=entered,
                actor=actor,
            )
            return
        grant_create(
            station=station,
            program=app.program,
            start_year=timezone.localdate().year,
            level=app.level,
            amount=entered,
            application=app,
            actor=actor,
        )
    except ValidationError as exc:
        raise TransitionError(
            "不能建立资助项目：" + "；".join(exc.messages), code="grant_refused"
        ) from exc


def _certify(
    app: Application, station: Station | None, actor: User, official: str
) -> Certification:
    """Issue the certificate, numbered by the city's 文号 service (e.g. 益科协〔2026〕3号,
    registered by reports: applications.numbering), and stamp the station with it."""
    from .numbering import document_number

    today = timezone.localdate()
    number = document_number(
        kind="certificate",
        obj=station if station is not None else app,
        city=app.city,
        year=today.year,
        actor=actor,
    )
    cert = Certification.objects.create(
        application=app,
        station=station,
        certificate_no=number,
        official_name=official,
        issued_on=today,
        issued_by=actor,
    )
    if station is not None:
        station_update(
            station=station,
            actor=actor,
            data={"certificate_no": number, "certified_on": today},
        )
    audit(
        event="application.certified",
        user=actor,
        obj=app,
        # --- outcome wording --- the log says what was issued: 认定授牌, 立项 or 表彰.
        detail={
            "certificate_no": number,
            "outcome": api.outcome_wording(app.city, app.program).verb,
        },
    )
    return cert


# --- notifications ------------------------------------------------------------------------------

DEFAULT_MESSAGES = {
    "waiting": ("待办：{title}（{stage}）", "申报“{title}”已进入“{stage}”环节，等待您办理。"),
    "returned": ("申报被退回修改：{title}", "意见：{comment}"),
    # {outcome}: what was issued, in the program's words (已立项，立项编号… / 已表彰，表彰文号…).
    "decided": ("申报办结：{title}（{stage}）", "申报“{title}”结果：{stage}。{outcome}{comment}"),
    "assigned": ("评审任务：{title}", "请于 {due} 前完成评审。"),
    "reminder": ("评审即将到期：{title}", "请于 {due} 前完成评审。"),
}


def render_message(city, event: str, **values) -> tuple[str, str]:
    """Return (title, body) from the city's template for `event`, else the default."""
    tpl = MessageTemplate.objects.filter(city=city, event=event).first()
    title, body = (tpl.title, tpl.body) if tpl else DEFAULT_MESSAGES[event]

    class Safe(dict):
        def __missing__(self, key):
            return ""

    return title.format_map(Safe(values)), body.format_map(Safe(values))


def stage_actors(app: Application, stage: Stage) -> list[User]:
    """Return the active users who act at `stage` for this application."""
    users = User.objects.filter(is_active=True, city_id=app.city_id)
    wanted = acting_roles(stage)
    result: list[User] = []
    for role in wanted:
        if role in CITY_WIDE_ROLES:
            result += list(users.filter(role=role))
        elif role == Role.COUNTY_REVIEWER:
            result += list(users.filter(role=role, district_id=app.district_id))
        elif role == Role.SOCIETY_STAFF:
            result += list(users.filter(role=role, society_id=app.society_id))
        elif role == Role.HOST_STAFF and app.host_unit_id:
            result += list(users.filter(role=role, host_unit_id=app.host_unit_id))
    return result


def applicant_users(app: Application) -> list[User]:
    workflow = workflow_for(app.city, app.program)
    return stage_actors(app, workflow.stage(workflow.start))


def _notify_after(app: Application, record: ApplicationTransition) -> None:
    link = reverse("applications:detail", args=[app.pk])
    workflow = workflow_for(app.city, app.program)
    values = {"title": app.title, "comment": record.comment}
    if record.to_stage == "withdrawn":
        return
    stage = workflow.stage(record.to_stage)
    values["stage"] = stage.label_zh
    if record.action == "return" and stage.code == workflow.start:
        title, body = render_message(app.city, "returned", **values)
        notify(recipients=applicant_users(app), title=title, body=body, link=link)
        return
    if stage.is_terminal:
        cert = Certification.objects.filter(application=app).first()
        if cert is not None:
            wording = api.outcome_wording(app.city, app.program)
            values["outcome"] = f"{wording.done}，{wording.number}：{cert.certificate_no}。"
        title, body = render_message(app.city, "decided", **values)
        notify(recipients=applicant_users(app), title=title, body=body, link=link)
        return
    title, body = render_message(app.city, "waiting", **values)
    notify(recipients=stage_actors(app, stage), title=title, body=body, link=link)


# --- expert panels ----------------------------------------------------------------------------


def is_blind(city) -> bool:
    """Return whether experts of this city review blind (the city's `blind_review` parameter)."""
    params, _version = current_params(city)
    return bool(params.get("blind_review", False))


def blind_for(user, city) -> bool:
    """Whether `user` must not see applicants' identity in `city`: an expert under blind review.

    Every page, export and document an expert reaches asks this (tests/security/test_blind_review.py)."""
    from accounts.roles import Role

    return bool(
        user is not None and getattr(user, "role", None) == Role.EXPERT_REVIEWER and is_blind(city)
    )


def expert_title(app: Application) -> str:
    """Return how the application is named to experts: without identity under blind review."""
    return f"申报 #{app.pk}（盲评）" if is_blind(app.city) else app.title


def conflict_reason(expert: Expert, app: Application) -> str:
    """Return why the expert must recuse from this application (回避), or ""."""
    if expert.society_id and expert.society_id == app.society_id:
        return "专家为申报学会会员（所属学会）"
    employer = (expert.employer or "").strip()
    if employer and employer == app.society.name:
        return "专家工作单位为申报学会"
    if employer and app.host_unit_id and employer == app.host_unit.name:
        return "专家工作单位为建站单位"
    return ""


def _assign(app, expert, actor, due_on, draw=None) -> ExpertAssignment:
    reason = conflict_reason(expert, app)
    if reason:
        raise ConflictOfInterest(f"{expert.name}须回避：{reason}")
    if expert.city_id != app.city_id or not expert.is_reviewer:
        raise ValidationError(f"{expert.name}不在本市评审专家库中")
    assignment = ExpertAssignment.objects.create(
        application=app, expert=expert, stage=app.stage, draw=draw, assigned_by=actor, due_on=due_on
    )
    user = User.objects.filter(expert=expert, is_active=True).first()
    if user is not None:
        title, body = render_message(
            app.city, "assigned", title=expert_title(app), due=due_on or "—", stage=app.stage
        )
        notify(
            recipients=[user],
            title=title,
            body=body,
            link=reverse("applications:score", args=[app.pk]),
        )
    return assignment


@transaction.atomic
def assignment_create(
    *, application: Application, expert: Expert, actor: User, due_on: dt.date | None = None
) -> ExpertAssignment:
    ok, reason = perms.can_manage_panel(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    if application.assignments.filter(expert=expert, stage=application.stage).exists():
        raise ValidationError(f"{expert.name}已在本评审组中")
    assignment = _assign(application, expert, actor, due_on)
    audit(
        event="application.expert_assigned",
        user=actor,
        obj=application,
        detail={"expert": expert.pk, "stage": application.stage},
    )
    return assignment


NO_ACCOUNT = "未开通可登录的账号（不能在线评分）"


def acting_expert_ids(city_id: int) -> set[int]:
    """Return the ids of the city's experts who can log in and score (an active account
    with a password set): a draw that picks anyone else leaves the panel unable to finish."""
    users = (
        User.objects.filter(expert__city_id=city_id, role=Role.EXPERT_REVIEWER, is_active=True)
        .exclude(password__startswith="!")
        .exclude(password="")
    )
    return set(users.values_list("expert_id", flat=True))


def draw_pool(application: Application, field: str = "") -> tuple[list[int], dict[str, str]]:
    """Return (eligible expert ids in id order, {excluded id: reason}) for a random draw.

    Left out: experts who must recuse, and experts without a usable account (the reason
    says so, and the panel page lists them to invite). Members of the stage's panel —
    removed ones too — are not candidates again."""
    experts = Expert.objects.filter(city_id=application.city_id, is_reviewer=True).select_related(
        "society"
    )
    if field:
        experts = experts.filter(field__icontains=field)
    taken = set(
        application.assignments.filter(stage=application.stage).values_list("expert_id", flat=True)
    )
    acting = acting_expert_ids(application.city_id)
    pool, excluded = [], {}
    for expert in experts.order_by("pk"):
        reason = conflict_reason(expert, application)
        if not reason and expert.pk not in acting:
            reason = NO_ACCOUNT
        if reason:
            excluded[str(expert.pk)] = reason
        elif expert.pk not in taken:
            pool.append(expert.pk)
    return pool, excluded


def draw_select(pool: list[int], size: int, seed: str) -> list[int]:
    """Return the draw's result: the same seed and pool always give the same experts."""
    return sorted(random.Random(seed).sample(sorted(pool), size))


@transaction.atomic
def panel_draw(
    *,
    application: Application,
    actor: User,
    size: int,
    field: str = "",
    due_on: dt.date | None = None,
) -> ExpertDraw:
    """Draw the panel at random. The seed always comes from the server (never from a form):
    it is recorded on the draw and in the audit trail, shown on the page, and reproduces the
    result with draw_select(pool, size, seed)."""
    ok, reason = perms.can_manage_panel(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    pool, excluded = draw_pool(application, field)
    if size < 1 or size > len(pool):
        raise ValidationError(f"可抽取的专家只有 {len(pool)} 人（已排除回避专家）")
    seed = secrets.token_hex(16)
    selected = draw_select(pool, size, seed)
    draw = ExpertDraw.objects.create(
        application=application,
        stage=application.stage,
        seed=seed,
        field_filter=field,
        size=size,
        pool=pool,
        excluded=excluded,
        selected=selected,
        drawn_by=actor,
    )
    for expert in Expert.objects.filter(pk__in=selected):
        _assign(application, expert, actor, due_on, draw=draw)
    audit(
        event="application.experts_drawn",
        user=actor,
        obj=application,
        detail={"seed": seed, "pool": pool, "selected": selected, "excluded": excluded},
    )
    return draw


@transaction.atomic
def assignment_declare(
    *, assignment: ExpertAssignment, actor: User, no_conflict: bool, conflict: str = ""
) -> ExpertAssignment:
    """Record the expert's declaration: no conflict (may score) or a conflict (recuses)."""
    assignment = ExpertAssignment.objects.select_for_update().get(pk=assignment.pk)
    if actor.role != Role.EXPERT_REVIEWER or actor.expert_id != assignment.expert_id:
        raise PermissionDenied("只有被指派的评审专家可以声明")
    if no_conflict:
        assignment.no_conflict_declared_at = timezone.now()
        assignment.declared_conflict = ""
    else:
        if not conflict.strip():
            raise ValidationError("请说明利益冲突情况。")
        assignment.declared_conflict = conflict.strip()
        assignment.no_conflict_declared_at = None
    assignment.save()
    audit(
        event="application.conflict_declared",
        user=actor,
        obj=assignment.application,
        detail={"no_conflict": no_conflict, "conflict": conflict},
    )
    return assignment


@transaction.atomic
def score_save(
    *,
    assignment: ExpertAssignment,
    actor: User,
    points: Mapping[str, Any],
    comment: str = "",
    submit: bool = False,
    expected_version: int | None = None,
) -> ReviewScore:
    """Save (or submit) an expert's scores against the city's rubric for the program."""
    assignment = (
        ExpertAssignment.objects.select_for_update()
        .select_related("application__city")
        .get(pk=assignment.pk)
    )
    ok, reason = perms.can_score(actor, assignment)
    if not ok:
        raise PermissionDenied(reason)
    if not assignment.no_conflict_declared_at:
        raise PermissionDenied("请先声明与该申报无利益冲突，再进行评分")
    app = assignment.application
    rubric = review_rubric(app.city, app.program)
    if rubric is None:
        raise ValidationError("该项目没有配置评审指标")
    score, created = ReviewScore.objects.select_for_update().get_or_create(assignment=assignment)
    # expected_version 0: the form was rendered before the first save; a score saved since
    # (another tab's first save) makes it stale like any later version.
    current_version = 0 if created else score.version
    if expected_version is not None and current_version != expected_version:
        raise StaleVersion("评分已在其他页面修改，请刷新后重试。")
    if score.submitted_at:
        raise ValidationError("评分已提交，不能再修改。")
    clean = clean_points(rubric, points, comment, submit=submit)
    score.points = clean
    score.total = sum((Decimal(v) for v in clean.values()), Decimal("0"))
    score.comment = comment.strip()
    score.version += 1
    if submit:
        score.submitted_at = timezone.now()
    score.save()
    audit(
        event="application.score_submitted" if submit else "application.score_saved",
        user=actor,
        obj=app,
        detail={"points": clean, "total": str(score.total)},
    )
    return score


def clean_points(rubric, points: Mapping[str, Any], comment: str, *, submit: bool) -> dict:
    """Return the rubric's points as strings, or raise a ValidationError per indicator."""
    clean: dict[str, str] = {}
    errors = {}
    for indicator in rubric.indicators:
        raw = points.get(indicator.code, "")
        if raw in ("", None):
            if submit:
                errors[indicator.code] = f"请为“{indicator.label_zh}”打分"
            continue
        try:
            value = Decimal(str(raw))
        except Exception:
            errors[indicator.code] = f"“{indicator.label_zh}”须为数字"
            continue
        if not 0 <= value <= indicator.max_points:
            errors[indicator.code] = f"“{indicator.label_zh}”须在 0–{indicator.max_points} 分之间"
            continue
        clean[indicator.code] = str(value)
    if submit and not comment.strip():
        errors["comment"] = "请填写评审意见"
    if errors:
        raise ValidationError(errors)
    return clean


def panel_stats(totals: list[Decimal], *, trim: bool) -> dict[str, Any]:
    """Return count, mean, spread (max − min), stdev and — if `trim` — the trimmed mean."""
    values = sorted(Decimal(t) for t in totals)
    if not values:
        return {"n": 0, "mean": None, "spread": None, "stdev": None, "trimmed": None, "final": None}
    mean = sum(values) / len(values)
    trimmed = None
    if trim and len(values) >= 3:
        inner = values[1:-1]
        trimmed = sum(inner) / len(inner)
    stdev = Decimal(str(statistics.pstdev([float(v) for v in values]))) if len(values) > 1 else 0
    q = Decimal("0.01")
    return {
        "n": len(values),
        "mean": mean.quantize(q),
        "spread": (values[-1] - values[0]).quantize(q),
        "stdev": Decimal(stdev).quantize(q),
        "trimmed": trimmed.quantize(q) if trimmed is not None else None,
        "final": (trimmed if trimmed is not None else mean).quantize(q),
    }


# --- inspection and public notice -------------------------------------------------------------


@transaction.atomic
def inspection_record(
    *, application: Application, actor: User, date, inspectors: str, findings: str, photo=None
) -> Inspection:
    ok, reason = perms.can_record_inspection(actor, application)
    if not ok:
        raise PermissionDenied(reason)
    inspection = Inspection(
        application=application,
        date=date,
        inspectors=inspectors,
        findings=findings,
        recorded_by=actor,
    )
    inspection.full_clean()
    inspection.save()
    if photo is not None:
        attachment_add(
            application=application,
            actor=actor,
            kind=AttachmentKind.INSPECTION_PHOTO,
            upload=photo,
            inspection=inspection,
        )
    audit(event="application.inspection_recorded", user=actor, obj=application)
    return inspection


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


def remind_due_assignments(*, today: dt.date | None = None, days_before: int = 2) -> int:
    """Remind experts whose review is due within `days_before` days; each once."""
    today = today or timezone.localdate()
    due = (
        ExpertAssignment.objects.filter(
            due_on__isnull=False,
            due_on__lte=today + dt.timedelta(days=days_before),
            due_on__gte=today,
            reminded_at__isnull=True,
            declared_conflict="",
            removed_at__isnull=True,
            application__withdrawn=False,
        )
        .exclude(score__submitted_at__isnull=False)
        .select_related("application__city", "expert")
    )
    count = 0
    for assignment in due:
        if assignment.application.stage != assignment.stage:
            continue
        user = User.objects.filter(expert=assignment.expert, is_active=True).first()
        with transaction.atomic():
            if user is not None:
                title, body = render_message(
                    assignment.application.city,
                    "reminder",
                    title=expert_title(assignment.application),
                    due=assignment.due_on,
                )
                notify(
                    recipients=[user],
                    title=title,
                    body=body,
                    link=reverse("applications:score", args=[assignment.application_id]),
                )
            assignment.reminded_at = timezone.now()
            assignment.save(update_fields=["reminded_at"])
            count += 1
    return count


ACTION_TEXT = {**ACTION_LABELS, "withdraw": "撤回申报"}


# Panel services that keep a panel able to finish (remove, replace, offline sheets).
from .panels import (  # noqa: E402, F401
    assignment_remove,
    assignment_replace,
    experts_unable_to_act,
    offline_score_record,
    panel_members_unable_to_act,
)
