"""The demand workflow declared as data: who may move a demand from which status to which.

submitted → accepted (a station is assigned) → in_progress → solved / closed. The city
administrator accepts and assigns (杭州 四(一) matching to experts/stations); the assigned
station's society or host-unit staff record progress and the outcome; the enterprise may
withdraw a demand nobody has accepted yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import DemandStatus as S

CITY_ADMIN = "city_admin"  # the demand city's administrator (or a platform administrator)
STATION = "station"  # staff of the assigned station's society or host unit
ENTERPRISE = "enterprise"  # the enterprise that submitted the demand


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    actors: frozenset[str]
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.SUBMITTED, S.ACCEPTED, frozenset({CITY_ADMIN}), _("受理并分派服务站")),
    Transition(
        S.SUBMITTED, S.CLOSED, frozenset({CITY_ADMIN, ENTERPRISE}), _("关闭（不予受理/撤回）")
    ),
    Transition(S.ACCEPTED, S.IN_PROGRESS, frozenset({STATION}), _("开始服务")),
    Transition(S.ACCEPTED, S.SOLVED, frozenset({STATION}), _("标记为已解决")),
    Transition(S.ACCEPTED, S.CLOSED, frozenset({CITY_ADMIN, STATION}), _("关闭")),
    Transition(S.IN_PROGRESS, S.IN_PROGRESS, frozenset({STATION}), _("记录服务进展")),
    Transition(S.IN_PROGRESS, S.SOLVED, frozenset({STATION}), _("标记为已解决")),
    Transition(S.IN_PROGRESS, S.CLOSED, frozenset({CITY_ADMIN, STATION}), _("关闭")),
)
TERMINAL = frozenset({S.SOLVED, S.CLOSED})


class IllegalDemandTransition(Exception):
    """Raised when a status change is not in TRANSITIONS or the actor may not take it."""


def find(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def exits(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
