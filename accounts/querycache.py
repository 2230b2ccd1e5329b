"""Shared-cache results of the read-mostly queries every list page and the home page repeat.

Twenty people paging a city's station list all ask for the same dropdowns (the city's
districts and societies, the programs in use), the same status counts and the same empty
list of object grants; at province scale those queries and the model instances they build
were a large share of each request. Their results are cached in the shared cache (Redis in
production, so every worker and container sees one copy), keyed by

- the SQL text of the query itself (it already holds the user's scope: city, district,
  society… — two users with the same scope share an entry, two scopes never do), and
- a generation number bumped by every save or delete of the rows involved (the directory
  generation of `network.public_cache` for stations, societies, host units, experts, cities
  and districts; `GRANTS_KEY` for django-guardian object permissions and group membership),

so a change shows at once on every worker; `QUERY_CACHE_SECONDS` bounds what a write that
sends no signal (a bulk import: it calls `network.public_cache.bump()`) could leave stale.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

GRANTS_KEY = "querycache:grants-generation"
# The directory generation: network.public_cache bumps it on every directory write (it owns
# the signals); the key lives here because accounts sits below network and may not import it.
DIRECTORY_KEY = "public-dir:generation"


def _timeout() -> int:
    return int(getattr(settings, "QUERY_CACHE_SECONDS", 300))


def _generation(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, 1, None)
        value = cache.get(key) or 1
    return int(value)


def _through_cache(key: str, build):
    """The cached value under `key`, or `build()`'s, stored for QUERY_CACHE_SECONDS."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, _timeout())
    return value


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not set yet (or evicted): start a new generation
        cache.set(key, _generation(key) + 1, None)


def bump_grants(**_kwargs) -> None:
    _bump(GRANTS_KEY)


def _key(kind: str, queryset: QuerySet, generation) -> str:
    sql, params = queryset.query.sql_with_params()
    text = f"{queryset.db}|{sql}|{params!r}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"querycache:{kind}:{generation}:{digest}"


def _cached(
    kind: str, queryset: QuerySet, build, *, generation_key: str | tuple = "", rows_only=False
):
    """`build()` through the cache. With `rows_only` (a value computed by a named piece of
    code from the rows `queryset` selects: a figure, a rendered fragment), the key is the SQL
    of `queryset.values("pk")`: the same WHERE, ORDER BY and slice — the scope, filters and
    sort — without compiling the joined columns, which cost more than the cache lookup."""
    keys = generation_key or DIRECTORY_KEY
    keys = (keys,) if isinstance(keys, str) else keys
    gen = "-".join(str(_generation(k)) for k in keys)
    try:
        key = _key(kind, queryset.values("pk") if rows_only else queryset, gen)
    except Exception:  # noqa: BLE001 (an empty `pk__in=[]` has no SQL: nothing to cache)
        return build()
    return _through_cache(key, build)


def directory_rows(queryset: QuerySet) -> list:
    """`list(queryset)` of directory rows (stations, societies, …) through the cache."""
    return _cached("rows", queryset, lambda: list(queryset.all()))


def directory_choices(queryset: QuerySet, label, *, label_field: str | None = None) -> list[tuple]:
    """A dropdown's (pk, label) pairs for `queryset` through the cache. With `label_field`
    (a column equal to `label(obj)` for every row) the pairs are read as plain values: a
    city's 400 societies as model instances cost ≈ 2 ms more on every rebuild."""

    def build() -> list[tuple]:
        if label_field:
            return [(pk, str(text)) for pk, text in queryset.values_list("pk", label_field)]
        return [(obj.pk, str(label(obj))) for obj in queryset.all()]

    return _cached("choices", queryset, build)


def directory_count(queryset: QuerySet) -> int:
    return _cached("count", queryset, queryset.count)


