"""Accounts and sessions to 等保 2.0 level 3: lockout, password policy, 2FA, session lifetimes."""

import datetime as dt
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enrolment import enrolment_code_issue
from accounts.models import AuditEvent, UserSession
from accounts.roles import Role
from accounts.scoping import scope_queryset
from accounts.security import LAST_SEEN_KEY
from stations.models import Station
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def password_login(user, password=PASSWORD, client=None):
    client = client or Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    return client, response


def is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def admin(make_user, shenyang):
    return make_user(Role.CITY_ADMIN, city=shenyang)


# --- lockout -------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_and_say_when_to_retry(settings, admin):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": admin.username, "password": "bad"})
    assert response.status_code == 429
    # Even the right password is refused while locked, and the page says when to retry.
    _client, response = password_login(admin)
    body = response.content.decode()
    assert response.status_code == 429
    assert "账号已临时锁定" in body and "之后重试" in body
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("login.failed") >= settings.AXES_FAILURE_LIMIT
    assert "login.locked_out" in events


def test_successful_login_is_audited_and_gets_a_new_session_id(admin):
    client = Client()
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    _client, response = password_login(admin, client=client)
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert AuditEvent.objects.filter(event="login.success", user=admin).exists()


# --- password policy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefghijkl", False),  # one character class
        ("password123", False),  # common password, two classes
        ("Ab1!", False),  # too short
        ("Xq7-stationPlan", True),
    ],
)
def test_password_policy(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_composition_rule_can_be_switched_off(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        v for v in settings.AUTH_PASSWORD_VALIDATORS if "Composition" not in v["NAME"]
    ]
    validate_password("zhanzhangjihua")


def test_password_older_than_the_limit_must_be_changed_first(settings, admin):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client, _ = password_login(admin)
    type(admin).objects.filter(pk=admin.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/password/")


# --- second factor -------------------------------------------------------------------------


def current_token(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_administrators_must_enrol_and_verify_a_totp_device(settings, admin, personas):
    settings.TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.CITY_ADMIN, Role.FINANCE})
    client, _ = password_login(admin)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")
    # The password alone never shows the TOTP secret: first the enrolment code.
    page = client.get("/accounts/2fa/").content.decode()
    assert "<svg" not in page and "totp-secret" not in page and "绑定码" in page
    code = enrolment_code_issue(user=admin)
    assert client.post("/accounts/2fa/", {"enrolment_code": code}).status_code == 302
    page = client.get("/accounts/2fa/").content.decode()
    assert "<svg" in page and "绑定动态口令验证器" in page
    response = client.post("/accounts/2fa/", {"token": "000000"})
    assert "动态口令不正确" in response.content.decode()
    device = TOTPDevice.objects.get(user=admin)
    throttled = client.post("/accounts/2fa/", {"token": current_token(device)})
    assert "尝试过于频繁" in throttled.content.decode()  # a failure throttles the next try
    device.throttle_reset()
    response = client.post("/accounts/2fa/", {"token": current_token(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(event="2fa.enrolled", user=admin).exists()
    # Society staff are not asked for a second factor.
    staff_client, _ = password_login(personas["society"])
    assert staff_client.get("/").status_code == 200


def test_first_enrolment_needs_a_one_time_code_from_the_security_administrator(
    settings, admin, make_user
):
    """Issue 13: a stolen password does not let anyone enrol their own authenticator."""
    settings.TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.CITY_ADMIN})
    security = make_user(Role.SECURITY_ADMIN, city=None)
    client, _ = password_login(admin)
    wrong = client.post("/accounts/2fa/", {"enrolment_code": "AAAA-BBBB-CCCC"})
    assert "绑定码不正确" in wrong.content.decode() and "totp-secret" not in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    officer = Client()
    officer.force_login(security)
    page = officer.post(
        "/accounts/security/users/", {"action": "enrolment_code", "user": admin.pk}
    ).content.decode()
    code = re.search(r'data-testid="enrolment-code">.*?<code>([A-Z0-9-]+)</code>', page).group(1)
    assert client.post("/accounts/2fa/", {"enrolment_code": code.lower()}).status_code == 302
    assert 'data-testid="totp-secret"' in client.get("/accounts/2fa/").content.decode()
    # Used once: another session with the same password and code gets nothing.
    thief, _ = password_login(admin)
    again = thief.post("/accounts/2fa/", {"enrolment_code": code})
    assert "绑定码不正确" in again.content.decode()
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {
        "2fa.enrolment_code_issued",
        "2fa.enrolment_code_used",
        "2fa.enrolment_code_failed",
    } <= events
    # Only the security administrator issues codes.
    settings.TWO_FACTOR_REQUIRED_ROLES = frozenset()
    other = Client()
    other.force_login(make_user(Role.CITY_ADMIN, city=admin.city))
    denied = other.post("/accounts/security/users/", {"action": "enrolment_code", "user": admin.pk})
    assert denied.status_code == 403


def test_the_first_administrator_gets_a_code_from_the_command_line(admin, capsys):
    from django.core.management import call_command

    call_command("issue_enrolment_code", admin.username)
    assert "绑定码" in capsys.readouterr().out
    assert admin.enrolment_codes.filter(used_at__isnull=True).count() == 1


# --- sessions ------------------------------------------------------------------------------


def test_idle_session_ends(settings, admin):
    settings.SESSION_IDLE_SECONDS = 60
    client, _ = password_login(admin)
    session = client.session
    session[LAST_SEEN_KEY] = timezone.now().timestamp() - 61
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not is_logged_in(client)
    assert AuditEvent.objects.filter(event="session.idle_timeout").exists()


def test_a_timeout_ends_only_that_browsers_session(settings, admin):
    """Issue 13: the idle laptop is logged out; the phone the user is working on stays in."""
    settings.SESSION_IDLE_SECONDS = 60
    laptop, _ = password_login(admin)
    phone, _ = password_login(admin)
    session = laptop.session
    session[LAST_SEEN_KEY] = timezone.now().timestamp() - 61
    session.save()
    assert laptop.get("/").status_code == 302
    assert not is_logged_in(laptop)
    assert is_logged_in(phone)
    assert UserSession.objects.filter(user=admin).count() == 1


def test_session_has_an_absolute_lifetime(settings, admin):
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    client, _ = password_login(admin)
    session = client.session
    session["_ssp_auth_at"] = timezone.now().timestamp() - 3601
    session.save()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(event="session.absolute_timeout").exists()


def test_logout_ends_all_of_the_users_sessions(admin):
    laptop, _ = password_login(admin)
    phone, _ = password_login(admin)
    assert is_logged_in(phone)
    laptop.post("/accounts/logout/")
    assert not is_logged_in(phone)
    assert not UserSession.objects.filter(user=admin).exists()


def test_password_change_ends_the_other_sessions_only(admin):
    laptop, _ = password_login(admin)
    phone, _ = password_login(admin)
    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xq7-NewSecret!",
            "new_password2": "Xq7-NewSecret!",
        },
    )
    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert not is_logged_in(phone)


