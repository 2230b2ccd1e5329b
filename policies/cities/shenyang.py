"""沈阳市科协关于大力推进学会服务站建设的实施办法 — station filing and key-support selection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..common import block, resolve_amount, stage, terminal, warn, year_span
from ..facts import EligibilityFacts
from ..types import (
    CityPolicy,
    ExpenseRules,
    Finding,
    FundingResult,
    GrantFacts,
    Indicator,
    ParamSpec,
    PolicyError,
    Program,
    Rubric,
    Workflow,
    YearResult,
)

C = "沈阳"
ONE = f"{C} 一"
TWO = f"{C} 二"
FILING = f"{C} 三(一)"
SELECTION = f"{C} 三(二)"
EVALUATION = f"{C} 三(三)"
FUNDS = f"{C} 三(四)"

# Host natures of city-level units (national societies set up here) and of county-level
# units (branches, committees and provincial societies set up here), 沈阳 一.
CITY_LEVEL_HOSTS = frozenset(
    {"city_society", "park", "park_cast", "university", "university_cast", "research_institute"}
)
COUNTY_LEVEL_HOSTS = frozenset({"county_unit", "county_cast", "township_cast"})


def society_tier(level: str, is_branch: bool) -> str:
    """Return "city" for a national society itself, "county" for a branch or provincial one."""
    if level == "national" and not is_branch:
        return "city"
    return "county"


def station_level(level: str, is_branch: bool) -> str:
    """A national society's branch or committee ranks with provincial societies (沈阳 一)."""
    return "national" if society_tier(level, is_branch) == "city" else "provincial"


def station_name(
    *,
    society_name: str,
    society_level: str,
    branch_name: str = "",
    parent_name: str = "",
    district: str = "",
) -> str:
    """Return the station's name by the naming rule of 沈阳 三(二).

    National society at a city-level host: 全国<学会名>沈阳服务站 (or <县市区>服务站 when the
    host sits in a county/district). Branch/committee or provincial society at a county
    unit: 全国<学会名><分会/专委会><县（市）区>服务站. Names already starting with 中国/全国 are
    not prefixed again; provincial societies keep their own name.
    """

    def national(name: str) -> str:
        return name if name.startswith(("中国", "全国")) else f"全国{name}"

    if (branch_name or society_level != "national") and not district.strip():
        # Branches, committees and provincial societies sit at county units: the name
        # carries the 县（市）区 and must not silently become "…沈阳服务站".
        raise PolicyError(
            "分会、专委会和省级学会的服务站按所在县（市）区命名，请填写所在县（市）区"
            f"（{SELECTION}）"
        )
    place = district.strip() or "沈阳"
    if branch_name:
        # A branch named in full ("中国机械工程学会铸造分会") is not prefixed twice.
        for prefix in (parent_name, national(parent_name)):
            if prefix and branch_name.startswith(prefix):
                branch_name = branch_name[len(prefix) :]
        return f"{national(parent_name)}{branch_name}{place}服务站"
    if society_level == "national":
        return f"{national(society_name)}{place}服务站"
    return f"{society_name}{place}服务站"


# --- funding ---
def no_repeat_key_support(previously: bool) -> list[Finding]:
    """三(二): a station once chosen for key support may not be chosen again — checked at
    application (eligibility) and again when the grant is made (funding)."""
    if not previously:
        return []
    return [block("already_key_supported", "获得过择优资助的学会服务站不得重复申报", SELECTION)]


