"""Pages of a station's activity records: list with totals, create, edit and the
evidence download (never by a public URL)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.paging import Paginator

from .. import permissions, selectors, services
from ..filters import ActivityFilter
from ..forms import ActivityRecordForm, attach_service_errors, bootstrapify
from ..models import ActivityRecord, Station
from ..uploads import stored_file_response
from ._common import PAGE_SIZE, apply_sort, forbidden

# Sortable columns: the only values `?sort=` accepts (a leading "-" reverses the order).
ACTIVITY_ORDER = {
    "date": ("date", "id"),
    "kind": ("kind", "id"),
    "title": ("title", "id"),
    "quantity": ("quantity", "id"),
}


# --- activity records ----------------------------------------------------------------------


@login_required
def activity_list(request, pk: int):
    user = request.user
    station = selectors.get_station(user, pk)
    queryset = station.activities.select_related("created_by").prefetch_related("evidence")
    filterset = ActivityFilter(request.GET or None, queryset=queryset, request=request)
    bootstrapify(filterset.form)
    rows = filterset.qs if filterset.is_bound else queryset
    rows, current_sort = apply_sort(rows, request, ACTIVITY_ORDER, "-date")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = (
        rows.order_by()
        .values("kind")
        .annotate(n=Count("id"), qty=models.Sum("quantity"), trainees=models.Sum("trainees"))
        .order_by("kind")
    )
    kind_labels = dict(ActivityRecord._meta.get_field("kind").choices)
    context = {
        "station": station,
        "filter": filterset,
        "page_obj": page,
        "rows": page.object_list,
        "current_sort": current_sort,
        "totals": [{**t, "label": kind_labels.get(t["kind"], t["kind"])} for t in totals],
        "can_add": permissions.can_add_activity_record(user, station)[0],
    }
    return render(request, "stations/activity_list.html", context)


def _activity_form_page(request, *, station: Station, record: ActivityRecord | None):
    user = request.user
    decision = (
        permissions.can_edit_activity_record(user, record)
        if record
        else permissions.can_add_activity_record(user, station)
    )
    allowed, reason = decision
    if not allowed:
        return forbidden(request, reason)
    if request.method == "POST":
        form = ActivityRecordForm(request.POST, request.FILES, instance=record)
        if form.is_valid():
            try:
                if record:
                    saved = services.activity_record_update(
                        record=record, actor=user, data=form.service_data()
                    )
                else:
                    saved = services.activity_record_create(
                        station=station, actor=user, data=form.service_data()
                    )
                if form.cleaned_data.get("evidence"):
                    services.activity_evidence_add(
                        record=saved, actor=user, upload=form.cleaned_data["evidence"]
                    )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, _("活动记录已保存。"))
                return redirect("stations:activity_list", pk=station.pk)
    else:
        form = ActivityRecordForm(instance=record)
    return render(
        request,
        "stations/activity_form.html",
        {"form": form, "station": station, "object": record},
    )


@login_required
def activity_create(request, pk: int):
    station = selectors.get_station(request.user, pk)
    return _activity_form_page(request, station=station, record=None)


@login_required
def activity_edit(request, station_pk: int, pk: int):
    station = selectors.get_station(request.user, station_pk)
    record = get_object_or_404(station.activities.select_related("station"), pk=pk)
    return _activity_form_page(request, station=station, record=record)


@login_required
def evidence_download(request, station_pk: int, record_pk: int, pk: int):
    """Serve an evidence file to users who can see its station; never by a public URL."""
    station = selectors.get_station(request.user, station_pk)
    record = get_object_or_404(station.activities, pk=record_pk)
    evidence = get_object_or_404(record.evidence, pk=pk)
    return stored_file_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )
