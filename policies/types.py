"""The vocabulary every city module declares itself in: plain frozen dataclasses, no ORM.

A city module fills these in (programs, workflows, rubrics, parameters) and subclasses
`CityPolicy` for the few rules that are easier as code than as data (eligibility,
funding schedule). Everything else in the platform reads only this interface.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from .declarations import DashboardTarget, GrantFacts, PrintableForm  # noqa: F401 (re-exported)

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

# Scores carry at most two decimals; more are rounded half up (one rule for the simulator
# and the application: policies.engine.parse_scenario and evaluations' confirmation).
SCORE_QUANTUM = Decimal("0.01")


def quantize_score(value: Any) -> Decimal:
    """Return a score rounded to two decimals, half up (79.995 → 80.00)."""
    return Decimal(str(value)).quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def round_score(value: Any) -> int | float:
    """Return a score as the engine takes it: two decimals half up; whole numbers as int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    rounded = quantize_score(value)
    if rounded == rounded.to_integral_value() and not isinstance(value, float):
        return int(rounded)
    return float(rounded)


def parse_month_day(value: str, year: int) -> dt.date:
    """Return the date of a "MM-DD" parameter in `year` (02-29 falls on 02-28 in other years)."""
    month, day = (int(part) for part in str(value).strip().split("-"))
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return dt.date(year, month, day)


class PolicyError(ValueError):
    """Invalid input to the engine (unknown code, amount out of range, bad score...)."""


# The workflow vocabulary lives in policies/stages.py; imported here so every declaration
# keeps reading one vocabulary module.
from .stages import Stage, Transition, Workflow  # noqa: E402, F401


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
    deadline_clause: str = ""  # the clause that sets the yearly deadline
    # A selection round every N years (int or parameter key), e.g. Yiyang's 每两年认定一次;
    # the budget forecast counts new quotas only in round years.
    round_every: int | str = 1
    rounds_zh: str = ""
    clauses: tuple[str, ...] = ()
    # --- funding: who is paid ---
    # The party whose account receives the grant: the station's host unit or society, the
    # expert of the application (an individual award), or the project's undertaking unit
    # (the application's host unit). funding.models.Grant.payee_party reads it.
    payee: Literal["host_unit", "society", "expert", "undertaking_unit"] = "host_unit"

    # --- applications engine ---
    # The application form (申报书) the program uses: a key of applications.program_forms.FORMS,
    # naming what the form asks for, not the city (the form classes stay in applications/).
    form: str = "generic"
    # The clause that makes a society applying for a new station name its host/demand unit
    # (cited when the form asks for one and none is chosen).
    host_unit_clause: str = ""

    # --- calls: required materials (applications.calls) ---
    # Attachment kinds (applications.models.AttachmentKind values) the policy requires of
    # every application to this program; a call adds to them, never removes one.
    required_attachments: tuple[str, ...] = ()
    materials_clause: str = ""

    # --- outcome wording ---
    # What the positive end of the program is called on pages, notices, messages and the
    # official document: a station is 认定授牌 (certificate number), a research topic or an
    # activity is 立项 (立项编号, a 立项通知), an award is 表彰 (表彰文号, a 表彰证书).
    # policies.labels.OUTCOME_WORDING gives the words of each.
    outcome: Literal["certify", "approve_project", "award"] = "certify"


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


