"""The subsidy report (资助资金报表): one city, one year or a date range, grouped and totalled.

One row per grant and funding year that has something to report:
- **核定 (approved)**: what the policy engine's schedule says is due for that year
  (`Grant.schedule`), zero for a year withdrawn after a recovery;
- **已拨付 (paid)**: the disbursement of that grant-year;
- **已追回 (recovered)**: recoveries decided for that grant-year;
- **净拨付 (net)** = paid − recovered.

By year: a grant-year is listed if it is scheduled with money, paid or recovered in that
funding year. By date range: a grant-year is listed if its money was paid (`paid_on`) or
its recovery recorded (`created_at`) within the range, and only those amounts count.
Every query goes through accounts.scoping, so a user sees only the rows they may see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import cn2an

from accounts.scoping import scope_queryset
from evaluations.models import StationEvaluation
from funding.models import Disbursement, Grant, Recovery, schedule_year
from policies.api import GRADE_LABELS, LEVEL_LABELS, LEVELS, PolicyError, get_policy

from .heavy import fewer_collections

MONEY_FIELDS = ("approved", "paid", "recovered", "net")


def rmb_upper(amount: int) -> str:
    """Return an amount of yuan in Chinese uppercase RMB: 100000 → 壹拾万元整."""
    if amount < 0:
        return "负" + cn2an.an2cn(str(-amount), "rmb")
    return cn2an.an2cn(str(amount), "rmb")


@dataclass
class SubsidyRow:
    grant_id: int
    station: str
    society: str
    host_unit: str
    level: str
    level_label: str
    program: str
    program_label: str
    year: int
    grade: str
    approved: int = 0
    paid: int = 0
    recovered: int = 0
    vouchers: list[str] = field(default_factory=list)
    # The funding years whose paid money this row's recovery takes back (see recovered_years).
    recovers: tuple[int, ...] = ()
    program_code: str = ""  # the report's short code for the program (A, B, …; see legend)

    @property
    def net(self) -> int:
        return self.paid - self.recovered

    @property
    def recovery_note(self) -> str:
        """Return e.g. "追回2024年度资金" (empty when nothing is recovered on this row)."""
        if not self.recovered:
            return ""
        if not self.recovers:
            return "追回已拨付资金"
        return "追回" + "、".join(str(y) for y in self.recovers) + "年度资金"

    @property
    def voucher_text(self) -> str:
        return "、".join(v for v in self.vouchers if v)


@dataclass
class Totals:
    approved: int = 0
    paid: int = 0
    recovered: int = 0

    @property
    def net(self) -> int:
        return self.paid - self.recovered

    def add(self, row) -> None:
        self.approved += row.approved
        self.paid += row.paid
        self.recovered += row.recovered

    def upper(self) -> dict[str, str]:
        return {name: rmb_upper(getattr(self, name)) for name in MONEY_FIELDS}


@dataclass
class LevelGroup:
    level: str
    label: str
    rows: list[SubsidyRow]
    totals: Totals


@dataclass
class ProgramGroup:
    program: str
    label: str
    levels: list[LevelGroup]
    totals: Totals
    code: str = ""


def zh_date(day: dt.date) -> str:
    """Return a date as official documents write it: 2024年1月1日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def program_code(index: int) -> str:
    """Return the short code of the index-th program in a report: A, B, …, Z, AA, AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def recovered_years(
    payments: list[tuple[int, int]], recoveries: list[tuple[int, int]]
) -> list[tuple[int, ...]]:
    """Return, for each recovery (decision year, amount) in the order given, the funding
    years whose paid money it takes back.

    A recovery takes back money already paid for years up to its decision year, the most
    recent payment first, and never the same yuan twice (earlier recoveries of the grant
    consumed theirs first): e.g. paid 2023 and 2024, 2025 decision recovers one year's
    amount → (2024,).
    """
    left = {year: amount for year, amount in payments}
    result: list[tuple[int, ...]] = []
    for decision_year, amount in recoveries:
        years: list[int] = []
        for year in sorted((y for y in left if y <= decision_year and left[y] > 0), reverse=True):
            if amount <= 0:
                break
            taken = min(amount, left[year])
            left[year] -= taken
            amount -= taken
            years.append(year)
        result.append(tuple(sorted(years)))
    return result


@dataclass
class SubsidyReport:
    city: object
    year: int | None
    date_from: dt.date | None
    date_to: dt.date | None
    groups: list[ProgramGroup]
    totals: Totals

    @property
    def period_label(self) -> str:
        if self.year:
            return f"{self.year}年度"
        return f"{zh_date(self.date_from)}至{zh_date(self.date_to)}"

    @property
    def legend(self) -> list[tuple[str, str]]:
        """Return [(short code, program label)] for the programs the report lists."""
        return [(g.code, g.label) for g in self.groups]

    @property
    def title(self) -> str:
        return f"{self.city.name}市学会服务站资助资金报表（{self.period_label}）"

    @property
    def rows(self) -> list[SubsidyRow]:
        return [row for g in self.groups for lv in g.levels for row in lv.rows]

    def lines(self) -> list[dict]:
        """Return the table's lines in order: rows, then each level's and each program's
        subtotal (what the HTML page pages through, 50 lines at a time)."""
        out: list[dict] = []
        for group in self.groups:
            for level in group.levels:
                out.extend({"kind": "row", "row": row} for row in level.rows)
                out.append({"kind": "level", "group": group, "level": level})
            out.append({"kind": "program", "group": group})
        return out


def _program_labels(city) -> dict[str, str]:
    try:
        return {code: p.label_zh for code, p in get_policy(city.policy_code).programs.items()}
    except PolicyError:
        return {}


class _Grant(NamedTuple):
    """What `subsidy_report` reads of a grant and its station, society, host unit and
    application, as plain values: building 4,000 grants with their four related model objects
    was most of a city's report (nothing encrypted is read either)."""

    pk: int
    program: str
    level: str
    schedule: dict
    withdrawn_years: list
    station_id: int | None
    station_name: str | None
    society_name: str
    host_unit_id: int | None
    host_unit_name: str | None
    application_title: str | None

    def schedule_year(self, year: int) -> dict | None:
        return schedule_year(self.schedule, year)

    @property
    def subject(self) -> str:
        """What is funded, as Grant.subject shows it: the station, else the application."""
        return self.station_name if self.station_id else (self.application_title or "")


