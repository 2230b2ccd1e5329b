"""Checks every write of the evaluation cycle shares: row lock, version, round open."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import EvaluationRound, StationEvaluation

E = StationEvaluation.Status


class StaleEvaluation(ValidationError):
    """Someone saved the evaluation since this form was loaded."""


def _check_version(evaluation: StationEvaluation, expected_version: int | None) -> None:
    if expected_version is not None and evaluation.version != expected_version:
        raise StaleEvaluation("该考核记录已被他人更新，请刷新页面后重新操作。", code="stale")


def _check_round_open(evaluation: StationEvaluation) -> None:
    if evaluation.round.status != EvaluationRound.Status.OPEN:
        raise ValidationError("本年度考核已结束，不能再提交或修改自评材料。", code="round_closed")


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), _("Y年n月j日 H:i"))


def _check_not_submitted(evaluation: StationEvaluation) -> None:
    """A submitted self-report is read-only: a second submission (double click, second tab,
    replayed POST) is refused, naming when and by whom it was submitted."""
    if evaluation.submitted_at is not None:
        raise ValidationError(
            _("自评材料已于 %(when)s 由 %(who)s 提交，提交后不能修改或再次提交。")
            % {"when": _when(evaluation.submitted_at), "who": evaluation.submitted_by},
            code="already_submitted",
        )


def _locked(evaluation: StationEvaluation) -> StationEvaluation:
    return (
        StationEvaluation.objects.select_for_update(of=("self",))
        .select_related("station__city", "station__society", "station__host_unit", "grant", "round")
        .get(pk=evaluation.pk)
    )
