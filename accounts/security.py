"""Account security policies: password composition, session lifetimes, second factor, lockout."""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import TWO_FACTOR_ROLES

AUTH_AT_KEY = "_ssp_auth_at"
LAST_SEEN_KEY = "_ssp_last_seen"
CHARACTER_CLASSES = {
    "lower": (re.compile(r"[a-z]"), gettext_lazy("小写字母")),
    "upper": (re.compile(r"[A-Z]"), gettext_lazy("大写字母")),
    "digit": (re.compile(r"\d"), gettext_lazy("数字")),
    "symbol": (re.compile(r"[^A-Za-z0-9]"), gettext_lazy("特殊字符")),
}


class CompositionValidator:
    """Require characters from at least `min_classes` of lower/upper/digit/symbol (等保 2.0)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = sum(1 for regex, _label in CHARACTER_CLASSES.values() if regex.search(password))
        if present < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_composition")

    def get_help_text(self):
        names = "、".join(str(label) for _regex, label in CHARACTER_CLASSES.values())
        return _("密码须至少包含%(names)s中的%(n)d类。") % {"names": names, "n": self.min_classes}


def _exempt(path: str) -> bool:
    prefixes = ("/static/", "/i18n/", "/accounts/login/", "/accounts/logout/", "/accounts/2fa/")
    return path.startswith(prefixes)


def _epoch(value) -> float:
    return float(value) if value is not None else 0.0


class SessionPolicyMiddleware:
    """End sessions idle longer than SESSION_IDLE_SECONDS or older than SESSION_ABSOLUTE_SECONDS,
    and send users whose password is older than PASSWORD_MAX_AGE_DAYS to change it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request, user):
        now = timezone.now().timestamp()
        session = request.session
        auth_at = _epoch(session.get(AUTH_AT_KEY))
        last_seen = _epoch(session.get(LAST_SEEN_KEY, auth_at))
        if auth_at and now - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
            return self._expire(
                request, _("登录已超过最长有效期，请重新登录。"), "session.absolute_timeout"
            )
        if last_seen and now - last_seen > settings.SESSION_IDLE_SECONDS:
            return self._expire(
                request, _("长时间未操作，会话已超时，请重新登录。"), "session.idle_timeout"
            )
        # Write at most once a minute so every page view doesn't rewrite the session row.
        if now - last_seen > 60 or LAST_SEEN_KEY not in session:
            session[LAST_SEEN_KEY] = now
        if (
            self._password_expired(user)
            and not _exempt(request.path)
            and not request.path.startswith("/accounts/password/")
        ):
            messages.warning(request, _("您的密码已超过规定的使用期限，请先修改密码。"))
            return redirect("accounts:password-change")
        return None

    @staticmethod
    def _password_expired(user) -> bool:
        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days or user.password_changed_at is None:
            return False
        return timezone.now() - user.password_changed_at > dt.timedelta(days=days)

    @staticmethod
    def _expire(request, message, event):
        from .services import audit

        audit(event=event, request=request, user=request.user)
        # A timeout ends this browser's session only; the user's other, active sessions stay.
        request.ssp_end_this_session_only = True
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse('accounts:login')}?next={request.path}")


def needs_second_factor(user) -> bool:
    roles = getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", TWO_FACTOR_ROLES)
    role = "superuser" if user.is_superuser and not user.role else user.role
    return role in roles


class TwoFactorMiddleware:
    """Roles that handle money and administration must verify a TOTP token after the password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and needs_second_factor(user)
            and not user.is_verified()
            and not _exempt(request.path)
        ):
            return redirect(f"{reverse('accounts:2fa')}?next={request.get_full_path()}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages behind the login hold personal and financial data: browsers and proxies keep none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


def lockout_response(request, response, credentials, *args, **kwargs):
    """Tell a locked-out user, in their language, when they may try again (django-axes hook)."""
    cooloff = settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime(timezone.now() + cooloff) if cooloff else None
    return render(
        request,
        "accounts/locked_out.html",
        {"retry_at": retry_at, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


LONG_DIGITS = re.compile(r"(?<![\d.])(\d{4})\d{8,26}(\d{4})(?![\d.])")


def mask_long_digits(text: str) -> str:
    """Hide the middle of digit runs of 16–34 digits (bank accounts, ID numbers)."""
    return LONG_DIGITS.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class MaskedLogRecord(logging.LogRecord):
    """Every log line, whichever handler writes it, has account-like numbers masked."""

    def getMessage(self) -> str:
        return mask_long_digits(super().getMessage())


def install_log_masking() -> None:
    logging.setLogRecordFactory(MaskedLogRecord)


class OneLineClientErrors(logging.Filter):
    """403s and other 4xx answers are logged on one line: no traceback (django.request attaches
    the PermissionDenied as exc_info); server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class PermissionsPolicyMiddleware:
    """A Permissions-Policy header: no camera, microphone, geolocation, payment, USB… for any
    page (the platform uses none of them), and no FLoC-style interest cohorts."""

    POLICY = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


class RequestSizeCapMiddleware:
    """Refuse a request whose declared body exceeds REQUEST_MAX_BYTES before anything reads it
    (a 200 MB POST is not streamed to disk first). Bodies without a Content-Length are capped
    while they stream by stations.uploads.SizeCappedUploadHandler. Put the same limit in the
    proxy (nginx: client_max_body_size 25m)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponse

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
            return HttpResponse(
                _("提交的内容过大（上限 %(limit)d MB），请压缩或拆分文件后重试。")
                % {"limit": limit},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