class ShenyangPolicy(CityPolicy):
    code = "shenyang"
    name_zh = C
    document_prefix = "沈科协发"  # 文号 of the documents the city's 科协 issues
    province_zh = "辽宁省"
    document_zh = "沈阳市科协关于大力推进学会服务站建设的实施办法"
    grades = ("excellent", "good", "qualified", "unqualified")
    grade_clause = EVALUATION

    programs = {
        "filing": Program(
            code="filing",
            label_zh="学会服务站建站备案",
            applicant="host_unit",
            levels=("national", "provincial"),
            payment="none",
            support_years=0,
            rounds_zh="随时备案",
            clauses=(FILING,),
            form="filing",  # --- applications engine ---
        ),
        "key_support": Program(
            code="key_support",
            label_zh="学会服务站择优资助（重点支持）",
            applicant="host_unit",
            levels=("national", "provincial"),
            payment="yearly",
            support_years="key_support_years",
            amount_param={"national": "key_support_amount", "provincial": "key_support_amount"},
            quota_param="selection_quota",
            rounds_zh="每年遴选一次",
            clauses=(SELECTION, EVALUATION),
            form="key_support",  # --- applications engine ---
        ),
    }

    # --- calls: required materials (三(一): 签订共建协议后报备案) ---
    programs = {
        code: replace(prog, required_attachments=("agreement",), materials_clause=FILING)
        for code, prog in programs.items()
    }

    workflows = {
        "filing": Workflow(
            program="filing",
            start="draft",
            stages=(
                stage("draft", "建站单位填报备案材料", "host_staff", submit="city_filing"),
                stage(
                    "city_filing",
                    "市科协学会部备案审核",
                    "city_admin",
                    approve="filed",
                    ret="draft",
                    reject="rejected",
                    clause=FILING,
                ),
                terminal("filed", "已备案", "city_admin", "filed", clause=FILING),
                terminal("rejected", "不予备案", "city_admin", "rejected", clause=FILING),
            ),
        ),
        "key_support": Workflow(
            program="key_support",
            start="draft",
            stages=(
                stage("draft", "设站单位申报", "host_staff", submit="investigation"),
                stage(
                    "investigation",
                    "市科协调查审核",
                    "city_admin",
                    approve="expert_review",
                    ret="draft",
                    reject="rejected",
                    clause=SELECTION,
                ),
                stage(
                    "expert_review",
                    "专家评选",
                    "expert_reviewer",
                    approve="city_approval",
                    reject="rejected",
                    needs_expert_score=True,
                    clause=SELECTION,
                ),
                stage(
                    "city_approval",
                    "市科协审定（名额控制）",
                    "city_admin",
                    approve="named",
                    ret="expert_review",
                    reject="rejected",
                    quota_check=True,
                    clause=SELECTION,
                ),
                terminal(
                    "named",
                    "发文公布并命名（重点支持）",
                    "city_admin",
                    "certified",
                    "key_supported",
                    clause=SELECTION,
                ),
                terminal("rejected", "未入选", "city_admin", "rejected", clause=SELECTION),
            ),
        ),
    }

    review_rubrics = {
        "key_support": Rubric(
            "shenyang_selection",
            "择优资助遴选评分",
            (
                Indicator("conditions", "建站条件", 30, SELECTION),
                Indicator("radiation", "辐射带动作用", 35, SELECTION),
                Indicator("results", "合作成效", 35, SELECTION),
            ),
            SELECTION,
        ),
    }
    evaluation_rubrics = {
        "key_support": Rubric(
            "shenyang_evaluation",
            "重点支持服务站年度绩效评估",
            (
                Indicator("assurance", "建设保障", 25, EVALUATION),
                Indicator("talent", "引智引才", 25, EVALUATION),
                Indicator("cooperation", "技术合作", 25, EVALUATION),
                Indicator("exchange", "学术交流", 25, EVALUATION),
            ),
            EVALUATION,
        ),
    }

    param_specs = (
        ParamSpec("key_support_amount", "重点支持年度补助", unit="元", clause=SELECTION),
        ParamSpec(
            "key_support_years", "支持期", min_value=1, max_value=10, unit="年", clause=SELECTION
        ),
        ParamSpec("selection_quota", "每年遴选名额", min_value=1, unit="家", clause=SELECTION),
        # Expert panel display; the policy is silent (专家评选 of about 3 a year: identities open, trimmed mean on).
        ParamSpec(
            "blind_review", "专家盲评（对专家隐藏申报单位信息）", kind="bool", clause=SELECTION
        ),
        ParamSpec(
            "trimmed_mean",
            "专家评分去掉一个最高分和一个最低分后取平均",
            kind="bool",
            clause=SELECTION,
        ),
        ParamSpec("cutoff_excellent", "优秀分数线", max_value=100, unit="分", clause=EVALUATION),
        ParamSpec("cutoff_good", "良好分数线", max_value=100, unit="分", clause=EVALUATION),
        ParamSpec("cutoff_qualified", "合格分数线", max_value=100, unit="分", clause=EVALUATION),
        ParamSpec(
            "consecutive_qualified_revoke",
            "连续几年“合格”即取消重点支持",
            min_value=1,
            max_value=10,
            unit="年",
            clause=EVALUATION,
        ),
        ParamSpec(
            "same_discipline_blocks",
            "同专业第二家服务站直接拦截（否则仅提示）",
            kind="bool",
            clause=ONE,
        ),
    )
    defaults = {
        "key_support_amount": 30000,
        "key_support_years": 3,
        "selection_quota": 3,
        "blind_review": False,
        "trimmed_mean": True,
        "cutoff_excellent": 90,
        "cutoff_good": 75,
        "cutoff_qualified": 60,
        "consecutive_qualified_revoke": 2,
        "same_discipline_blocks": True,
    }
    expenses = ExpenseRules(
        allowed=("expert_travel", "consulting", "training", "venue"),
        forbidden=(),
        allowed_clause=FUNDS,
    )

    # --- funding ---
    def grant_conflicts(self, facts: GrantFacts, params: Mapping[str, Any]) -> list[Finding]:
        if facts.program != "key_support":
            return []
        return no_repeat_key_support("key_support" in facts.station_programs)

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        society, host = facts.society, facts.host_unit
        if society.level == "city" and not society.is_branch:
            findings.append(
                block(
                    "society_level",
                    "设站学会应为国家级学会及其分会、专委会或省级学会，市级学会不能设站",
                    ONE,
                )
            )
        else:
            tier = society_tier(society.level, society.is_branch)
            expected_level = station_level(society.level, society.is_branch)
            if facts.level != expected_level:
                findings.append(
                    block(
                        "station_level",
                        f"服务站级别应与设站学会级别一致（应为{'国家级' if expected_level == 'national' else '省级'}）",
                        ONE,
                    )
                )
            if host is not None:
                allowed = CITY_LEVEL_HOSTS if tier == "city" else COUNTY_LEVEL_HOSTS
                other = COUNTY_LEVEL_HOSTS if tier == "city" else CITY_LEVEL_HOSTS
                if host.nature in other:
                    findings.append(
                        block(
                            "host_level",
                            "国家级学会应设在市级学（协）会、产业园区、高校、科研机构；"
                            "分会、专委会和省级学会应设在县（市）区级单位"
                            if tier == "city"
                            else "分会、专委会和省级学会应设在县（市）区级单位",
                            ONE,
                        )
                    )
                elif host.nature not in allowed:
                    findings.append(
                        warn(
                            "host_level_unclear",
                            "建站单位层级与设站学会级别是否匹配需人工核实",
                            ONE,
                        )
                    )
        if facts.same_discipline_stations > 0:
            maker = block if params["same_discipline_blocks"] else warn
            findings.append(
                maker(
                    "same_discipline",
                    f"本市已有相同专业（{facts.discipline or society.discipline}）的学会服务站，"
                    "原则上只设立一家",
                    ONE,
                )
            )
        if facts.agreement_signed_on is None:
            findings.append(block("agreement_missing", "须先与上级学会签订共建协议", FILING))
        needs_district = society.is_branch or society.level == "provincial"
        if needs_district and not facts.district_name.strip():
            findings.append(
                block(
                    "district_missing",
                    "分会、专委会和省级学会的服务站按所在县（市）区命名，请填写所在县（市）区",
                    SELECTION,
                )
            )
        if program == "key_support":
            findings += no_repeat_key_support(facts.previously_key_supported)
            if not facts.station_filed:
                findings.append(block("not_filed", "只能从已备案的学会服务站中遴选", SELECTION))
        return findings

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
        prog = self.program(program)
        yearly = resolve_amount(self, prog, level, amount, params)
        support = self.support_years(prog, params)
        scores = dict(evaluations)
        years = year_span(start_year, support, scores)
        if prog.payment == "none":
            return FundingResult(
                tuple(
                    YearResult(
                        y,
                        scores.get(y),
                        self.grade(scores[y], self.assessment_params(params, year_params, y))
                        if y in scores
                        else None,
                        0,
                        0,
                        "active",
                        (FILING,),
                    )
                    for y in years
                )
            )
        revoked = False
        qualified_run = 0
        results = []
        for index, year in enumerate(years):
            # The year's grade and the "consecutive 合格" rule: the version it is decided under.
            rules = self.assessment_params(params, year_params, year)
            limit = int(rules["consecutive_qualified_revoke"])
            score = scores.get(year)
            grade = self.grade(score, rules) if score is not None else None
            clauses: list[str] = []
            paid = 0
            if revoked:
                status = "revoked"
                clauses.append(EVALUATION)
            else:
                if index == 0:
                    paid = yearly  # paid on selection, unconditionally (Interpretation 1)
                    clauses.append(SELECTION)
                elif index < support and grade in ("excellent", "good"):
                    paid = yearly
                if grade is not None:
                    clauses.append(EVALUATION)
                    qualified_run = qualified_run + 1 if grade == "qualified" else 0
                if grade == "unqualified" or qualified_run >= limit:
                    revoked = True
                    status = "revoked"
                elif index >= support - 1 and (grade is not None or index >= support):
                    status = "completed"
                else:
                    status = "active"
                if not clauses:  # awaiting this year's evaluation
                    clauses.append(EVALUATION)
            results.append(YearResult(year, score, grade, paid, 0, status, tuple(clauses)))
        return FundingResult(tuple(results))


POLICY = ShenyangPolicy()
