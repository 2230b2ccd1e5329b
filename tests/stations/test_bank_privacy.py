"""Bank account numbers: encrypted at rest, shown in full only to finance and the owner."""

import logging

import pytest
from django.db import connection

from accounts.roles import Role
from stations.fields import PREFIX
from stations.models import HostUnit

MARKER = "6222029988776655443"  # grep-able: must never appear masked-out places or logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(station):
    host = station.host_unit
    host.bank_account_name = host.name
    host.bank_name = "中国工商银行沈阳分行"
    host.bank_account_no = MARKER
    host.save()
    return host


def test_stored_encrypted_and_read_back_plain(host):
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account_no FROM stations_hostunit WHERE id = %s", [host.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith(PREFIX) and MARKER not in raw
    assert HostUnit.objects.get(pk=host.pk).bank_account_no == MARKER


@pytest.mark.parametrize(
    ("persona", "sees_full"),
    [("host", True), ("finance", True), ("admin", False), ("county", False), ("talent", False)],
)
def test_detail_page_masks_the_number_for_everyone_but_finance_and_the_owner(
    host, personas, login, persona, sees_full
):
    body = login(personas[persona]).get(f"/stations/host-units/{host.pk}/").content.decode()
    assert (MARKER in body) is sees_full
    assert "5443" in body  # the last four digits are always shown


def test_an_admin_who_cannot_read_the_number_cannot_overwrite_it(host, personas, login):
    page = login(personas["admin"]).get(f"/stations/host-units/{host.pk}/edit/").content.decode()
    assert MARKER not in page and 'name="bank_account_no"' not in page


def test_the_number_never_reaches_the_logs_or_the_audit_trail(host, personas, login, caplog):
    from accounts.models import AuditEvent

    caplog.set_level(logging.DEBUG)
    client = login(personas["host"])
    client.post(
        f"/stations/host-units/{host.pk}/edit/",
        {"legal_rep": "王五", "bank_account_no": MARKER[:-1] + "0", "postcode": "bad"},
    )
    client.post(
        f"/stations/host-units/{host.pk}/edit/",
        {"legal_rep": "王五", "bank_account_no": MARKER[:-1] + "1", "postcode": "110000"},
    )
    logging.getLogger("ssp.test").warning("paying account %s", MARKER)  # a careless log line
    text = caplog.text + "".join(record.getMessage() for record in caplog.records)
    assert "paying account 6222****5443" in text
    assert MARKER[:-1] not in text
    details = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert MARKER[:-1] not in details


def test_the_owner_gets_a_chinese_error_for_a_bad_number_and_keeps_the_input(host, personas, login):
    response = login(personas["host"]).post(
        f"/stations/host-units/{host.pk}/edit/",
        {"legal_rep": "王五", "bank_account_no": "6222-0202"},
    )
    body = response.content.decode()
    assert "银行账号只能包含数字" in body and 'value="6222-0202"' in body


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_role_outside_the_bank_account_roles_sees_no_number_of_any_owner(station, role):
    """The exports skip the per-row check for a role `may_see_any_bank_account` rules out:
    that role must see no number in full whoever owns it, even its own society's or unit's
    in its own city."""
    from accounts.models import User
    from stations.privacy import BANK_ACCOUNT_ROLES, can_see_bank_account, may_see_any_bank_account

    user = User(
        username=f"p-{role}",
        role=role,
        city_id=station.city_id,
        society_id=station.society_id,
        host_unit_id=station.host_unit_id,
    )
    owners = (station.society, station.host_unit)
    sees = [can_see_bank_account(user, owner) for owner in owners]
    assert may_see_any_bank_account(user) == (role in BANK_ACCOUNT_ROLES)
    if not may_see_any_bank_account(user):
        assert sees == [False, False]
    else:
        assert any(sees)  # finance sees both; society and host staff their own
