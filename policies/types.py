"""The vocabulary every city module declares itself in: plain frozen dataclasses, no ORM.

A city module fills these in (programs, workflows, rubrics, parameters) and subclasses
`CityPolicy` for the few rules that are easier as code than as data (eligibility,
funding schedule). Everything else in the platform reads only this interface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from .facts import ActivitySummary, EligibilityFacts

# Fixed codes shared with other apps and the simulate_policy interface.
LEVELS = ("national", "provincial", "city")
LEVEL_LABELS = {"national": "国家级", "provincial": "省级", "city": "市级"}
GRADES = ("excellent", "good", "qualified", "unqualified")
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "qualified": "合格", "unqualified": "不合格"}
STATUSES = ("active", "suspended", "rectification", "revoked", "delisted", "completed")
STATUS_LABELS = {
    "active": "正常",
    "suspended": "停止资助（保留站点）",
    "rectification": "限期整改",
    "revoked": "取消资格（撤销）",
    "delisted": "摘牌",
    "completed": "支持期满",
}
ACTIONS = ("submit", "approve", "return", "reject")
ACTION_LABELS = {"submit": "提交", "approve": "通过", "return": "退回修改", "reject": "不予通过"}

EXPENSE_LABELS = {
    "expert_travel": "专家差旅费",
    "transport": "交通费",
    "consulting": "咨询费",
    "meeting": "会议费",
    "training": "培训费",
    "venue": "场地租用费",
    "technical_service": "技术服务费",
    "exchange": "科技交流与合作费",
    "books": "书籍资料费",
    "labour": "劳务费",
    "equipment": "设备软件购置费",
    "other": "其他支出",
    "production": "生产经营成本支出",
    "fines": "罚款",
    "donations": "捐款",
    "sponsorship": "赞助",
    "investment": "投资",
    "welfare": "福利性支出",
}

Severity = Literal["block", "warn"]


class PolicyError(ValueError):
    """Invalid input to the engine (unknown code, amount out of range, bad score...)."""


@dataclass(frozen=True)
class Finding:
    """One eligibility result: a blocking or warning reason and the clause it rests on."""

    code: str
    severity: Severity
    message_zh: str
    clause: str

    @property
    def blocks(self) -> bool:
        return self.severity == "block"


@dataclass(frozen=True)
class Program:
    """A fundable or registrable program of one city.

    Amounts: `amounts[level]` is a fixed amount in yuan; `None` means the amount is decided
    case by case (一事一议) and must be entered; a level listed in `amount_ranges` must be
    entered within that inclusive range. Each value is a *parameter key* when it is a str.
    """

    code: str
    label_zh: str
    applicant: Literal["host_unit", "society", "expert"]
    levels: tuple[str, ...]
    # "yearly": paid per supported year; "one_off": paid once; "none": no money (filing).
    payment: Literal["yearly", "one_off", "none"]
    support_years: int | str  # int or parameter key
    amount_param: Mapping[str, str | None] = field(default_factory=dict)  # level -> param key
    range_params: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # level -> keys
    quota_param: str | None = None
    # Levels the quota counts (empty: every level), e.g. Yiyang's ≤5 applies to city level only.
    quota_levels: tuple[str, ...] = ()
    deadline_param: str | None = None  # parameter holding "MM-DD"
    # A selection round every N years (int or parameter key), e.g. Yiyang's 每两年认定一次;
    # the budget forecast counts new quotas only in round years.
    round_every: int | str = 1
    rounds_zh: str = ""
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transition:
    action: str  # one of ACTIONS
    target: str  # stage code
    label_zh: str = ""


@dataclass(frozen=True)
class Stage:
    """One step of a workflow.

    `role` is a value of accounts.roles.Role. `skip_if` names a predicate in the policy's
    `predicates` that, when true for the application's facts, makes the stage optional:
    moving into it goes straight on along its `approve` transition. `notice_workdays_param`
    marks a timed public-notice stage (Interpretation 7). `needs_inspection` marks a stage
    the policy names an on-site inspection (实地考察) for: it cannot be approved before one is
    recorded. `sets_amount` marks the approval where an amount the policy leaves open (a range,
    or 一事一议) is fixed. Terminal stages have no transitions and carry tags (certified,
    filed, rejected, ...).
    """

    code: str
    label_zh: str
    role: str
    transitions: tuple[Transition, ...] = ()
    tags: frozenset[str] = frozenset()
    skip_if: str | None = None
    notice_workdays_param: str | None = None
    needs_expert_score: bool = False
    quota_check: bool = False
    needs_inspection: bool = False
    sets_amount: bool = False
    clause: str = ""

    @property
    def is_terminal(self) -> bool:
        return not self.transitions

    def target_of(self, action: str) -> str | None:
        for transition in self.transitions:
            if transition.action == action:
                return transition.target
        return None

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(t.action for t in self.transitions)


@dataclass(frozen=True)
class Workflow:
    program: str
    stages: tuple[Stage, ...]
    start: str

    def stage(self, code: str) -> Stage:
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise PolicyError(f"流程中没有环节“{code}”")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.stages)


@dataclass(frozen=True)
class Indicator:
    code: str
    label_zh: str
    max_points: int
    clause: str = ""


@dataclass(frozen=True)
class Rubric:
    code: str
    label_zh: str
    indicators: tuple[Indicator, ...]
    clause: str = ""

    @property
    def total(self) -> int:
        return sum(i.max_points for i in self.indicators)


@dataclass(frozen=True)
class ParamSpec:
    """One editable parameter: its label, type and bounds. Defaults live on the policy."""

    key: str
    label_zh: str
    kind: Literal["int", "bool", "month_day"] = "int"
    min_value: int | None = 0
    max_value: int | None = None
    unit: str = ""
    clause: str = ""


@dataclass(frozen=True)
class ExpenseRules:
    allowed: tuple[str, ...]
    forbidden: tuple[str, ...]
    allowed_clause: str
    forbidden_clause: str = ""


@dataclass(frozen=True)
class YearResult:
    year: int
    score: float | int | None
    grade: str | None
    paid: int
    recovered: int
    status: str
    clauses: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "score": self.score,
            "grade": self.grade,
            "paid": self.paid,
            "recovered": self.recovered,
            "status": self.status,
            "clauses": list(self.clauses),
        }


@dataclass(frozen=True)
class FundingResult:
    years: tuple[YearResult, ...]

    @property
    def total_paid(self) -> int:
        return sum(y.paid for y in self.years)

    @property
    def total_recovered(self) -> int:
        return sum(y.recovered for y in self.years)

    @property
    def net(self) -> int:
        return self.total_paid - self.total_recovered

    @property
    def final_status(self) -> str:
        return self.years[-1].status if self.years else "active"


@dataclass(frozen=True)
class QuantItem:
    """One of Yiyang's five quantitative assessment items (益阳 第十二条)."""

    code: str
    label_zh: str
    requirement_zh: str
    passed: bool
    figures: Mapping[str, Any]
    clause: str


