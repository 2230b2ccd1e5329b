"""Helpers the applications views share: refusals as messages, the dishonesty flag in dropdowns."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from stations.models import Society


def _with_credit_flag(queryset):
    """Annotate `flagged`: the unit has an active dishonesty record (marked in dropdowns)."""
    from django.db.models import Exists, OuterRef

    from stations.models import CreditFlag

    field = "society" if queryset.model is Society else "host_unit"
    active = CreditFlag.objects.filter(**{field: OuterRef("pk")}, lifted_on__isnull=True)
    return queryset.annotate(flagged=Exists(active))


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _flash_error(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or "无权进行该操作")
