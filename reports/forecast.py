"""Committed-money forecast (预算编制) and a parameter change's impact — pure computation.

No ORM here: `reports.forecast_selectors` builds the plain facts (declared with the other
data classes in `reports.forecast_cells`) from model rows, and everything is computed with
the city policy's own `funding_schedule`, `grade`, `cutoffs`, `support_years` and program
declarations. Amounts are integer yuan.

What a budget year counts, per program:
- **certain (已确定)**: money already approved and not yet paid — the grant's stored schedule
  lists it as due (e.g. Hangzhou year 2 after a 合格, Shenyang year 1 on naming) or an
  administrator awarded it (贵阳 discretionary support);
- **conditional (待考核)**: later years of active grants whose payment depends on an
  assessment still to come (Shenyang years 2–3 need 良好, Yiyang needs 合格). Past decisions
  are kept as decided: a decided year is never re-priced, its grade is kept whatever the
  parameters, and a revoked, delisted, suspended, completed or frozen grant gets nothing more;
- **new (新增)**: the program's quota × amount for each budget year a round is held, run
  through the same schedule as a real grant (so Shenyang's new stations also bring their
  conditional years 2–3 into the window);
- **income (预计收回)**: recoveries already demanded and not yet repaid, plus those the
  schedule would demand (Yiyang: 不合格 at the term end recovers all money paid).

Scenarios: **low** = every future assessment fails; **high** = every future assessment
reaches the best grade; **expected** = each station's most recent confirmed score repeated
(its grade taken with the parameters in question), and a station with no assessment yet is
assumed to meet the conditions. New programs: the quota is assumed filled; a ranged amount
is its minimum (low), midpoint (expected) and maximum (high).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policies.api import CityPolicy, PolicyError, Program

# The data (facts, projections, cells, impact) lives in forecast_cells; callers and tests
# still import every name from here.
from .forecast_cells import (  # noqa: F401
    SCENARIO_LABELS,
    SCENARIOS,
    ApplicationFacts,
    Difference,
    Forecast,
    ForecastCell,
    GrantFacts,
    Impact,
    NewCohort,
    Portfolio,
    Projection,
    QuotaEffect,
    QuotaUse,
    YearDelta,
    YearMoney,
)

LOW_SCORE, HIGH_SCORE = 0.0, 100.0
# A grant in one of these states has no future money whatever the parameters (decided).
CLOSED_STATUSES = frozenset({"revoked", "delisted", "suspended", "completed"})


# -- one grant -----------------------------------------------------------------------------


def representative_score(policy: CityPolicy, grade: str, params: Mapping[str, Any]) -> float:
    """Return a score that reaches exactly `grade` under `params` (a decided grade kept)."""
    for name, minimum in policy.cutoffs(params):
        if name == grade:
            return float(minimum)
    return LOW_SCORE if grade == policy.grades[-1] else float(policy.cutoffs(params)[0][1])


def scenario_score(grant_last: float | None, scenario: str) -> float:
    if scenario == "low":
        return LOW_SCORE
    if scenario == "high" or grant_last is None:
        return HIGH_SCORE
    return float(grant_last)


def project_grant(
    policy: CityPolicy,
    grant: GrantFacts,
    params: Mapping[str, Any],
    scenario: str,
    years: Sequence[int],
) -> Projection:
    """Return the grant's money in `years` under `params`: decided years as decided."""
    window = set(years)
    rows: dict[int, YearMoney] = {}
    certain_years = set()
    if not grant.frozen:
        for year, amount in sorted(grant.scheduled.items()):
            if amount and year not in grant.paid_years and year not in grant.withdrawn_years:
                certain_years.add(year)
                if year in window:
                    rows[year] = YearMoney(year, paid=amount, certain=True)
        for year, amount in grant.support_dues:
            if year not in grant.paid_years:
                certain_years.add(year)
                if year in window:
                    old = rows.get(year)
                    rows[year] = YearMoney(
                        year, paid=(old.paid if old else 0) + amount, certain=True
                    )
    closed = grant.frozen or grant.status in CLOSED_STATUSES
    if closed:
        return Projection(rows, final_status=grant.status)
    program = policy.program(grant.program)
    decided = grant.decided_through
    history = [(y, representative_score(policy, g, params)) for y, _s, g in grant.evaluations]
    support = max(policy.support_years(program, params), 1)
    future = [y for y in range(grant.start_year, grant.start_year + support) if y > decided]
    assumed = scenario_score(grant.last_score, scenario)
    evaluations = history + [(y, assumed) for y in future]
    try:
        result = policy.funding_schedule(
            program=grant.program,
            level=grant.level,
            start_year=grant.start_year,
            amount=grant.amount_entered,
            evaluations=evaluations,
            params=params,
        )
    except PolicyError as exc:
        return Projection(rows, final_status=grant.status, error=str(exc))
    next_grade = None
    final_status = grant.status
    for row in result.years:
        if row.year <= decided:
            continue
        final_status = row.status
        if next_grade is None and row.grade is not None:
            next_grade = row.grade
        if row.year not in window or row.year in certain_years:
            continue
        if row.year in grant.paid_years or row.year in grant.withdrawn_years:
            continue
        if row.paid or row.recovered:
            rows[row.year] = YearMoney(
                row.year, row.paid, row.recovered, False, row.grade, row.status
            )
    return Projection(rows, next_grade=next_grade, final_status=final_status)


