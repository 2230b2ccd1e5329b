"""Small pure helpers the city modules share (no ORM)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .facts import EligibilityFacts, SocietyFacts
from .types import CityPolicy, Finding, PolicyError, Program, Stage, Transition

PASSED = "passed"

# Provinces (and the four municipalities, five autonomous regions, HK/Macau/Taiwan) by the
# short name that identifies them inside a typed place ("北京市海淀区", "广西壮族自治区").
PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省",
    "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省",
    "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省",
    "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省", "海南": "海南省",
    "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}  # fmt: skip
# Prefecture-level places of Guizhou, so "贵阳市" or "遵义" is read as 贵州省 (贵阳 三(三)7).
GUIZHOU_PLACES = (
    "贵阳", "遵义", "六盘水", "安顺", "毕节", "铜仁", "黔东南", "黔南", "黔西南",
)  # fmt: skip


def province_of(place: str) -> str:
    """Return the province a typed place lies in ("" when it cannot be told)."""
    text = (place or "").strip()
    if not text:
        return ""
    if any(name in text for name in GUIZHOU_PLACES):
        return "贵州省"
    # Longest short name first: "黑龙江" before any shorter overlap.
    for short in sorted(PROVINCES, key=len, reverse=True):
        if short in text:
            return PROVINCES[short]
    return ""


def stage(
    code: str,
    label_zh: str,
    role: str,
    *,
    approve: str | None = None,
    submit: str | None = None,
    ret: str | None = None,
    reject: str | None = None,
    **extra: Any,
) -> Stage:
    """Return a Stage with its transitions in the fixed order submit/approve/return/reject."""
    transitions = []
    for action, target in (
        ("submit", submit),
        ("approve", approve),
        ("return", ret),
        ("reject", reject),
    ):
        if target:
            transitions.append(Transition(action, target))
    if "tags" in extra:
        extra["tags"] = frozenset(extra["tags"])
    return Stage(code, label_zh, role, tuple(transitions), **extra)


def terminal(code: str, label_zh: str, role: str, *tags: str, clause: str = "") -> Stage:
    return Stage(code, label_zh, role, (), frozenset({"terminal", *tags}), clause=clause)


def block(code: str, message_zh: str, clause: str) -> Finding:
    return Finding(code, "block", message_zh, clause)


def warn(code: str, message_zh: str, clause: str) -> Finding:
    return Finding(code, "warn", message_zh, clause)


def reference_year(facts: EligibilityFacts) -> int | None:
    return facts.application_date.year if facts.application_date else None


def inspections_passed(society: SocietyFacts, year: int, consecutive: int = 2) -> bool:
    """Return whether the annual inspections of the `consecutive` years before `year` passed.

    Only 合格 counts; 基本合格 does not (the texts say 年检合格).
    """
    return all(
        society.inspections.get(year - offset) == PASSED for offset in range(1, consecutive + 1)
    )


def credit_parties(facts: EligibilityFacts) -> list[str]:
    """Return the parties of an application that carry an active credit flag."""
    parties = []
    if facts.society.credit_flags:
        parties.append(f"建站学会“{facts.society.name}”")
    host = facts.host_unit
    if host and host.credit_flags:
        parties.append(f"需求/建站单位“{host.name}”")
    if host and host.legal_rep_credit_flags:
        parties.append(f"“{host.name}”法定代表人")
    parties.extend(f"专家“{e.name}”" for e in facts.experts if e.credit_flags)
    return parties


def resolve_amount(
    policy: CityPolicy,
    program: Program,
    level: str,
    amount: int | None,
    params: Mapping[str, Any],
) -> int:
    """Return the yearly/one-off amount for a level, validating an entered amount."""
    if program.payment == "none":
        if amount not in (None, 0):
            raise PolicyError(f"{program.label_zh}不涉及资助经费，不应填写金额")
        return 0
    if level in program.range_params:
        low_key, high_key = program.range_params[level]
        low, high = int(params[low_key]), int(params[high_key])
        if amount is None:
            raise PolicyError(
                f"{program.label_zh}的金额须在 {low}–{high} 元之间由审批确定，请填写 amount"
            )
        if not low <= amount <= high:
            raise PolicyError(f"金额 {amount} 元超出{program.label_zh}的范围 {low}–{high} 元")
        return amount
    key = program.amount_param.get(level)
    if key is None:
        if amount is None:
            raise PolicyError(
                f"{program.label_zh}（{level}）经费“一事一议”，须填写管理员确定的金额 amount"
            )
        if amount <= 0:
            raise PolicyError("金额须为正整数（元）")
        return amount
    fixed = int(params[key])
    if amount is not None and amount != fixed:
        raise PolicyError(
            f"{program.label_zh}（{level}）的金额固定为 {fixed} 元，填写的 {amount} 元超出范围"
        )
    return fixed


def year_span(start_year: int, support_years: int, evaluations: Iterable[int]) -> list[int]:
    last = start_year + max(support_years, 1) - 1
    for year in evaluations:
        last = max(last, year)
    return list(range(start_year, last + 1))


def one_off_schedule(
    policy: CityPolicy,
    *,
    start_year: int,
    amount: int,
    scores: Mapping[int, float],
    params: Mapping[str, Any],
    pay_clauses: tuple[str, ...],
    grade_clause: str,
    unqualified_status: str = "completed",
    year_params: Mapping[int, Mapping[str, Any]] | None = None,
):
    """Return a schedule paying `amount` once in the first year (Interpretations 3–5).

    Later years carry only their assessment; an unqualified later year takes
    `unqualified_status` (e.g. Guiyang: no discretionary support, station kept).
    """
    from .types import FundingResult, YearResult

    results = []
    status = "completed"
    for index, year in enumerate(year_span(start_year, 1, scores)):
        score = scores.get(year)
        rules = policy.assessment_params(params, year_params, year)
        grade = policy.grade(score, rules) if score is not None else None
        clauses = list(pay_clauses) if index == 0 else []
        if grade is not None:
            clauses.append(grade_clause)
            status = unqualified_status if grade == "unqualified" else "completed"
        if not clauses:
            clauses.append(grade_clause)
        paid = amount if index == 0 else 0
        results.append(YearResult(year, score, grade, paid, 0, status, tuple(clauses)))
    return FundingResult(tuple(results))
