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


# --- outcome wording ---


@dataclasses.dataclass(frozen=True)
class OutcomeWording:
    """The words for a program's positive end (Program.outcome), in one place.

    `done` heads the application page's result block, `number` labels its number (the 文号
    the platform assigns), `document` names the official document a page links to and
    `heading` is that document's title on paper.
    """

    verb: str
    done: str
    number: str
    date: str
    document: str
    heading: str


OUTCOME_WORDING = {
    "certify": OutcomeWording(
        verb="认定授牌",
        done="已认定授牌",
        number="证书编号",
        date="认定日期",
        document="证书及牌匾文字",
        heading="证　书",
    ),
    "approve_project": OutcomeWording(
        verb="立项",
        done="已立项",
        number="立项编号",
        date="立项日期",
        document="立项通知",
        heading="立项通知",
    ),
    "award": OutcomeWording(
        verb="表彰",
        done="已表彰",
        number="表彰文号",
        date="表彰日期",
        document="表彰证书",
        heading="表彰证书",
    ),
}


def outcome_wording(policy_code: str, program_code: str) -> OutcomeWording:
    """Return the wording of `program_code`'s outcome in the city; a program the policy does
    not declare (an imported code) reads as a certified station, the platform's default."""
    from .registry import get_policy
    from .types import PolicyError

    try:
        outcome = get_policy(policy_code).program(program_code).outcome
    except (PolicyError, KeyError):  # unknown city or program: the default wording
        outcome = "certify"
    return OUTCOME_WORDING[outcome]


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
    for wording in OUTCOME_WORDING.values():
        found.update(str(v) for v in dataclasses.astuple(wording))
    return found
