"""Reads for accounts: the home dashboard of each role."""

from django.db.models import Count

from stations.selectors import society_list, station_list


def dashboard_for(user) -> dict:
    stations = station_list(user)
    by_status = list(
        stations.order_by().values("status").annotate(n=Count("id")).order_by("status")
    )
    return {
        "station_count": stations.count(),
        "stations_by_status": by_status,
        "society_count": society_list(user).count(),
        "recent_stations": stations.select_related("society", "host_unit", "city")[:8],
    }
