"""Reads for funding: scoped lists, one object per user (404 alike), the station ledger."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from accounts.scoping import get_for_user, scope_queryset
from stations.selectors import get_station

from .models import Disbursement, Grant, GrantDecision, Recovery


def grant_list(user) -> QuerySet[Grant]:
    """Scoped grants for the paged list: the wide JSON columns (schedule, parameter snapshot,
    clauses) stay in the table, so sorting and paging read only what the list shows."""
    return (
        scope_queryset(user, Grant.objects.select_related("city", "station", "application"))
        .defer("policy_params", "schedule", "clauses", "withdrawn_years")
        .order_by("station__name", "application__title", "start_year", "id")
    )


def get_grant(user, pk: int) -> Grant:
    return get_for_user(
        user,
        Grant.objects.select_related(
            "city", "society", "host_unit", "station__city", "application"
        ),
        pk=pk,
    )


def get_disbursement(user, pk: int) -> Disbursement:
    return get_for_user(
        user,
        Disbursement.objects.select_related(
            "grant__city",
            "grant__society",
            "grant__host_unit",
            "grant__station",
            "grant__application",
            "approved_by",
        ),
        pk=pk,
    )


def get_recovery(user, pk: int) -> Recovery:
    return get_for_user(
        user, Recovery.objects.select_related("grant__city", "grant__station"), pk=pk
    )


@dataclass
class LedgerLine:
    date: object
    kind: str
    label: str
    amount: int
    clause: str
    voucher: str = ""
    status: str = ""


@dataclass
class Ledger:
    lines: list[LedgerLine]
    paid: int
    recovered: int
    repaid: int

    @property
    def net(self) -> int:
        return self.paid - self.recovered

    @property
    def outstanding(self) -> int:
        return self.recovered - self.repaid


def station_ledger(station) -> Ledger:
    """Return the station's money history: payments (+), recoveries (−), repayments."""
    lines: list[LedgerLine] = []
    paid = recovered = repaid = 0
    for d in Disbursement.objects.filter(grant__station=station).select_related(
        "grant__station__city"
    ):
        paid += d.amount
        lines.append(
            LedgerLine(
                d.paid_on,
                "paid",
                f"拨付{d.grant.program_label} {d.year}年度",
                d.amount,
                "、".join(d.clauses),
                d.voucher_no,
            )
        )
    for r in Recovery.objects.filter(grant__station=station).prefetch_related("repayments"):
        recovered += r.amount
        lines.append(
            LedgerLine(
                r.created_at.date(),
                "recovered",
                f"追回：{r.reason}",
                -r.amount,
                r.clause,
                status=r.get_status_display(),
            )
        )
        for p in r.repayments.all():
            repaid += p.amount
            lines.append(
                LedgerLine(p.received_on, "repaid", "退回款到账", p.amount, r.clause, p.voucher_no)
            )
    lines.sort(key=lambda line: (str(line.date), line.kind))
    return Ledger(lines, paid, recovered, repaid)


def station_money_page(user, station_pk: int):
    """Return the station (scoped), its grants, decisions (graded years and the
    administrators' decisions, oldest first) and its ledger."""
    from evaluations.models import StationEvaluation

    station = get_station(user, station_pk)
    grants = list(Grant.objects.filter(station=station).order_by("start_year"))
    evaluations = StationEvaluation.objects.filter(
        station=station,
        status__in=[StationEvaluation.Status.CONFIRMED, StationEvaluation.Status.ABSENT],
    ).select_related("grant", "round", "confirmed_by")
    admin = GrantDecision.objects.filter(grant__station=station).select_related("created_by")
    decisions = [
        StationDecision(_date(ev.confirmed_at or ev.round.closed_at), ev.year, "evaluation", ev)
        for ev in evaluations
    ] + [StationDecision(d.created_at.date(), d.year, d.kind, d) for d in admin]
    decisions.sort(key=lambda x: (x.year, str(x.date or ""), x.kind != "evaluation"))
    return station, grants, decisions, station_ledger(station)


def _date(moment):
    return timezone.localtime(moment).date() if moment else None


@dataclass
class StationDecision:
    date: object
    year: int
    kind: str  # evaluation / support / revoke / penalty
    obj: object
