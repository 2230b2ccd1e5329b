"""Payee bank accounts: encrypted at rest, shown in full only to finance and the payee."""

import pytest
from django.db import connection

from funding import services
from funding.models import Disbursement
from stations.fields import mask
from tests.funding.cycle import make_station, pay_dues, people

pytestmark = pytest.mark.django_db

NUMBER = "6222020200001234567"  # what tests.funding.cycle.pay_dues records


def paid(city_code="shenyang", level="national", program="key_support"):
    station = make_station(city_code, level=level, program=program)
    who = people(station)
    grant = services.grant_create(
        station=station, program=program, start_year=2024, actor=who["admin"]
    )
    pay_dues(grant, who["finance"])
    return grant, Disbursement.objects.get(grant=grant), who


def test_the_database_column_holds_no_account_number():
    _, d, _ = paid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT payee_account_no FROM funding_disbursement WHERE id = %s", [d.pk])
        (raw,) = cursor.fetchone()
    assert NUMBER not in raw and "1234567" not in raw
    assert raw.startswith("enc1:")
    assert Disbursement.objects.get(pk=d.pk).payee_account_no == NUMBER


@pytest.mark.parametrize(
    ("role", "full"),
    [("finance", True), ("host", True), ("admin", False), ("society", False)],
)
def test_grant_page_and_notice_mask_the_account_for_all_but_finance_and_payee(client, role, full):
    grant, d, who = paid()  # Shenyang pays the host unit
    client.force_login(who[role])
    for url in (f"/funding/grants/{grant.pk}/", f"/funding/disbursements/{d.pk}/notice/"):
        response = client.get(url)
        page = response.content.decode()
        assert (NUMBER in page) is full, url
        assert mask(NUMBER) in page or full, url
        assert "no-store" in response["Cache-Control"], url


def test_guiyang_pays_the_society_so_its_staff_see_the_number_and_the_host_does_not(client):
    grant, d, who = paid("guiyang", "city", "station")
    client.force_login(who["society"])
    assert NUMBER in client.get(f"/funding/disbursements/{d.pk}/notice/").content.decode()
    client.force_login(who["host"])
    page = client.get(f"/funding/disbursements/{d.pk}/notice/").content.decode()
    assert NUMBER not in page and mask(NUMBER) in page
