"""Pure functions over the city declarations: eligibility, workflow moves, grading, money.

Nothing here touches the database; `policies.services`/`selectors` feed it stored
parameters and facts built from model rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .facts import EligibilityFacts
from .registry import get_policy
from .types import (
    ACTIONS,
    EXPENSE_LABELS,
    LEVELS,
    CityPolicy,
    Finding,
    FundingResult,
    PolicyError,
    Rubric,
    Stage,
    Workflow,
    round_score,
    weight_key,
)

MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


# -- parameters ----------------------------------------------------------------------------
def validate_params(policy: CityPolicy, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a complete, type-checked parameter dict or raise PolicyError (in Chinese)."""
    specs = {spec.key: spec for spec in policy.param_specs}
    unknown = sorted(set(data) - set(specs))
    if unknown:
        raise PolicyError(f"未知参数：{'、'.join(unknown)}")
    clean: dict[str, Any] = {}
    for key, spec in specs.items():
        value = data.get(key, policy.defaults[key])
        if spec.kind == "bool":
            if not isinstance(value, bool):
                raise PolicyError(f"参数“{spec.label_zh}”须为是/否")
        elif spec.kind == "month_day":
            if not isinstance(value, str) or not MONTH_DAY.match(value):
                raise PolicyError(f"参数“{spec.label_zh}”须为“月-日”格式，如 05-31")
            dt.date(2024, *(int(p) for p in value.split("-")))  # rejects 02-30
        else:
            if isinstance(value, bool) or not isinstance(value, int):
                raise PolicyError(f"参数“{spec.label_zh}”须为整数")
            if spec.min_value is not None and value < spec.min_value:
                raise PolicyError(f"参数“{spec.label_zh}”不得小于 {spec.min_value}")
            if spec.max_value is not None and value > spec.max_value:
                raise PolicyError(f"参数“{spec.label_zh}”不得大于 {spec.max_value}")
        clean[key] = value
    cutoffs = [clean[f"cutoff_{g}"] for g in policy.grades[:-1] if f"cutoff_{g}" in clean]
    if any(a <= b for a, b in zip(cutoffs, cutoffs[1:], strict=False)):
        raise PolicyError("等次分数线须由高到低严格递减")
    for rubric in policy.all_rubrics():
        weights = [clean.get(weight_key(rubric, i), i.max_points) for i in rubric.indicators]
        if sum(weights) != rubric.total:
            raise PolicyError(
                f"“{rubric.label_zh}”各项评分权重之和须为 {rubric.total} 分（现为 {sum(weights)} 分）"
            )
    for key in clean:
        upper = f"{key[:-4]}_max"
        if key.endswith("_min") and upper in clean and clean[key] > clean[upper]:
            raise PolicyError(f"参数“{specs[key].label_zh}”不得高于对应上限")
    return clean


# -- eligibility ---------------------------------------------------------------------------
def check_eligibility(
    policy: CityPolicy, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
) -> list[Finding]:
    """Return the findings for one application (the program's level rule first)."""
    prog = policy.program(program)
    findings: list[Finding] = []
    if facts.level not in prog.levels:
        allowed = "、".join(prog.levels)
        findings.append(
            Finding(
                "level_not_offered",
                "block",
                f"{prog.label_zh}不设该级别（可申报：{allowed}）",
                prog.clauses[0] if prog.clauses else policy.clause(""),
            )
        )
    findings.extend(policy.check_eligibility(program, facts, params))
    return findings


# -- workflow ------------------------------------------------------------------------------
class IllegalTransition(PolicyError):
    """The action is not allowed at this stage."""


# The facts a skip rule reads, or a function returning them: building an application's
# facts costs a dozen queries, so callers that rarely meet a `skip_if` stage pass a builder
# and the facts are built only when one is met.
FactsSource = EligibilityFacts | Callable[[], EligibilityFacts] | None


@dataclass(frozen=True)
class Move:
    """Where an action leads: the stage landed on and the optional stages passed over."""

    source: Stage
    action: str
    stage: Stage
    skipped: tuple[str, ...] = ()


def workflow(policy: CityPolicy, program: str) -> Workflow:
    policy.program(program)
    try:
        return policy.workflows[program]
    except KeyError as exc:
        raise PolicyError(f"{policy.name_zh}没有项目“{program}”的流程") from exc


def _facts(facts: FactsSource) -> EligibilityFacts | None:
    return facts() if callable(facts) else facts


def is_skipped(policy: CityPolicy, stage: Stage, facts: FactsSource) -> bool:
    """Return whether `stage` is optional for these facts (its `skip_if` predicate holds).

    A stage with nowhere to go on approval is never passed over.
    """
    if not stage.skip_if or facts is None or stage.target_of("approve") is None:
        return False
    try:
        predicate = policy.predicates[stage.skip_if]
    except KeyError as exc:
        raise PolicyError(
            f"{policy.name_zh}流程环节“{stage.label_zh}”引用了未声明的条件“{stage.skip_if}”"
        ) from exc
    return bool(predicate(_facts(facts)))


