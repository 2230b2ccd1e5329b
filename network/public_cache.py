"""Invalidation of the public directory's cache (network.selectors.cached_public).

A generation number lives in the shared cache; any save or delete of what the directory
shows bumps it, so every cached page is abandoned at once (and expires on its own).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.core.cache import cache

from accounts.querycache import DIRECTORY_KEY as GENERATION_KEY
from accounts.querycache import bump_on_write


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


_deferred = threading.local()


@contextmanager
def deferred():
    """Bump once at the end instead of once per saved row (an import saves 10,000 rows:
    two cache round trips each). Nested uses bump once, at the outermost exit."""
    depth = getattr(_deferred, "depth", 0)
    _deferred.depth = depth + 1
    try:
        yield
    finally:
        _deferred.depth = depth
        if depth == 0 and getattr(_deferred, "pending", False):
            _deferred.pending = False
            bump()


def bump(**_kwargs) -> None:
    if getattr(_deferred, "depth", 0):
        _deferred.pending = True
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): start a new generation
        cache.set(GENERATION_KEY, generation() + 1, None)


def connect() -> None:
    from stations.models import City, District, Expert, HostUnit, Society, Station, StationExpert

    # District too: the list pages' cached dropdowns (accounts.querycache) share this number.
    bump_on_write(
        bump, (City, District, Station, Society, HostUnit, Expert, StationExpert), "public-dir"
    )
