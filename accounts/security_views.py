"""Views for account security: second factor, password change, audit log, session control."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit_selectors import audit_events_for, decorate_events
from .models import AuditEvent, User
from .paging import Paginator
from .roles import Role
from .services import audit, session_register, sessions_end_all, user_sessions_end


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor(request):
    """Enrol (first time) or verify a TOTP authenticator for this session.

    A first enrolment starts with the one-time enrolment code from the security administrator:
    the TOTP secret is never shown on the password alone (accounts/enrolment.py)."""
    from .enrolment import SESSION_KEY, enrolment_code_use

    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling and request.session.get(SESSION_KEY) != request.user.pk:
        error = ""
        if request.method == "POST" and "enrolment_code" in request.POST:
            if enrolment_code_use(
                user=request.user, code=request.POST["enrolment_code"], request=request
            ):
                request.session[SESSION_KEY] = request.user.pk
                return redirect(f"{request.path}?next={_safe_next(request, '')}")
            error = _("绑定码不正确、已使用或已过期。请向安全管理员索取新的绑定码。")
        return render(
            request,
            "accounts/two_factor_code.html",
            {"error": error, "next": _safe_next(request, "")},
        )
    if enrolling:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        device = device or TOTPDevice.objects.create(
            user=request.user, name="TOTP", confirmed=False
        )
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            error = _("尝试过于频繁，请等待几秒后再输入动态口令。")
        elif token.isdigit() and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                request.session.pop(SESSION_KEY, None)
            otp_login(request, device)
            audit(event="2fa.enrolled" if enrolling else "2fa.verified", request=request)
            return redirect(_safe_next(request))
        else:
            error = _("动态口令不正确或已过期，请输入验证器上当前显示的6位数字。")
        audit(event="2fa.failed", request=request, result=AuditEvent.Result.FAILED)
    context = {"enrolling": enrolling, "error": error, "next": _safe_next(request, "")}
    if enrolling:
        context["secret"] = base64.b32encode(device.bin_key).decode()
        context["qr_svg"] = _qr_svg(device.config_url)
    return render(request, "accounts/two_factor.html", context)


class PasswordChange(PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Django already invalidates other sessions through the auth hash; remove them too.
        update_session_auth_hash(self.request, form.user)
        sessions_end_all(user=form.user, keep_key=self.request.session.session_key)
        session_register(user=form.user, request=self.request)
        audit(event="password.changed", request=self.request)
        messages.success(self.request, _("密码已修改，其他设备上的登录已全部退出。"))
        return response


def _require_role(user, role: str) -> None:
    if not user.is_authenticated or user.role != role:
        raise PermissionDenied


@login_required
def audit_log(request):
    """The audit administrator's one page: read the audit log, nothing else."""
    _require_role(request.user, Role.AUDIT_ADMIN)
    events = audit_events_for(request.user, request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = decorate_events(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {"page_obj": page, "query_string": query.urlencode(), "filters": request.GET},
    )


@login_required
def security_users(request):
    """The security administrator's page: accounts, lockouts and live sessions."""
    _require_role(request.user, Role.SECURITY_ADMIN)
    issued = None
    if request.method == "POST" and request.POST.get("action") == "enrolment_code":
        from .enrolment import enrolment_code_issue

        target = get_object_or_404(User, pk=request.POST.get("user"))
        # Shown on this response only (never stored in a message or the session).
        issued = (target, enrolment_code_issue(user=target, actor=request.user, request=request))
    users = User.objects.select_related("city").order_by("username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/security_users.html", {"page_obj": page, "issued": issued})


@login_required
@require_POST
def end_user_sessions(request, pk: int):
    _require_role(request.user, Role.SECURITY_ADMIN)
    target = get_object_or_404(User, pk=pk)
    ended = user_sessions_end(
        user=target, actor=request.user, request=request, reason="安全管理员强制下线"
    )
    messages.success(request, _("已结束 %(user)s 的 %(n)d 个会话。") % {"user": target, "n": ended})
    return redirect("accounts:security-users")


@login_required
@require_POST
def unlock_user(request, pk: int):
    from .lockout import unlock_user as clear_locks

    _require_role(request.user, Role.SECURITY_ADMIN)
    target = get_object_or_404(User, pk=pk)
    cleared = clear_locks(target.username)
    audit(event="user.unlocked", request=request, obj=target, detail={"attempts_cleared": cleared})
    messages.success(request, _("已解除 %(user)s 的登录锁定。") % {"user": target})
    return redirect("accounts:security-users")


@login_required
@require_POST
def set_user_active(request, pk: int):
    _require_role(request.user, Role.SECURITY_ADMIN)
    target = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    before = target.is_active
    target.is_active = active
    target.save(update_fields=["is_active"])
    audit(
        event="user.enabled" if active else "user.disabled",
        request=request,
        obj=target,
        detail={"before": {"is_active": before}, "after": {"is_active": active}},
    )
    return redirect("accounts:security-users")
