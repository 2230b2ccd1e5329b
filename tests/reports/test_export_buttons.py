"""Each list page offers the Excel export of what it shows, and the link really exports."""

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("admin", "/stations/"),
        ("admin", "/applications/inbox/"),
        ("society", "/applications/"),
        ("admin", "/evaluations/"),
        ("finance", "/funding/"),
    ],
)
def test_list_pages_link_to_a_working_excel_export(personas, login, station, persona, page):
    client = login(personas[persona])
    body = client.get(page).content.decode()
    marker = 'data-testid="export-xlsx"'
    assert marker in body
    href = body.split(marker)[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    from io import BytesIO

    load_workbook(BytesIO(response.content), read_only=True)
