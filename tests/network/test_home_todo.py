"""The home to-do of technical demands (home.todo._demands): accept, then answer."""

import pytest
from django.urls import reverse

from home.todo import todo_for
from network import services
from network.choices import DemandStatus

pytestmark = pytest.mark.django_db


def _demand_items(user):
    return [(i.kind, i.title, i.url) for i in todo_for(user) if "技术需求" in i.kind]


def test_a_submitted_demand_waits_for_the_city_then_for_the_station(personas, station, demand):
    url = reverse("network:demand_detail", args=[demand.pk])
    assert _demand_items(personas["admin"]) == [("受理技术需求", demand.title, url)]
    assert _demand_items(personas["hangzhou_admin"]) == []
    assert _demand_items(personas["society"]) == []
    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    assert _demand_items(personas["admin"]) == []
    assert _demand_items(personas["society"]) == [("答复技术需求", demand.title, url)]
    assert _demand_items(personas["host"]) == [("答复技术需求", demand.title, url)]
