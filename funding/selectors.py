"""Reads for funding: scoped lists, one object per user (404 alike), the station ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.querycache import bump_now_and_on_commit
from accounts.scoping import get_for_user, scope_queryset
from stations.models import Station
from stations.selectors import get_station

from .graded_years import graded_years
from .models import Disbursement, Grant, GrantDecision, Recovery, schedule_years


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
        "grant__city", "grant__station"
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
    station = get_station(user, station_pk)
    grants = list(Grant.objects.filter(station=station).order_by("start_year"))
    evaluations = graded_years().decided_for_station(station)
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


# --- reads the money services share (re-exported by funding.services) ---------------------


# The generation of what `payable` reads (grants, their disbursements and decisions): any
# save or delete of one bumps it (funding.apps), so a cached list of dues follows at once.
DUES_GENERATION = "querycache:funding-dues-generation"


def bump_dues(**_kwargs) -> None:
    bump_now_and_on_commit(DUES_GENERATION)


def connect_dues_cache() -> None:
    from accounts.querycache import bump_on_write

    bump_on_write(bump_dues, (Grant, Disbursement, GrantDecision), "funding-dues")


def payable(grant: Grant) -> list[dict]:
    """Return the years that are due and not yet paid (nor withdrawn).

    Due are the engine's schedule years and the administrator's discretionary support.
    """
    if grant.frozen_reason:
        return []
    paid = set(grant.disbursements.values_list("year", flat=True))
    supports = grant.decisions.filter(kind=GrantDecision.Kind.SUPPORT).order_by("year")
    return _dues(grant.schedule, grant.withdrawn_years, paid, supports.values(*SUPPORT))


SUPPORT = ("year", "amount", "clause", "reason")


def payable_by_grant(grants: QuerySet[Grant]) -> list[tuple[int, list[dict]]]:
    """Return (id, `payable`) of each grant of `grants` (a queryset, sliced or not), in its
    order, in three queries whatever the number: the grants as plain values (no model
    instance), their paid years and their support decisions (subqueries of `grants`, not
    lists of ids)."""
    rows = list(grants.values_list("id", "schedule", "withdrawn_years", "frozen_reason"))
    if not rows:
        return []
    among = grants.values("id")
    paid: dict[int, set] = defaultdict(set)
    for grant_id, year in Disbursement.objects.filter(grant_id__in=among).values_list(
        "grant_id", "year"
    ):
        paid[grant_id].add(year)
    supports: dict[int, list] = defaultdict(list)
    for award in (
        GrantDecision.objects.filter(grant_id__in=among, kind=GrantDecision.Kind.SUPPORT)
        .order_by("year", "id")
        .values("grant_id", *SUPPORT)
    ):
        supports[award["grant_id"]].append(award)
    return [
        (pk, [] if frozen else _dues(schedule, withdrawn or [], paid[pk], supports[pk]))
        for pk, schedule, withdrawn, frozen in rows
    ]


def _dues(schedule: dict | None, withdrawn: list, paid: set, supports) -> list[dict]:
    raw = (schedule or {}).get("years", [])
    open_years = {
        y["year"] for y in raw if y["paid"] and y["year"] not in paid and y["year"] not in withdrawn
    }
    # The full rows (with their parameter version) only for a grant that owes a year.
    dues = [y for y in schedule_years(schedule) if y["year"] in open_years] if open_years else []
    scheduled = {y["year"] for y in raw if y["paid"]}
    for award in supports:
        if award["year"] not in paid and award["year"] not in scheduled:
            dues.append(
                {
                    "year": award["year"],
                    "paid": award["amount"],
                    "clauses": [award["clause"]],
                    "reason": award["reason"],
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


def net_paid(grant: Grant) -> int:
    paid = grant.disbursements.aggregate(s=Sum("amount"))["s"] or 0
    recovered = grant.recoveries.aggregate(s=Sum("amount"))["s"] or 0
    return paid - recovered


def is_station_member(user, station: Station) -> bool:
    return bool(
        (user.society_id and user.society_id == station.society_id)
        or (user.host_unit_id and user.host_unit_id == station.host_unit_id)
    )