GRANT_VALUES = (
    "pk",
    "program",
    "level",
    "schedule",
    "withdrawn_years",
    "station_id",
    "station__name",
    "society__name",
    "host_unit_id",
    "host_unit__name",
    "application__title",
)


@fewer_collections()  # a city's thousands of row dicts: reports.heavy
def subsidy_report(
    user,
    *,
    city,
    year: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> SubsidyReport:
    """Build the report for `city` and a funding year, or for a date range (inclusive)."""
    if (year is None) == (date_from is None or date_to is None):
        raise ValueError("give either a year or both dates")
    grants = {
        row[0]: _Grant(*row)
        for row in scope_queryset(user, Grant.objects.filter(city=city)).values_list(*GRANT_VALUES)
    }
    payments = scope_queryset(user, Disbursement.objects.filter(grant__city=city))
    recoveries = scope_queryset(user, Recovery.objects.filter(grant__city=city))
    if year is not None:
        payments = payments.filter(year=year)
        recoveries = recoveries.filter(year=year)
    else:
        payments = payments.filter(paid_on__range=(date_from, date_to))
        recoveries = recoveries.filter(created_at__date__range=(date_from, date_to))

    keys: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"paid": 0, "recovered": 0, "vouchers": []}
    )
    for grant_id, pay_year, amount, voucher in payments.values_list(
        "grant_id", "year", "amount", "voucher_no"
    ):
        entry = keys[(grant_id, pay_year)]
        entry["paid"] += amount
        entry["vouchers"].append(voucher)
    listed = list(recoveries.values_list("grant_id", "year", "amount", "pk"))
    for grant_id, rec_year, amount, _pk in listed:
        keys[(grant_id, rec_year)]["recovered"] += amount
    recovers = _recovered_years_by_key({pk for *_rest, pk in listed})
    if year is not None:
        for grant in grants.values():
            scheduled = grant.schedule_year(year)
            if scheduled and scheduled.get("paid") and year not in grant.withdrawn_years:
                keys[(grant.pk, year)]  # noqa: B018 (touch: a scheduled year is listed)

    grades = {
        (grant_id, ev_year): grade
        for grant_id, ev_year, grade in StationEvaluation.objects.filter(
            grant_id__in=list(grants), status=StationEvaluation.Status.CONFIRMED
        ).values_list("grant_id", "year", "grade")
    }
    programs = _program_labels(city)
    rows: list[SubsidyRow] = []
    for (grant_id, row_year), entry in keys.items():
        grant = grants.get(grant_id)
        if grant is None:  # a payment of a grant the user may not see (scoping differs)
            continue
        scheduled = grant.schedule_year(row_year) or {}
        approved = 0 if row_year in grant.withdrawn_years else int(scheduled.get("paid") or 0)
        # A program without a station (a topic, an award) is listed by its application.
        rows.append(
            SubsidyRow(
                grant_id=grant.pk,
                station=grant.subject,
                society=grant.society_name,
                host_unit=grant.host_unit_name if grant.host_unit_id else "",
                level=grant.level,
                level_label=LEVEL_LABELS.get(grant.level, grant.level),
                program=grant.program,
                program_label=programs.get(grant.program, grant.program),
                year=row_year,
                grade=GRADE_LABELS.get(grades.get((grant_id, row_year), ""), ""),
                approved=approved,
                paid=entry["paid"],
                recovered=entry["recovered"],
                vouchers=sorted(entry["vouchers"]),
                recovers=tuple(sorted(recovers.get((grant_id, row_year), ()))),
            )
        )
    return _group(rows, city=city, year=year, date_from=date_from, date_to=date_to)


