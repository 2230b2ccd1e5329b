"""Collect the Chinese labels a city policy declares as data (programs, stages, rubrics...).

Display code shows them through gettext (`gettext(stage.label_zh)`): the Chinese text is the
message id, policies/catalogue.py lists every one for `makemessages`.
"""

from __future__ import annotations

import dataclasses

from . import types


def _walk(value, found: set[str], depth: int = 0) -> None:
    if depth > 8:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name.endswith("_zh") and isinstance(item, str) and item:
                found.add(item)
            else:
                _walk(item, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _walk(item, found, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found, depth + 1)


def declared_labels() -> set[str]:
    """Return every `*_zh` label of every registered policy plus the shared vocabularies."""
    from .registry import all_policies

    found: set[str] = set()
    for policy in all_policies().values():
        for name in dir(policy):
            if name.startswith("_"):
                continue
            try:
                value = getattr(policy, name)
            except Exception:  # noqa: BLE001 - a property needing arguments is not a label
                continue
            if callable(value):
                continue
            if name.endswith("_zh") and isinstance(value, str) and value:
                found.add(value)
            else:
                _walk(value, found)
    for vocabulary in (
        types.LEVEL_LABELS,
        types.GRADE_LABELS,
        types.STATUS_LABELS,
        types.ACTION_LABELS,
        types.EXPENSE_LABELS,
    ):
        found.update(vocabulary.values())
    return found