def test_disabling_an_account_ends_its_sessions(admin):
    client, _ = password_login(admin)
    admin.is_active = False
    admin.save()
    assert not is_logged_in(client)


def test_security_admin_ends_a_users_sessions_and_others_cannot(make_user, admin):
    victim_client, _ = password_login(admin)
    security = make_user(Role.SECURITY_ADMIN, city=None)
    outsider = make_user(Role.CITY_ADMIN, city=admin.city)
    outsider_client, _ = password_login(outsider)
    assert (
        outsider_client.post(f"/accounts/security/users/{admin.pk}/end-sessions/").status_code
        == 403
    )
    assert is_logged_in(victim_client)
    security_client, _ = password_login(security)
    response = security_client.post(f"/accounts/security/users/{admin.pk}/end-sessions/")
    assert response.status_code == 302
    assert not is_logged_in(victim_client)
    assert AuditEvent.objects.filter(event="user.sessions_ended", object_id=str(admin.pk)).exists()


# --- separation of duties (三员分立) -----------------------------------------------------------


def test_audit_administrator_reads_the_audit_log_and_nothing_else(make_user, admin, station):
    auditor = make_user(Role.AUDIT_ADMIN, city=None)
    password_login(admin)  # leaves a login.success row
    client, _ = password_login(auditor)
    page = client.get("/accounts/audit/?event=login")
    assert page.status_code == 200 and "login.success" in page.content.decode()
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login
    assert client.get("/accounts/security/users/").status_code == 403
    assert not scope_queryset(auditor, Station.objects.all()).exists()
    # Nobody else reads the audit page.
    admin_client, _ = password_login(admin)
    assert admin_client.get("/accounts/audit/").status_code == 403


def test_audit_log_ignores_unknown_filter_keys(make_user):
    auditor = make_user(Role.AUDIT_ADMIN, city=None)
    client, _ = password_login(auditor)
    response = client.get(
        "/accounts/audit/?order_by=password&user__password__startswith=a&since=bad"
    )
    assert response.status_code == 200
