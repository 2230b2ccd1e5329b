"""The legacy imports' two passes: every row checked in memory first, then written in bulk.

django-import-export turns each row into a model instance (widgets, the file's lookups,
full model validation) but, with `BulkRows`, saves nothing: `save_instance` only plans the
row. What would cost a query per row is done once per file instead — a foreign key already
resolved from the file's lookups is not looked up again, the unique constraints are
compared against the file's own rows and one query per constraint (`unique_problems`), and
a simple check constraint is evaluated in Python. A file with any problem is therefore
refused before anything is written. A clean file is then written by `write`: new rows with
`bulk_create_with_history`, changed rows with `bulk_update_with_history`, in batches of
`BATCH` (one history row per object, as a save() records it, with the importing user), and
one audit entry for the file as before (`<model>.imported` with the totals).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q

BATCH = 1000  # rows one INSERT/UPDATE statement writes, and a step of the progress
IN_CHUNK = 2000  # values one `IN (…)` lookup carries (below every backend's parameter limit)


@dataclass
class Planned:
    number: int  # import-export's row number (data rows from 1)
    instance: models.Model
    new: bool


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def resolved_relations(instance: models.Model) -> set[str]:
    """Foreign keys whose object the row already holds (found in the file's lookups, or
    planned with it): Django's full_clean would query each one again to see it exists."""
    names = set()
    for f in instance._meta.concrete_fields:
        if f.many_to_one and f.is_cached(instance) and f.get_cached_value(instance) is not None:
            names.add(f.name)
    return names


# --- check constraints in Python ------------------------------------------------------------

_LOOKUPS: dict[str, Callable] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _holds(condition: Q, instance: models.Model) -> bool | None:
    """Whether a check constraint's condition holds for the instance; None when it cannot be
    told in Python (expressions, joins, other lookups, NULLs): the database is asked then."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            result = _holds(child, instance)
        else:
            name, value = child
            field_name, _sep, lookup = name.partition("__")
            lookup = lookup or "exact"
            if hasattr(value, "resolve_expression"):
                return None
            try:
                field = instance._meta.get_field(field_name)
            except FieldDoesNotExist:
                return None
            current = getattr(instance, field.attname, None)
            if lookup == "isnull":
                result = (current is None) == bool(value)
            elif lookup in _LOOKUPS and current is not None and value is not None:
                try:
                    result = _LOOKUPS[lookup](current, value)
                except TypeError:
                    return None
            else:
                return None
        if result is None:
            return None
        results.append(result)
    combined = all(results) if condition.connector == Q.AND else any(results)
    return not combined if condition.negated else combined


def check_constraint_errors(instance: models.Model, exclude: set[str]) -> dict:
    """The model's check constraints (Model.validate_constraints without a query per row)."""
    errors: dict = {}
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            verdict = _holds(constraint.condition, instance)
            if verdict is None:
                try:
                    constraint.validate(model, instance, exclude=exclude)
                except ValidationError as exc:
                    errors = exc.update_error_dict(errors)
            elif not verdict:
                error = ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
                errors = error.update_error_dict(errors)
    return errors


# --- unique constraints against the file and the database -----------------------------------


def unique_groups(model) -> list[tuple[str, ...]]:
    """Field sets that must be unique on every row (unique fields, unique_together,
    unconditional UniqueConstraints over fields)."""
    groups = [
        (f.name,) for f in model._meta.local_concrete_fields if f.unique and not f.primary_key
    ]
    groups += [tuple(g) for g in model._meta.unique_together]
    groups += [tuple(c.fields) for c in model._meta.total_unique_constraints if c.fields]
    return list(dict.fromkeys(groups))


def unique_problems(model, planned: list[Planned]) -> list[tuple[Planned, ValidationError]]:
    """Rows that would break a unique constraint: against an earlier row of the file, or a
    row of the database (other than the one the row updates). One query per constraint."""
    found: list[tuple[Planned, ValidationError]] = []
    for group in unique_groups(model):
        attnames = [model._meta.get_field(name).attname for name in group]
        keyed = []
        for p in planned:
            key = tuple(getattr(p.instance, a) for a in attnames)
            if any(v is None for v in key):  # NULL is distinct from NULL in SQL
                continue
            keyed.append((key, p))
        if not keyed:
            continue
        # Ask the database by the column with the fewest distinct values (the city, the grant).
        column = min(range(len(attnames)), key=lambda i: len({k[i] for k, _p in keyed}))
        values = sorted({k[column] for k, _p in keyed}, key=str)
        existing: dict[tuple, object] = {}
        for chunk in _chunks(values, IN_CHUNK):
            rows = model._default_manager.filter(**{f"{attnames[column]}__in": chunk})
            for pk, *key in rows.values_list("pk", *attnames):
                existing[tuple(key)] = pk
        first: dict[tuple, Planned] = {}
        for key, p in keyed:
            other = existing.get(key)
            if key in first or (other is not None and other != p.instance.pk):
                error = p.instance.unique_error_message(model, group)
                field = group[0] if len(group) == 1 else NON_FIELD_ERRORS
                found.append((p, ValidationError({field: [error]})))
            first.setdefault(key, p)
    return found