def enter(
    policy: CityPolicy, program: str, target: str, facts: FactsSource = None
) -> tuple[Stage, tuple[str, ...]]:
    """Return the stage reached by moving into `target` and the optional stages passed over.

    A stage whose `skip_if` holds for the facts is passed over along its `approve`
    transition (e.g. 益阳 第八条(一): units applying directly skip the county review).
    """
    flow = workflow(policy, program)
    stage = flow.stage(target)
    skipped: list[str] = []
    # Built at most once, and only when a skip rule is met.
    known: list[EligibilityFacts | None] = []

    def once() -> EligibilityFacts | None:
        if not known:
            known.append(_facts(facts))
        return known[0]

    source = None if facts is None else once
    while stage.code not in skipped and is_skipped(policy, stage, source):
        skipped.append(stage.code)
        stage = flow.stage(stage.target_of("approve"))
    return stage, tuple(skipped)


def move(
    policy: CityPolicy, program: str, current: str, action: str, facts: FactsSource = None
) -> Move:
    """Return where `action` at stage `current` leads; raise IllegalTransition if it may not.

    Returning an application for changes lands exactly where declared: nothing is skipped.
    """
    flow = workflow(policy, program)
    stage = flow.stage(current)
    target = stage.target_of(action) if action in ACTIONS else None
    if target is None:
        raise IllegalTransition(f"环节“{stage.label_zh}”不允许操作“{action}”")
    if action == "return":
        return Move(stage, action, flow.stage(target))
    landed, skipped = enter(policy, program, target, facts)
    return Move(stage, action, landed, skipped)


def next_stage(
    policy: CityPolicy,
    program: str,
    current: str,
    action: str,
    facts: FactsSource = None,
) -> Stage:
    """Return the stage an action leads to, passing over stages optional for these facts."""
    return move(policy, program, current, action, facts).stage


def path(policy: CityPolicy, program: str, facts: EligibilityFacts | None = None) -> list[Stage]:
    """Return the stages an application passes through on approval, start to terminal."""
    flow = workflow(policy, program)
    stages = [flow.stage(flow.start)]
    while not stages[-1].is_terminal:
        action = "submit" if "submit" in stages[-1].actions else "approve"
        stages.append(next_stage(policy, program, stages[-1].code, action, facts))
    return stages


# -- rubrics, grades, expenses -------------------------------------------------------------
def score_rubric(rubric: Rubric, points: Mapping[str, float]) -> float:
    """Return the total of indicator points, each checked against its maximum."""
    total = 0.0
    for indicator in rubric.indicators:
        value = points.get(indicator.code, 0)
        if not 0 <= value <= indicator.max_points:
            raise PolicyError(
                f"“{indicator.label_zh}”得分须在 0–{indicator.max_points} 之间：{value}"
            )
        total += value
    unknown = set(points) - {i.code for i in rubric.indicators}
    if unknown:
        raise PolicyError(f"未知指标：{'、'.join(sorted(unknown))}")
    return total


# Words that name a category in a free-text budget row (申报书 预算表: 支出类别 is typed).
EXPENSE_KEYWORDS = {
    "production": ("生产经营", "生产成本", "经营成本"),
    "fines": ("罚款", "罚金", "滞纳金"),
    "donations": ("捐款", "捐赠"),
    "sponsorship": ("赞助",),
    "investment": ("投资",),
    "welfare": ("福利",),
}


def expense_category_of(text: str) -> str | None:
    """Return the expense code a typed category names (code, label, or a forbidden word)."""
    value = (text or "").strip()
    if not value:
        return None
    if value in EXPENSE_LABELS:
        return value
    for code, label in EXPENSE_LABELS.items():
        if value == label:
            return code
    for code, words in EXPENSE_KEYWORDS.items():
        if any(word in value for word in words):
            return code
    return None


def budget_findings(policy: CityPolicy, rows: list[Mapping[str, Any]]) -> list[Finding]:
    """Return a blocking finding for each budget row in a category the policy forbids."""
    findings = []
    for number, row in enumerate(rows or [], start=1):
        code = expense_category_of(str(row.get("category", "")))
        finding = expense_finding(policy, code) if code else None
        if finding is not None and finding.blocks:
            findings.append(
                Finding(
                    "budget_forbidden",
                    "block",
                    f"经费预算表第{number}行（{row.get('category', '')}）：{finding.message_zh}",
                    finding.clause,
                )
            )
    return findings


def expense_finding(policy: CityPolicy, category: str) -> Finding | None:
    """Return a finding if an expense category is forbidden or not among the allowed ones."""
    rules = policy.expenses
    label = EXPENSE_LABELS.get(category, category)
    if rules is None:
        return None
    if category in rules.forbidden:
        return Finding(
            "expense_forbidden", "block", f"补助资金不得用于{label}", rules.forbidden_clause
        )
    if rules.allowed and category not in rules.allowed:
        return Finding(
            "expense_not_listed", "warn", f"{label}不在列明的开支范围内", rules.allowed_clause
        )
    return None


