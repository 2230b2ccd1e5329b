"""Declarations a city module fills in beside its programs: what funding knows when a grant is
about to be made, the city's dashboard targets and its printable official forms.

Pure data types (no project imports), re-exported by `policies.types`; they live here so that
`types` stays a readable size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class GrantFacts:
    """What the funding app knows when a grant is about to be created (funding builds it).

    `station_programs`: programs the station already holds (or held) a grant under;
    `overlapping`: same-society grants whose years overlap this one and that fund the same
    station or the same activity, each described for the message; `banned_until`: the end
    of a running application ban of the society (a penalty), if any.
    """

    program: str
    level: str
    start_year: int
    society_name: str = ""
    host_has_expert_workstation: bool = False
    station_programs: frozenset[str] = frozenset()
    overlapping: tuple[str, ...] = ()
    banned_until: dt.date | None = None


@dataclass(frozen=True)
class DashboardTarget:
    """A goal the policy sets for the whole city, drawn on the city dashboard.

    `measure` names what reports.dashboards counts: "stations_built" (stations certified and
    not revoked or delisted) or "societies_share" (% of city-level societies with a station).
    """

    measure: Literal["stations_built", "societies_share"]
    label_zh: str
    goal: float
    unit: str
    clause: str


@dataclass(frozen=True)
class PrintableForm:
    """The official 申报书 of a program, printed from an application as the seed form has it.

    The texts are the paper form's own words: printed in Chinese whatever the page's language.
    """

    template: str  # under templates/, e.g. "reports/pdf/application_form_<city>.html"
    title: str
    # Whose name is on the cover: the society's, or the form's `unit_name` (else the host unit).
    applicant: Literal["society", "unit_name"] = "society"
    # □ lists printed from form fields: template variable -> the form field's name.
    choice_boxes: Mapping[str, str] = field(default_factory=dict)
    # □ list of the application's level: (level code, printed label), in the form's order.
    level_boxes: tuple[tuple[str, str], ...] = ()
    instructions: tuple[str, ...] = ()  # 填表说明
    common_terms: tuple[str, ...] = ()  # 共同条款
