"""Browser pages of the stations app: thin views over selectors, permissions and services.

Every object is loaded through stations.selectors (missing and forbidden both 404); a
visible object the user may not change answers 403 with the reason from
stations.permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.querycache import cached_fragment

from .. import permissions, selectors, services
from ..filters import ActivityFilter, ExpertFilter, HostUnitFilter, SocietyFilter, StationFilter
from ..forms import (
    ActivityRecordForm,
    ExpertForm,
    HostUnitForm,
    SocietyForm,
    StationForm,
    StationStatusForm,
    attach_service_errors,
    bootstrapify,
)
from ..models import (
    ActivityRecord,
    Expert,
    HostUnit,
    Society,
    SocietyInspection,
    Station,
    StationExpert,
)
from ..uploads import stored_file_response

PAGE_SIZE = 25
DETAIL_URLS = {
    Station: "stations:station_detail",
    Society: "stations:society_detail",
    HostUnit: "stations:host_unit_detail",
    Expert: "stations:expert_detail",
}
LIST_URLS = {
    Station: "stations:station_list",
    Society: "stations:society_list",
    HostUnit: "stations:host_unit_list",
    Expert: "stations:expert_list",
}

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
SOCIETY_ORDER = {
    "name": ("name", "id"),
    "level": ("level", "id"),
    "discipline": ("discipline", "id"),
    "rating": ("rating", "id"),
    "stations": ("station_count", "id"),
}
HOST_UNIT_ORDER = {
    "name": ("name", "id"),
    "nature": ("nature", "id"),
    "district": ("district__name", "id"),
    "industry": ("industry", "id"),
    "stations": ("station_count", "id"),
}
EXPERT_ORDER = {
    "name": ("name", "id"),
    "title": ("title", "id"),
    "field": ("field", "id"),
    "employer": ("employer", "id"),
    "society": ("society__name", "id"),
    "province": ("province", "id"),
}
ACTIVITY_ORDER = {
    "date": ("date", "id"),
    "kind": ("kind", "id"),
    "title": ("title", "id"),
    "quantity": ("quantity", "id"),
}


def apply_sort(queryset, request, orderings: Mapping[str, tuple[str, ...]], default: str):
    """Order by a whitelisted key from `?sort=`; anything else falls back to `default`."""
    requested = request.GET.get("sort", "")
    key = requested.lstrip("-")
    if key not in orderings:
        requested, key = default, default.lstrip("-")
    fields = orderings[key]
    if requested.startswith("-"):
        fields = tuple(f"-{f}" for f in fields)
    return queryset.order_by(*fields), requested


def _list_page(
    request,
    *,
    queryset,
    filterset_class,
    orderings,
    default_sort,
    template,
    extra=None,
    fragment: str | None = None,
):
    """A filtered, sorted, paged list. With `fragment` (a template of the page's filter form,
    table and pagination, printing only directory rows), the rendered fragment comes from the
    shared cache (accounts.querycache: keyed by the rows' SQL — scope, filters, sort — the
    query string, role and language; dropped by any directory change)."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound else queryset
    rows, current_sort = apply_sort(rows, request, orderings, default_sort)

    def render_fragment(name: str, request=request):
        bootstrapify(filterset.form)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "filter": filterset,
            "page_obj": page,
            "rows": page.object_list,
            "current_sort": current_sort,
            **(extra or {}),
        }
        return context if name is None else render_to_string(name, context, request)

    if fragment is None:
        return render(request, template, render_fragment(None))
    html = cached_fragment(
        fragment,
        rows,
        (request.get_full_path(), request.user.role, get_language(), sorted((extra or {}).items())),
        lambda: render_fragment(fragment),
    )
    return render(request, template, {"fragment": html, **(extra or {})})


def forbidden(request, reason: str):
    return render(request, "stations/forbidden.html", {"reason": reason}, status=403)


