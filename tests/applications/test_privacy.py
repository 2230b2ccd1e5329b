"""Application forms are encrypted at rest; the payee account is masked on the detail page."""

import datetime as dt

import pytest
from django.db import connection

from accounts.roles import Role
from applications.models import Application, Call
from stations.choices import Level
from tests.factories import SocietyFactory, StationFactory, UserFactory, city

MARKER = "6222027766554433221"

pytestmark = pytest.mark.django_db


@pytest.fixture
def guiyang_application():
    gy = city("guiyang")
    society = SocietyFactory(city=gy, level=Level.CITY)
    station = StationFactory(city=gy, society=society, level=Level.CITY, program="station")
    call = Call.objects.create(
        city=gy,
        program="station",
        title="工作站申报",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
    )
    return Application.objects.create(
        city=gy,
        call=call,
        program="station",
        level=Level.CITY,
        title="贵阳工作站申报",
        society=society,
        host_unit=station.host_unit,
        district=station.district,
        station=station,
        stage="material_review",
        form_data={
            "bank_account_name": society.name,
            "bank_name": "贵阳银行",
            "bank_account_no": MARKER,
        },
    )


def test_the_whole_form_is_encrypted_at_rest(guiyang_application):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT form_data FROM applications_application WHERE id = %s", [guiyang_application.pk]
        )
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and MARKER not in raw and "贵阳银行" not in raw
    assert Application.objects.get(pk=guiyang_application.pk).form_data["bank_account_no"] == MARKER


@pytest.mark.parametrize(
    ("role", "sees_full"), [(Role.SOCIETY_STAFF, True), (Role.CITY_ADMIN, False)]
)
def test_detail_page_masks_the_account_for_all_but_the_owner_and_finance(
    guiyang_application, client, role, sees_full
):
    scope = (
        {"society": guiyang_application.society}
        if role == Role.SOCIETY_STAFF
        else {"city": city("guiyang")}
    )
    client.force_login(UserFactory(role=role, **scope))
    body = client.get(f"/applications/{guiyang_application.pk}/").content.decode()
    assert "3221" in body
    assert (MARKER in body) is sees_full
