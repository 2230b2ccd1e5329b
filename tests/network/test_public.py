"""The public directory: no login, public stations only, never any personal contact data."""

import pytest
from django.urls import reverse

from stations.choices import ExpertRole, StationStatus
from tests.factories import ExpertFactory, StationExpertFactory, StationFactory

MARKER_MOBILE = "13987654321"
MARKER_EMAIL = "leak-marker@example.cn"
OTHER_MARKERS = ("13911112222", "societyleak@example.cn", "6222020200001234567", "13933334444")


@pytest.fixture
def public_station(shenyang):
    station = StationFactory(
        city=shenyang,
        industry="装备制造",
        discipline="机械工程",
        head_name="周站长",
        head_mobile=OTHER_MARKERS[3],
        society__duties="开展机械工程学术交流与技术服务。",
        society__contact_mobile=OTHER_MARKERS[0],
        society__contact_email=OTHER_MARKERS[1],
        society__bank_account_no=OTHER_MARKERS[2],
        host_unit__contact_mobile=OTHER_MARKERS[0],
        host_unit__bank_account_no=OTHER_MARKERS[2],
    )
    expert = ExpertFactory(
        city=shenyang,
        name="赵工程师",
        title="教授级高工",
        field="机械工程",
        society=station.society,
        mobile=MARKER_MOBILE,
        email=MARKER_EMAIL,
        bio=f"联系电话 {MARKER_MOBILE}",
    )
    StationExpertFactory(station=station, expert=expert, role=ExpertRole.CHIEF)
    return station


def public_urls(station):
    code = station.city.code
    return [
        reverse("public:index"),
        reverse("public:city", args=[code]),
        reverse("public:city", args=[code]) + "?field=机械",
        reverse("public:city", args=[code]) + "?industry=装备",
        reverse("public:station", args=[code, station.pk]),
        reverse("public:society", args=[code, station.society_id]),
    ]


@pytest.mark.django_db
def test_public_pages_show_profiles_but_leak_no_contact_data(client, public_station):
    for url in public_urls(public_station):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for marker in (MARKER_MOBILE, MARKER_EMAIL, *OTHER_MARKERS):
            assert marker not in html, (url, marker)
    html = client.get(reverse("public:station", args=["shenyang", public_station.pk])).content
    html = html.decode()
    assert "赵工程师" in html and "教授级高工" in html and "机械工程" in html
    assert public_station.society.name in html
    society_html = client.get(
        reverse("public:society", args=["shenyang", public_station.society_id])
    ).content.decode()
    assert "开展机械工程学术交流与技术服务" in society_html


@pytest.mark.django_db
def test_search_by_field_and_industry(client, public_station, shenyang):
    other = StationFactory(city=shenyang, industry="生物医药", discipline="药学")
    StationExpertFactory(station=other, expert__name="钱药师", expert__field="药学")
    url = reverse("public:city", args=["shenyang"])
    html = client.get(url, {"field": "机械"}).content.decode()
    assert public_station.name in html and "赵工程师" in html
    assert other.name not in html and "钱药师" not in html
    html = client.get(url, {"industry": "生物"}).content.decode()
    assert other.name in html and "钱药师" in html
    assert public_station.name not in html and "赵工程师" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [StationStatus.FILED, StationStatus.REVOKED, StationStatus.DELISTED]
)
def test_stations_not_in_a_public_status_are_not_listed(client, shenyang, status):
    hidden = StationFactory(city=shenyang, status=status)
    StationExpertFactory(station=hidden, expert__name="孙隐藏")
    html = client.get(reverse("public:city", args=["shenyang"])).content.decode()
    assert hidden.name not in html and "孙隐藏" not in html
    assert client.get(reverse("public:station", args=["shenyang", hidden.pk])).status_code == 404


@pytest.mark.django_db
def test_a_station_is_only_shown_under_its_own_city(client, public_station):
    url = reverse("public:station", args=["hangzhou", public_station.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("public:city", args=["nowhere"])).status_code == 404


@pytest.mark.django_db
def test_experts_who_left_the_team_are_not_listed(client, public_station, shenyang):
    import datetime as dt

    StationExpertFactory(station=public_station, expert__name="吴离队", left_on=dt.date(2025, 1, 1))
    html = client.get(reverse("public:city", args=["shenyang"])).content.decode()
    assert "吴离队" not in html
