"""Plain facts the eligibility rules and assessments read; built by policies.selectors.

No ORM here: tests build these directly, the selectors build them from model rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Attachment kinds the rules look for (applications store attachments with these kinds).
COUNTY_CAST_CONFIRMATION = "county_cast_confirmation"  # 县区科协盖章确认
AGREEMENT = "agreement"  # 合作/建站协议
FUNCTION_PROOF = "function_proof"  # 承接职能证明（委托书、会议决议、任务书）


@dataclass(frozen=True)
class SocietyFacts:
    name: str
    level: str  # national / provincial / city
    branch_kind: str = ""  # "" / branch / committee
    parent_name: str = ""
    parent_level: str = ""
    discipline: str = ""
    rating: str = ""  # "" / 1A … 5A
    inspections: dict[int, str] = field(default_factory=dict)  # year -> passed/basic/failed
    credit_flags: tuple[str, ...] = ()  # active flags: dishonest / organized_crime
    id: int | None = None

    @property
    def is_branch(self) -> bool:
        return bool(self.branch_kind)

    @property
    def rating_stars(self) -> int:
        return int(self.rating[0]) if self.rating else 0


@dataclass(frozen=True)
class HostUnitFacts:
    name: str
    nature: str  # stations.choices.HostNature value
    registered_city: str = ""
    is_legal_person: bool = True
    has_own_cast: bool = False
    has_expert_workstation: bool = False
    district: str = ""
    credit_flags: tuple[str, ...] = ()  # against the unit itself
    legal_rep_credit_flags: tuple[str, ...] = ()  # against its legal representative
    id: int | None = None


@dataclass(frozen=True)
class ExpertFacts:
    name: str
    province: str = ""
    credit_flags: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class PenaltyFacts:
    """A sanction recorded against the applicant (e.g. 杭州 附件第十三条)."""

    date: dt.date
    kind: str = "ban"  # ban / stop_payment / revoke
    note: str = ""


@dataclass(frozen=True)
class EligibilityFacts:
    """Everything a city's eligibility rules may look at for one application."""

    city: str
    program: str
    level: str
    society: SocietyFacts
    host_unit: HostUnitFacts | None = None
    experts: tuple[ExpertFacts, ...] = ()
    staff_count: int = 0
    head_name: str = ""
    discipline: str = ""
    agreement_signed_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    # Other stations in the same city (not counting this one).
    same_discipline_stations: int = 0
    same_society_stations: int = 0
    previously_key_supported: bool = False
    station_filed: bool = True
    penalties: tuple[PenaltyFacts, ...] = ()
    attachments: frozenset[str] = frozenset()
    application_date: dt.date | None = None
    # The submission round the application belongs to (the call's year); None = the year
    # of application_date.
    round_year: int | None = None
    # Lianyungang demonstration society: same-year station/function project approved;
    # None = not known to the platform (a warning, not a block).
    has_same_year_station_or_project: bool | None = None
    # Hangzhou: the society's activities overlap an already funded project (不重复资助).
    overlaps_funded_activity: bool = False
    # The funded projects of the same society whose period overlaps this application's
    # (bases, stations, topics, 海智 activities): shown so the reviewer can judge 包含关系.
    funded_activities: tuple[str, ...] = ()
    # The 县（市）区 the applicant names the station after (沈阳 三(二) naming rule).
    district_name: str = ""
    # 益阳 第八条(一): the path the applicant chose ("county" / "city"; "" = not chosen)
    # and the county talent office's opinion entered from the 申报书.
    apply_via: str = ""
    county_talent_opinion: str = ""

    @property
    def agreement_years(self) -> float | None:
        if not (self.term_start and self.term_end):
            return None
        return ((self.term_end - self.term_start).days + 1) / 365.25


@dataclass(frozen=True)
class ActivitySummary:
    """One station's recorded activity in one assessment year (益阳 第十二条)."""

    year: int
    term_year: int = 1  # 1 = first year of the term, 2 = term-end year
    expert_days_by_quarter: tuple[int, int, int, int] = (0, 0, 0, 0)
    surveys: int = 0
    survey_results: int = 0
    training_trainees: tuple[int, ...] = ()  # trainees of each training held
    breakthroughs: int = 0
    problems_solved: int = 0
    achievements_transferred: int = 0
    agreement_progress_percent: int = 0  # cumulative completion of the agreement
    # 贵阳 三(三)7 yearly minimums: technical demands served (activity records and network
    # demands taken on), the experts on the team in the year and those from outside Guizhou.
    level: str = ""
    demands_served: int = 0
    experts: int = 0
    outside_experts: int = 0

    @property
    def expert_days(self) -> int:
        return sum(self.expert_days_by_quarter)
