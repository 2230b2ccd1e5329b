"""Login lockout cannot be turned against other users (issue 13, blocker).

Policy (accounts/lockout.py): AXES_FAILURE_LIMIT failures lock a username *from one trusted client
address*; AXES_ADDRESS_FAILURE_LIMIT failures with any names lock the address. The address is the
one trusted client-IP function's (X-Forwarded-For only from settings.TRUSTED_PROXIES).
"""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.client_ip import client_ip
from accounts.models import AuditEvent
from accounts.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = [PROXY]
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    return settings


@pytest.fixture
def finance(make_user, shenyang):
    return make_user(Role.FINANCE, city=shenyang)


def post_login(username, password, client_addr, via_proxy=True):
    meta = (
        {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_addr}
        if via_proxy
        else {"REMOTE_ADDR": client_addr}
    )
    return Client().post("/accounts/login/", {"username": username, "password": password}, **meta)


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("198.51.100.1", "", [], "198.51.100.1"),
        # A client that is not a trusted proxy cannot choose its address.
        ("198.51.100.1", "1.2.3.4", [], "198.51.100.1"),
        # From the trusted proxy: the hop the proxy appended (right-most), not what the client wrote.
        (PROXY, "6.6.6.6, 203.0.113.9", [PROXY], "203.0.113.9"),
        # Two trusted proxies in a row are both skipped; CIDR networks are accepted.
        (PROXY, "203.0.113.9, 10.0.0.7", ["10.0.0.0/24"], "203.0.113.9"),
        (PROXY, "", [PROXY], PROXY),
        (PROXY, "garbage", [PROXY], PROXY),
    ],
)
def test_one_trusted_client_ip_function(settings, remote, forwarded, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_unknown_name_failures_behind_the_proxy_lock_nobody_else(lockout, finance):
    for i in range(lockout.AXES_FAILURE_LIMIT):
        assert post_login(f"nobody{i}", "bad", "203.0.113.50").status_code == 200
    # The same five failures sent straight from the proxy address (no header) lock nobody either.
    for i in range(lockout.AXES_FAILURE_LIMIT):
        post_login(f"ghost{i}", "bad", PROXY, via_proxy=False)
    response = post_login(finance.username, PASSWORD, "203.0.113.60")
    assert response.status_code == 302
    response = post_login(finance.username, PASSWORD, PROXY, via_proxy=False)
    assert response.status_code == 302


def test_an_attack_on_a_known_name_does_not_lock_its_owner_at_her_own_desk(lockout, finance):
    attacker, desk = "198.51.100.66", "192.168.5.20"
    for _ in range(lockout.AXES_FAILURE_LIMIT):
        response = post_login(finance.username, "bad", attacker)
    assert response.status_code == 429
    # The attacker stays locked, even with the right password …
    assert post_login(finance.username, PASSWORD, attacker).status_code == 429
    # … while the finance officer logs in from her own address at once.
    assert post_login(finance.username, PASSWORD, desk).status_code == 302
    # The audit trail stores the trusted address, never what the client wrote in the header.
    failed = AuditEvent.objects.filter(event="login.failed").values_list("ip", flat=True)
    assert set(failed) == {attacker}


def test_attack_from_the_users_own_address_locks_her_until_the_cool_off(lockout, finance):
    desk = "192.168.5.20"
    for _ in range(lockout.AXES_FAILURE_LIMIT):
        post_login(finance.username, "bad", desk)
    assert post_login(finance.username, PASSWORD, desk).status_code == 429
    later = timezone.now() + lockout.AXES_COOLOFF_TIME + dt.timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        assert post_login(finance.username, PASSWORD, desk).status_code == 302


def test_many_names_from_one_address_lock_the_address(lockout, finance):
    stuffer = "198.51.100.99"
    for i in range(lockout.AXES_ADDRESS_FAILURE_LIMIT):
        post_login(f"user{i}", "bad", stuffer)
    # Credential stuffing: the next name, even a right password, is refused from that address …
    assert post_login(finance.username, PASSWORD, stuffer).status_code == 429
    # … and only from that address.
    assert post_login(finance.username, PASSWORD, "198.51.100.100").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_lock(lockout, finance):
    attacker = "198.51.100.66"
    for i in range(lockout.AXES_FAILURE_LIMIT):
        Client().post(
            "/accounts/login/",
            {"username": finance.username, "password": "bad"},
            REMOTE_ADDR=attacker,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = Client().post(
        "/accounts/login/",
        {"username": finance.username, "password": PASSWORD},
        REMOTE_ADDR=attacker,
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429


def test_unlock_clears_every_lock_of_the_user(lockout, finance, make_user):
    security = make_user(Role.SECURITY_ADMIN, city=None)
    for addr in ("198.51.100.1", "198.51.100.2"):
        for _ in range(lockout.AXES_FAILURE_LIMIT):
            post_login(finance.username, "bad", addr)
    # An address lock the user's own failures helped to reach.
    for i in range(lockout.AXES_ADDRESS_FAILURE_LIMIT):
        post_login(f"x{i}", "bad", "198.51.100.3")
    post_login(finance.username, "bad", "198.51.100.3")
    for addr in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert post_login(finance.username, PASSWORD, addr).status_code == 429
    client = Client()
    client.force_login(security)
    assert client.post(f"/accounts/security/users/{finance.pk}/unlock/").status_code == 302
    assert not AccessAttempt.objects.filter(username=finance.username).exists()
    for addr in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert post_login(finance.username, PASSWORD, addr).status_code == 302
    assert AuditEvent.objects.filter(event="user.unlocked", object_id=str(finance.pk)).exists()