# -- funding / simulate_policy -------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    city: str
    program: str
    level: str
    start_year: int
    amount: int | None
    evaluations: tuple[tuple[int, float], ...]
    # (from_year, changed parameters): a parameter edit in the middle of a term. The grant's
    # terms (amounts, term) stay those in force at start_year; each assessment from
    # from_year on is decided under the changed version (CityPolicy.assessment_params).
    parameter_changes: tuple[tuple[int, tuple[tuple[str, Any], ...]], ...] = ()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_scenario(data: Any) -> Scenario:
    """Validate a simulate_policy scenario; raise PolicyError with a clear message."""
    if not isinstance(data, dict):
        raise PolicyError("场景须为 JSON 对象")
    policy = get_policy(str(data.get("city", "")))
    program_code = data.get("program")
    if not isinstance(program_code, str):
        raise PolicyError("缺少 program")
    program = policy.program(program_code)
    level = data.get("level")
    if level is None and len(program.levels) == 1:
        level = program.levels[0]
    if level not in LEVELS:
        raise PolicyError(f"未知级别“{level}”（可选：national、provincial、city）")
    if level not in program.levels:
        raise PolicyError(
            f"{policy.name_zh}{program.label_zh}不设级别“{level}”（可选：{'、'.join(program.levels)}）"
        )
    start_year = data.get("start_year")
    if not _is_int(start_year) or not 2000 <= start_year <= 2100:
        raise PolicyError("start_year 须为 2000–2100 之间的整数年份")
    amount = data.get("amount")
    if amount is not None and (not _is_int(amount) or amount <= 0):
        raise PolicyError("amount 须为正整数（元）或 null")
    raw = data.get("evaluations") or []
    if not isinstance(raw, list):
        raise PolicyError("evaluations 须为数组")
    evaluations = []
    previous = start_year - 1
    for item in raw:
        if not isinstance(item, dict) or "year" not in item or "score" not in item:
            raise PolicyError('evaluations 的每一项须为 {"year": 年份, "score": 分数}')
        year, score = item["year"], item["score"]
        if not _is_int(year):
            raise PolicyError(f"评估年份须为整数：{year!r}")
        if year <= previous:
            raise PolicyError(f"评估年份须从 start_year（{start_year}）起严格递增：{year} 顺序错误")
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise PolicyError(f"{year} 年分数须为数字：{score!r}")
        if not 0 <= score <= 100:
            raise PolicyError(f"{year} 年分数须在 0–100 之间：{score}")
        evaluations.append((year, round_score(score)))
        previous = year
    changes = _parse_parameter_changes(data.get("parameter_changes"), start_year)
    return Scenario(
        policy.code, program.code, level, start_year, amount, tuple(evaluations), changes
    )


def _parse_parameter_changes(raw: Any, start_year: int):
    if raw in (None, []):
        return ()
    if not isinstance(raw, list):
        raise PolicyError("parameter_changes 须为数组")
    changes = []
    previous = start_year
    for item in raw:
        if (
            not isinstance(item, dict)
            or not _is_int(item.get("from_year"))
            or not isinstance(item.get("params"), dict)
        ):
            raise PolicyError(
                'parameter_changes 的每一项须为 {"from_year": 年份, "params": {参数: 值}}'
            )
        year = item["from_year"]
        if year <= previous:
            raise PolicyError(
                f"parameter_changes 的 from_year 须晚于 start_year 且严格递增：{year} 顺序错误"
            )
        changes.append((year, tuple(sorted(item["params"].items()))))
        previous = year
    return tuple(changes)


def assessment_params_by_year(
    policy: CityPolicy, scenario: Scenario, params: Mapping[str, Any]
) -> dict[int, dict[str, Any]] | None:
    """Return each assessed year's parameters after the scenario's mid-term changes."""
    if not scenario.parameter_changes:
        return None
    by_year: dict[int, dict[str, Any]] = {}
    for year, _score in scenario.evaluations:
        merged = dict(params)
        for from_year, changed in scenario.parameter_changes:
            if from_year <= year:
                merged.update(dict(changed))
        by_year[year] = validate_params(policy, merged)
    return by_year


def funding(scenario: Scenario, params: Mapping[str, Any] | None = None) -> FundingResult:
    policy = get_policy(scenario.city)
    terms = policy.params(params)
    return policy.funding_schedule(
        program=scenario.program,
        level=scenario.level,
        start_year=scenario.start_year,
        amount=scenario.amount,
        evaluations=list(scenario.evaluations),
        params=terms,
        year_params=assessment_params_by_year(policy, scenario, terms),
    )


def simulate(
    data: Any, *, params: Mapping[str, Any] | None = None, policy_version: int = 1
) -> dict[str, Any]:
    """Return the simulate_policy output for a scenario (the shape the command prints and the tests compare)."""
    scenario = parse_scenario(data)
    result = funding(scenario, params)
    return {
        "city": scenario.city,
        "program": scenario.program,
        "level": scenario.level,
        "policy_version": policy_version,
        "years": [y.as_dict() for y in result.years],
        "total_paid": result.total_paid,
        "total_recovered": result.total_recovered,
        "net": result.net,
        "final_status": result.final_status,
    }
