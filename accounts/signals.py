"""Account events → audit rows and session bookkeeping (the work itself is in services)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import AuditEvent, User, UserSession
from .security import AUTH_AT_KEY, LAST_SEEN_KEY
from .services import audit, client_ip, session_register, sessions_end_all


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    now = timezone.now().timestamp()
    request.session[AUTH_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    session_register(user=user, request=request)
    audit(event="login.success", user=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit(
        event="login.failed",
        request=request,
        result=AuditEvent.Result.FAILED,
        detail={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit(
        event="login.locked_out",
        request=request,
        result=AuditEvent.Result.DENIED,
        detail={"username": (username or "")[:150], "ip": ip_address or client_ip(request)},
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    if getattr(request, "ssp_end_this_session_only", False):
        key = getattr(getattr(request, "session", None), "session_key", None)
        UserSession.objects.filter(user=user, session_key=key).delete()
        return
    ended = sessions_end_all(user=user)
    audit(event="logout", user=user, request=request, detail={"sessions_ended": ended})


@receiver(post_save, sender=User)
def on_user_saved(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        sessions_end_all(user=instance)