def _recovered_years_by_key(listed_pks: set[int]) -> dict[tuple[int, int], set]:
    """Return {(grant id, decision year): funding years recovered} for the listed recoveries.

    The allocation runs over each grant's whole history (all its payments and recoveries,
    oldest recovery first), so a date-range report says the same as a yearly one."""
    if not listed_pks:
        return {}
    grant_ids = set(Recovery.objects.filter(pk__in=listed_pks).values_list("grant_id", flat=True))
    payments: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for grant_id, year, amount in Disbursement.objects.filter(grant_id__in=grant_ids).values_list(
        "grant_id", "year", "amount"
    ):
        payments[grant_id].append((year, amount))
    history: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for grant_id, year, amount, pk in (
        Recovery.objects.filter(grant_id__in=grant_ids)
        .order_by("created_at", "id")
        .values_list("grant_id", "year", "amount", "pk")
    ):
        history[grant_id].append((year, amount, pk))
    result: dict[tuple[int, int], set] = defaultdict(set)
    for grant_id, entries in history.items():
        years = recovered_years(payments[grant_id], [(y, a) for y, a, _pk in entries])
        for (year, _amount, pk), recovered in zip(entries, years, strict=True):
            if pk in listed_pks:
                result[(grant_id, year)].update(recovered)
    return result


def _group(rows, **meta) -> SubsidyReport:
    program_order = list(_program_labels(meta["city"]))

    def program_key(code):
        return (program_order.index(code) if code in program_order else 99, code)

    def level_key(code):
        return (LEVELS.index(code) if code in LEVELS else 99, code)

    by_program: dict[str, dict[str, list[SubsidyRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_program[row.program][row.level].append(row)
    groups, grand = [], Totals()
    for program in sorted(by_program, key=program_key):
        levels, program_totals = [], Totals()
        for level in sorted(by_program[program], key=level_key):
            level_rows = sorted(by_program[program][level], key=lambda r: (r.station, r.year))
            totals = Totals()
            for row in level_rows:
                totals.add(row)
                program_totals.add(row)
                grand.add(row)
            levels.append(LevelGroup(level, level_rows[0].level_label, level_rows, totals))
        first = levels[0].rows[0]
        code = program_code(len(groups))
        for level in levels:
            for row in level.rows:
                row.program_code = code
        groups.append(ProgramGroup(program, first.program_label, levels, program_totals, code))
    return SubsidyReport(groups=groups, totals=grand, **meta)
