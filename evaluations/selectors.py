"""Reads for evaluations, all through the row-level scope."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.scoping import get_for_user, scope_queryset

from .models import EvaluationRound, StationEvaluation


def round_list(user) -> QuerySet[EvaluationRound]:
    return scope_queryset(user, EvaluationRound.objects.select_related("city"))


def get_round(user, pk: int) -> EvaluationRound:
    return get_for_user(user, EvaluationRound.objects.select_related("city"), pk=pk)


def evaluation_list(user) -> QuerySet[StationEvaluation]:
    """Scoped evaluations with what list templates touch (station and grant with their city,
    for the program label) joined; scoping never duplicates rows, so no DISTINCT."""
    return scope_queryset(
        user,
        StationEvaluation.objects.select_related("station__city", "round", "grant__station__city"),
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