Predicate = Callable[["EligibilityFacts"], bool]


class CityPolicy:
    """Base class of a city module's policy. Subclass, fill in the data, override the rules."""

    code: str = ""
    name_zh: str = ""
    province_zh: str = ""
    document_zh: str = ""
    effective_from: dt.date | None = None
    programs: Mapping[str, Program] = {}
    workflows: Mapping[str, Workflow] = {}
    review_rubrics: Mapping[str, Rubric] = {}
    evaluation_rubrics: Mapping[str, Rubric] = {}
    grades: tuple[str, ...] = ("qualified", "unqualified")
    grade_clause: str = ""
    param_specs: tuple[ParamSpec, ...] = ()
    defaults: Mapping[str, Any] = {}
    expenses: ExpenseRules | None = None
    predicates: Mapping[str, Predicate] = {}

    # -- programs and parameters ---------------------------------------------------------
    def program(self, code: str) -> Program:
        try:
            return self.programs[code]
        except KeyError as exc:
            known = "、".join(self.programs)
            raise PolicyError(f"{self.name_zh}没有项目“{code}”（可选：{known}）") from exc

    def params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the defaults updated with a stored version's values."""
        merged = dict(self.defaults)
        if overrides:
            merged.update({k: v for k, v in overrides.items() if k in self.defaults})
        return merged

    def support_years(self, program: Program, params: Mapping[str, Any]) -> int:
        years = program.support_years
        return int(params[years]) if isinstance(years, str) else years

    def round_every_years(self, program: Program, params: Mapping[str, Any]) -> int:
        every = program.round_every
        return max(int(params[every]) if isinstance(every, str) else every, 1)

    # -- grading ---------------------------------------------------------------------------
    def cutoffs(self, params: Mapping[str, Any]) -> list[tuple[str, float]]:
        """Return (grade, minimum score) pairs, best first; the last grade has no minimum."""
        pairs = []
        for grade in self.grades[:-1]:
            pairs.append((grade, params[f"cutoff_{grade}"]))
        return pairs

    def grade(self, score: float, params: Mapping[str, Any]) -> str:
        """Return the grade a score reaches; a score equal to a cut-off reaches it."""
        if score is None or not 0 <= score <= 100:
            raise PolicyError(f"分数须在 0–100 之间：{score}")
        for grade, minimum in self.cutoffs(params):
            if score >= minimum:
                return grade
        return self.grades[-1]

    # -- rules a module overrides ---------------------------------------------------------
    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        return []

    def funding_schedule(
        self,
        *,
        program: str,
        level: str,
        start_year: int,
        amount: int | None,
        evaluations: list[tuple[int, float]],
        params: Mapping[str, Any],
    ) -> FundingResult:
        raise NotImplementedError

    def quantitative_items(
        self, summary: ActivitySummary, params: Mapping[str, Any]
    ) -> list[QuantItem]:
        return []

    def clause(self, ref: str) -> str:
        """Return a clause reference in the platform's form, e.g. `沈阳 三(三)`."""
        return f"{self.name_zh} {ref}"