def _edit_page(
    request,
    *,
    obj: models.Model | None,
    form_class,
    decision: tuple[bool, str],
    save: Callable[[dict], models.Model],
    template: str,
    form_kwargs: dict,
    extra: dict | None = None,
):
    allowed, reason = decision
    if not allowed:
        return forbidden(request, reason)
    if request.method == "POST":
        form = form_class(request.POST, instance=obj, **form_kwargs)
        if form.is_valid():
            try:
                saved = save(form.service_data())
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect(DETAIL_URLS[type(saved)], pk=saved.pk)
    else:
        form = form_class(instance=obj, **form_kwargs)
    model = form_class._meta.model
    verbose = model._meta.verbose_name
    editing = obj is not None and obj.pk is not None
    context = {
        "form": form,
        "object": obj,
        "heading": (_("编辑%(name)s") if editing else _("新增%(name)s")) % {"name": verbose},
        "list_label": model._meta.verbose_name_plural,
        "list_url": reverse(LIST_URLS[model]),
        "detail_url": reverse(DETAIL_URLS[model], args=[obj.pk]) if editing else "",
        **(extra or {}),
    }
    return render(request, template, context)


def _is_admin(user, city_id) -> bool:
    return permissions.can_create_directory_entry(user)[0] and (
        user.is_platform_admin or user.city_id == city_id
    )


# --- stations ------------------------------------------------------------------------------


