"""Shared personas: a user per role, each scoped to one city and object."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from accounts.roles import Role
from tests.factories import StationFactory, UserFactory, city, district_of

PASSWORD = "pw-Secret-123"


def pytest_collection_modifyitems(config, items):
    """Skip, with a reason, what this environment cannot run; CI (.ci/run) runs all of it."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "celery_worker" in item.keywords and not has_broker:
            item.add_marker(pytest.mark.skip(reason="needs a broker: set CELERY_BROKER_URL"))


# Every test runs on this day, whatever the real calendar says (a Tuesday, 10:00 in China);
# the clock ticks on from there, so elapsed-time checks still work. A test that needs another
# day travels there itself (time_machine.travel). Tests with a real Celery worker keep the
# real clock: the worker is another process and cannot be moved; so do tests marked
# `real_clock`, which compare the app's clock with one outside the process (file times).
FROZEN_NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen_clock(request):
    if request.node.get_closest_marker("celery_worker") or request.node.get_closest_marker(
        "real_clock"
    ):
        yield None
        return
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Every test starts in the platform's language, whatever an earlier test activated."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def every_list_counts(monkeypatch):
    """Every paged list runs its COUNT(*), as a list longer than one page does: the worst
    case, for the tests that compare query counts as rows grow (accounts.paging.Paginator
    skips the COUNT of a list that fits on its page)."""
    from accounts import paging

    monkeypatch.setattr(paging, "COUNT_FROM_A_SHORT_PAGE", False)


@pytest.fixture
def shenyang(db):
    return city("shenyang")


@pytest.fixture
def hangzhou(db):
    return city("hangzhou")


@pytest.fixture
def make_user(db):
    def _make(role: str, **scope):
        return UserFactory(role=role, **scope)

    return _make


@pytest.fixture
def station(db, shenyang):
    return StationFactory(city=shenyang)


@pytest.fixture
def other_station(db, shenyang):
    """A station of another society and host unit, in another district of the same city."""
    other = StationFactory(city=shenyang)
    other.host_unit.district = district_of(shenyang, 3)
    other.host_unit.save()
    other.district = other.host_unit.district
    other.save()
    return other


@pytest.fixture
def personas(db, shenyang, hangzhou, station, make_user):
    """One user per role around `station` (Shenyang) plus a Hangzhou administrator."""
    return {
        "society": make_user(Role.SOCIETY_STAFF, society=station.society),
        "host": make_user(Role.HOST_STAFF, host_unit=station.host_unit),
        "county": make_user(Role.COUNTY_REVIEWER, district=station.district),
        "admin": make_user(Role.CITY_ADMIN, city=shenyang),
        "talent": make_user(Role.TALENT_OFFICE, city=shenyang),
        "finance": make_user(Role.FINANCE, city=shenyang),
        "hangzhou_admin": make_user(Role.CITY_ADMIN, city=hangzhou),
        "super": make_user(Role.SUPERUSER, city=None, is_superuser=True, is_staff=True),
    }


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache (the public directory caches its pages)."""
    from django.core.cache import cache

    cache.clear()
    yield
