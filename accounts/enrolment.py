"""First TOTP enrolment needs a one-time enrolment code issued by the security administrator
(or, for the very first administrator, by `manage.py issue_enrolment_code`): a stolen password
alone never reveals the TOTP secret. Codes are stored hashed, used once, expire, and every
issue, use and failed try is audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, EnrolmentCode
from .services import audit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
SESSION_KEY = "_ssp_enrolment_ok"


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch in ALPHABET)


def _lifetime() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "TOTP_ENROLMENT_CODE_HOURS", 72)))


@transaction.atomic
def enrolment_code_issue(*, user, actor=None, request=None) -> str:
    """Issue a new code for `user` (earlier unused ones stop working) and return it, once."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    EnrolmentCode.objects.create(
        user=user,
        code_hash=make_password(raw),
        issued_by=actor,
        expires_at=timezone.now() + _lifetime(),
    )
    audit(
        event="2fa.enrolment_code_issued",
        user=actor,
        request=request,
        obj=user,
        detail={"for": user.username, "valid_hours": _lifetime().total_seconds() // 3600},
    )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


@transaction.atomic
def enrolment_code_use(*, user, code: str, request=None) -> bool:
    """Spend a valid code of `user`; False (audited) when none matches."""
    raw = _normal(code)
    candidates = EnrolmentCode.objects.select_for_update().filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )
    for candidate in candidates:
        if raw and check_password(raw, candidate.code_hash):
            candidate.used_at = timezone.now()
            candidate.save(update_fields=["used_at"])
            audit(event="2fa.enrolment_code_used", user=user, request=request, obj=user)
            return True
    audit(
        event="2fa.enrolment_code_failed",
        user=user,
        request=request,
        obj=user,
        result=AuditEvent.Result.FAILED,
    )
    return False
