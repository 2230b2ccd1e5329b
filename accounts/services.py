"""Writes for accounts: the audit trail."""

from __future__ import annotations

from django.db.models import Model

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (
        forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    ) or None


def audit(
    *,
    event: str,
    user=None,
    request=None,
    obj: Model | None = None,
    result: str = AuditEvent.Result.SUCCESS,
    reason: str = "",
    clause: str = "",
    detail: dict | None = None,
    city_id: int | None = None,
) -> AuditEvent:
    """Record one audit event: who, when (UTC), from where, what, on which object, why, which clause."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if city_id is None and obj is not None:
        city_id = getattr(obj, "city_id", None)
    if city_id is None and user is not None:
        city_id = user.city_id
    return AuditEvent.objects.create(
        user=user,
        username=getattr(user, "username", "") if user else "",
        ip=client_ip(request),
        event=event,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        city_id=city_id,
        result=result,
        reason=reason,
        clause=clause,
        detail=detail or {},
    )