# --- the resource mixin ---------------------------------------------------------------------


def _values(instance: models.Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def update_fields(model) -> list[str]:
    """What a save() of a loaded row writes: every concrete field but the key and the
    creation time (bulk_update does not run pre_save: auto_now fields are set by `write`)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now_add", False)
    ]


class BulkRows:
    """Resource mixin (first in the bases; Meta: use_bulk and skip_diff True, batch_size None):
    rows are planned, never saved, by import_data; `planned_problems` and `write` do the rest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.planned: list[Planned] = []

    # skip_unchanged without import-export's diff (Meta.skip_diff = True): the diff deep-copies
    # every row's instance, related objects included, and renders each field twice.
    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        if not new:
            instance._import_loaded = _values(instance)
        return instance, new

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing row whose fields are all as loaded is skipped (skip_unchanged)."""
        loaded = getattr(instance, "_import_loaded", None)
        if not self._meta.skip_unchanged or import_validation_errors or loaded is None:
            return False
        return _values(instance) == loaded

    # import-export's save hooks: plan the row, write nothing.
    def save_instance(self, instance, is_create, row, **kwargs):
        self.before_save_instance(instance, row, **kwargs)
        self.planned.append(Planned(kwargs.get("row_number", 0), instance, is_create))
        self.after_save_instance(instance, row, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        """Nothing was saved: the audit entry is `write`'s (and no sequence needs a reset)."""

    def bulk_create(self, *args, **kwargs):
        """Nothing is written while the file is read (see `write`)."""

    def bulk_update(self, *args, **kwargs):
        """Nothing is written while the file is read (see `write`)."""

    def bulk_delete(self, *args, **kwargs):
        """The imports never delete."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean without its per-row queries: resolved foreign keys are not fetched
        again, unique constraints wait for the whole file (`planned_problems`), simple
        check constraints are evaluated in Python."""
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            exclude = set(errors) | resolved_relations(instance)
            try:
                instance.full_clean(
                    exclude=exclude, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            for name, messages in check_constraint_errors(instance, set(errors)).items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def planned_problems(self) -> list[tuple[int, dict]]:
        """(row number, error dict) for the planned rows the whole file's checks refuse."""
        if not self._meta.clean_model_instances:
            return []
        model = self._meta.model
        return [(p.number, error.error_dict) for p, error in unique_problems(model, self.planned)]

    def before_write(self, *, user) -> None:
        """Save what the planned rows point to and is not saved yet (evaluation rounds)."""

    def after_write(self, *, user) -> None:
        """Bring what the written rows add up to up to date (a grant's running sums)."""

    def write(self, *, user, totals: dict, progress: Callable[[int], None] | None = None) -> int:
        """Write the planned rows in batches with their history; audit the file once.
        `progress(n)` is told how many rows have been written after each batch."""
        from django.utils import timezone

        from accounts.services import audit

        model = self._meta.model
        self.before_write(user=user)
        history = _has_history(model)
        done = 0
        new = [p.instance for p in self.planned if p.new]
        for batch in _chunks(new, BATCH):
            if history:
                from simple_history.utils import bulk_create_with_history

                bulk_create_with_history(batch, model, batch_size=BATCH, default_user=user)
            else:
                model._default_manager.bulk_create(batch, batch_size=BATCH)
            done += len(batch)
            if progress is not None:
                progress(done)
        changed = [p.instance for p in self.planned if not p.new]
        fields = update_fields(model)
        touched = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        now = timezone.now()
        for batch in _chunks(changed, BATCH):
            for obj in batch:
                for f in touched:
                    setattr(obj, f.attname, now)
            if history:
                from simple_history.utils import bulk_update_with_history

                bulk_update_with_history(batch, model, fields, batch_size=BATCH, default_user=user)
            else:
                model._default_manager.bulk_update(batch, fields, batch_size=BATCH)
            done += len(batch)
            if progress is not None:
                progress(done)
        self.after_write(user=user)
        # As stations.resources.CityScopedResource.after_import audits a real import.
        audit(
            event=f"{model._meta.model_name}.imported",
            user=user,
            detail={"totals": dict(totals)},
        )
        return done
