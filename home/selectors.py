"""The home page of each role: what it looks after, its figures, quick links and to-do list."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.querycache import (
    DIRECTORY_KEY,
    bump_now_and_on_commit,
    bump_on_write,
    cached_value,
)
from accounts.roles import Role
from accounts.selectors import visible_sections
from stations import permissions as station_permissions
from stations.choices import ActivityKind, StationStatus
from stations.models import ActivityRecord
from stations.selectors import expert_list, host_unit_list, society_list, station_list

EXPIRY_WINDOW_DAYS = 90
# The generation of the home page's "recent activities" card: any save or delete of an
# activity record drops every scope's cached card (the station names it prints are directory
# rows, dropped by the directory generation). Bulk writes bump it themselves.
ACTIVITY_GENERATION = "querycache:home-activities-generation"


def _focus(user) -> dict | None:
    """Return what the user's role looks after: their society, host unit, district or city."""
    if user.role == Role.SOCIETY_STAFF and user.society_id:
        return {
            "label": _("本学会"),
            "name": str(user.society),
            "url": reverse("stations:society_detail", args=[user.society_id]),
        }
    if user.role == Role.HOST_STAFF and user.host_unit_id:
        return {
            "label": _("本单位"),
            "name": str(user.host_unit),
            "url": reverse("stations:host_unit_detail", args=[user.host_unit_id]),
        }
    if user.role == Role.COUNTY_REVIEWER and user.district_id:
        return {"label": _("辖区"), "name": str(user.district), "url": ""}
    if user.role == Role.EXPERT_REVIEWER and user.expert_id:
        return {
            "label": _("专家档案"),
            "name": str(user.expert),
            "url": reverse("stations:expert_detail", args=[user.expert_id]),
        }
    if user.city_id:
        return {"label": _("城市"), "name": user.city.name, "url": ""}
    return None


def _quick_links(user) -> list[dict]:
    sections = visible_sections(user)
    entries = [
        ("stations", _("服务站"), "stations:station_list", "geo-alt"),
        ("societies", _("学会"), "stations:society_list", "people"),
        ("host_units", _("建站单位"), "stations:host_unit_list", "building"),
        ("experts", _("专家"), "stations:expert_list", "person-badge"),
    ]
    links = [
        {"label": label, "url": reverse(url), "icon": icon}
        for key, label, url, icon in entries
        if key in sections
    ]
    if station_permissions.can_create_directory_entry(user)[0]:
        links.append(
            {
                "label": _("新增服务站"),
                "url": reverse("stations:station_create"),
                "icon": "plus-circle",
            }
        )
    return links


# Roles whose home page shows the station directory figures (they look after stations).
STATION_FIGURE_ROLES = {
    Role.CITY_ADMIN,
    Role.TALENT_OFFICE,
    Role.COUNTY_REVIEWER,
    Role.SOCIETY_STAFF,
    Role.HOST_STAFF,
}


def _role_figures(user) -> list[dict]:
    """Return the few numbers that matter to roles without station figures."""
    if user.role == Role.FINANCE:
        from funding.selectors import grant_list

        grants = grant_list(user)
        return [
            {"label": _("资助项目"), "value": grants.count(), "url": reverse("funding:grants")},
            {
                "label": _("已冻结的资助"),
                "value": grants.exclude(frozen_reason="").count(),
                "url": reverse("funding:grants"),
            },
        ]
    if user.role == Role.SECURITY_ADMIN:
        from accounts.models import User

        return [
            {
                "label": _("账号"),
                "value": User.objects.count(),
                "url": reverse("accounts:security-users"),
            },
            {
                "label": _("已停用账号"),
                "value": User.objects.filter(is_active=False).count(),
                "url": reverse("accounts:security-users"),
            },
        ]
    if user.role == Role.AUDIT_ADMIN:
        from accounts.models import AuditEvent

        since = timezone.now() - dt.timedelta(days=7)
        return [
            {
                "label": _("近 7 天审计记录"),
                "value": AuditEvent.objects.filter(at__gte=since).count(),
                "url": reverse("accounts:audit-log"),
            }
        ]
    return []


