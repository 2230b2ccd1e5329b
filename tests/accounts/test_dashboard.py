"""The home dashboard: what each role looks after, in constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import visible_sections
from home.selectors import dashboard_for
from stations.choices import StationStatus
from tests.factories import ActivityRecordFactory, StationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who", ["society", "host", "county", "admin", "talent", "finance", "hangzhou_admin", "super"]
)
def test_home_renders_for_every_role(personas, login, who):
    response = login(personas[who]).get(reverse("home"))
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def test_counts_follow_scoping(personas, station, other_station):
    assert dashboard_for(personas["admin"])["station_count"] == 2
    assert dashboard_for(personas["society"])["station_count"] == 1
    assert dashboard_for(personas["hangzhou_admin"])["station_count"] == 0


def test_status_counts_have_chinese_labels(personas, station, other_station):
    other_station.status = StationStatus.RECTIFICATION
    other_station.save()
    data = dashboard_for(personas["admin"])
    rows = {row["status"]: (row["label"], row["n"]) for row in data["stations_by_status"]}
    assert rows == {"certified": ("已认定（命名）", 1), "rectification": ("限期整改", 1)}
    assert data["attention_count"] == 1


def test_expiring_agreements_are_listed(personas, station):
    station.term_end = timezone.localdate() + dt.timedelta(days=30)
    station.save()
    assert list(dashboard_for(personas["admin"])["expiring_stations"]) == [station]


def test_society_staff_focus_and_links(personas, station):
    data = dashboard_for(personas["society"])
    assert data["focus"]["url"] == reverse("stations:society_detail", args=[station.society_id])
    urls = {link["url"] for link in data["quick_links"]}
    assert reverse("stations:host_unit_list") not in urls
    assert reverse("stations:station_create") not in urls
    assert data["society_count"] is None


@pytest.mark.parametrize(
    ("persona", "has", "lacks"),
    [
        ("host", {"stations", "host_units", "applications", "funding"}, {"societies", "policies"}),
        ("society", {"stations", "societies", "applications"}, {"host_units", "policies"}),
        ("admin", {"stations", "societies", "host_units", "experts", "policies"}, {"audit"}),
        ("finance", {"funding", "evaluations"}, {"applications", "policies"}),
    ],
)
def test_nav_sections_per_role(personas, persona, has, lacks):
    sections = visible_sections(personas[persona])
    assert has <= sections and not (lacks & sections)


def test_audit_and_security_admins_see_only_their_own_page(make_user):
    from accounts.roles import Role

    assert visible_sections(make_user(Role.AUDIT_ADMIN, city=None)) == {"audit"}
    assert visible_sections(make_user(Role.SECURITY_ADMIN, city=None)) == {"security"}


def test_home_query_count_is_constant(personas, shenyang, login):
    client = login(personas["admin"])

    def count():
        from django.core.cache import cache

        cache.clear()  # the cold path (accounts.querycache would answer some queries)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for s in StationFactory.create_batch(12, city=shenyang):
        ActivityRecordFactory(station=s)
    assert count() == few


def test_cached_recent_activities_follow_every_change_and_stay_in_scope(
    personas, station, other_station, login
):
    """The recent-activities card is cached per scope (home.selectors, ACTIVITY_GENERATION):
    a new, changed or deleted record shows on the next load, and a city's card never lists
    another city's records."""
    from stations.services import activity_record_create

    admin = login(personas["admin"])
    far = StationFactory(city=personas["hangzhou_admin"].city)
    ActivityRecordFactory(station=far, title="杭州的活动", date=dt.date(2025, 6, 1))
    record = ActivityRecordFactory(station=station, title="第一次培训", date=dt.date(2025, 5, 1))

    def activities() -> str:
        page = admin.get(reverse("home")).content.decode()
        return page.split('id="activities-heading"', 1)[1].split("</section>", 1)[0]

    first = activities()
    assert "第一次培训" in first and station.name in first and "杭州的活动" not in first
    with CaptureQueriesContext(connection) as ctx:
        assert activities() == first  # answered from the cache
    assert not any("stations_activityrecord" in q["sql"] for q in ctx.captured_queries)

    created = activity_record_create(
        station=station,
        actor=personas["admin"],
        data={"kind": "training", "date": dt.date(2025, 7, 2), "title": "新的讲座", "trainees": 30},
    )
    assert created.pk and "新的讲座" in activities()
    record.title = "改过的培训"
    record.save()
    assert "改过的培训" in activities() and "第一次培训" not in activities()
    record.delete()
    assert "改过的培训" not in activities()
    station.name = "改名后的服务站"
    station.save()
    assert "改名后的服务站" in activities()
