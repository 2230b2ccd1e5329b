"""Writes for funding: grants, the engine's schedule applied, payments, recoveries, expenses.

Every function is keyword-only and atomic, writes one audit row and sends its side effects
on commit. Amounts come from the policy engine only (policies.api).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.outbox import outbox_enqueue
from accounts.services import audit, notify
from policies import api as engine
from stations.choices import StationStatus
from stations.models import Station

from .models import (
    BudgetLine,
    ChangeRequest,
    Disbursement,
    Expense,
    Grant,
    GrantDecision,
    Recovery,
    Repayment,
)

S = StationStatus
FUNDABLE_STATION_STATUSES = (S.CERTIFIED, S.KEY_SUPPORTED)
# Engine status -> the station's status (stations.services moves it).
ADVERSE_STATION_STATUS = {
    "rectification": S.RECTIFICATION,
    "suspended": S.SUSPENDED,
    "revoked": S.REVOKED,
    "delisted": S.DELISTED,
}


class AlreadyPaid(ValidationError):
    """The grant-year has been paid already; nothing was written."""


def yuan(amount: int | Decimal) -> str:
    return f"{amount:,}"


# --- status setters ------------------------------------------------------------------------


class IllegalGrantTransition(ValidationError):
    """A grant status move its life-cycle table (Grant.TRANSITIONS) does not allow."""


class IllegalRecoveryTransition(ValidationError):
    """A recovery status move Recovery.TRANSITIONS does not allow."""


def grant_set_status(
    *, grant: Grant, to_status: str, actor, reason: str, clause: str = "", request=None
) -> bool:
    """The one status setter of a grant, over Grant.TRANSITIONS; return whether it moved.

    The caller holds the grant row locked (select_for_update) and decides whether `actor`
    may take the step. The same status again is no move (the yearly decision re-applies the
    engine's status): nothing is written. Every real move writes an audit row with who,
    why and the clause (the time is the row's own).
    """
    if to_status not in Grant.Status.values:
        raise IllegalGrantTransition(f"未知的资助状态：{to_status}。", code="unknown_status")
    from_status = grant.status
    if to_status == from_status:
        return False
    if to_status not in Grant.TRANSITIONS.get(from_status, frozenset()):
        raise IllegalGrantTransition(
            f"资助状态不能从“{Grant.Status(from_status).label}”变更为“{Grant.Status(to_status).label}”。",
            code="illegal_transition",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写资助状态变更原因。"})
    grant.status = to_status
    grant.save(update_fields=["status", "updated_at"])
    audit(
        event="funding.grant_status_changed",
        user=actor,
        request=request,
        obj=grant,
        city_id=grant.city_id,
        reason=reason.strip(),
        clause=clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return True


def recovery_set_status(
    *, recovery: Recovery, to_status: str, actor, reason: str, clause: str = "", request=None
) -> bool:
    """The one status setter of a recovery, over Recovery.TRANSITIONS (row locked by caller).

    The same status again (a second partial repayment) is no move and writes nothing here;
    the repayment itself is audited by its service.
    """
    if to_status not in Recovery.Status.values:
        raise IllegalRecoveryTransition(f"未知的追回状态：{to_status}。", code="unknown_status")
    from_status = recovery.status
    if to_status == from_status:
        return False
    if to_status not in Recovery.TRANSITIONS.get(from_status, frozenset()):
        raise IllegalRecoveryTransition(
            f"追回状态不能从“{Recovery.Status(from_status).label}”变更为“{Recovery.Status(to_status).label}”。",
            code="illegal_transition",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写追回状态变更原因。"})
    recovery.status = to_status
    recovery.save(update_fields=["status"])
    audit(
        event="funding.recovery_status_changed",
        user=actor,
        request=request,
        obj=recovery,
        city_id=recovery.grant.city_id,
        reason=reason.strip(),
        clause=clause or recovery.clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return True


# --- grants --------------------------------------------------------------------------------


def grant_conflicts(
    *,
    station: Station,
    program: str,
    level: str,
    start_year: int,
    support_years: int,
    activity_scope: str = "",
) -> list[tuple[str, str]]:
    """Return (message, clause) for each double-funding or repeat rule the grant breaks.

    The rules are the city's (CityPolicy.grant_conflicts); this gathers the facts they read.
    """
    return _conflicts(
        city=station.city,
        society=station.society,
        host_unit=station.host_unit,
        station=station,
        program=program,
        level=level,
        start_year=start_year,
        support_years=support_years,
        activity_scope=activity_scope,
    )


def _conflicts(
    *,
    city,
    society,
    host_unit,
    station: Station | None,
    program: str,
    level: str,
    start_year: int,
    support_years: int,
    activity_scope: str,
) -> list[tuple[str, str]]:
    from policies.types import GrantFacts

    others = Grant.objects.filter(city=city, society=society).exclude(
        status__in=[Grant.Status.REVOKED, Grant.Status.DELISTED]
    )
    end_year = start_year + max(support_years, 1) - 1
    overlapping = tuple(
        f"{g.subject}，{g.program}，{g.start_year}年起"
        for g in others.select_related("city", "station", "application")
        if g.start_year <= end_year
        and start_year <= g.start_year + max(_support_years(g), 1) - 1
        and (
            (station is not None and g.station_id == station.pk)
            or (activity_scope and g.activity_scope.strip() == activity_scope.strip())
        )
    )
    banned = (
        Grant.objects.filter(society=society, banned_until__gte=timezone.localdate())
        .order_by("-banned_until")
        .first()
    )
    facts = GrantFacts(
        program=program,
        level=level,
        start_year=start_year,
        society_name=str(society),
        host_has_expert_workstation=bool(host_unit and host_unit.has_expert_workstation),
        station_programs=frozenset(
            Grant.objects.filter(station=station).values_list("program", flat=True)
            if station is not None
            else ()
        ),
        overlapping=overlapping,
        banned_until=banned.banned_until if banned else None,
    )
    params = engine.current_version(city).params
    policy = engine.policy_for(city)
    return [(f.message_zh, f.clause) for f in policy.grant_conflicts(facts, params) if f.blocks]


def _key_support_stage(city, program: str):
    """Return the workflow stage that makes a station key-supported, if the program has one."""
    workflow = engine.policy_for(city).workflows.get(program)
    for stage in workflow.stages if workflow else ():
        if "key_supported" in stage.tags:
            return stage
    return None


def _restored_status(city, program: str) -> str:
    """The station's status when a sanction is lifted: its program's certified status."""
    return S.KEY_SUPPORTED if _key_support_stage(city, program) else S.CERTIFIED


def _support_years(grant: Grant) -> int:
    program = engine.program_for(grant.city, grant.program)
    return engine.policy_for(grant.city).support_years(program, grant.policy_params)


def _default_level(station: Station, program) -> str:
    return station.level if station.level in program.levels else program.levels[0]


def _fundable_program(city, program: str):
    try:
        prog = engine.program_for(city, program)
    except engine.PolicyError as exc:
        raise ValidationError(str(exc)) from exc
    if prog.payment == "none":
        raise ValidationError(f"{prog.label_zh}不涉及资助经费。")
    return prog


@transaction.atomic
def grant_create(
    *,
    station: Station,
    program: str,
    start_year: int,
    actor,
    level: str | None = None,
    amount: int | None = None,
    activity_scope: str = "",
    application=None,
    request=None,
) -> Grant:
    """Create a station's grant with the engine's schedule; year-1 money becomes due."""
    # Lock the station: two administrators creating the same grant at once must not both
    # pass the repeat check.
    station = (
        Station.objects.select_for_update()
        .select_related("city", "host_unit", "society")
        .get(pk=station.pk)
    )
    if station.status not in FUNDABLE_STATION_STATUSES:
        raise ValidationError("只有已认定（命名）或重点支持的服务站才能建立资助项目。")
    prog = _fundable_program(station.city, program)
    level = level or _default_level(station, prog)
    grant = _grant_make(
        parties={
            "city": station.city,
            "district": station.district,
            "society": station.society,
            "host_unit": station.host_unit,
        },
        station=station,
        application=application,
        prog=prog,
        level=level,
        start_year=start_year,
        amount=amount,
        activity_scope=activity_scope,
        actor=actor,
        request=request,
    )
    key_stage = _key_support_stage(station.city, program)
    if key_stage is not None and station.status != S.KEY_SUPPORTED:
        _move_station(station, S.KEY_SUPPORTED, actor, str(key_stage.label_zh), key_stage.clause)
    return grant


def _application_payee_name(application, payee: str) -> str:
    """The individual paid for an expert award: the expert the application names."""
    if payee != "expert":
        return ""
    data = application.form_data or {}
    return str(data.get("expert_name") or data.get("head_name") or "")[:100]


@transaction.atomic
def grant_create_for_application(
    *, application, start_year: int, actor, amount: int | None = None, request=None
) -> Grant:
    """Grant a program that names no station (a topic, an activity, an award) once.

    The payee is the program's (Program.payee): the society, the expert the application
    names, or the undertaking unit (the application's host unit, else the society). A
    second call for the same application returns the grant already made.
    """
    from applications.models import Application

    # Lock the application: the workflow's end and a retry must not both grant it.
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("city", "society", "host_unit", "district")
        .get(pk=application.pk)
    )
    existing = Grant.objects.filter(application=app, station__isnull=True).first()
    if existing is not None:
        return existing
    prog = _fundable_program(app.city, app.program)
    level = app.level if app.level in prog.levels else prog.levels[0]
    return _grant_make(
        parties={
            "city": app.city,
            "district": app.district,
            "society": app.society,
            "host_unit": app.host_unit,
            "payee_name": _application_payee_name(app, prog.payee),
        },
        station=None,
        application=app,
        prog=prog,
        level=level,
        start_year=start_year,
        amount=amount,
        activity_scope="",
        actor=actor,
        request=request,
    )


def _grant_make(
    *,
    parties: dict,
    station: Station | None,
    application,
    prog,
    level: str,
    start_year: int,
    amount: int | None,
    activity_scope: str,
    actor,
    request,
) -> Grant:
    """Check the city's conflicts, schedule with the engine, write the grant (in the
    caller's transaction, with the station or application row locked)."""
    city = parties["city"]
    program = prog.code
    version = engine.current_version(city)
    support = engine.policy_for(city).support_years(prog, version.params)
    conflicts = _conflicts(
        city=city,
        society=parties["society"],
        host_unit=parties["host_unit"],
        station=station,
        program=program,
        level=level,
        start_year=start_year,
        support_years=support,
        activity_scope=activity_scope,
    )
    if conflicts:
        raise ValidationError([f"{message}（{clause}）" for message, clause in conflicts])
    try:
        result = engine.schedule(
            city=city,
            program=program,
            level=level,
            start_year=start_year,
            amount=amount,
            evaluations=[],
            params=version.params,
        )
    except engine.PolicyError as exc:
        raise ValidationError({"amount": str(exc)}) from exc
    resolved = max((y.paid for y in result.years), default=0) or (amount or 0)
    grant = Grant(
        station=station,
        application=application,
        **parties,
        program=program,
        level=level,
        start_year=start_year,
        amount=resolved,
        amount_entered=amount,
        policy_version=version.number,
        policy_params=version.params,
        schedule=engine.result_as_dict(result, version.number),
        clauses=list(prog.clauses),
        activity_scope=activity_scope,
        created_by=actor,
        status=_initial_status(result, start_year),
    )
    grant.full_clean()
    grant.save()
    if application is not None:
        _budget_from_application(grant, application, actor, request)
    engine.record_decision(
        city=city,
        version=version,
        kind="grant_schedule",
        program=program,
        subject=grant,
        inputs={"level": level, "start_year": start_year, "amount": amount},
        outcome=grant.schedule,
        clauses=prog.clauses,
        actor=actor,
    )
    audit(
        event="funding.grant_created",
        user=actor,
        request=request,
        obj=grant,
        city_id=city.pk,
        clause="、".join(prog.clauses),
        detail={"amount": resolved, "level": level, "schedule": grant.schedule},
    )
    return grant


def _budget_from_application(grant: Grant, application, actor, request) -> None:
    """The approved application's budget table (申报书 预算表) becomes the grant's budget.

    Each row keeps its content and basis; its category is the expense code the row names
    (engine.expense_category_of), else 其他支出 with the typed category kept in the content.
    Rows without a positive amount are left out. The application passed its own budget
    check (forbidden uses refused with their clause) before it was approved.
    """
    from policies.engine import expense_category_of

    for row in (application.form_data or {}).get("budget") or []:
        try:
            amount = Decimal(str(row.get("amount") or "0"))
        except ArithmeticError:
            continue
        if amount <= 0:
            continue
        typed = str(row.get("category") or "").strip()
        code = expense_category_of(typed) or "other"
        content = str(row.get("content") or "").strip()
        if code == "other" and typed and typed != engine.EXPENSE_LABELS["other"]:
            content = f"{typed}：{content}" if content else typed
        line = BudgetLine(
            grant=grant,
            category=code,
            content=content[:200] or typed[:200],
            amount=amount,
            basis=str(row.get("basis") or "")[:200],
            created_by=actor,
        )
        line.full_clean()
        line.save()
        audit(
            event="funding.budget_line_added",
            user=actor,
            request=request,
            obj=line,
            city_id=grant.city_id,
            reason="经批准的申报书预算表",
            detail={"category": code, "amount": str(amount), "application": application.pk},
        )


def _move_station(station: Station, to_status: str, actor, reason: str, clause: str) -> bool:
    from stations.services import IllegalStationTransition, station_set_status

    station.refresh_from_db(fields=["status"])
    if station.status == to_status:
        return False
    try:
        station_set_status(
            station=station, to_status=to_status, actor=actor, reason=reason, clause=clause
        )
    except IllegalStationTransition:
        return False
    return True


DECIDED_FIELDS = ("year", "score", "grade", "paid", "recovered", "status")


def _year_params(city, decided_year: int, year_versions: dict[int, int]) -> tuple[dict, dict]:
    """Return ({year: params}, {year: version number}) for the assessed years.

    Earlier years keep the version they were decided under; the year being decided now takes
    the version in force today (CityPolicy.assessment_params says what each governs).
    """
    current = engine.current_version(city)
    versions = {**year_versions, decided_year: current.number}
    cache = {current.number: current.params}
    by_year = {}
    for year, number in versions.items():
        if number not in cache:
            cache[number] = engine.version_numbered(city, number).params
        by_year[year] = cache[number]
    return by_year, versions


def grant_apply_schedule(
    *,
    grant: Grant,
    actor,
    evaluations: list[tuple[int, float]],
    decided_year: int,
    year_versions: dict[int, int] | None = None,
    decided_rows: dict[int, dict] | None = None,
) -> dict:
    """Decide one year of the grant with the confirmed scores and apply what is new.

    Called inside the confirming transaction with the grant row locked. A year once decided
    (grade, amount, consequence, version) is never re-graded or re-priced: the grant's money
    terms are its own version's (`engine.grant_terms`), each earlier year is recomputed
    under the version it was decided under (`year_versions`) and its stored row
    (`decided_rows`) is kept as the record; only `decided_year` takes today's version.
    Never removes money already paid; a policy recovery is demanded once per grant-year
    and never exceeds what was paid net of earlier recoveries.
    """
    city = grant.city
    terms = engine.grant_terms(grant)
    year_params, versions = _year_params(city, decided_year, dict(year_versions or {}))
    result = engine.schedule(
        city=city,
        program=grant.program,
        level=grant.level,
        start_year=grant.start_year,
        amount=grant.amount_entered,
        evaluations=evaluations,
        params=terms.params,
        year_params=year_params,
    )
    rows = [y.as_dict() for y in result.years]
    for index, row in enumerate(rows):
        stored = (decided_rows or {}).get(row["year"])
        if stored and row["year"] != decided_year:
            rows[index] = dict(stored)  # the decided record, never recomputed
    grant.schedule = _schedule_dict(rows, terms.number, versions)
    row = next((r for r in rows if r["year"] == decided_year), rows[-1])
    consequences: list[dict] = []
    if grant.frozen_reason:
        consequences.append(
            {
                "kind": "frozen",
                "label": f"资助已冻结：{grant.frozen_reason}",
                "amount": 0,
                "clause": grant.frozen_clause or engine.policy_for(city).penalty_clause,
            }
        )
        grant.save()
        return {"row": row, "consequences": consequences, "policy_version": versions[decided_year]}
    paid_years = set(grant.disbursements.values_list("year", flat=True))
    for y in rows:
        if (
            y["recovered"]
            and not grant.recoveries.filter(source=Recovery.Source.POLICY, year=y["year"]).exists()
        ):
            clause = y["clauses"][-1] if y["clauses"] else ""
            unpaid = [
                p["year"]
                for p in rows
                if p["year"] <= y["year"]
                and p["paid"]
                and p["year"] not in paid_years
                and p["year"] not in grant.withdrawn_years
            ]
            withdrawn = 0
            for year in unpaid:
                amount = next(p["paid"] for p in rows if p["year"] == year)
                if withdrawn + amount > y["recovered"]:
                    break
                withdrawn += amount
                grant.withdrawn_years = [*grant.withdrawn_years, year]
            if withdrawn:
                consequences.append(
                    {
                        "kind": "withdraw",
                        "label": f"未拨付的{yuan(withdrawn)}元不再拨付（抵扣应追回资金）",
                        "amount": withdrawn,
                        "clause": clause,
                    }
                )
            # Never more than was actually paid, net of earlier recoveries.
            demand = min(y["recovered"] - withdrawn, net_paid(grant))
            if demand > 0:
                recovery = _recovery_add(
                    grant=grant,
                    year=y["year"],
                    amount=demand,
                    source=Recovery.Source.POLICY,
                    reason=f"{y['year']}年度考核结果：{engine.STATUS_LABELS.get(y['status'], y['status'])}，追回已拨付资金",
                    clause=clause,
                    actor=actor,
                )
                consequences.append(
                    {
                        "kind": "recover",
                        "label": f"追回已拨付资金 {yuan(demand)} 元",
                        "amount": demand,
                        "clause": recovery.clause,
                    }
                )
    for y in rows:
        if (
            y["paid"]
            and y["year"] not in paid_years
            and y["year"] not in grant.withdrawn_years
            and y["year"] <= decided_year + 1
        ):
            consequences.append(
                {
                    "kind": "pay",
                    "label": f"拨付{y['year']}年度资助 {yuan(y['paid'])} 元（待财务审核拨付）",
                    "amount": y["paid"],
                    "clause": "、".join(y["clauses"]),
                }
            )
    if row["year"] == decided_year and not row["paid"] and row["grade"]:
        prog = engine.program_for(city, grant.program)
        if prog.payment == "yearly" and row["status"] not in ("revoked", "delisted"):
            consequences.append(
                {
                    "kind": "stop",
                    "label": f"{decided_year}年度资助停发",
                    "amount": 0,
                    "clause": "、".join(row["clauses"]),
                }
            )
    previous = grant.status
    grant_set_status(
        grant=grant,
        to_status=row["status"],
        actor=actor,
        reason=f"{row['year']}年度考核：{engine.STATUS_LABELS.get(row['status'], row['status'])}",
        clause="、".join(row["clauses"]),
    )
    grant.full_clean()
    grant.save()
    if grant.status != previous or grant.status in ADVERSE_STATION_STATUS:
        consequences.extend(_station_follows(grant, actor, row))
    return {"row": row, "consequences": consequences, "policy_version": versions[decided_year]}


def _initial_status(result, start_year: int) -> str:
    """A new grant is 正常 until its support period is over: the engine's schedule marks a
    one-off grant's only year 支持期满 (nothing is due after it), but while that year runs
    (or lies ahead) the money is still to be paid and the grant is not finished."""
    first = result.years[0].status if result.years else Grant.Status.ACTIVE
    last_year = result.years[-1].year if result.years else start_year
    if first == Grant.Status.COMPLETED and last_year >= timezone.localdate().year:
        return Grant.Status.ACTIVE
    return first


def _schedule_dict(rows: list[dict], terms_version: int, versions: dict[int, int]) -> dict:
    paid = sum(r["paid"] for r in rows)
    recovered = sum(r["recovered"] for r in rows)
    return {
        "policy_version": terms_version,
        # The version each assessed year was decided under (shown on the station page).
        "year_versions": {str(year): number for year, number in sorted(versions.items())},
        "years": rows,
        "total_paid": paid,
        "total_recovered": recovered,
        "net": paid - recovered,
        "final_status": rows[-1]["status"] if rows else "active",
    }


def _station_follows(grant: Grant, actor, row) -> list[dict]:
    clause = "、".join(row["clauses"])
    label = engine.STATUS_LABELS.get(grant.status, grant.status)
    station = grant.station
    target = ADVERSE_STATION_STATUS.get(grant.status)
    prog = engine.program_for(station.city, grant.program)
    if target is None and grant.status == "completed" and prog.payment == "yearly":
        target = S.EXPIRED
    if (
        target is None
        and grant.status == "active"
        and station.status in (S.RECTIFICATION, S.SUSPENDED)
    ):
        target = _restored_status(station.city, grant.program)
    if target is None:
        return []
    reason = f"{row['year']}年度考核：{label}"
    moved = _move_station(station, target, actor, reason, clause)
    if not moved and station.status in (S.RECTIFICATION, S.SUSPENDED) and target == S.EXPIRED:
        # The life-cycle table has no direct move from a sanction to the term's end: the
        # sanction is lifted by this year's grade first.
        restored = _restored_status(station.city, grant.program)
        moved = _move_station(station, restored, actor, reason, clause) and _move_station(
            station, target, actor, reason, clause
        )
    kind = {
        S.RECTIFICATION: "rectify",
        S.SUSPENDED: "suspend",
        S.REVOKED: "revoke",
        S.DELISTED: "delist",
        S.EXPIRED: "complete",
    }.get(target, "restore")
    return [
        {
            "kind": kind,
            "label": f"服务站状态：{S(target).label}",
            "amount": 0,
            "clause": clause,
            "applied": moved,
        }
    ]


# --- disbursements -------------------------------------------------------------------------


def payable(grant: Grant) -> list[dict]:
    """Return the years that are due and not yet paid (nor withdrawn).

    Due are the engine's schedule years and the administrator's discretionary support.
    """
    if grant.frozen_reason:
        return []
    paid = set(grant.disbursements.values_list("year", flat=True))
    dues = [
        y
        for y in grant.schedule_years()
        if y["paid"] and y["year"] not in paid and y["year"] not in grant.withdrawn_years
    ]
    scheduled = {y["year"] for y in grant.schedule_years() if y["paid"]}
    for award in grant.decisions.filter(kind=GrantDecision.Kind.SUPPORT).order_by("year"):
        if award.year not in paid and award.year not in scheduled:
            dues.append(
                {
                    "year": award.year,
                    "paid": award.amount,
                    "clauses": [award.clause],
                    "reason": award.reason,
                    "discretionary": True,
                }
            )
    return sorted(dues, key=lambda y: y["year"])


def default_payee(grant: Grant) -> dict[str, str]:
    """The account finance pays into, prefilled on the payment form.

    The approved application's own account comes first where its form asked for one (the
    申报书's 开户名称/开户银行/银行账号, e.g. 贵阳): the money goes where the applicant said.
    Otherwise the payee's master record (Program.payee: society or host unit); an expert
    award names the expert and leaves the bank to finance.
    """
    data = (grant.application.form_data or {}) if grant.application_id else {}
    if data.get("bank_account_no"):
        return {
            "payee_account_name": str(data.get("bank_account_name") or ""),
            "payee_bank": str(data.get("bank_name") or ""),
            "payee_account_no": str(data["bank_account_no"]),
        }
    if grant.payee_name:
        return {"payee_account_name": grant.payee_name, "payee_bank": "", "payee_account_no": ""}
    party = grant.payee_party
    return {
        "payee_account_name": party.bank_account_name or party.name,
        "payee_bank": party.bank_name,
        "payee_account_no": party.bank_account_no,
    }


def disbursement_approve(
    *,
    grant: Grant,
    year: int,
    paid_on: dt.date,
    voucher_no: str,
    payee_account_name: str,
    payee_bank: str,
    payee_account_no: str,
    actor,
    request=None,
) -> Disbursement:
    """Record that a due grant-year was paid; a second approval raises AlreadyPaid."""
    with transaction.atomic():
        # Lock the grant: two finance officers approving the same year at once would both
        # see "not paid yet" and both insert; the second waits here and then finds the row.
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("city", "station")
            .get(pk=grant.pk)
        )
        existing = Disbursement.objects.filter(grant=grant, year=year).first()
        if existing is not None:
            raise AlreadyPaid(_already_paid_message(existing), code="already_paid")
        due = next((y for y in payable(grant) if y["year"] == year), None)
        if due is None:
            raise ValidationError(f"{year}年度没有应拨付的资助（以考核决定为准）。", code="not_due")
        disbursement = Disbursement(
            grant=grant,
            year=year,
            amount=due["paid"],
            clauses=due["clauses"],
            approved_by=actor,
            paid_on=paid_on,
            voucher_no=voucher_no.strip(),
            payee_account_name=payee_account_name.strip(),
            payee_bank=payee_bank.strip(),
            payee_account_no=payee_account_no.strip(),
        )
        disbursement.full_clean(exclude=["grant"])
        try:
            with transaction.atomic():
                disbursement.save()
        except IntegrityError as exc:  # the unique constraint, should the lock be bypassed
            existing = Disbursement.objects.get(grant=grant, year=year)
            raise AlreadyPaid(_already_paid_message(existing), code="already_paid") from exc
        Grant.objects.filter(pk=grant.pk).update(
            disbursed_total=F("disbursed_total") + disbursement.amount
        )
        audit(
            event="funding.disbursement_approved",
            user=actor,
            request=request,
            obj=disbursement,
            city_id=grant.city_id,
            clause="、".join(due["clauses"]),
            detail={
                "grant": grant.pk,
                "year": year,
                "amount": disbursement.amount,
                "voucher_no": voucher_no,
            },
        )
        # Through the outbox: a payment recorded while Redis is down still gets its notice later.
        outbox_enqueue(
            "funding.tasks.send_payment_notice",
            key=f"payment-notice:{disbursement.pk}",
            args=[disbursement.pk],
        )
    return disbursement


def _already_paid_message(existing: Disbursement) -> str:
    return (
        f"该笔资助已拨付（{existing.year}年度，{yuan(existing.amount)}元，"
        f"{existing.paid_on:%Y-%m-%d}，凭证号 {existing.voucher_no}），不会重复支付。"
    )


def payment_notice_send(*, disbursement_id: int) -> bool:
    """Notify the station's users of a payment once; a redelivered task changes nothing."""
    from .models import TaskReceipt

    with transaction.atomic():
        disbursement = (
            Disbursement.objects.select_for_update(of=("self",))
            .select_related("grant__city", "grant__station")
            .filter(pk=disbursement_id, notice_sent_at__isnull=True)
            .first()
        )
        if disbursement is None:
            return False
        _, created = TaskReceipt.objects.get_or_create(key=f"payment_notice:{disbursement_id}")
        if not created:
            return False
        grant = disbursement.grant
        notify(
            recipients=grant_users(grant),
            title=f"资助资金已拨付：{grant.subject}{disbursement.year}年度 {yuan(disbursement.amount)} 元",
            body=f"支付日期 {disbursement.paid_on:%Y-%m-%d}，凭证号 {disbursement.voucher_no}。",
            link=grant_link(grant),
        )
        disbursement.notice_sent_at = timezone.now()
        disbursement.save(update_fields=["notice_sent_at"])
    return True


def station_users(station: Station):
    """The active users of a station's society and host unit (who hear of its money)."""
    from accounts.models import User

    return list(
        User.objects.filter(is_active=True).filter(society=station.society_id)
        | User.objects.filter(is_active=True, host_unit=station.host_unit_id)
    )


def grant_users(grant: Grant):
    """The active users of the grant's society and (if any) host unit."""
    from accounts.models import User

    users = User.objects.filter(is_active=True, society=grant.society_id)
    if grant.host_unit_id:
        users = users | User.objects.filter(is_active=True, host_unit=grant.host_unit_id)
    return list(users)


def grant_link(grant: Grant) -> str:
    """The page a grant's notice links to: the station's money page, else the grant's."""
    if grant.station_id:
        return f"/funding/stations/{grant.station_id}/"
    return f"/funding/grants/{grant.pk}/"


# --- recoveries ----------------------------------------------------------------------------


def net_paid(grant: Grant) -> int:
    paid = grant.disbursements.aggregate(s=Sum("amount"))["s"] or 0
    recovered = grant.recoveries.aggregate(s=Sum("amount"))["s"] or 0
    return paid - recovered


class RecoveryExceedsPaid(ValidationError):
    """A recovery would demand back more than was paid net of earlier recoveries."""


def _recovery_add(
    *, grant: Grant, year: int, amount: int, source: str, reason: str, clause: str, actor
) -> Recovery:
    """Write one recovery; the grant row must be locked (select_for_update) by the caller.

    The one place a Recovery is created. Checked here against the net paid amount and again
    by the database (grant_recovered_within_paid over the running counters).
    """
    available = net_paid(grant)
    if amount > available:
        raise RecoveryExceedsPaid(
            f"追回金额 {yuan(amount)} 元超过已拨付净额 {yuan(available)} 元，未登记。",
            code="recovery_exceeds_paid",
        )
    recovery = Recovery(
        grant=grant,
        year=year,
        amount=amount,
        source=source,
        reason=reason,
        clause=clause,
        created_by=actor,
    )
    recovery.full_clean()
    recovery.save()
    Grant.objects.filter(pk=grant.pk).update(recovered_total=F("recovered_total") + amount)
    grant.refresh_from_db(fields=list(Grant.COUNTERS))
    return recovery


@transaction.atomic
def recovery_record(
    *,
    grant: Grant,
    amount: int,
    reason: str,
    actor,
    source: str = Recovery.Source.MISUSE,
    clause: str = "",
    request=None,
) -> Recovery:
    """Demand money back for misuse or a revocation reason (an administrator's decision)."""
    # Lock the grant: two recoveries recorded at once must not together exceed what was paid.
    grant = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("city", "station")
        .get(pk=grant.pk)
    )
    clause = clause or engine.policy_for(grant.city).misuse_clause
    if not clause:
        raise ValidationError(f"{grant.city}的政策未规定追回，请填写政策依据。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写追回原因。"})
    available = net_paid(grant)
    if amount <= 0 or amount > available:
        raise ValidationError(
            {"amount": f"追回金额须在 1–{yuan(available)} 元之间（已拨付净额）。"}
        )
    recovery = _recovery_add(
        grant=grant,
        year=timezone.localdate().year,
        amount=amount,
        source=source,
        reason=reason.strip(),
        clause=clause,
        actor=actor,
    )
    audit(
        event="funding.recovery_demanded",
        user=actor,
        request=request,
        obj=recovery,
        city_id=grant.city_id,
        reason=reason,
        clause=clause,
        detail={"amount": amount, "grant": grant.pk},
    )
    return recovery


