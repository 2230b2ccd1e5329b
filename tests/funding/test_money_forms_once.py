"""Every money-writing form is written once (issue 13): a one-time token rendered in the form and
unique in its table, a unique voucher number per grant, the grant row locked around the write.

The SQLite tests send the same form twice; the PostgreSQL ones send it 20 times at once, through
the real views, and count the rows."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.idempotency import new_token
from accounts.models import FormSubmission
from funding import services
from funding.guards import voucher_check
from funding.models import Disbursement, GrantDecision, Recovery, Repayment
from tests.funding.cycle import evaluate_year, make_station, pay_dues, people

CONCURRENT = 20


def _rendered_token(client, grant, prefix):
    """The token exactly as the grant page renders it for the form with `prefix`."""
    page = client.get(f"/funding/grants/{grant.pk}/").content.decode()
    name = f"{prefix}-form_token" if prefix else "form_token"
    match = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page)
    assert match, f"no {name} in the page"
    return match.group(1)


def shenyang_paid():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    return grant, who


def guiyang_paid():
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])
    return grant, who


# Each case: (build world, who posts, url suffix, form data given the world, rows to count).
def case_pay():
    grant, who = shenyang_paid()
    data = {
        "due_year": 2024,
        "pay2024-year": 2024,
        "pay2024-paid_on": "2025-01-10",
        "pay2024-voucher_no": "V-1",
        "pay2024-payee_account_name": "某单位",
        "pay2024-payee_bank": "中国银行",
        "pay2024-payee_account_no": "6222020200001234567",
    }
    return grant, who["finance"], "pay", "pay2024", data, lambda: Disbursement.objects.count()


def case_recover():
    grant, who = shenyang_paid()
    pay_dues(grant, who["finance"])
    data = {
        "recovery-amount": 1000,
        "recovery-reason": "挪用资金",
        "recovery-clause": "资助协议第八条",
    }
    return grant, who["admin"], "recover", "recovery", data, lambda: Recovery.objects.count()


def case_repay():
    grant, who = shenyang_paid()
    pay_dues(grant, who["finance"])
    recovery = services.recovery_record(
        grant=grant, amount=3000, reason="挪用资金", clause="资助协议第八条", actor=who["admin"]
    )
    data = {
        "recovery": recovery.pk,
        "amount": 1000,
        "received_on": "2025-03-01",
        "voucher_no": "R-1",
    }
    return grant, who["finance"], "repay", "", data, lambda: Repayment.objects.count()


def case_support():
    grant, who = guiyang_paid()
    evaluate_year(grant, 2024, 80, who)
    data = {"support-year": 2025, "support-amount": 20000, "support-reason": "合作良好"}
    rows = lambda: GrantDecision.objects.filter(kind="support").count()  # noqa: E731
    return grant, who["admin"], "support", "support", data, rows


def case_revoke():
    grant, who = guiyang_paid()
    data = {
        "revoke-reason_code": "ip_infringement",
        "revoke-detail": "法院判决确认侵权",
        "revoke-recover": "on",
        "revoke-recover_amount": 1000,
    }
    return grant, who["admin"], "revoke", "revoke", data, lambda: Recovery.objects.count()


CASES = {
    "payment": case_pay,
    "recovery": case_recover,
    "repayment": case_repay,
    "support": case_support,
    "revocation": case_revoke,
}


def _with_token(data, prefix, token):
    return {**data, (f"{prefix}-form_token" if prefix else "form_token"): token}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(CASES))
def test_the_same_form_sent_twice_writes_once(kind):
    grant, actor, url, prefix, data, rows = CASES[kind]()
    before = rows()
    client = Client()
    client.force_login(actor)
    token = _rendered_token(client, grant, prefix if kind != "repayment" else "")
    post = _with_token(data, prefix, token)
    client.post(f"/funding/grants/{grant.pk}/{url}/", post)
    assert rows() == before + 1
    response = client.post(f"/funding/grants/{grant.pk}/{url}/", post, follow=True)
    assert rows() == before + 1
    # A repeated payment is also "already paid", a repeated revocation is no longer allowed (403).
    if kind not in ("payment", "revocation"):
        assert "这张表单已经提交过" in response.content.decode()
    assert FormSubmission.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(CASES))
def test_a_money_form_without_its_token_writes_nothing(kind):
    grant, actor, url, prefix, data, rows = CASES[kind]()
    before = rows()
    client = Client()
    client.force_login(actor)
    response = client.post(f"/funding/grants/{grant.pk}/{url}/", data, follow=True)
    assert rows() == before
    assert "表单已失效" in response.content.decode()


@pytest.mark.django_db
def test_a_failed_write_gives_the_token_back():
    grant, actor, url, prefix, data, rows = case_recover()
    client = Client()
    client.force_login(actor)
    token = new_token()
    too_much = _with_token({**data, "recovery-amount": 10**8}, prefix, token)
    client.post(f"/funding/grants/{grant.pk}/{url}/", too_much)
    assert rows() == 0 and not FormSubmission.objects.exists()
    client.post(f"/funding/grants/{grant.pk}/{url}/", _with_token(data, prefix, token))
    assert rows() == 1


@pytest.mark.django_db
def test_a_repayment_voucher_is_recorded_once_per_grant():
    grant, actor, url, prefix, data, rows = case_repay()
    client = Client()
    client.force_login(actor)
    client.post(f"/funding/grants/{grant.pk}/repay/", _with_token(data, "", new_token()))
    # A second, freshly rendered form with the same bank voucher.
    response = client.post(
        f"/funding/grants/{grant.pk}/repay/", _with_token(data, "", new_token()), follow=True
    )
    assert Repayment.objects.count() == 1
    assert "凭证号 R-1 已在本资助项目中登记过" in response.content.decode()


@pytest.mark.django_db
def test_a_payment_voucher_cannot_pay_a_second_year():
    grant, who = shenyang_paid()
    pay_dues(grant, who["finance"])
    paid = Disbursement.objects.get(grant=grant)
    with pytest.raises(ValidationError, match="已在本资助项目中登记过"):
        voucher_check(grant=grant, voucher_no=paid.voucher_no, pay_year=paid.year + 1)
    # The database refuses it too, whatever path writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            grant=grant,
            year=paid.year + 1,
            amount=1,
            approved_by=who["finance"],
            paid_on=paid.paid_on,
            voucher_no=paid.voucher_no,
            payee_account_name="某单位",
            payee_bank="中国银行",
            payee_account_no="6222020200001234567",
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", list(CASES))
def test_twenty_concurrent_posts_of_one_form_write_one_row(kind):
    assert connection.vendor == "postgresql"
    grant, actor, url, prefix, data, rows = CASES[kind]()
    before = rows()
    login = Client()
    login.force_login(actor)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    post = _with_token(data, prefix, new_token())
    barrier = threading.Barrier(CONCURRENT)
    statuses: list[int] = []
    guard = threading.Lock()

    def send() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            barrier.wait()
            status = client.post(f"/funding/grants/{grant.pk}/{url}/", post).status_code
        finally:
            connection.close()
        with guard:
            statuses.append(status)

    threads = [threading.Thread(target=send) for _ in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Late arrivals at a revoked grant are refused outright (403); none is a server error.
    assert len(statuses) == CONCURRENT and set(statuses) <= {302, 403}
    assert rows() == before + 1
    assert FormSubmission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_repayments_with_one_voucher_record_one():
    grant, actor, url, prefix, data, rows = case_repay()
    login = Client()
    login.force_login(actor)
    cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
    barrier = threading.Barrier(CONCURRENT)

    def send() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            barrier.wait()
            # Twenty different rendered forms (twenty tabs), one bank voucher.
            client.post(f"/funding/grants/{grant.pk}/repay/", _with_token(data, "", new_token()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Repayment.objects.filter(voucher_no="R-1").count() == 1
    assert sum(r.amount for r in Repayment.objects.all()) == 1000
    assert dt.date(2025, 3, 1) == Repayment.objects.get().received_on
