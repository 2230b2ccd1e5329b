"""Pages of the directory: societies, host units and experts (list, detail, create,
edit)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render

from .. import permissions, selectors, services
from ..filters import ExpertFilter, HostUnitFilter, SocietyFilter
from ..forms import ExpertForm, HostUnitForm, SocietyForm
from ..models import Expert, HostUnit, Society, SocietyInspection
from ._common import _edit_page, _list_page

# Sortable columns: the only values `?sort=` accepts (a leading "-" reverses the order).
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


def _is_admin(user, city_id) -> bool:
    return permissions.can_create_directory_entry(user)[0] and (
        user.is_platform_admin or user.city_id == city_id
    )


def _create_page(request, *, model, form_class, create, template):
    """A new directory entry: a city user's goes into their own city (never one they type)."""
    user = request.user
    city = None if user.is_platform_admin else user.city

    def save(data):
        if city is not None:
            data["city"] = city
        return create(actor=user, data=data)

    return _edit_page(
        request,
        obj=model(city=city) if city else None,
        form_class=form_class,
        decision=permissions.can_create_directory_entry(user),
        save=save,
        template=template,
        form_kwargs={"user": user, "city": city, "is_admin": True},
    )


def _update_page(request, *, obj, form_class, decision, save, template, is_admin: bool):
    """Edit an entry of the reader's scope; `is_admin` shows the administrator's fields."""
    return _edit_page(
        request,
        obj=obj,
        form_class=form_class,
        decision=decision,
        save=save,
        template=template,
        form_kwargs={"user": request.user, "city": obj.city, "is_admin": is_admin},
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
    return _create_page(
        request,
        model=Society,
        form_class=SocietyForm,
        create=services.society_create,
        template="stations/society_form.html",
    )


@login_required
def society_edit(request, pk: int):
    user = request.user
    society = selectors.get_society(user, pk)
    return _update_page(
        request,
        obj=society,
        form_class=SocietyForm,
        decision=permissions.can_edit_society(user, society),
        save=lambda data: services.society_update(society=society, actor=user, data=data),
        template="stations/society_form.html",
        is_admin=_is_admin(user, society.city_id),
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
    return _create_page(
        request,
        model=HostUnit,
        form_class=HostUnitForm,
        create=services.host_unit_create,
        template="stations/host_unit_form.html",
    )


@login_required
def host_unit_edit(request, pk: int):
    user = request.user
    host_unit = selectors.get_host_unit(user, pk)
    return _update_page(
        request,
        obj=host_unit,
        form_class=HostUnitForm,
        decision=permissions.can_edit_host_unit(user, host_unit),
        save=lambda data: services.host_unit_update(host_unit=host_unit, actor=user, data=data),
        template="stations/host_unit_form.html",
        is_admin=_is_admin(user, host_unit.city_id),
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
    return _create_page(
        request,
        model=Expert,
        form_class=ExpertForm,
        create=services.expert_create,
        template="stations/expert_form.html",
    )


@login_required
def expert_edit(request, pk: int):
    user = request.user
    expert = selectors.get_expert(user, pk)
    return _update_page(
        request,
        obj=expert,
        form_class=ExpertForm,
        decision=permissions.can_edit_expert(user, expert),
        save=lambda data: services.expert_update(expert=expert, actor=user, data=data),
        template="stations/expert_form.html",
        is_admin=True,
    )
