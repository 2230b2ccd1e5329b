"""Demo data for the five cities and one demo login per role per city: `demo_load`.

The data lives in ``fixtures/demo/<city>.json`` (see ``fixtures/demo/README.md``); the demo
app turns it into rows: the clock that places the story in time (clock.py), the directory
(directory.py), generated activity (activity.py), the logins (logins.py) and the workflow
objects written through the apps' services (workflows.py). Every write is keyed by a natural key, so loading twice changes nothing:
societies and stations by city + name, host units by city + credit code, experts by
city + name + employer, users by username, activity records by station + kind + date + title.
A row is saved only when a value differs, so simple-history gains no rows on a re-run.

Activity records are not in the fixtures: ``activity_plan`` generates them from a fixed seed
per station, so every machine gets the same numbers.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from stations.models import City, District, Station
from stations.reference import ensure_reference_cities

from .activity import _load_activity
from .clock import DemoClock, _clock, loaded_shift
from .common import CITY_CODES, DEMO_PASSWORD, DemoResult, load_fixture
from .directory import (
    _load_credit_flags,
    _load_experts,
    _load_host_units,
    _load_societies,
    _load_station,
)
from .logins import _ensure_platform_logins, _load_logins
from .workflows import load_workflows  # calls, applications, grants, demands

# The policies app's function that creates a city's default policy version, if it has one.
POLICY_HOOK_PER_CITY = "policy_version_ensure_initial"
POLICY_HOOK_NAMES = ("ensure_default_versions", "ensure_default_policy_versions")


# --------------------------------------------------------------------------- policies


def _ensure_policy_versions(cities: Iterable[City]) -> str:
    """HOOK: let the policies app create each city's default policy version.

    The policies app is built separately: use its per-city function when present, else a
    no-argument one by any of POLICY_HOOK_NAMES; without either the demo loads anyway.
    """
    if importlib.util.find_spec("policies.services") is None:
        return "未找到 policies.services，跳过默认政策版本"
    services = importlib.import_module("policies.services")
    per_city = getattr(services, POLICY_HOOK_PER_CITY, None)
    if callable(per_city):
        names = [city.name for city in cities if per_city(city=city)]
        return f"已确认默认政策版本（policies.services.{POLICY_HOOK_PER_CITY}）：{'、'.join(names)}"
    for name in POLICY_HOOK_NAMES:
        hook = getattr(services, name, None)
        if callable(hook):
            hook()
            return f"已调用 policies.services.{name}()"
    return "policies.services 未提供默认政策版本函数，跳过"


# --------------------------------------------------------------------------- entry point


@transaction.atomic
def demo_load(
    *,
    cities: Sequence[str] = CITY_CODES,
    fixture_dir: Path | None = None,
) -> DemoResult:
    """Load the demo data of the given cities and their logins; repeatable without duplicates.

    The local date of the load places the demo in time (DemoClock): the services it drives
    check their dates against the same clock, so tests move the clock (time-machine).
    """
    today = timezone.localdate()
    result = DemoResult(today=today)
    # One hash for the one shared demo password: hashing it per user would cost seconds.
    password_hash = make_password(DEMO_PASSWORD)
    ensure_reference_cities(City, District)
    result.policy_hook = _ensure_policy_versions(City.objects.filter(code__in=cities))
    for code in cities:
        raw = load_fixture(code, fixture_dir)
        clock = DemoClock.on(today, shift=loaded_shift(code, raw))
        result.clocks[code] = clock
        token = _clock.set(clock)
        try:
            _load_city(clock.fixture(raw), result, password_hash)
        finally:
            _clock.reset(token)
    _ensure_platform_logins(result, password_hash)
    load_workflows(cities, result, password=DEMO_PASSWORD)
    return result


def _load_city(data: dict[str, Any], result: DemoResult, password_hash: str) -> None:
    """Master data, activity and logins of one city (the clock of its load is set)."""
    city = City.objects.get(code=data["city"])
    districts = {d.name: d for d in city.districts.all()}
    societies = _load_societies(city, data, result)
    hosts = _load_host_units(city, data, districts, result)
    experts = _load_experts(city, data, societies, result)
    _load_credit_flags(data, societies, hosts, experts, result)
    stations: dict[str, Station] = {}
    for spec in data["stations"]:
        station = _load_station(
            city,
            spec,
            districts=districts,
            societies=societies,
            hosts=hosts,
            experts=experts,
            result=result,
        )
        _load_activity(city, station, spec, result)
        stations[spec["name"]] = station
    _load_logins(
        city,
        data,
        districts=districts,
        societies=societies,
        hosts=hosts,
        experts=experts,
        stations=stations,
        result=result,
        password_hash=password_hash,
    )
