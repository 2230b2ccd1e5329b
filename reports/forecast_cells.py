"""The budget forecast's data, no computation: the plain facts reports.forecast_selectors
builds from model rows (GrantFacts, ApplicationFacts, QuotaUse, Portfolio), a grant's money
per year (YearMoney, Projection), new cohorts, the forecast's cells and table (ForecastCell,
Forecast), and a parameter change's impact (Difference, QuotaEffect, YearDelta, Impact).
reports.forecast computes them and still exports every name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policies.api import GRADE_LABELS, STATUS_LABELS

SCENARIOS = ("low", "expected", "high")
SCENARIO_LABELS = {"low": "低", "expected": "预期", "high": "高"}


# -- facts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class GrantFacts:
    """One grant as the forecast sees it (built by forecast_selectors.portfolio)."""

    id: int
    station_id: int
    station: str
    program: str
    level: str
    start_year: int
    amount_entered: int | None
    status: str = "active"
    frozen: bool = False
    # Confirmed assessments: (year, score, grade as decided).
    evaluations: tuple[tuple[int, float, str], ...] = ()
    # The stored schedule: year -> money the engine scheduled when it was last applied.
    scheduled: Mapping[int, int] = field(default_factory=dict)
    paid_years: frozenset[int] = frozenset()
    withdrawn_years: frozenset[int] = frozenset()
    support_dues: tuple[tuple[int, int], ...] = ()  # unpaid discretionary awards
    outstanding_recovery: int = 0  # demanded, not yet repaid

    @property
    def decided_through(self) -> int:
        """The last year whose assessment is decided (start_year − 1 if none)."""
        return max((y for y, _s, _g in self.evaluations), default=self.start_year - 1)

    @property
    def last_score(self) -> float | None:
        return self.evaluations[-1][1] if self.evaluations else None


@dataclass(frozen=True)
class ApplicationFacts:
    """An open application (submitted, not decided): a grant that may start in `year`."""

    id: int
    title: str
    program: str
    level: str
    year: int
    amount: int | None
    stage: str = ""


@dataclass(frozen=True)
class QuotaUse:
    """How much of a program's quota this year's calls have used (approved at quota stage)."""

    program: str
    approved: int
    open: int


@dataclass(frozen=True)
class Portfolio:
    city: str  # policy code
    grants: tuple[GrantFacts, ...] = ()
    applications: tuple[ApplicationFacts, ...] = ()
    quota_use: tuple[QuotaUse, ...] = ()
    # program -> the latest start year of its grants (anchors rounds held every N years).
    last_round: Mapping[str, int] = field(default_factory=dict)


# -- one grant -----------------------------------------------------------------------------
@dataclass(frozen=True)
class YearMoney:
    year: int
    paid: int = 0
    recovered: int = 0
    certain: bool = False
    grade: str | None = None
    status: str = ""


@dataclass(frozen=True)
class Projection:
    """One grant's (or application's) money per budget year under one parameter set."""

    years: Mapping[int, YearMoney]
    next_grade: str | None = None  # grade of the next assessment in this scenario
    final_status: str = ""
    error: str = ""

    def paid(self, year: int) -> int:
        row = self.years.get(year)
        return row.paid if row else 0

    def recovered(self, year: int) -> int:
        row = self.years.get(year)
        return row.recovered if row else 0

    def next_payment(self) -> tuple[int, int] | None:
        for year in sorted(self.years):
            if self.years[year].paid:
                return year, self.years[year].paid
        return None


# -- new programs (quota × amount) ---------------------------------------------------------
@dataclass(frozen=True)
class NewCohort:
    program: str
    level: str
    count: int
    amounts: Mapping[str, int]  # scenario -> amount per grant
    round_years: tuple[int, ...]


# -- the forecast --------------------------------------------------------------------------
@dataclass
class ForecastCell:
    program: str
    label: str
    year: int
    certain: int = 0
    conditional: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    new: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    income: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    grants: int = 0  # grants contributing money this year (expected)

    def total(self, scenario: str) -> int:
        return self.certain + self.conditional[scenario] + self.new[scenario]

    @property
    def low(self) -> int:
        return self.total("low")

    @property
    def expected(self) -> int:
        return self.total("expected")

    @property
    def high(self) -> int:
        return self.total("high")

    def net(self, scenario: str = "expected") -> int:
        return self.total(scenario) - self.income[scenario]

    def add(self, other: ForecastCell) -> None:
        self.certain += other.certain
        self.grants += other.grants
        for s in SCENARIOS:
            self.conditional[s] += other.conditional[s]
            self.new[s] += other.new[s]
            self.income[s] += other.income[s]

    def as_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "year": self.year,
            "certain": self.certain,
            "conditional": dict(self.conditional),
            "new": dict(self.new),
            "income": dict(self.income),
            "low": self.low,
            "expected": self.expected,
            "high": self.high,
        }


@dataclass
class Forecast:
    city: str
    years: tuple[int, ...]
    cells: dict[tuple[str, int], ForecastCell]
    program_order: list[str]
    labels: dict[str, str]
    # Per grant / application projections of the expected scenario (for the impact).
    grant_projections: dict[int, Projection] = field(default_factory=dict)
    application_projections: dict[int, Projection] = field(default_factory=dict)
    cohorts: list[NewCohort] = field(default_factory=list)
    version: int = 0  # the PolicyVersion number whose parameters were used

    def cell(self, program: str, year: int) -> ForecastCell:
        return self.cells[(program, year)]

    def program_rows(self) -> list[tuple[str, str, list[ForecastCell]]]:
        return [
            (p, self.labels[p], [self.cells[(p, y)] for y in self.years])
            for p in self.program_order
        ]

    def year_total(self, year: int) -> ForecastCell:
        total = ForecastCell("", "合计", year)
        for program in self.program_order:
            total.add(self.cells[(program, year)])
        return total

    def year_totals(self) -> list[ForecastCell]:
        return [self.year_total(y) for y in self.years]

    def grand_total(self) -> ForecastCell:
        total = ForecastCell("", "合计", 0)
        for cell in self.year_totals():
            total.add(cell)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "years": list(self.years),
            "programs": [
                {"program": p, "label": label, "years": [c.as_dict() for c in cells]}
                for p, label, cells in self.program_rows()
            ],
            "totals": [c.as_dict() for c in self.year_totals()],
        }


# -- the impact of a parameter change ------------------------------------------------------
@dataclass
class Difference:
    kind: str  # grant / application
    id: int
    station_id: int
    name: str
    program: str
    label: str
    before: dict[int, int]
    after: dict[int, int]
    next_before: tuple[int, int] | None
    next_after: tuple[int, int] | None
    grade_before: str | None
    grade_after: str | None
    status_before: str
    status_after: str
    error: str = ""

    @property
    def delta(self) -> dict[int, int]:
        return {y: self.after.get(y, 0) - self.before.get(y, 0) for y in sorted(self.before)}

    @property
    def total_delta(self) -> int:
        return sum(self.delta.values())

    @property
    def year_rows(self) -> list[tuple[int, int, int, int]]:
        """(year, before, after, change) for templates."""
        return [(y, self.before.get(y, 0), self.after.get(y, 0), d) for y, d in self.delta.items()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "station_id": self.station_id,
            "name": self.name,
            "program": self.program,
            "before": {str(y): v for y, v in self.before.items()},
            "after": {str(y): v for y, v in self.after.items()},
            "delta": {str(y): v for y, v in self.delta.items()},
            "next_payment_before": list(self.next_before) if self.next_before else None,
            "next_payment_after": list(self.next_after) if self.next_after else None,
            "grade_before": self.grade_before,
            "grade_after": self.grade_after,
            "status_before": self.status_before,
            "status_after": self.status_after,
            "error": self.error,
        }

    @property
    def grade_labels(self) -> tuple[str, str]:
        return (
            GRADE_LABELS.get(self.grade_before or "", "—"),
            GRADE_LABELS.get(self.grade_after or "", "—"),
        )

    @property
    def status_labels(self) -> tuple[str, str]:
        return (
            STATUS_LABELS.get(self.status_before, self.status_before or "—"),
            STATUS_LABELS.get(self.status_after, self.status_after or "—"),
        )


@dataclass
class QuotaEffect:
    program: str
    label: str
    before: int
    after: int
    approved: int
    open: int

    @property
    def over_after(self) -> int:
        """Approvals this year already beyond the proposed quota."""
        return max(self.approved - self.after, 0)

    @property
    def remaining_before(self) -> int:
        return max(self.before - self.approved, 0)

    @property
    def remaining_after(self) -> int:
        return max(self.after - self.approved, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "before": self.before,
            "after": self.after,
            "approved": self.approved,
            "open": self.open,
            "remaining_before": self.remaining_before,
            "remaining_after": self.remaining_after,
            "over_after": self.over_after,
        }


@dataclass
class YearDelta:
    year: int
    grants: int = 0
    applications: int = 0
    new: int = 0

    @property
    def total(self) -> int:
        return self.grants + self.applications + self.new

    def as_dict(self) -> dict[str, int]:
        return {
            "year": self.year,
            "grants": self.grants,
            "applications": self.applications,
            "new": self.new,
            "total": self.total,
        }


@dataclass
class Impact:
    city: str
    years: tuple[int, ...]
    changed: dict[str, dict[str, Any]]
    differences: list[Difference]
    totals: list[YearDelta]
    quotas: list[QuotaEffect]
    before: Forecast
    after: Forecast
    grants_checked: int = 0
    applications_checked: int = 0
    base_version: int = 0  # the version the proposal is compared with

    @property
    def total_delta(self) -> int:
        return sum(t.total for t in self.totals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "base_version": self.base_version,
            "years": list(self.years),
            "changed": self.changed,
            "grants_checked": self.grants_checked,
            "applications_checked": self.applications_checked,
            "totals": [t.as_dict() for t in self.totals],
            "total_delta": self.total_delta,
            "quotas": [q.as_dict() for q in self.quotas],
            "affected": [d.as_dict() for d in self.differences],
            "expected_before": [c.as_dict() for c in self.before.year_totals()],
            "expected_after": [c.as_dict() for c in self.after.year_totals()],
        }
