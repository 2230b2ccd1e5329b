"""Lists that used to load (or silently cut) every row now page, with the SQL total shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from applications.selectors import reviewer_inbox
from evaluations.models import EvaluationRound, StationEvaluation
from funding.models import Grant
from reports import benchdata

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    benchdata.generate(scale=60 / benchdata.STATIONS_PER_CITY, cities=("shenyang",))
    user = User.objects.get(username="bench_shenyang_admin")
    client.force_login(user)
    return user


def _rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr")


@pytest.mark.parametrize(
    ("name", "args", "total"),
    [
        (
            "funding:grants",
            lambda: [],
            lambda u: Grant.objects.filter(station__city=u.city).count(),
        ),
        (
            "evaluations:index",
            lambda: [],
            lambda u: StationEvaluation.objects.filter(station__city=u.city).count(),
        ),
        (
            "evaluations:round",
            lambda: [EvaluationRound.objects.get(city__code="shenyang", year=2025).pk],
            lambda u: StationEvaluation.objects.filter(station__city=u.city).count(),
        ),
        ("applications:inbox", lambda: [], lambda u: reviewer_inbox(u).count()),
    ],
)
def test_the_list_pages_and_says_how_many_rows_there_are(client, admin, name, args, total):
    expected = total(admin)
    assert expected > 25
    url = reverse(name, args=args())
    first = client.get(url).content.decode()
    assert _rows(first) == 25
    assert f"共 {expected} 条" in first and 'data-testid="next-page"' in first
    last = client.get(url, {"page": -(-expected // 25)}).content.decode()
    assert _rows(last) == expected - 25 * (-(-expected // 25) - 1)
