"""测试市 — an invented sixth city, defined only here (issue 14).

It is registered for the test run by the `testcity_city` fixture (conftest.py) through
policies.registry.register(); nothing under policies/cities/ or elsewhere in production
knows it. Its one program is a yearly-funded station with a county review the host unit's
own CAST may skip, a city review, an expert panel, a ranking under a quota, a public
notice and certification; its yearly rubric grades 优秀/良好/合格/不合格, and 不合格 stops
the funding, revokes the station and recovers that year's money.

Every declaration here is read by production through CityPolicy; the tests in
test_seams.py were, while they were written, strict xfails naming the production line
that decided the matter by city name instead (issue 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.common import block, resolve_amount, stage, terminal, year_span
from policies.facts import EligibilityFacts
from policies.types import (
    CityPolicy,
    DashboardTarget,
    ExpenseRules,
    Finding,
    FundingResult,
    Indicator,
    ParamSpec,
    PolicyError,
    Program,
    Rubric,
    Workflow,
    YearResult,
)

CODE = "testcity"
C = "测试"
GENERAL = f"{C} 第一条"
CONDITIONS = f"{C} 第二条"
APPLY = f"{C} 第三条"
COUNTY = f"{C} 第四条"
CITY = f"{C} 第五条"
PANEL = f"{C} 第六条"
NOTICE = f"{C} 第七条"
FUNDS = f"{C} 第八条"
EVALUATION = f"{C} 第九条"
ADVERSE = f"{C} 第十条"
ABSENCE = f"{C} 第十一条"
MISUSE = f"{C} 第十二条"

PROGRAM = "station"


def host_has_own_cast(facts: EligibilityFacts) -> bool:
    """测试 第四条: a host unit with its own CAST applies straight to the city."""
    return bool(facts.host_unit and facts.host_unit.has_own_cast)


class TestcityPolicy(CityPolicy):
    code = CODE
    name_zh = C
    province_zh = "测试省"
    document_zh = "测试市学会服务站建设管理办法（测试用）"
    document_prefix = "测科协"
    grades = ("excellent", "good", "qualified", "unqualified")
    grade_clause = EVALUATION
    predicates = {"host_has_own_cast": host_has_own_cast}

    programs = {
        PROGRAM: Program(
            code=PROGRAM,
            label_zh="测试学会服务站",
            applicant="society",
            payee="society",  # 测试 第八条: the society is paid, not the host unit
            # 测试 第三条: the society's 申报书 names the served units and the host unit.
            form="service_station",
            host_unit_clause=CONDITIONS,
            levels=("city",),
            payment="yearly",
            support_years="support_years",
            amount_param={"city": "yearly_amount"},
            quota_param="quota",
            rounds_zh="每年认定一次",
            clauses=(GENERAL, FUNDS),
        ),
    }
    workflows = {
        PROGRAM: Workflow(
            program=PROGRAM,
            start="draft",
            stages=(
                stage("draft", "学会申报", "society_staff", submit="county_review", clause=APPLY),
                stage(
                    "county_review",
                    "县区科协审核",
                    "county_reviewer",
                    approve="city_review",
                    ret="draft",
                    reject="rejected",
                    skip_if="host_has_own_cast",
                    clause=COUNTY,
                ),
                stage(
                    "city_review",
                    "市科协审核",
                    "city_admin",
                    approve="expert_review",
                    ret="draft",
                    reject="rejected",
                    clause=CITY,
                ),
                stage(
                    "expert_review",
                    "专家评审",
                    "expert_reviewer",
                    approve="ranking",
                    reject="rejected",
                    needs_expert_score=True,
                    clause=PANEL,
                ),
                stage(
                    "ranking",
                    "择优排序（名额控制）",
                    "city_admin",
                    approve="public_notice",
                    ret="expert_review",
                    reject="rejected",
                    quota_check=True,
                    clause=PANEL,
                ),
                stage(
                    "public_notice",
                    "社会公示",
                    "city_admin",
                    approve="certified",
                    reject="rejected",
                    notice_workdays_param="notice_workdays",
                    clause=NOTICE,
                ),
                terminal("certified", "认定命名", "city_admin", "certified", clause=NOTICE),
                terminal("rejected", "不予认定", "city_admin", "rejected", clause=CITY),
            ),
        ),
    }
    review_rubrics = {
        PROGRAM: Rubric(
            "testcity_review",
            "服务站认定评审",
            (
                Indicator("conditions", "建站条件", 40, CONDITIONS),
                Indicator("plan", "服务方案", 60, PANEL),
            ),
            PANEL,
        ),
    }
    evaluation_rubrics = {
        PROGRAM: Rubric(
            "testcity_evaluation",
            "服务站年度考核",
            (
                Indicator("work", "工作开展", 50, EVALUATION),
                Indicator("results", "服务成效", 50, EVALUATION),
            ),
            EVALUATION,
        ),
    }
    param_specs = (
        ParamSpec("yearly_amount", "年度资助", unit="元", clause=FUNDS),
        ParamSpec("support_years", "支持期", min_value=1, max_value=5, unit="年", clause=FUNDS),
        ParamSpec("quota", "每年认定名额", min_value=1, unit="个", clause=PANEL),
        ParamSpec(
            "notice_workdays", "公示期", min_value=1, max_value=30, unit="个工作日", clause=NOTICE
        ),
        ParamSpec("blind_review", "专家盲评", kind="bool", clause=PANEL),
        ParamSpec("trimmed_mean", "去掉最高分和最低分", kind="bool", clause=PANEL),
        ParamSpec("cutoff_excellent", "优秀分数线", max_value=100, unit="分", clause=EVALUATION),
        ParamSpec("cutoff_good", "良好分数线", max_value=100, unit="分", clause=EVALUATION),
        ParamSpec("cutoff_qualified", "合格分数线", max_value=100, unit="分", clause=EVALUATION),
    )
    defaults = {
        "yearly_amount": 50000,
        "support_years": 3,
        "quota": 2,
        "notice_workdays": 5,
        "blind_review": False,
        "trimmed_mean": False,
        "cutoff_excellent": 90,
        "cutoff_good": 80,
        "cutoff_qualified": 60,
    }
    expenses = ExpenseRules(
        allowed=("expert_travel", "consulting", "training"),
        forbidden=("fines", "donations"),
        allowed_clause=FUNDS,
        forbidden_clause=MISUSE,
    )

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        if facts.agreement_signed_on is None:
            findings.append(block("agreement_missing", "须与建站单位签订共建协议", CONDITIONS))
        if facts.host_unit is None:
            findings.append(block("host_unit_missing", "须选择建站单位", CONDITIONS))
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
        """测试 第八条: the first year is paid on certification; each later year is paid
        when the year before was graded 合格 or better. 测试 第十条: a 不合格 year stops
        the funding, revokes the station and recovers the money paid for that year."""
        prog = self.program(program)
        if level not in prog.levels:
            raise PolicyError(f"{prog.label_zh}只面向市级")
        yearly = resolve_amount(self, prog, level, amount, params)
        support = self.support_years(prog, params)
        scores = dict(evaluations)
        results: list[YearResult] = []
        stopped = False
        previous_grade: str | None = None
        for index, year in enumerate(year_span(start_year, support, scores)):
            rules = self.assessment_params(params, year_params, year)
            score = scores.get(year)
            grade = self.grade(score, rules) if score is not None else None
            if stopped:
                results.append(YearResult(year, score, grade, 0, 0, "revoked", (ADVERSE,)))
                continue
            clauses: list[str] = []
            paid = 0
            # The first year on certification; a later one once the year before passed.
            if index == 0 or (index < support and previous_grade not in (None, "unqualified")):
                paid, clauses = yearly, [FUNDS]
            recovered = 0
            if grade is not None:
                clauses.append(EVALUATION)
            if grade == "unqualified":
                stopped = True
                recovered = paid
                status = "revoked"
                clauses.append(ADVERSE)
            elif index >= support - 1 and grade is not None:
                status = "completed"
            else:
                status = "active"
            if not clauses:
                clauses.append(EVALUATION)
            results.append(YearResult(year, score, grade, paid, recovered, status, tuple(clauses)))
            previous_grade = grade
        return FundingResult(tuple(results))

    # 测试 第九条 requires final accounts in the self-report; 第十一条 is cited for a station
    # absent from the round; 第十二条 for recovering misused money.
    self_report_fields = ("summary", "final_accounts", "final_accounts_total")
    final_accounts_clause = EVALUATION
    absence_clause = ABSENCE
    misuse_clause = MISUSE

    # 测试 第一条: the city's target, drawn on its dashboard.
    dashboard_targets = (DashboardTarget("stations_built", "学会服务站建成数", 10, "个", GENERAL),)


POLICY = TestcityPolicy()
