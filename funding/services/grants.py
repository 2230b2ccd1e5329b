"""Grants: creation (station or application, refused on the city's conflict rules), the yearly
schedule applied from confirmed evaluations, and the station following its grant.

Part of funding.services (see its __init__); every write is keyword-only, atomic and
audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import audit
from policies import api as engine
from stations.models import Station

from ..models import (
    Grant,
    Recovery,
)
from ..selectors import net_paid
from .budgets import _budget_from_application
from .conflicts import _conflicts
from .recoveries import _recovery_add
from .status import ADVERSE_STATION_STATUS, FUNDABLE_STATION_STATUSES, S, grant_set_status, yuan


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
        Station.objects.select_for_update(of=("self",))
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
    if station.program != program:
        # The station now runs under the funded program (a filed station chosen for key
        # support shows 重点支持, not 建站备案, in its header).
        from stations.services import station_update

        station_update(station=station, actor=actor, data={"program": program})
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
    # Lock the application: the workflow's end and a retry must not both grant it. Its class
    # comes with it (funding sits below applications and does not import it).
    app = (
        type(application)
        .objects.select_for_update(of=("self",))
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


def _level_amount(city, program: str, level: str, params) -> int:
    """Return the yearly amount the policy fixes for the level (0 where it fixes none)."""
    try:
        return engine.check_amount(city, program, level, None, params)
    except engine.PolicyError:
        return 0


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
    # A policy that pays each year on its assessment (益阳 第十六条) schedules nothing yet:
    # the grant still states the level's yearly amount, as the policy fixes it.
    resolved = (
        max((y.paid for y in result.years), default=0)
        or amount
        or _level_amount(city, program, level, version.params)
    )
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
    later_support = engine.policy_for(city).later_support_clause
    if later_support and row["year"] == decided_year and row["grade"] == "qualified":
        # What a qualified year opens where the policy declares discretionary later support
        # (support_award accepts it only after a qualified year): said on the decision.
        consequences.append(
            {
                "kind": "later_support",
                "label": "考核合格，后续年度可视合作情况给予补助（由市科协确定）",
                "amount": 0,
                "clause": later_support,
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
