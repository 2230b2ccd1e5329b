"""The transition: `application_transition` is the only place a stage changes.

Guards, stage entry through the engine, the station record kept in step and the
certification with its grant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from policies import api
from policies.api import (
    EligibilityFacts,
    PolicyError,
    Stage,
    amount_required,
    check_amount,
    current_params,
    get_city_policy,
    record_eligibility,
    workflow_for,
)
from stations.choices import StationStatus
from stations.models import Station
from stations.services import station_create, station_set_status, station_update

from .. import permissions as perms
from ..facts import build_facts
from ..models import (
    Application,
    ApplicationTransition,
    Certification,
    ProjectContract,
    QuotaOverride,
)
from ..station_record import station_keep_from_application
from ._common import StaleVersion, TransitionError, _finding_dict
from .applications import _quota, application_check, approved_at_stage, quota_calls
from .notifications import _notify_after


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
    from ..numbering import document_number

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