@transaction.atomic
def repayment_record(
    *, recovery: Recovery, amount: int, received_on: dt.date, voucher_no: str, actor, request=None
) -> Repayment:
    # Lock the recovery: concurrent repayments must not together exceed the demand.
    recovery = (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=recovery.pk)
    )
    outstanding = recovery.outstanding
    if amount <= 0 or amount > outstanding:
        raise ValidationError({"amount": f"退回金额须在 1–{yuan(outstanding)} 元之间。"})
    repayment = Repayment(
        recovery=recovery,
        amount=amount,
        received_on=received_on,
        voucher_no=voucher_no.strip(),
        recorded_by=actor,
    )
    repayment.full_clean()
    repayment.save()
    recovery_set_status(
        recovery=recovery,
        to_status=Recovery.Status.REPAID
        if amount == outstanding
        else Recovery.Status.PARTLY_REPAID,
        actor=actor,
        reason=f"登记退回款 {yuan(amount)} 元（凭证号 {repayment.voucher_no}）",
        request=request,
    )
    audit(
        event="funding.repayment_recorded",
        user=actor,
        request=request,
        obj=recovery,
        city_id=recovery.grant.city_id,
        clause=recovery.clause,
        detail={"amount": amount, "status": recovery.status},
    )
    return repayment