def weight_key(rubric: Rubric, indicator: Indicator) -> str:
    return f"w_{rubric.code}_{indicator.code}"


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
    # Issued documents are numbered <prefix>〔<year>〕<n>号 (e.g. 益科协〔2026〕12号); the
    # prefix is declared per city and may be overridden by settings.DOCUMENT_NUMBER_PREFIXES.
    document_prefix: str = ""
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
    # Programs of which an approval in the application's year is a condition (连云港 四(一)1).
    same_year_programs: tuple[str, ...] = ()
    # Written change requests a station may file (kind -> label), the clause, and which
    # kinds end the station's support when approved (益阳 第十四条, 贵阳 四(三)5, 杭州 附件第九条).
    change_kinds: Mapping[str, str] = {}
    change_clause: str = ""
    change_ends_support: tuple[str, ...] = ()
    change_requesters: tuple[str, ...] = ()  # accounts.roles.Role values
    # --- funding: misuse, penalties and their ban, later-year support, revocation ---
    # The clause a misuse recovery (违规使用 追回) cites; empty: the policy names none, and
    # the administrator must give one.
    misuse_clause: str = ""
    # Penalty measures by severity (measure -> label; "{ban_years}" is filled from the
    # parameter `ban_years_param`) and their clause. Known measures: "stop" (停止拨付),
    # "revoke" (撤销并退回), "ban" (撤销、退回并在若干年内不受理申请). Empty: no penalties.
    penalty_measures: Mapping[str, str] = {}
    penalty_clause: str = ""
    ban_years_param: str = ""
    # Discretionary later-year support for a qualified station (empty: none).
    later_support_clause: str = ""
    # Revocation grounds (code -> label) and their clause; "absent" is also shown on the
    # station page beside the evaluation absences (empty: no revocation decision).
    revocation_reasons: Mapping[str, str] = {}
    revocation_clause: str = ""

    # --- evaluations: assessed years, the self-report, the demand unit, absence ---
    # A grant paid once is still assessed every year of the station's agreement (贵阳 四(三):
    # annual assessment over an agreement of at least two years); elsewhere it carries none.
    assessed_over_agreement: bool = False
    # The self-report form's fields (StationEvaluation field names), in order.
    self_report_fields: tuple[str, ...] = ("summary",)
    # The clause that requires final accounts (经费决算) in the self-report; "" = not required.
    final_accounts_clause: str = ""
    # The clause under which the demand (host) unit evaluates the station instead of
    # reporting on it itself (贵阳 四(三)); "" = no demand-unit evaluation.
    demand_unit_clause: str = ""
    # Cited when a round closes with stations absent: every station must take part.
    absence_clause: str = ""
    # The clause that makes an unexcused absence a ground for revocation; "" = none.
    absence_revocation_clause: str = ""

    @property
    def requires_final_accounts(self) -> bool:
        return bool(self.final_accounts_clause)

    @property
    def has_demand_unit_evaluation(self) -> bool:
        return bool(self.demand_unit_clause)

    def assessed_years(
        self,
        program: Program,
        *,
        start_year: int,
        agreement_end_year: int | None,
        params: Mapping[str, Any],
    ) -> list[int]:
        """Return the years a grant of `program` starting in `start_year` is assessed.

        Yearly support: each supported year. Otherwise, with `assessed_over_agreement`,
        each year of the agreement (at least two); else none (one-off awards and topics).
        """
        if program.payment == "yearly":
            return list(range(start_year, start_year + self.support_years(program, params)))
        if self.assessed_over_agreement:
            end = agreement_end_year if agreement_end_year else start_year + 1
            return list(range(start_year, max(end, start_year + 1) + 1))
        return []

    # --- end evaluations ---

    # --- reports: dashboard targets, printable official forms ---
    # Goals the policy sets for the city (杭州 二: 20 stations, 30 % of city societies).
    dashboard_targets: tuple[DashboardTarget, ...] = ()
    # Programs whose application prints as an official 申报书: program code -> its form.
    printable_forms: Mapping[str, PrintableForm] = {}

    def __init_subclass__(cls, **kwargs):
        """Give every rubric indicator a weight parameter (the policies leave weights open).

        `w_<rubric>_<indicator>` defaults to the declared points; validate_params keeps
        each rubric's weights summing to its declared total (百分制).
        """
        super().__init_subclass__(**kwargs)
        specs = list(cls.__dict__.get("param_specs", cls.param_specs))
        defaults = dict(cls.__dict__.get("defaults", cls.defaults))
        known = {spec.key for spec in specs}
        for rubric in cls.all_rubrics():
            for indicator in rubric.indicators:
                key = weight_key(rubric, indicator)
                if key in known:
                    continue
                specs.append(
                    ParamSpec(
                        key,
                        f"评分权重：{rubric.label_zh}·{indicator.label_zh}",
                        min_value=0,
                        max_value=100,
                        unit="分",
                        clause=indicator.clause or rubric.clause,
                    )
                )
                defaults[key] = indicator.max_points
                known.add(key)
        cls.param_specs = tuple(specs)
        cls.defaults = defaults

    @classmethod
    def all_rubrics(cls) -> list[Rubric]:
        rubrics: dict[str, Rubric] = {}
        for mapping in (cls.review_rubrics, cls.evaluation_rubrics):
            for rubric in mapping.values():
                rubrics.setdefault(rubric.code, rubric)
        return list(rubrics.values())

    def weighted(self, rubric: Rubric, params: Mapping[str, Any] | None) -> Rubric:
        """Return the rubric with each indicator's maximum from the weight parameters."""
        if not params:
            return rubric
        indicators = tuple(
            replace(i, max_points=int(params.get(weight_key(rubric, i), i.max_points)))
            for i in rubric.indicators
        )
        return replace(rubric, indicators=indicators)

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

    # -- submission rounds -------------------------------------------------------------
    def deadline(self, program: str, year: int, params: Mapping[str, Any]) -> dt.date | None:
        """Return the yearly submission deadline of `program` in `year`, or None (no deadline)."""
        prog = self.program(program)
        if not prog.deadline_param:
            return None
        return parse_month_day(params[prog.deadline_param], year)

    def submission_round(
        self, program: str, day: dt.date, params: Mapping[str, Any]
    ) -> tuple[int, dt.date | None]:
        """Return (round year, deadline) of the round that `day` falls in.

        With a yearly deadline the round is the first one whose deadline is on or after
        `day` (after this year's deadline, applications go to next year's round); without
        one it is the calendar year.
        """
        deadline = self.deadline(program, day.year, params)
        if deadline is None:
            return day.year, None
        if day <= deadline:
            return day.year, deadline
        return day.year + 1, self.deadline(program, day.year + 1, params)

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
        """Return the grade a score reaches; a score equal to a cut-off reaches it.

        The score is first rounded by the platform's one rule (two decimals, half up:
        `round_score`), so the simulator and a confirmed assessment grade alike.
        """
        if score is None or isinstance(score, bool) or not 0 <= score <= 100:
            raise PolicyError(f"分数须在 0–100 之间：{score}")
        value = round_score(score)
        for grade, minimum in self.cutoffs(params):
            if value >= minimum:
                return grade
        return self.grades[-1]

    def assessment_params(
        self,
        params: Mapping[str, Any],
        year_params: Mapping[int, Mapping[str, Any]] | None,
        year: int,
    ) -> Mapping[str, Any]:
        """Return the parameters a year's assessment is decided under.

        `params` are the grant's own terms, fixed when it is created (amounts, ranges, the
        support term). A year's grade and its consequence (cut-offs, "two consecutive 合格")
        follow the version in force when that year's assessment was confirmed:
        `year_params[year]` when given, else the grant's terms.
        """
        if year_params and year in year_params:
            return year_params[year]
        return params

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
        year_params: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> FundingResult:
        """Return the per-year money and status; see `assessment_params` for the versions."""
        raise NotImplementedError

    def quantitative_items(
        self, summary: ActivitySummary, params: Mapping[str, Any]
    ) -> list[QuantItem]:
        return []

    # --- funding: conflicts and penalties ---
    def grant_conflicts(self, facts: GrantFacts, params: Mapping[str, Any]) -> list[Finding]:
        """Return the repeat or double-funding rules a new grant breaks (blocking findings)."""
        return []

    def ban_years(self, params: Mapping[str, Any]) -> int:
        """Return the length of a penalty's application ban in years (0: no ban)."""
        return int(params[self.ban_years_param]) if self.ban_years_param else 0

    def penalty_labels(self, params: Mapping[str, Any]) -> dict[str, str]:
        """Return the penalty measures with their labels, the ban length filled in."""
        years = self.ban_years(params)
        return {k: v.format(ban_years=years) for k, v in self.penalty_measures.items()}

    def call_findings(
        self, program: str, year: int, previous_years: list[int], params: Mapping[str, Any]
    ) -> list[Finding]:
        """Return warnings for a call opening in `year` (e.g. a city's round cadence)."""
        return []

    def clause(self, ref: str) -> str:
        """Return a clause reference in the platform's form, e.g. `沈阳 三(三)`."""
        return f"{self.name_zh} {ref}"

    def cite(self, clause: str) -> str:
        """Return a clause as printed on paper, by the document's title and article:
        `沈阳 三(三)` → 《沈阳市科协关于大力推进学会服务站建设的实施办法》第三条第（三）款."""
        import re

        ref = clause.strip().removeprefix(self.name_zh).strip()
        title = f"《{self.document_zh}》"
        numeral = "〇一二三四五六七八九十百"
        m = re.fullmatch(rf"(附件)?第([{numeral}]+)条(.*)", ref)
        if m:
            return f"{title}{m.group(1) or ''}第{m.group(2)}条{m.group(3)}"
        m = re.fullmatch(rf"([{numeral}]+)(?:\(([{numeral}]+)\))?(\d+)?(.*)", ref)
        if m:
            text = f"{title}第{m.group(1)}条"
            if m.group(2):
                text += f"第（{m.group(2)}）款"
            if m.group(3):
                text += f"第{m.group(3)}项"
            return text + m.group(4)
        return f"{title}{ref}" if ref else title
