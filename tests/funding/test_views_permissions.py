"""Who may see and do what on the money pages: 404 alike for missing and forbidden."""

import pytest

from accounts.idempotency import new_token
from accounts.roles import Role
from funding import services
from funding.models import Disbursement
from tests.factories import UserFactory, city
from tests.funding.cycle import make_station, pay_dues, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    grant = services.grant_create(
        station=station, program="key_support", start_year=2024, actor=who["admin"]
    )
    return station, grant, who


def pay_post(client, grant, year=2024):
    return client.post(
        f"/funding/grants/{grant.pk}/pay/",
        {
            "due_year": year,
            f"pay{year}-year": year,
            f"pay{year}-paid_on": "2025-01-10",
            f"pay{year}-voucher_no": "V-77",
            f"pay{year}-payee_account_name": "某单位",
            f"pay{year}-payee_bank": "中国银行",
            f"pay{year}-payee_account_no": "6222020200001234567",
            f"pay{year}-form_token": new_token(),
        },
    )


def test_finance_of_another_city_gets_404(client, setup):
    station, grant, who = setup
    other = UserFactory(role=Role.FINANCE, city=city("hangzhou"))
    client.force_login(other)
    assert client.get(f"/funding/grants/{grant.pk}/").status_code == 404
    assert client.get("/funding/grants/999999/").status_code == 404
    assert pay_post(client, grant).status_code == 404
    assert client.get(f"/funding/stations/{station.pk}/").status_code == 404
    assert not Disbursement.objects.exists()


def test_society_staff_sees_the_grant_but_cannot_approve(client, setup):
    station, grant, who = setup
    client.force_login(who["society"])
    assert client.get(f"/funding/grants/{grant.pk}/").status_code == 200
    assert pay_post(client, grant).status_code == 403
    assert not Disbursement.objects.exists()


def test_city_admin_cannot_approve_payments(client, setup):
    _, grant, who = setup
    client.force_login(who["admin"])
    assert pay_post(client, grant).status_code == 403


def test_finance_approves_then_second_approval_says_already_paid(client, setup):
    station, grant, who = setup
    client.force_login(who["finance"])
    response = pay_post(client, grant)
    assert response.status_code == 302
    assert Disbursement.objects.get().voucher_no == "V-77"
    response = pay_post(client, grant)
    page = client.get(response.url).content.decode()
    assert "该笔资助已拨付" in page and "不会重复支付" in page
    assert Disbursement.objects.count() == 1


def test_station_page_shows_ledger_with_separators_and_notice_in_uppercase(client, setup):
    station, grant, who = setup
    pay_dues(grant, who["finance"])
    client.force_login(who["host"])
    page = client.get(f"/funding/stations/{station.pk}/").content.decode()
    assert "30,000" in page and "净资助" in page
    d = Disbursement.objects.get()
    notice = client.get(f"/funding/disbursements/{d.pk}/notice/").content.decode()
    assert "叁万元整" in notice and "30,000" in notice


def test_other_society_staff_gets_404_on_station_money(client, setup):
    station, grant, who = setup
    other = make_station("shenyang", level="national", program="filing")
    stranger = UserFactory(role=Role.SOCIETY_STAFF, society=other.society)
    client.force_login(stranger)
    assert client.get(f"/funding/stations/{station.pk}/").status_code == 404
    assert client.get(f"/funding/grants/{grant.pk}/").status_code == 404


def test_forbidden_expense_via_view_shows_clause(client):
    station = make_station("guiyang", level="city", program="station")
    who = people(station)
    grant = services.grant_create(
        station=station, program="station", start_year=2024, actor=who["admin"]
    )
    client.force_login(who["society"])
    response = client.post(
        f"/funding/grants/{grant.pk}/expense/",
        {"spent_on": "2024-05-01", "category": "donations", "description": "捐赠", "amount": "500"},
        follow=True,
    )
    assert "贵阳 四(四)4" in response.content.decode()
    assert not grant.expenses.exists()
