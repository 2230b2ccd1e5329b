import datetime as dt
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.test import RequestFactory

from stations.templatetags.stations_tags import cn_date, cn_datetime, status_badge


def test_cn_date_formats_dates_without_leading_zeros():
    assert cn_date(dt.date(2025, 3, 1)) == "2025年3月1日"
    assert cn_date(None) == ""


def test_cn_date_uses_local_time_for_aware_datetimes():
    late_utc = dt.datetime(2025, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC"))  # 04:00 next day in China
    assert cn_date(late_utc) == "2025年3月2日"
    assert cn_datetime(late_utc) == "2025年3月2日 04:00"


def test_status_badge_escapes_and_labels():
    html = status_badge("revoked")
    assert 'data-status="revoked"' in html and "bg-danger" in html


def test_sort_header_toggles_and_keeps_filters():
    request = RequestFactory().get("/stations/", {"status": "filed", "page": "3", "sort": "name"})
    template = Template('{% load stations_tags %}{% sort_header "name" "名称" %}')
    html = template.render(Context({"request": request, "current_sort": "name"}))
    assert "sort=-name" in html and "status=filed" in html and "page=" not in html
