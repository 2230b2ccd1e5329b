"""The legacy imports' whole-file checks made before any row meets the database: a record named
twice in the file, and payments against their grants (all the file's grants in one query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from funding.models import Grant

if TYPE_CHECKING:
    from .imports import PreparedFile


@dataclass
class RowProblem:
    row: int  # the spreadsheet's own row number (0: the whole file)
    column: str  # the column code ("" for the whole row)
    message: str
    header: str = ""  # the column's header as written in the sheet

    @property
    def where(self) -> str:
        return self.header or self.column


def duplicate_rows(prepared: PreparedFile, resource) -> list[RowProblem]:
    dataset = prepared.dataset
    id_fields = [resource.fields[name].column_name for name in resource.get_import_id_fields()]
    key_columns = list(id_fields)
    if "station" in key_columns:  # a grant is named by station + program + start year
        key_columns += [c for c in ("program", "start_year") if c in dataset.headers]
    if not all(c in dataset.headers for c in key_columns):
        return []
    first_seen: dict[tuple, int] = {}
    problems = []
    for index, row in enumerate(dataset.dict):
        number = prepared.numbers[index]
        key = tuple(str(row.get(c, "")).strip().upper() for c in key_columns)
        if key in first_seen:
            problems.append(
                RowProblem(
                    number,
                    "、".join(key_columns),
                    f"与第 {first_seen[key]} 行重复（同一条记录在文件中出现两次）。",
                    "、".join(prepared.header(c) or c for c in key_columns),
                )
            )
        else:
            first_seen[key] = number
    return problems


def payment_problems(prepared: PreparedFile, *, today: dt.date) -> list[RowProblem]:
    """Payments against their grants, all grants of the file loaded in one query: no payment
    in a future year or dated in the future, none beyond what the grant approved."""
    from policies.api import get_policy

    from .documents import cite_clauses

    rows = list(prepared.dataset.dict)
    keys = {(r.get("city"), r.get("station"), r.get("program"), r.get("start_year")) for r in rows}
    if not keys:
        return []
    grants = {
        (g.station.city.code, g.station.name, g.program, g.start_year): g
        for g in Grant.objects.filter(
            station__city__code__in={k[0] for k in keys},
            station__name__in={k[1] for k in keys},
        )
        .select_related("station__city")
        .prefetch_related("disbursements")
    }
    problems: list[RowProblem] = []
    in_file: dict[int, dict[int, int]] = {}
    for index, row in enumerate(rows):
        number = prepared.numbers[index]
        year = row.get("year")
        paid_on = row.get("paid_on")
        if isinstance(year, int) and year > today.year:
            problems.append(
                RowProblem(
                    number,
                    "year",
                    f"资助年度 {year} 年在今年（{today.year} 年）之后：历史拨付记录只能是已经发生的拨付。",
                    prepared.header("year"),
                )
            )
        if isinstance(paid_on, dt.date) and paid_on > today:
            problems.append(
                RowProblem(
                    number,
                    "paid_on",
                    f"支付日期 {paid_on:%Y年%-m月%-d日} 在今天之后：历史拨付记录只能是已经发生的拨付。",
                    prepared.header("paid_on"),
                )
            )
        grant = grants.get(
            (row.get("city"), row.get("station"), row.get("program"), row.get("start_year"))
        )
        amount = row.get("amount")
        if grant is None or not isinstance(amount, int) or not isinstance(year, int):
            continue
        try:
            program = get_policy(grant.station.city.policy_code).programs[grant.program]
            payment, years = program.payment, program.support_years
            policy = get_policy(grant.station.city.policy_code)
            if isinstance(years, str):
                years = int(policy.params(grant.policy_params).get(years, 1))
        except Exception:  # noqa: BLE001
            payment, years = "yearly", 1
        approved_total = grant.amount if payment == "one_off" else grant.amount * max(1, years)
        clause = cite_clauses(grant.clauses) or "资助项目核定金额"
        if amount > grant.amount:
            problems.append(
                RowProblem(
                    number,
                    "amount",
                    f"金额 {amount:,} 元超过该资助项目核定的{'一次性' if payment == 'one_off' else '年度'}"
                    f"金额 {grant.amount:,} 元（依据：{clause}）。",
                    prepared.header("amount"),
                )
            )
            continue
        mine = in_file.setdefault(grant.pk, {})
        mine[year] = amount
        recorded = {d.year: d.amount for d in grant.disbursements.all()}
        total = sum({**recorded, **mine}.values())
        if total > approved_total:
            problems.append(
                RowProblem(
                    number,
                    "amount",
                    f"加上该资助项目已有的拨付（{sum(recorded.values()):,} 元）和本文件中的拨付，合计"
                    f" {total:,} 元，超过核定总额 {approved_total:,} 元（依据：{clause}）。",
                    prepared.header("amount"),
                )
            )
    return problems
