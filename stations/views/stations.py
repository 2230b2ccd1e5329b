"""Pages of the stations themselves: list, detail, create, edit and status change.

Every object is loaded through stations.selectors (missing and forbidden both 404); a
visible object the user may not change answers 403 with the reason from
stations.permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..filters import StationFilter
from ..forms import StationForm, StationStatusForm
from ..models import Station, StationExpert
from ._common import _edit_page, _list_page, forbidden

# Sortable columns: the only values `?sort=` accepts (a leading "-" reverses the order).
STATION_ORDER = {
    "name": ("name", "id"),
    "society": ("society__name", "id"),
    "host_unit": ("host_unit__name", "id"),
    "district": ("district__name", "id"),
    "status": ("status", "id"),
    "level": ("level", "id"),
    "program": ("program", "id"),
    "certified_on": ("certified_on", "id"),
    "term_end": ("term_end", "id"),
}


# --- stations ------------------------------------------------------------------------------

# What a row of the list prints (stations/_station_list_body.html), and nothing else: full
# rows of the five joined models were ≈ 125 instances of 20–40 columns a page, and no bank
# account is read (so none is decrypted).
STATION_LIST_FIELDS = (
    "name",
    "level",
    "program",
    "status",
    "certified_on",
    "term_end",
    "society__name",
    "host_unit__name",
    "district__name",
    "city__policy_code",
)


@login_required
def station_list(request):
    queryset = (
        selectors.station_list(request.user)
        .select_related("society", "host_unit", "district", "city")
        .only(*STATION_LIST_FIELDS)
    )
    return _list_page(
        request,
        queryset=queryset,
        filterset_class=StationFilter,
        orderings=STATION_ORDER,
        default_sort="name",
        template="stations/station_list.html",
        extra={"can_create": permissions.can_create_directory_entry(request.user)[0]},
        fragment="stations/_station_list_body.html",
    )


@login_required
def station_detail(request, pk: int):
    station = selectors.get_station(request.user, pk)
    station = (
        Station.objects.select_related("society", "host_unit", "district__city", "city")
        .prefetch_related(
            "staff",
            Prefetch(
                "team",
                queryset=StationExpert.objects.select_related("expert").order_by(
                    "left_on", "role", "joined_on"
                ),
            ),
        )
        .get(pk=station.pk)
    )
    user = request.user
    can_status = permissions.can_set_station_status(user, station)[0]
    context = {
        "station": station,
        "status_changes": station.status_changes.select_related("changed_by").order_by(
            "-changed_at", "-id"
        ),
        "recent_activities": station.activities.prefetch_related("evidence").order_by(
            "-date", "-id"
        )[:10],
        "activity_total": station.activities.count(),
        "can_edit": permissions.can_edit_station(user, station)[0],
        "can_add_activity": permissions.can_add_activity_record(user, station)[0],
        "status_form": StationStatusForm(station=station) if can_status else None,
    }
    return render(request, "stations/station_detail.html", context)


@login_required
def station_create(request):
    user = request.user
    city = None if user.is_platform_admin else user.city

    def save(data):
        if city is not None:
            data["city"] = city
        return services.station_create(actor=user, data=data)

    return _edit_page(
        request,
        obj=Station(city=city) if city else None,
        form_class=StationForm,
        decision=permissions.can_create_directory_entry(user),
        save=save,
        template="stations/station_form.html",
        form_kwargs={"user": user, "city": city, "is_admin": True},
    )


@login_required
def station_edit(request, pk: int):
    user = request.user
    station = selectors.get_station(user, pk)
    return _edit_page(
        request,
        obj=station,
        form_class=StationForm,
        decision=permissions.can_edit_station(user, station),
        save=lambda data: services.station_update(station=station, actor=user, data=data),
        template="stations/station_form.html",
        form_kwargs={"user": user, "city": station.city, "is_admin": True},
    )


@login_required
@require_POST
def station_set_status(request, pk: int):
    user = request.user
    station = selectors.get_station(user, pk)
    allowed, reason = permissions.can_set_station_status(user, station)
    if not allowed:
        return forbidden(request, reason)
    form = StationStatusForm(request.POST, station=station)
    if form.is_valid():
        try:
            services.station_set_status(
                station=station,
                to_status=form.cleaned_data["to_status"],
                actor=user,
                reason=form.cleaned_data["reason"],
                clause=form.cleaned_data["clause"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("服务站状态已变更。"))
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("状态未变更：") + "；".join(errors))
    return redirect("stations:station_detail", pk=station.pk)
