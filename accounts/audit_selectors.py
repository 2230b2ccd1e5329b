"""Reads of the audit trail (the audit administrator's page)."""

import datetime as dt

from django.db.models import QuerySet

from .models import AuditEvent
from .roles import Role

# Only these filters reach the ORM; anything else in the query string is ignored.
TEXT_FILTERS = {
    "event": "event__startswith",
    "username": "username",
    "object_type": "object_type",
    "object_id": "object_id",
}
RESULTS = {choice.value for choice in AuditEvent.Result}


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_events_for(user, params) -> QuerySet[AuditEvent]:
    """Return the audit rows `user` may read, filtered by whitelisted parameters."""
    if not user.is_authenticated or user.role != Role.AUDIT_ADMIN:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    for param, lookup in TEXT_FILTERS.items():
        value = (params.get(param) or "").strip()
        if value:
            events = events.filter(**{lookup: value[:150]})
    if params.get("result") in RESULTS:
        events = events.filter(result=params["result"])
    if since := _date(params.get("since")):
        events = events.filter(at__date__gte=since)
    if until := _date(params.get("until")):
        events = events.filter(at__date__lte=until)
    return events.order_by("-at", "-id")


def decorate_events(rows) -> list[AuditEvent]:
    """Attach the labels people read: the event's and the object type's (no queries)."""
    from .audit_labels import event_label, object_type_label

    rows = list(rows)
    for row in rows:
        row.event_label = event_label(row.event)
        row.object_label = object_type_label(row.object_type)
    return rows
