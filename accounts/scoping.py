"""Row-level scoping: the one place that decides which rows a user may see.

Each model registers the paths from itself to its city, district, society, host unit and
(optionally) expert; `scope_queryset` turns a user's role into a filter over those paths.
Expert reviewers and any ad-hoc grants come from django-guardian object permissions.
Every selector of every app calls this, so list and detail views share one rule.

The filters stay index-friendly at province scale: a role's filter is a plain equality on
the model's own columns or a foreign key (so `(city, name)`-style indexes serve ordered,
paged lists); a path through a multi-valued relation (an expert's assignments) becomes a
`pk IN (subquery)` so no list needs `.distinct()`; and guardian object grants are looked up
first and OR-ed in as a short list of ids only when the user has any, instead of OR-ing a
correlated subquery into every city-wide list (which forced a sequential scan).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from .querycache import user_grant_ids
from .roles import CITY_WIDE_ROLES, Role


@dataclass(frozen=True)
class ScopePaths:
    """ORM paths from a model to the objects a role is scoped to; None = role sees none."""

    city: str
    district: str | None = None
    society: str | None = None
    host_unit: str | None = None
    expert: str | None = None
    # Society/expert directories are readable city-wide by county reviewers.
    county_sees_city: bool = False


_REGISTRY: dict[type[Model], ScopePaths] = {}


def register_scope(model: type[Model], paths: ScopePaths) -> None:
    _REGISTRY[model] = paths


def scope_paths(model: type[Model]) -> ScopePaths:
    try:
        return _REGISTRY[model]
    except KeyError as exc:  # a model without a scope must never be listed to users
        raise LookupError(f"{model.__name__} has no registered scope") from exc


def _nothing() -> Q:
    return Q(pk__in=[])


# More object grants than this on one model would make the id list itself the problem;
# past it the grants are OR-ed in as a subquery (correct, only slower).
MAX_LISTED_GRANTS = 500


def _through(model: type[Model] | None, path: str, value) -> Q:
    """Filter on `path`; a path across a to-many relation becomes `pk IN (…)` (no duplicates)."""
    if model is not None and _is_multi_valued(model, path):
        return Q(pk__in=model._default_manager.filter(**{path: value}).values("pk"))
    return Q(**{path: value})


def _is_multi_valued(model: type[Model], path: str) -> bool:
    current = model
    for name in path.split("__"):
        try:
            field = current._meta.get_field(name)
        except Exception:  # noqa: BLE001 (a lookup like __in ends the path)
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return False


def role_filter(user, paths: ScopePaths, model: type[Model] | None = None) -> Q | None:
    """Return the filter for the user's role; None means no restriction (platform admin)."""
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.is_platform_admin:
        return None
    role = user.role
    if not user.city_id:
        return _nothing()
    in_city = Q(**{paths.city: user.city_id})
    if role in CITY_WIDE_ROLES:
        return in_city
    if role == Role.COUNTY_REVIEWER:
        if paths.district:
            return in_city & Q(**{paths.district: user.district_id})
        return in_city if paths.county_sees_city else _nothing()
    if role == Role.SOCIETY_STAFF and paths.society:
        return in_city & Q(**{paths.society: user.society_id})
    if role == Role.HOST_STAFF and paths.host_unit:
        return in_city & Q(**{paths.host_unit: user.host_unit_id})
    if role == Role.EXPERT_REVIEWER and paths.expert:
        return in_city & _through(model, paths.expert, user.expert_id)
    return _nothing()


def scope_queryset(user, queryset: QuerySet, *, perm: str | None = None) -> QuerySet:
    """Filter `queryset` to the rows `user` may see, adding guardian object grants for `perm`."""
    paths = scope_paths(queryset.model)
    condition = role_filter(user, paths, queryset.model)
    if condition is None:
        return queryset
    if perm and user.is_authenticated:
        model = queryset.model

        def granted() -> QuerySet:
            return (
                get_objects_for_user(
                    user, perm, klass=model._default_manager.all(), accept_global_perms=False
                )
                .values_list("pk", flat=True)
                .order_by()
            )

        # Cached per user (accounts.querycache): most users have no grants, and every list
        # asked; read from guardian's tables only on a miss, and guardian's own queryset is
        # used only past the listed maximum.
        ids = user_grant_ids(
            user, perm, model, lambda: granted_pks(user, perm, model, limit=MAX_LISTED_GRANTS + 1)
        )
        if len(ids) > MAX_LISTED_GRANTS:
            condition |= Q(pk__in=granted())
        elif ids:
            condition |= Q(pk__in=ids)
    return queryset.filter(condition)


def granted_pks(user, perm: str, model: type[Model], *, limit: int) -> list:
    """Up to `limit` pks of `model` rows on which `user` holds `perm` as a django-guardian
    object permission, their own or one of their groups' — the rows
    `get_objects_for_user(user, perm, accept_global_perms=False)` selects, read from
    guardian's permission tables alone: guardian's queryset compares a text cast of every pk
    of the model's table with the grants' object keys, a sequential scan of all 20,000
    stations (≈ 3 ms) on every list page whose cached grants had expired. The pks of rows
    deleted since their grant are left in (guardian keeps such grants): OR-ed into a filter
    they match nothing. Superusers see every row before this is asked (`role_filter`). The
    project keeps every grant in guardian's generic tables (it declares no direct foreign-key
    permission models, which have no `object_pk`)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import ValidationError
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    user_perms, group_perms = get_user_obj_perms_model(model), get_group_obj_perms_model(model)
    codename = perm.split(".", 1)[-1]
    of_model = {
        "permission__content_type": ContentType.objects.get_for_model(model),
        "permission__codename": codename,
    }
    keys = (
        user_perms.objects.filter(user=user, **of_model)
        .values_list("object_pk", flat=True)
        .union(
            group_perms.objects.filter(group__in=user.groups.all(), **of_model).values_list(
                "object_pk", flat=True
            )
        )
    )
    to_python, pks = model._meta.pk.to_python, []
    for key in keys[:limit]:
        try:
            pks.append(to_python(key))
        except ValidationError:  # a key that names no row of this model's pk type
            continue
    return sorted(pks)


def get_for_user(user, queryset: QuerySet, *, perm: str | None = None, **lookup) -> Model:
    """Return one visible object; missing and forbidden both raise the same Http404."""
    try:
        return scope_queryset(user, queryset, perm=perm).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        hidden = queryset.filter(**lookup).first()
        if hidden is not None:
            # Answered exactly like a missing row, but the attempt is on record.
            from .models import AuditEvent
            from .services import audit

            audit(
                event="access.denied",
                user=user if user.is_authenticated else None,
                obj=hidden,
                result=AuditEvent.Result.DENIED,
            )
        raise Http404("未找到该记录，或您无权访问。") from exc
