"""Writes for accounts: the audit trail."""

from __future__ import annotations

from django.db.models import Model

from config.requestid import current_request_id

from .client_ip import client_ip
from .models import AuditEvent
from .privacy import mask_sensitive


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
    from .audit_chain import seal_after_commit

    seal_after_commit()
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
        detail=mask_sensitive(detail or {}),
        request_id=getattr(request, "request_id", None) or current_request_id(),
    )


def notify(*, recipients, title: str, body: str = "", link: str = "") -> list:
    """Put a message in each recipient's inbox and e-mail it after the transaction commits."""
    from .models import Notification
    from .outbox import outbox_enqueue

    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        note = Notification.objects.create(recipient=user, title=title, body=body, link=link)
        created.append(note)
        outbox_enqueue(
            "accounts.tasks.send_notification_email",
            key=f"notification-email:{note.pk}",
            args=[note.pk],
        )
    return created


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail copy once: the row is locked and stamped, so a retried task is a no-op."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction
    from django.utils import timezone

    from .models import Notification

    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if note is None or not note.recipient.email:
            return False
        send_mail(
            subject=f"【学会服务站管理平台】{note.title}",
            message=f"{note.body}\n\n{note.link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.recipient.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


AUDIT_MIN_RETENTION_DAYS = 180


def audit_purge(*, older_than_days: int) -> int:
    """Delete audit rows older than `older_than_days` (never under 180) and return the count."""
    import datetime as dt

    from django.conf import settings
    from django.db import connections, transaction
    from django.utils import timezone

    from .models import AuditEvent

    if older_than_days < AUDIT_MIN_RETENTION_DAYS:
        raise ValueError(f"审计日志至少保留 {AUDIT_MIN_RETENTION_DAYS} 天。")
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    # The app's own role may not delete audit rows; the owner's connection may (if configured).
    alias = "owner" if "owner" in settings.DATABASES else "default"
    connection = connections[alias]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Lets the table's guard trigger accept deletes of rows past retention, this transaction only.
            cursor.execute("SET LOCAL ssp.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608 (table name is ours)
        return cursor.rowcount


def session_register(*, user, request) -> None:
    """Remember a new login's session key so all of a user's sessions can be ended later."""
    from .models import UserSession

    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


def sessions_end_all(*, user, keep_key: str | None = None) -> int:
    """End every live session of `user` (except `keep_key`) and return how many ended."""
    from django.contrib.sessions.models import Session

    from .models import UserSession

    live = UserSession.objects.filter(user=user)
    if keep_key:
        live = live.exclude(session_key=keep_key)
    keys = list(live.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    live.delete()
    return len(keys)


def user_sessions_end(*, user, actor, request=None, reason: str = "") -> int:
    """An administrator ends all of a user's sessions (audited)."""
    ended = sessions_end_all(user=user)
    audit(
        event="user.sessions_ended",
        user=actor,
        request=request,
        obj=user,
        reason=reason,
        detail={"sessions_ended": ended},
    )
    return ended