def user_grant_ids(user, perm: str, model, build) -> list:
    """The ids `build()` returns for the user's django-guardian grants of `perm` on `model`.

    Keyed by the user, not by the SQL: building guardian's queryset (content type, the user's
    groups, two subqueries) and compiling it cost more CPU than the query itself, on every
    list page. What guardian answers depends only on the user (id, superuser flag), their
    groups and the object permission rows, and any change to the last two bumps GRANTS_KEY.
    """
    gen = _generation(GRANTS_KEY)
    key = (
        f"querycache:user-grants:{gen}:{user.pk}:{int(bool(user.is_superuser))}:"
        f"{model._meta.label_lower}:{perm}"
    )
    return _through_cache(key, build)


def cached_value(name: str, queryset: QuerySet, variant, build, *, generation_key=""):
    """Any picklable value computed from the rows of `queryset` (and `variant`): directory
    rows unless `generation_key` names the generation (or a tuple of generations, any of
    which drops the value) of the rows it reads."""
    kind = "value:" + hashlib.sha256(f"{name}|{variant!r}".encode()).hexdigest()[:24]
    return _cached(kind, queryset, build, generation_key=generation_key, rows_only=True)


def directory_value(name: str, build):
    """A value that depends on no user's scope (e.g. every city's row), by name, dropped by
    the directory generation like the rest."""
    gen = _generation(DIRECTORY_KEY)
    key = f"querycache:directory-value:{gen}:{name}"
    return _through_cache(key, build)


def cached_fragment(name: str, queryset: QuerySet, variant, build) -> str:
    """A rendered template fragment printing only directory rows of `queryset`; `variant`
    holds whatever else the fragment depends on (query string, role, language…)."""
    from django.utils.safestring import mark_safe

    kind = "fragment:" + hashlib.sha256(f"{name}|{variant!r}".encode()).hexdigest()[:24]
    return mark_safe(_cached(kind, queryset, lambda: str(build()), rows_only=True))


def cached_for(name: str, variant, build, generation_keys: tuple[str, ...]):
    """`build()` through the cache under `name` and `variant` (what the value depends on,
    e.g. a person and a day), dropped by any of `generation_keys`."""
    gen = "-".join(str(_generation(k)) for k in generation_keys)
    digest = hashlib.sha256(f"{name}|{variant!r}".encode()).hexdigest()[:32]
    key = f"querycache:for:{name}:{gen}:{digest}"
    return _through_cache(key, build)


def _unread_generation_key(user_id) -> str:
    return f"querycache:unread-generation:{user_id}"


def unread_count(user, build) -> int:
    """The user's unread inbox count (`build()`), cached per user: the bell on every page.

    Any save or delete of one of their notifications bumps their own generation, at once and
    again when the transaction commits (a page counting between the two would otherwise
    keep the count from before the commit)."""
    gen = _generation(_unread_generation_key(user.pk))
    key = f"querycache:unread:{gen}:{user.pk}"
    return _through_cache(key, build)


def bump_now_and_on_commit(key: str) -> None:
    """Bump the generation `key` at once (this transaction's own reads) and again when the
    transaction commits (a read between the two, on another connection, still saw the rows
    from before and may have cached them under the first new generation)."""
    from django.db import transaction

    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def bump_on_write(bump, models, uid: str) -> None:
    """Connect `bump` to every save and delete of each of `models` (dispatch uids from `uid`):
    how each cached read's generation follows the rows it reads."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        label = f"{uid}-{model._meta.label_lower}"
        post_save.connect(bump, sender=model, dispatch_uid=label + "-save")
        post_delete.connect(bump, sender=model, dispatch_uid=label + "-delete")


def bump_unread(sender=None, instance=None, **_kwargs) -> None:
    if instance is None or not instance.recipient_id:
        return
    bump_now_and_on_commit(_unread_generation_key(instance.recipient_id))


def connect() -> None:
    """Bump the grants generation whenever an object permission or a group membership
    changes, and a user's unread generation whenever one of their notifications does."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed
    from guardian.models import GroupObjectPermission, UserObjectPermission

    bump_on_write(bump_grants, (UserObjectPermission, GroupObjectPermission), "querycache-grants")
    m2m_changed.connect(
        bump_grants,
        sender=get_user_model().groups.through,
        dispatch_uid="querycache-grants-user-groups",
    )
    from .models import Notification

    bump_on_write(bump_unread, (Notification,), "querycache-unread")
