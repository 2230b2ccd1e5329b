"""Display helpers for the stations pages: Chinese dates, sortable headers, status badges."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

from accounts.selectors import visible_sections
from policies.registry import all_policies, get_policy
from stations.choices import StationStatus

register = template.Library()
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STATUS_LABELS = dict(StationStatus.choices)

STATUS_BADGES = {
    "filed": "secondary",
    "applied": "info",
    "certified": "success",
    "key_supported": "primary",
    "rectification": "warning",
    "suspended": "warning",
    "revoked": "danger",
    "delisted": "dark",
    "expired": "light",
}


@register.filter
def cn_date(value) -> str:
    """Format a date (or datetime, in local time) as 2025年3月1日 (English: 1 Mar 2025); empty for None."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    if (get_language() or "").startswith("en"):
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_datetime(value) -> str:
    """Format a datetime as 2025年3月1日 14:05 in local time."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{cn_date(value)} {value:%H:%M}"


@register.filter
def status_badge(station_or_status) -> str:
    status = getattr(station_or_status, "status", station_or_status)
    label = _STATUS_LABELS.get(status, status)
    tone = STATUS_BADGES.get(status, "secondary")
    text = " text-dark" if tone in {"light", "warning", "info"} else ""
    return format_html(
        '<span class="badge status-badge bg-{}{}" data-status="{}">{}</span>',
        tone,
        text,
        status,
        label,
    )


def program_label_for(policy_code: str | None, program: str) -> str:
    """Return a program's label from the city's policy module (any city's when none is given).

    The label is looked up in the catalogue, so English shows the translated program name.
    """
    try:
        policies = [get_policy(policy_code)] if policy_code else list(all_policies().values())
    except Exception:  # an unknown policy: look through all of them
        policies = list(all_policies().values())
    for policy in policies:
        if program in policy.programs:
            return gettext(policy.programs[program].label_zh)
    return program


@register.filter
def program_label(station) -> str:
    return program_label_for(getattr(station.city, "policy_code", None), station.program)


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> str:
    """Render a column header that sorts by `key` (a whitelisted order key) and toggles."""
    request = context["request"]
    current = context.get("current_sort", "")
    if current == key:
        target, arrow = f"-{key}", " ▲"
    elif current == f"-{key}":
        target, arrow = key, " ▼"
    else:
        target, arrow = key, ""
    params = request.GET.copy()
    params["sort"] = target
    params.pop("page", None)
    return format_html(
        '<a class="link-dark text-decoration-none" href="?{}">{}{}</a>',
        params.urlencode(),
        label,
        arrow,
    )


@register.simple_tag
def nav_sections(user) -> set[str]:
    """Return the stations sections the nav should link to for `user`."""
    return visible_sections(user)


# What `_nav.html` tests the path against (a prefix, or a part anywhere in it): any path
# becomes the one of these it matches (or ""), so the menu renders the same for both.
NAV_PREFIXES = (
    "/stations/",
    "/applications/",
    "/network/demands/",
    "/evaluations/",
    "/funding/",
    "/reports/",
    "/policies/",
)
NAV_PARTS = ("/accounts/security/", "/accounts/audit/")
_NAV_HTML: dict[tuple, str] = {}


def nav_path(path: str) -> str:
    """Return the part of `path` the main menu depends on (which entry is active)."""
    if path == "/":
        return path
    for prefix in NAV_PREFIXES:
        if path.startswith(prefix):
            return prefix
    return next((part for part in NAV_PARTS if part in path), "")


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    """Render `_nav.html` for the signed-in user. It prints no data, only links that depend
    on the role, the platform-administrator and staff flags, the language and the active
    section: rendered once per process for each of those (a few hundred at most) instead
    of on every page (DEBUG renders it every time, so template edits show)."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import get_script_prefix
    from django.utils.safestring import mark_safe

    user = context["user"]
    request = context.get("request")
    path = nav_path(request.path if request is not None else "")
    key = (
        user.role,
        bool(user.is_platform_admin),
        bool(user.is_staff),
        get_language(),
        path,
        get_script_prefix(),
    )
    html = None if settings.DEBUG else _NAV_HTML.get(key)
    if html is None:
        html = render_to_string("_nav.html", {"user": user, "path": path})
        _NAV_HTML[key] = html
    return mark_safe(html)  # noqa: S308 (our own template's output)