def project_application(
    policy: CityPolicy,
    app: ApplicationFacts,
    params: Mapping[str, Any],
    scenario: str,
    years: Sequence[int],
) -> Projection:
    """Return an open application's money if approved (it starts as a new grant).

    An amount the approver has not fixed yet is assumed like a new program's: a range's
    midpoint (expected); 一事一议 without an amount adds nothing.
    """
    program = policy.program(app.program)
    if program.payment == "none":
        return Projection({})
    amount = app.amount
    if amount is None and (
        app.level in program.range_params or program.amount_param.get(app.level, "") is None
    ):
        assumed = cohort_amounts(program, app.level, params)
        if assumed is None:
            return Projection({})
        amount = assumed[scenario]
    grant = GrantFacts(
        id=app.id,
        station_id=0,
        station=app.title,
        program=app.program,
        level=app.level,
        start_year=app.year,
        amount_entered=amount,
    )
    return project_grant(policy, grant, params, scenario, years)


# -- new programs (quota × amount) ---------------------------------------------------------


def cohort_level(program: Program) -> str:
    return program.quota_levels[0] if program.quota_levels else program.levels[0]


def cohort_amounts(
    program: Program, level: str, params: Mapping[str, Any]
) -> dict[str, int] | None:
    """Return the amount per new grant per scenario, or None (一事一议: nothing to assume)."""
    if level in program.range_params:
        low_key, high_key = program.range_params[level]
        low, high = int(params[low_key]), int(params[high_key])
        return {"low": low, "expected": (low + high) // 2, "high": high}
    key = program.amount_param.get(level)
    if key is None:
        return None
    amount = int(params[key])
    return dict.fromkeys(SCENARIOS, amount)


def round_years(
    policy: CityPolicy,
    program: Program,
    params: Mapping[str, Any],
    years: Sequence[int],
    last_round: int | None,
) -> tuple[int, ...]:
    """Return the budget years in which the program holds a selection round."""
    every = policy.round_every_years(program, params)
    if every <= 1:
        return tuple(years)
    anchor = last_round if last_round is not None else years[0]
    return tuple(y for y in years if (y - anchor) % every == 0 and y > (last_round or 0))


def new_cohorts(
    policy: CityPolicy, params: Mapping[str, Any], years: Sequence[int], last_round: Mapping
) -> list[NewCohort]:
    cohorts = []
    for code, program in policy.programs.items():
        if not program.quota_param or program.payment == "none":
            continue
        level = cohort_level(program)
        amounts = cohort_amounts(program, level, params)
        if amounts is None:
            continue
        count = int(params[program.quota_param])
        held = round_years(policy, program, params, years, last_round.get(code))
        cohorts.append(NewCohort(code, level, count, amounts, held))
    return cohorts


def project_cohort(
    policy: CityPolicy,
    cohort: NewCohort,
    params: Mapping[str, Any],
    scenario: str,
    years: Sequence[int],
) -> dict[int, tuple[int, int]]:
    """Return year -> (paid, recovered) of the whole cohort (count × one new grant)."""
    program = policy.program(cohort.program)
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    amount = cohort.amounts[scenario]
    entered = amount if cohort.level in program.range_params else None
    for start in cohort.round_years:
        grant = GrantFacts(
            id=0,
            station_id=0,
            station="",
            program=cohort.program,
            level=cohort.level,
            start_year=start,
            amount_entered=entered,
        )
        projection = project_grant(policy, grant, params, scenario, years)
        for year, row in projection.years.items():
            out[year][0] += row.paid * cohort.count
            out[year][1] += row.recovered * cohort.count
    return {y: (p, r) for y, (p, r) in out.items()}


# -- the forecast --------------------------------------------------------------------------


def budget_years(first: int, count: int = 3) -> tuple[int, ...]:
    return tuple(range(first, first + count))


def forecast(
    policy: CityPolicy,
    portfolio: Portfolio,
    params: Mapping[str, Any],
    years: Sequence[int],
    scenarios: Sequence[str] = SCENARIOS,
) -> Forecast:
    """Return the money per program and budget year the portfolio commits under `params`.

    `scenarios` narrows the work (the impact preview needs only the expected one).
    """
    years = tuple(years)
    order = [code for code, p in policy.programs.items() if p.payment != "none"]
    labels = {code: policy.programs[code].label_zh for code in order}
    cells = {(p, y): ForecastCell(p, labels[p], y) for p in order for y in years}
    result = Forecast(portfolio.city, years, cells, order, labels)
    for grant in portfolio.grants:
        if grant.program not in labels:
            continue
        if grant.outstanding_recovery:
            for s in SCENARIOS:
                cells[(grant.program, years[0])].income[s] += grant.outstanding_recovery
        for scenario in scenarios:
            projection = project_grant(policy, grant, params, scenario, years)
            if scenario == "expected":
                result.grant_projections[grant.id] = projection
            for year, row in projection.years.items():
                cell = cells[(grant.program, year)]
                if row.certain:
                    if scenario == "expected":
                        cell.certain += row.paid
                else:
                    cell.conditional[scenario] += row.paid
                cell.income[scenario] += row.recovered
                if scenario == "expected" and row.paid:
                    cell.grants += 1
    for app in portfolio.applications:
        if app.program in labels:
            result.application_projections[app.id] = project_application(
                policy, app, params, "expected", years
            )
    result.cohorts = new_cohorts(policy, params, years, portfolio.last_round)
    for cohort in result.cohorts:
        for scenario in scenarios:
            for year, (paid, recovered) in project_cohort(
                policy, cohort, params, scenario, years
            ).items():
                cells[(cohort.program, year)].new[scenario] += paid
                cells[(cohort.program, year)].income[scenario] += recovered
    return result


# -- the impact of a parameter change ------------------------------------------------------


def _money(projection: Projection, years: Iterable[int]) -> dict[int, int]:
    return {y: projection.paid(y) - projection.recovered(y) for y in years}


def impact(
    policy: CityPolicy,
    portfolio: Portfolio,
    current: Mapping[str, Any],
    proposed: Mapping[str, Any],
    years: Sequence[int],
) -> Impact:
    """Return what `proposed` would change against `current` (expected scenario, future years)."""
    years = tuple(years)
    before = forecast(policy, portfolio, current, years, ("expected",))
    after = forecast(policy, portfolio, proposed, years, ("expected",))
    changed = {
        k: {"before": current.get(k), "after": proposed.get(k)}
        for k in proposed
        if current.get(k) != proposed.get(k)
    }
    differences: list[Difference] = []
    totals = {y: YearDelta(y) for y in years}
    entities = [("grant", g.id, g.station_id, g.station, g.program) for g in portfolio.grants] + [
        ("application", a.id, 0, a.title, a.program) for a in portfolio.applications
    ]
    for kind, pk, station_id, name, program in entities:
        table_before = (
            before.grant_projections if kind == "grant" else before.application_projections
        )
        table_after = after.grant_projections if kind == "grant" else after.application_projections
        if pk not in table_before:
            continue
        old, new = table_before[pk], table_after[pk]
        money_old, money_new = _money(old, years), _money(new, years)
        for y in years:
            bucket = "grants" if kind == "grant" else "applications"
            setattr(totals[y], bucket, getattr(totals[y], bucket) + money_new[y] - money_old[y])
        if (
            money_old != money_new
            or old.next_grade != new.next_grade
            or old.final_status != new.final_status
            or old.error != new.error
        ):
            differences.append(
                Difference(
                    kind=kind,
                    id=pk,
                    station_id=station_id,
                    name=name,
                    program=program,
                    label=before.labels.get(program, program),
                    before=money_old,
                    after=money_new,
                    next_before=old.next_payment(),
                    next_after=new.next_payment(),
                    grade_before=old.next_grade,
                    grade_after=new.next_grade,
                    status_before=old.final_status,
                    status_after=new.final_status,
                    error=new.error,
                )
            )
    for y in years:
        totals[y].new = sum(
            after.cells[(p, y)].new["expected"] - before.cells[(p, y)].new["expected"]
            for p in before.program_order
        )
    use = {q.program: q for q in portfolio.quota_use}
    quotas = []
    for code, program in policy.programs.items():
        if not program.quota_param:
            continue
        q_before, q_after = int(current[program.quota_param]), int(proposed[program.quota_param])
        used = use.get(code, QuotaUse(code, 0, 0))
        if q_before != q_after or used.approved or used.open:
            quotas.append(
                QuotaEffect(code, program.label_zh, q_before, q_after, used.approved, used.open)
            )
    differences.sort(key=lambda d: (d.program, -abs(d.total_delta), d.name, d.id))
    return Impact(
        city=portfolio.city,
        years=years,
        changed=changed,
        differences=differences,
        totals=[totals[y] for y in years],
        quotas=quotas,
        before=before,
        after=after,
        grants_checked=len(before.grant_projections),
        applications_checked=len(before.application_projections),
    )