def _enterprise_demands(user) -> list:
    if user.role != Role.ENTERPRISE:
        return []
    from network.selectors import demand_list

    return list(demand_list(user).order_by("-created_at", "-id")[:20])


def dashboard_for(user) -> dict:
    """Return the home page's context: what the person looks after and their figures (the
    to-do list is rendered by the view, through its per-person cache: home.todo)."""
    from .todo import open_calls, scored_assignments

    context = {
        "focus": _focus(user),
        "scored_assignments": scored_assignments(user),
        "calls": open_calls(user),
        "enterprise_demands": _enterprise_demands(user),
        "role_figures": _role_figures(user),
        "quick_links": _quick_links(user),
        "show_stations": user.is_platform_admin or user.role in STATION_FIGURE_ROLES,
    }
    if context["show_stations"]:
        context.update(_station_figures(user))
    return context


def _station_figures(user) -> dict:
    stations = station_list(user)
    today = timezone.localdate()
    # The directory figures and the recent activity records come from the shared cache in
    # one entry (accounts.querycache: keyed by the scope's query, role, day and language;
    # dropped by any change to a station, society, host unit, expert or activity record).
    variant = (user.role, today.isoformat(), get_language())
    figures = cached_value(
        "home-directory",
        stations,
        variant,
        lambda: {
            **_directory_figures(user, stations, today),
            "recent_activities": _recent_activities(stations),
        },
        generation_key=(DIRECTORY_KEY, ACTIVITY_GENERATION),
    )
    # (stations, variant): what the view's cached rendering of the directory cards is keyed by.
    return {**figures, "directory_cache_key": (stations, variant)}


def _recent_activities(stations) -> list[dict]:
    """The scope's eight latest activity records as the card prints them (plain values)."""
    # The label from one dict, not get_kind_display(): Django hashes every lazy choice label
    # (a catalogue look-up each) on each call.
    labels = dict(ActivityKind.choices)
    rows = (
        ActivityRecord.objects.filter(station__in=stations.values("pk"))
        .order_by("-date", "-id")
        .values_list("date", "kind", "title", "station_id", "station__name")[:8]
    )
    return [
        {
            "date": date,
            "kind_label": str(labels.get(kind, kind)),
            "title": title,
            "station_id": station_id,
            "station_name": station_name,
        }
        for date, kind, title, station_id, station_name in rows
    ]


def bump_activities(**_kwargs) -> None:
    bump_now_and_on_commit(ACTIVITY_GENERATION)


def connect_activity_cache() -> None:
    bump_on_write(bump_activities, (ActivityRecord,), "home-activities")


def _directory_figures(user, stations, today) -> dict:
    labels = dict(StationStatus.choices)
    counts = dict(stations.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [
        {"status": value, "label": str(labels[value]), "n": counts[value]}
        for value in StationStatus.values
        if counts.get(value)
    ]
    expiring = list(
        stations.filter(
            term_end__gte=today,
            term_end__lte=today + dt.timedelta(days=EXPIRY_WINDOW_DAYS),
            status__in=[StationStatus.CERTIFIED, StationStatus.KEY_SUPPORTED],
        )
        .order_by("term_end")
        .only("id", "name", "status", "term_end")[:5]
    )
    show_directory = user.is_platform_admin or user.role in {
        Role.CITY_ADMIN,
        Role.TALENT_OFFICE,
        Role.FINANCE,
        Role.COUNTY_REVIEWER,
    }
    return {
        "station_count": sum(counts.values()),
        "stations_by_status": by_status,
        "society_count": society_list(user).count() if show_directory else None,
        "host_unit_count": host_unit_list(user).count() if show_directory else None,
        "expert_count": expert_list(user).count() if show_directory else None,
        "attention_count": counts.get(StationStatus.RECTIFICATION, 0)
        + counts.get(StationStatus.SUSPENDED, 0),
        "expiring_stations": expiring,
        "expiry_window_days": EXPIRY_WINDOW_DAYS,
        # Only what the cards print: nothing encrypted is decrypted, or cached.
        "recent_stations": list(
            stations.select_related("society", "host_unit")
            .order_by("-updated_at", "-id")
            .only("id", "name", "status", "society__name", "host_unit__name")[:8]
        ),
    }