def _cities_declaring(attribute: str) -> str:
    """The names of the cities whose policy declares `attribute` (for a refusal message)."""
    from policies.registry import all_policies

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


# --- discretionary later-year support and revocation (CityPolicy declarations) --------------


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
    from evaluations.models import StationEvaluation

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
    latest = (
        StationEvaluation.objects.filter(
            grant=grant, year__lte=year, status=StationEvaluation.Status.CONFIRMED
        )
        .order_by("-year")
        .first()
    )
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


# --- budgets and expenses ------------------------------------------------------------------


def _check_category(grant: Grant, category: str) -> str:
    """Refuse a forbidden category with its clause; return a warning for an unlisted one."""
    if category not in engine.EXPENSE_LABELS:
        raise ValidationError({"category": "未知的支出类别。"})
    finding = engine.expense_finding(grant.city, category)
    if finding is None:
        return ""
    if finding.blocks:
        raise ValidationError(
            {"category": f"{finding.message_zh}（{finding.clause}）"}, code="expense_forbidden"
        )
    return f"{finding.message_zh}（{finding.clause}）"


@transaction.atomic
def budget_line_add(
    *,
    grant: Grant,
    category: str,
    content: str,
    amount: Decimal,
    basis: str = "",
    actor,
    request=None,
) -> BudgetLine:
    warning = _check_category(grant, category)
    if warning:
        raise ValidationError({"category": warning})
    line = BudgetLine(
        grant=grant,
        category=category,
        content=content,
        amount=amount,
        basis=basis,
        created_by=actor,
    )
    line.full_clean()
    line.save()
    audit(
        event="funding.budget_line_added",
        user=actor,
        request=request,
        obj=line,
        city_id=grant.city_id,
        detail={"category": category, "amount": str(amount)},
    )
    return line


