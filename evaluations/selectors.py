"""Reads for evaluations: the scoped lists and pages, and the cycle's unscoped figures
(which grants a round covers, a self-report's counts, the experts' mean) that services use."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.scoping import get_for_user, scope_queryset
from funding.models import Grant
from policies import api as engine

from .models import EvaluationRound, StationEvaluation, normalize_score


def round_list(user) -> QuerySet[EvaluationRound]:
    return scope_queryset(user, EvaluationRound.objects.select_related("city"))


def get_round(user, pk: int) -> EvaluationRound:
    return get_for_user(user, EvaluationRound.objects.select_related("city"), pk=pk)


def evaluation_list(user) -> QuerySet[StationEvaluation]:
    """Scoped evaluations with what list templates touch (station and grant with their city,
    for the program label) joined; scoping never duplicates rows, so no DISTINCT."""
    return scope_queryset(
        user,
        StationEvaluation.objects.select_related(
            "station__city", "round", "grant__city", "grant__station"
        ),
    ).order_by("-year", "station__name", "id")


def round_evaluations(user, rnd: EvaluationRound) -> QuerySet[StationEvaluation]:
    return evaluation_list(user).filter(round=rnd).order_by("station__name", "id")


def status_counts(evaluations: QuerySet[StationEvaluation]) -> dict[str, int]:
    """Return {status label: count} in the model's status order, counted in SQL."""
    counts = dict(
        evaluations.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        label: counts[value]
        for value, label in StationEvaluation.Status.choices
        if counts.get(value)
    }


def get_evaluation(user, pk: int) -> StationEvaluation:
    """Return one visible evaluation; missing and forbidden both raise the same Http404."""
    try:
        return evaluation_list(user).get(pk=pk)
    except StationEvaluation.DoesNotExist as exc:
        hidden = StationEvaluation.objects.filter(pk=pk).select_related("station").first()
        if hidden is not None:
            # Answered exactly like a missing row, but the attempt is on record (like
            # accounts.scoping.get_for_user); evaluation PDFs load through here too.
            from accounts.models import AuditEvent
            from accounts.services import audit

            audit(
                event="access.denied",
                user=user if user.is_authenticated else None,
                obj=hidden,
                city_id=hidden.station.city_id,
                result=AuditEvent.Result.DENIED,
            )
        raise Http404("未找到该记录，或您无权访问。") from exc


# --- the cycle's figures (unscoped: callers have checked access) ---------------------------


def assessed_years(grant: Grant) -> list[int]:
    """Return the years in which a grant's station is evaluated (the city policy decides)."""
    station = grant.station
    policy = engine.policy_for(station.city)
    return policy.assessed_years(
        policy.program(grant.program),
        start_year=grant.start_year,
        agreement_end_year=station.term_end.year if station.term_end else None,
        params=grant.policy_params,
    )


def evaluation_targets(city, year: int) -> list[Grant]:
    grants = (
        Grant.objects.filter(station__city=city, start_year__lte=year, frozen_reason="")
        .exclude(status__in=[Grant.Status.REVOKED, Grant.Status.DELISTED])
        .select_related("station__city")
    )
    return [g for g in grants if year in assessed_years(g)]


def term_year(evaluation: StationEvaluation) -> int:
    return evaluation.year - evaluation.grant.start_year + 1


def self_report_figures(evaluation: StationEvaluation) -> tuple[dict, list[dict]]:
    """Return the year's activity counts and the policy's yearly items (益阳, 贵阳)."""
    from stations.choices import ActivityKind

    station = evaluation.station
    counts: dict[str, dict] = {}
    for record in station.activities.filter(date__year=evaluation.year):
        row = counts.setdefault(
            record.kind,
            {"label": str(ActivityKind(record.kind).label), "records": 0, "quantity": 0},
        )
        row["records"] += 1
        row["quantity"] += record.quantity
    items: list[dict] = []
    # The policy says which yearly items it counts (益阳 第十二条 five items, 贵阳 三(三)7
    # minimums); other cities return none.
    version = engine.current_version(station.city)
    summary = engine.activity_summary(station, evaluation.year, term_year(evaluation))
    for item in engine.quantitative_items(station.city, summary, version.params):
        items.append(
            {
                "code": item.code,
                "label": item.label_zh,
                "requirement": item.requirement_zh,
                "passed": item.passed,
                "figures": dict(item.figures),
                "clause": item.clause,
            }
        )
    return counts, items


def suggested_score(evaluation: StationEvaluation) -> Decimal | None:
    totals = [s.total for s in evaluation.expert_scores.all() if s.total is not None]
    if not totals:
        return None
    return normalize_score(engine.quantize_score(sum(totals) / len(totals)))


# --- the reader funding asks for decided years (funding.graded_years) ---


def decided_for_station(station) -> QuerySet[StationEvaluation]:
    """The station's confirmed or absent evaluations, with grant, round and confirmer."""
    return StationEvaluation.objects.filter(
        station=station,
        status__in=[StationEvaluation.Status.CONFIRMED, StationEvaluation.Status.ABSENT],
    ).select_related("grant", "round", "confirmed_by")


def latest_confirmed(grant, year: int) -> StationEvaluation | None:
    """The grant's latest confirmed evaluation up to `year`, or None."""
    return (
        StationEvaluation.objects.filter(
            grant=grant, year__lte=year, status=StationEvaluation.Status.CONFIRMED
        )
        .order_by("-year")
        .first()
    )
