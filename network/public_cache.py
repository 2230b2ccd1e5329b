"""Invalidation of the public directory's cache (network.selectors.cached_public).

A generation number lives in the shared cache; any save or delete of what the directory
shows bumps it, so every cached page is abandoned at once (and expires on its own).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "public-dir:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def bump(**_kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): start a new generation
        cache.set(GENERATION_KEY, generation() + 1, None)


def connect() -> None:
    from stations.models import City, District, Expert, HostUnit, Society, Station, StationExpert

    # District too: the list pages' cached dropdowns (accounts.querycache) share this number.
    for model in (City, District, Station, Society, HostUnit, Expert, StationExpert):
        uid = f"public-dir-{model._meta.label_lower}"
        post_save.connect(bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump, sender=model, dispatch_uid=uid + "-delete")
