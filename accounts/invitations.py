"""An expert of the library without an account gets one by invitation.

The city administrator issues a one-time link; the expert opens it, sees the username and
sets a password (the project's password policy applies). The account has the role
评审专家 scoped to that Expert and nothing else. Only the token's SHA-256 is stored, a link
works once and until it expires, a new link cancels the earlier ones, and every issue, use
and refused try is audited (the pattern of accounts/enrolment.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, ExpertInvitation, User
from .roles import Role
from .services import audit


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "EXPERT_INVITATION_DAYS", 7)))


def expert_account(expert) -> User | None:
    """Return the expert's account, if one exists (active or not)."""
    return User.objects.filter(expert=expert).first()


def expert_can_act(expert) -> bool:
    """Whether the expert can log in and score: an active account with a password set."""
    user = expert_account(expert)
    return bool(user and user.is_active and user.has_usable_password())


def _username_for(expert) -> str:
    base = f"expert{expert.pk}"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}_{n}"
    return name


def _may_invite(actor, expert) -> bool:
    if actor.is_platform_admin:
        return True
    return actor.role == Role.CITY_ADMIN and actor.city_id == expert.city_id


@transaction.atomic
def expert_invitation_issue(*, expert, actor, request=None) -> tuple[ExpertInvitation, str]:
    """Create the expert's account if needed (no password yet) and return (invitation, token).

    The token is returned once, to be put in the link the administrator passes on."""
    if not _may_invite(actor, expert):
        raise PermissionDenied("只有本市科协管理员可以邀请专家开通账号")
    user = expert_account(expert)
    if user is None:
        user = User(
            username=_username_for(expert),
            role=Role.EXPERT_REVIEWER,
            expert=expert,
            full_name=expert.name,
            email=expert.email,
            mobile=expert.mobile,
            is_active=True,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        audit(
            event="expert.account_created",
            user=actor,
            request=request,
            obj=user,
            detail={"expert": expert.pk, "username": user.username},
        )
    elif user.role != Role.EXPERT_REVIEWER:
        raise ValidationError("该专家关联的账号不是评审专家账号，请联系安全管理员")
    elif not user.is_active:
        raise ValidationError("该专家的账号已停用，请联系安全管理员启用")
    elif user.has_usable_password():
        raise ValidationError("该专家已有可登录的账号，无需邀请")
    token = secrets.token_urlsafe(32)
    ExpertInvitation.objects.filter(user=user, used_at__isnull=True).update(
        expires_at=timezone.now()
    )
    invitation = ExpertInvitation.objects.create(
        user=user,
        expert=expert,
        token_hash=_hash(token),
        issued_by=actor,
        expires_at=timezone.now() + _lifetime(),
    )
    audit(
        event="expert.invitation_issued",
        user=actor,
        request=request,
        obj=user,
        detail={"expert": expert.pk, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation, token


def invitation_for_token(token: str) -> ExpertInvitation | None:
    """Return the usable invitation of this token (unused, unexpired), else None."""
    if not token:
        return None
    return (
        ExpertInvitation.objects.select_related("user", "expert")
        .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


class InvitationRefused(ValidationError):
    """The link is unknown, spent or expired."""


def expert_invitation_accept(*, token: str, password: str, request=None) -> User:
    """Set the invited expert's password and spend the link; refuse (audited) a bad link.

    The refusal is audited outside the transaction that would roll it back."""
    try:
        return _accept(token=token, password=password, request=request)
    except InvitationRefused as exc:
        audit(
            event="expert.invitation_refused",
            request=request,
            obj=exc.params["user"] if exc.params else None,
            result=AuditEvent.Result.FAILED,
            reason="链接无效、已使用或已过期",
        )
        raise


@transaction.atomic
def _accept(*, token: str, password: str, request=None) -> User:
    invitation = (
        ExpertInvitation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if invitation is None or invitation.used_at or invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            "邀请链接无效、已使用或已过期，请联系市科协管理员重新邀请。",
            params={"user": invitation.user if invitation else None},
        )
    user = invitation.user
    validate_password(password, user=user)
    user.set_password(password)
    user.save()
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit(event="expert.invitation_accepted", user=user, request=request, obj=user)
    return user