@transaction.atomic
def expense_record(
    *,
    grant: Grant,
    spent_on: dt.date,
    category: str,
    description: str,
    amount: Decimal,
    voucher_no: str = "",
    actor,
    request=None,
) -> Expense:
    warning = _check_category(grant, category)
    expense = Expense(
        grant=grant,
        spent_on=spent_on,
        category=category,
        description=description,
        amount=amount,
        voucher_no=voucher_no,
        warning=warning,
        created_by=actor,
    )
    expense.full_clean()
    expense.save()
    audit(
        event="funding.expense_recorded",
        user=actor,
        request=request,
        obj=expense,
        city_id=grant.city_id,
        reason=warning,
        detail={"category": category, "amount": str(amount)},
    )
    return expense


def _money_fields(obj, names) -> dict[str, str]:
    return {name: str(getattr(obj, name)) for name in names}


BUDGET_FIELDS = ("category", "content", "amount", "basis")
EXPENSE_FIELDS = ("spent_on", "category", "description", "amount", "voucher_no")


@transaction.atomic
def budget_line_update(
    *,
    line: BudgetLine,
    category: str,
    content: str,
    amount: Decimal,
    basis: str = "",
    actor,
    request=None,
) -> BudgetLine:
    """Change a budget row; a forbidden (or unlisted) category is refused with its clause."""
    line = (
        BudgetLine.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=line.pk)
    )
    warning = _check_category(line.grant, category)
    if warning:
        raise ValidationError({"category": warning})
    before = _money_fields(line, BUDGET_FIELDS)
    line.category, line.content, line.amount, line.basis = category, content, amount, basis
    line.full_clean()
    line.save()
    audit(
        event="funding.budget_line_updated",
        user=actor,
        request=request,
        obj=line,
        city_id=line.grant.city_id,
        detail={"before": before, "after": _money_fields(line, BUDGET_FIELDS)},
    )
    return line


