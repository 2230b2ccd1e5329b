"""Reads for the stations app; every query a user sees is scoped here."""

from django.db.models import QuerySet

from accounts.scoping import get_for_user, scope_queryset

from .models import Expert, HostUnit, Society, Station


def station_list(user) -> QuerySet[Station]:
    return scope_queryset(user, Station.objects.all(), perm="stations.view_station")


def get_station(user, pk: int) -> Station:
    return get_for_user(user, Station.objects.all(), perm="stations.view_station", pk=pk)


def society_list(user) -> QuerySet[Society]:
    return scope_queryset(user, Society.objects.all())


def get_society(user, pk: int) -> Society:
    return get_for_user(user, Society.objects.all(), pk=pk)


def host_unit_list(user) -> QuerySet[HostUnit]:
    return scope_queryset(user, HostUnit.objects.all())


def get_host_unit(user, pk: int) -> HostUnit:
    return get_for_user(user, HostUnit.objects.all(), pk=pk)


def expert_list(user) -> QuerySet[Expert]:
    return scope_queryset(user, Expert.objects.all())


def get_expert(user, pk: int) -> Expert:
    return get_for_user(user, Expert.objects.all(), pk=pk)
