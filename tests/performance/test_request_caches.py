"""What every page reads from the shared cache instead of the database (the user's city, the
inbox bell, the station list's fragment): never another user's or city's, and a change shows
at once."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notify
from stations.choices import StationStatus
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("accounts:inbox")
STATIONS = reverse("stations:station_list")


def _queries(client, path) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _bell(html: str) -> str:
    match = re.search(r'bg-danger ms-1">(\d+)<span class="visually-hidden"> 条未读', html)
    return match.group(1) if match else ""


def test_the_header_prints_the_users_own_city_without_a_query(personas, client):
    client.force_login(personas["admin"])
    client.get(INBOX)
    html, sqls = _queries(client, INBOX)
    assert "沈阳" in html and "杭州" not in html.split("<main")[0]
    assert not any('FROM "stations_city"' in sql for sql in sqls)
    client.force_login(personas["hangzhou_admin"])
    header = _queries(client, INBOX)[0].split("<main")[0]
    assert "杭州" in header and "沈阳" not in header


def test_a_city_rename_shows_at_once(personas, client, shenyang):
    client.force_login(personas["admin"])
    client.get(INBOX)
    shenyang.name = "沈阳市"
    shenyang.save()  # a save bumps the directory generation
    assert "沈阳市" in _queries(client, INBOX)[0].split("<main")[0]


def test_the_bell_counts_only_the_users_own_unread_and_follows_each_change(personas, client):
    admin, other = personas["admin"], personas["talent"]
    client.force_login(admin)
    assert _bell(client.get(INBOX).content.decode()) == ""
    notify(recipients=[admin], title="请审核申报")
    notify(recipients=[other], title="别人的通知")
    client.get(INBOX)
    html, sqls = _queries(client, INBOX)
    assert _bell(html) == "1"
    assert not any('"accounts_notification"."read_at" IS NULL' in sql for sql in sqls)
    note = Notification.objects.get(recipient=admin)
    client.post(reverse("accounts:inbox-read", args=[note.pk]))
    assert _bell(client.get(INBOX).content.decode()) == ""
    client.force_login(other)
    assert _bell(client.get(INBOX).content.decode()) == "1"


def test_the_cached_station_list_is_never_another_citys_or_scopes(personas, client, station):
    hangzhou_station = StationFactory(city=personas["hangzhou_admin"].city, name="杭州某服务站")
    other_society = StationFactory(city=station.city, name="另一学会的服务站")
    pages = {}
    for who in ("admin", "hangzhou_admin", "society", "admin", "hangzhou_admin", "society"):
        client.force_login(personas[who])
        pages[who] = client.get(STATIONS).content.decode()  # the second round is cached
    assert station.name in pages["admin"] and other_society.name in pages["admin"]
    assert hangzhou_station.name not in pages["admin"]
    assert hangzhou_station.name in pages["hangzhou_admin"]
    assert station.name not in pages["hangzhou_admin"]
    assert station.name in pages["society"] and other_society.name not in pages["society"]
    # A filter is another entry; a change to a listed station shows at once.
    client.force_login(personas["admin"])
    filtered = client.get(STATIONS, {"status": StationStatus.SUSPENDED}).content.decode()
    assert station.name not in filtered
    station.name = "改名后的服务站"
    station.save()
    assert "改名后的服务站" in client.get(STATIONS).content.decode()


def test_the_home_directory_cards_are_never_another_citys_or_scopes(personas, client, station):
    hangzhou_station = StationFactory(city=personas["hangzhou_admin"].city, name="杭州某服务站")
    other_society = StationFactory(city=station.city, name="另一学会的服务站")
    home = reverse("home")
    pages = {}
    for who in ("admin", "hangzhou_admin", "society", "admin", "hangzhou_admin", "society"):
        client.force_login(personas[who])
        pages[who] = client.get(home).content.decode()  # the second round is cached
    cards = {who: html.split('id="status-heading"')[1] for who, html in pages.items()}
    assert station.name in cards["admin"] and other_society.name in cards["admin"]
    assert hangzhou_station.name not in cards["admin"]
    assert hangzhou_station.name in cards["hangzhou_admin"]
    assert station.name not in cards["hangzhou_admin"]
    assert station.name in cards["society"] and other_society.name not in cards["society"]
    client.force_login(personas["admin"])
    station.name = "改名后的服务站"
    station.save()
    assert "改名后的服务站" in client.get(home).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/stations/",
        "/stations/12/edit/",
        "/applications/inbox/",
        "/network/demands/3/",
        "/network/enterprises/",
        "/evaluations/rounds/1/",
        "/funding/grants/",
        "/reports/",
        "/policies/shenyang/",
        "/accounts/security/users/",
        "/accounts/audit/",
        "/accounts/inbox/",
    ],
)
def test_the_cached_menu_is_the_menu_of_the_real_path_for_every_role(make_user, path, rf):
    """main_nav renders `_nav.html` for nav_path(path) once per role: the same links and the
    same active entry as the template rendered with the real path."""
    from django.template import Context, Template
    from django.template.loader import render_to_string

    from accounts.roles import Role

    users = [make_user(role, city=None) for role in Role.values] + [
        make_user(Role.CITY_ADMIN, city=None, is_staff=True),
        make_user("", city=None, is_superuser=True),
    ]
    template = Template("{% load stations_tags %}{% main_nav %}")
    for user in users:
        request = rf.get(path)
        cached = [template.render(Context({"user": user, "request": request})) for _ in "ab"]
        assert cached[0] == cached[1] == render_to_string("_nav.html", {"user": user, "path": path})