@transaction.atomic
def budget_line_delete(*, line: BudgetLine, actor, request=None) -> None:
    line = (
        BudgetLine.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=line.pk)
    )
    audit(
        event="funding.budget_line_deleted",
        user=actor,
        request=request,
        obj=line.grant,
        city_id=line.grant.city_id,
        detail={"deleted": {"id": line.pk, **_money_fields(line, BUDGET_FIELDS)}},
    )
    line.delete()


@transaction.atomic
def expense_update(
    *,
    expense: Expense,
    spent_on: dt.date,
    category: str,
    description: str,
    amount: Decimal,
    voucher_no: str = "",
    actor,
    request=None,
) -> Expense:
    """Change a recorded expense; a forbidden category is refused with its clause."""
    expense = (
        Expense.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=expense.pk)
    )
    warning = _check_category(expense.grant, category)
    before = _money_fields(expense, EXPENSE_FIELDS)
    expense.spent_on, expense.category, expense.description = spent_on, category, description
    expense.amount, expense.voucher_no, expense.warning = amount, voucher_no, warning
    expense.full_clean()
    expense.save()
    audit(
        event="funding.expense_updated",
        user=actor,
        request=request,
        obj=expense,
        city_id=expense.grant.city_id,
        reason=warning,
        detail={"before": before, "after": _money_fields(expense, EXPENSE_FIELDS)},
    )
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense, actor, request=None) -> None:
    expense = (
        Expense.objects.select_for_update(of=("self",))
        .select_related("grant__city", "grant__station")
        .get(pk=expense.pk)
    )
    audit(
        event="funding.expense_deleted",
        user=actor,
        request=request,
        obj=expense.grant,
        city_id=expense.grant.city_id,
        detail={"deleted": {"id": expense.pk, **_money_fields(expense, EXPENSE_FIELDS)}},
    )
    expense.delete()


# --- written change requests (益阳 第十四条, 贵阳 四(三)5, 杭州 附件第九条) ----------------------


def change_request_set_status(*, request_obj: ChangeRequest, to_status: str) -> None:
    """The one status setter of a change request, over ChangeRequest.TRANSITIONS."""
    allowed = ChangeRequest.TRANSITIONS.get(request_obj.status, frozenset())
    if to_status not in allowed:
        raise ValidationError(
            f"变更申请已{request_obj.get_status_display()}，不能再{ChangeRequest.Status(to_status).label}。",
            code="illegal_transition",
        )
    request_obj.status = to_status


def _station_member(user, station: Station) -> bool:
    return bool(
        (user.society_id and user.society_id == station.society_id)
        or (user.host_unit_id and user.host_unit_id == station.host_unit_id)
    )


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
    if actor.role not in policy.change_requesters or not _station_member(actor, station):
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
        for grant in Grant.objects.select_for_update().filter(station=station, frozen_reason=""):
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