@login_required
def station_list(request):
    # The bank accounts are not shown here: not read, so not decrypted (25 rows × 2 a page).
    queryset = (
        selectors.station_list(request.user)
        .select_related("society", "host_unit", "district__city", "city")
        .defer("society__bank_account_no", "host_unit__bank_account_no")
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


# --- societies -----------------------------------------------------------------------------


@login_required
def society_list(request):
    active_flag = Q(credit_flags__lifted_on__isnull=True, credit_flags__isnull=False)
    queryset = (
        selectors.society_list(request.user)
        .select_related("parent", "city")
        .annotate(
            station_count=Count("stations", distinct=True),
            flag_count=Count("credit_flags", filter=active_flag, distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "inspections",
                queryset=SocietyInspection.objects.order_by("-year"),
                to_attr="inspections_desc",
            )
        )
    )
    return _list_page(
        request,
        queryset=queryset,
        filterset_class=SocietyFilter,
        orderings=SOCIETY_ORDER,
        default_sort="name",
        template="stations/society_list.html",
        extra={"can_create": permissions.can_create_directory_entry(request.user)[0]},
    )


@login_required
def society_detail(request, pk: int):
    user = request.user
    society = selectors.get_society(user, pk)
    society = Society.objects.select_related("parent", "city").get(pk=society.pk)
    context = {
        "society": society,
        "inspections": society.inspections.order_by("-year"),
        "credit_flags": society.credit_flags.order_by("-recorded_on"),
        "branches": selectors.society_list(user).filter(parent=society).order_by("name"),
        "stations": selectors.station_list(user)
        .filter(society=society)
        .select_related("host_unit", "district__city")
        .order_by("name"),
        "experts": selectors.expert_list(user).filter(society=society).order_by("name"),
        "can_edit": permissions.can_edit_society(user, society)[0],
    }
    return render(request, "stations/society_detail.html", context)


@login_required
def society_create(request):
    user = request.user
    city = None if user.is_platform_admin else user.city

    def save(data):
        if city is not None:
            data["city"] = city
        return services.society_create(actor=user, data=data)

    return _edit_page(
        request,
        obj=Society(city=city) if city else None,
        form_class=SocietyForm,
        decision=permissions.can_create_directory_entry(user),
        save=save,
        template="stations/society_form.html",
        form_kwargs={"user": user, "city": city, "is_admin": True},
    )


@login_required
def society_edit(request, pk: int):
    user = request.user
    society = selectors.get_society(user, pk)
    return _edit_page(
        request,
        obj=society,
        form_class=SocietyForm,
        decision=permissions.can_edit_society(user, society),
        save=lambda data: services.society_update(society=society, actor=user, data=data),
        template="stations/society_form.html",
        form_kwargs={
            "user": user,
            "city": society.city,
            "is_admin": _is_admin(user, society.city_id),
        },
    )


# --- host units ----------------------------------------------------------------------------


@login_required
def host_unit_list(request):
    queryset = (
        selectors.host_unit_list(request.user)
        .select_related("district__city", "city")
        .annotate(station_count=Count("stations", distinct=True))
    )
    return _list_page(
        request,
        queryset=queryset,
        filterset_class=HostUnitFilter,
        orderings=HOST_UNIT_ORDER,
        default_sort="name",
        template="stations/host_unit_list.html",
        extra={"can_create": permissions.can_create_directory_entry(request.user)[0]},
    )


@login_required
def host_unit_detail(request, pk: int):
    user = request.user
    host_unit = selectors.get_host_unit(user, pk)
    host_unit = HostUnit.objects.select_related("district__city", "city").get(pk=host_unit.pk)
    context = {
        "host_unit": host_unit,
        "credit_flags": host_unit.credit_flags.order_by("-recorded_on"),
        "stations": selectors.station_list(user)
        .filter(host_unit=host_unit)
        .select_related("society")
        .order_by("name"),
        "can_edit": permissions.can_edit_host_unit(user, host_unit)[0],
    }
    return render(request, "stations/host_unit_detail.html", context)


@login_required
def host_unit_create(request):
    user = request.user
    city = None if user.is_platform_admin else user.city

    def save(data):
        if city is not None:
            data["city"] = city
        return services.host_unit_create(actor=user, data=data)

    return _edit_page(
        request,
        obj=HostUnit(city=city) if city else None,
        form_class=HostUnitForm,
        decision=permissions.can_create_directory_entry(user),
        save=save,
        template="stations/host_unit_form.html",
        form_kwargs={"user": user, "city": city, "is_admin": True},
    )


@login_required
def host_unit_edit(request, pk: int):
    user = request.user
    host_unit = selectors.get_host_unit(user, pk)
    return _edit_page(
        request,
        obj=host_unit,
        form_class=HostUnitForm,
        decision=permissions.can_edit_host_unit(user, host_unit),
        save=lambda data: services.host_unit_update(host_unit=host_unit, actor=user, data=data),
        template="stations/host_unit_form.html",
        form_kwargs={
            "user": user,
            "city": host_unit.city,
            "is_admin": _is_admin(user, host_unit.city_id),
        },
    )


# --- experts -------------------------------------------------------------------------------


@login_required
def expert_list(request):
    queryset = (
        selectors.expert_list(request.user)
        .select_related("society", "city")
        .annotate(
            active_stations=Count(
                "memberships", filter=Q(memberships__left_on__isnull=True), distinct=True
            )
        )
    )
    return _list_page(
        request,
        queryset=queryset,
        filterset_class=ExpertFilter,
        orderings=EXPERT_ORDER,
        default_sort="name",
        template="stations/expert_list.html",
        extra={"can_create": permissions.can_create_directory_entry(request.user)[0]},
    )


@login_required
def expert_detail(request, pk: int):
    user = request.user
    expert = selectors.get_expert(user, pk)
    expert = Expert.objects.select_related("society", "city").get(pk=expert.pk)
    visible_stations = selectors.station_list(user).values("pk")
    context = {
        "expert": expert,
        "memberships": expert.memberships.filter(station__in=visible_stations)
        .select_related("station")
        .order_by("-joined_on"),
        "credit_flags": expert.credit_flags.order_by("-recorded_on"),
        "can_edit": permissions.can_edit_expert(user, expert)[0],
    }
    return render(request, "stations/expert_detail.html", context)


@login_required
def expert_create(request):
    user = request.user
    city = None if user.is_platform_admin else user.city

    def save(data):
        if city is not None:
            data["city"] = city
        return services.expert_create(actor=user, data=data)

    return _edit_page(
        request,
        obj=Expert(city=city) if city else None,
        form_class=ExpertForm,
        decision=permissions.can_create_directory_entry(user),
        save=save,
        template="stations/expert_form.html",
        form_kwargs={"user": user, "city": city, "is_admin": True},
    )


@login_required
def expert_edit(request, pk: int):
    user = request.user
    expert = selectors.get_expert(user, pk)
    return _edit_page(
        request,
        obj=expert,
        form_class=ExpertForm,
        decision=permissions.can_edit_expert(user, expert),
        save=lambda data: services.expert_update(expert=expert, actor=user, data=data),
        template="stations/expert_form.html",
        form_kwargs={"user": user, "city": expert.city, "is_admin": True},
    )
