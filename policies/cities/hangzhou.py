"""杭州 创新驱动助力工程三年行动计划(2015—2017) + 学会协同创新服务基地/学会科技服务站实施管理办法（试行）.

Clauses of the action plan are cited as `杭州 六(二)`; those of the attached measures
(实施管理办法) as `杭州 附件第八条`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..common import (
    block,
    inspections_passed,
    one_off_schedule,
    resolve_amount,
    stage,
    terminal,
    warn,
    year_span,
)
from ..facts import AGREEMENT, EligibilityFacts
from ..types import (
    CityPolicy,
    DashboardTarget,
    ExpenseRules,
    Finding,
    FundingResult,
    GrantFacts,
    Indicator,
    ParamSpec,
    Program,
    Rubric,
    Workflow,
    YearResult,
)

C = "杭州"
PLAN_FUNDS = f"{C} 六(二)"
TOPICS = f"{C} 四(六)"
BASE_COND = f"{C} 附件第四条"
STATION_COND = f"{C} 附件第五条"
PROCEDURE = f"{C} 附件第七条"
AMOUNTS = f"{C} 附件第八条"
CONTRACT = f"{C} 附件第九条"
ASSESSMENT = f"{C} 附件第十二条"
PENALTIES = f"{C} 附件第十三条"

YEARLY = ("service_base", "station")
RANGED = (*YEARLY, "overseas_talent")  # amounts set at approval within a range


def _project_workflow(code: str, *, contract: bool, quota: bool) -> Workflow:
    final = "contract" if contract else "approved"
    stages = [
        stage("draft", "市级学会申报", "society_staff", submit="cast_initial"),
        stage(
            "cast_initial",
            "市科协初审",
            "city_admin",
            approve="expert_review",
            ret="draft",
            reject="rejected",
            clause=PROCEDURE,
        ),
        stage(
            "expert_review",
            "第三方专家评审论证",
            "expert_reviewer",
            approve="joint_review",
            reject="rejected",
            needs_expert_score=True,
            clause=PROCEDURE,
        ),
        stage(
            "joint_review",
            "市委人才办、市科委、市财政局审核",
            "talent_office",
            approve="approval",
            ret="expert_review",
            reject="rejected",
            clause=PROCEDURE,
        ),
        stage(
            "approval",
            "择优确定立项（确定金额）",
            "city_admin",
            approve=final,
            reject="rejected",
            quota_check=quota,
            # 附件第八条 / 六(二): the amount is fixed here, within the program's range.
            sets_amount=code in RANGED,
            double_funding_check=True,
            clause=AMOUNTS if code in YEARLY else PLAN_FUNDS,
        ),
    ]
    if contract:
        stages.append(
            stage(
                "contract",
                "签订项目合同",
                "city_admin",
                approve="approved",
                reject="rejected",
                clause=CONTRACT,
                # --- forms: the contract's date, number and signed scan ---
                records_contract=True,
            )
        )
    stages += [
        terminal(
            "approved",
            "立项",
            "city_admin",
            "certified",
            clause=CONTRACT if contract else PLAN_FUNDS,
        ),
        terminal("rejected", "不予立项", "city_admin", "rejected", clause=PROCEDURE),
    ]
    return Workflow(program=code, start="draft", stages=tuple(stages))


def _one_off(code: str, label: str, clause: str, form: str, **amounts: Any) -> Program:
    return Program(
        code=code,
        label_zh=label,
        applicant="society",
        levels=("city",),
        payment="one_off",
        support_years=1,
        rounds_zh="每年一次",
        clauses=(clause,),
        # --- funding --- a topic or an activity without a station: the society is paid.
        payee="society",
        form=form,  # --- applications engine ---
        # --- outcome wording --- a topic or an activity is approved as a project (立项).
        outcome="approve_project",
        **amounts,
    )


REVIEW = Rubric(
    "hangzhou_review",
    "项目立项评审",
    (
        Indicator("need", "科技需求的迫切性", 25, PROCEDURE),
        Indicator("capacity", "牵头学会服务能力", 25, PROCEDURE),
        Indicator("plan", "建设规划与目标", 25, PROCEDURE),
        Indicator("model", "示范引领作用", 25, PROCEDURE),
    ),
    PROCEDURE,
)
EVALUATION = Rubric(
    "hangzhou_evaluation",
    "项目年底考核",
    (
        Indicator("tasks", "项目任务完成情况（总结报告）", 40, ASSESSMENT),
        Indicator("accounts", "经费决算与专款专用", 20, ASSESSMENT),
        Indicator("outcomes", "项目成果与绩效印证", 30, ASSESSMENT),
        Indicator("reporting", "按时报送材料（图片影像等）", 10, ASSESSMENT),
    ),
    ASSESSMENT,
)


class HangzhouPolicy(CityPolicy):
    code = "hangzhou"
    name_zh = C
    document_prefix = "杭科协"  # 文号 of the documents the city's 科协 issues
    province_zh = "浙江省"
    document_zh = "杭州市创新驱动助力工程三年行动计划(2015—2017)及学会协同创新服务基地、学会科技服务站实施管理办法（试行）"
    effective_from = dt.date(2015, 6, 3)
    grades = ("qualified", "unqualified")
    grade_clause = ASSESSMENT
    # 附件第九条: 项目实施中发生变更、终止的，须报市科协批准.
    change_kinds = {"change": "项目变更", "terminate": "项目终止"}
    change_clause = CONTRACT
    change_ends_support = ("terminate",)
    change_requesters = ("society_staff",)
    # --- funding ---
    misuse_clause = PENALTIES
    penalty_measures = {
        "stop": "停止拨付",
        "revoke": "撤销资助并退回已拨资金",
        "ban": "撤销资助、退回资金，{ban_years}年内不受理申请",
    }
    penalty_clause = PENALTIES
    ban_years_param = "ban_years"

    def grant_conflicts(self, facts: GrantFacts, params: Mapping[str, Any]) -> list[Finding]:
        """六(二) 不重复资助: a society's overlapping funded activity; 附件第十三条: a ban."""
        findings = [
            block(
                "double_funding",
                f"{facts.society_name}的活动已获资助（{other}），活动重叠的不重复资助",
                PLAN_FUNDS,
            )
            for other in facts.overlapping
        ]
        if facts.banned_until is not None:
            findings.append(
                block(
                    "penalty_ban",
                    f"{facts.society_name}受处罚，{facts.banned_until:%Y年%m月%d日}前不受理其申请",
                    PENALTIES,
                )
            )
        return findings

    # --- evaluations ---
    # 附件第十二条: the year-end assessment includes the final accounts (经费决算).
    self_report_fields = ("summary", "final_accounts", "final_accounts_total")
    final_accounts_clause = ASSESSMENT
    # --- end evaluations ---

    # --- reports: dashboard targets, printable official forms ---
    # The plan's targets (二), shown against the city's figures on its dashboard.
    dashboard_targets = (
        DashboardTarget("stations_built", "学会科技服务站建成数", 20, "个", f"{C} 二"),
        DashboardTarget("societies_share", "参与建站的市级学会占比", 30, "%", f"{C} 二"),
    )

    programs = {
        "service_base": Program(
            code="service_base",
            label_zh="学会协同创新服务（示范）基地",
            applicant="society",
            levels=("city",),
            payment="yearly",
            support_years="project_years",
            range_params={"city": ("base_min", "base_max")},
            rounds_zh="每年申报，连续支持三年",
            clauses=(AMOUNTS, PLAN_FUNDS),
            # --- applications engine ---
            form="service_base",
            host_unit_clause=BASE_COND,
        ),
        "station": Program(
            code="station",
            label_zh="学会科技服务站",
            applicant="society",
            levels=("city",),
            payment="yearly",
            support_years="project_years",
            range_params={"city": ("station_min", "station_max")},
            rounds_zh="每年申报，连续支持三年",
            clauses=(AMOUNTS, PLAN_FUNDS),
            # --- applications engine ---
            form="service_station",
            host_unit_clause=STATION_COND,
        ),
        "research_major": _one_off(
            "research_major",
            "重大课题",
            PLAN_FUNDS,
            "topic",
            amount_param={"city": "research_major_amount"},
            quota_param="research_major_quota",
        ),
        "research_key": _one_off(
            "research_key",
            "重点课题",
            PLAN_FUNDS,
            "topic",
            amount_param={"city": "research_key_amount"},
            quota_param="research_key_quota",
        ),
        "research_general": _one_off(
            "research_general",
            "一般课题",
            PLAN_FUNDS,
            "topic",
            amount_param={"city": "research_general_amount"},
            quota_param="research_general_quota",
        ),
        "overseas_talent": _one_off(
            "overseas_talent",
            "海智基地引才引智活动",
            PLAN_FUNDS,
            "overseas_activity",  # 活动、专家、日期、内容、预算: no station is built
            range_params={"city": ("overseas_min", "overseas_max")},
        ),
    }

    # --- calls: required materials (附件第四、五条: 各方签订协议) ---
    programs = {
        **programs,
        "service_base": replace(
            programs["service_base"],
            required_attachments=("agreement",),
            materials_clause=BASE_COND,
        ),
        "station": replace(
            programs["station"], required_attachments=("agreement",), materials_clause=STATION_COND
        ),
    }

    workflows = {
        "service_base": _project_workflow("service_base", contract=True, quota=False),
        "station": _project_workflow("station", contract=True, quota=False),
        "research_major": _project_workflow("research_major", contract=False, quota=True),
        "research_key": _project_workflow("research_key", contract=False, quota=True),
        "research_general": _project_workflow("research_general", contract=False, quota=True),
        "overseas_talent": _project_workflow("overseas_talent", contract=False, quota=False),
    }

    review_rubrics = dict.fromkeys(programs, REVIEW)
    evaluation_rubrics = dict.fromkeys(YEARLY, EVALUATION)

    param_specs = (
        ParamSpec("base_min", "服务基地每年资助下限", unit="元", clause=AMOUNTS),
        ParamSpec("base_max", "服务基地每年资助上限", unit="元", clause=AMOUNTS),
        ParamSpec("station_min", "科技服务站每年资助下限", unit="元", clause=AMOUNTS),
        ParamSpec("station_max", "科技服务站每年资助上限", unit="元", clause=AMOUNTS),
        ParamSpec(
            "project_years", "连续支持年限", min_value=1, max_value=10, unit="年", clause=AMOUNTS
        ),
        ParamSpec("research_major_amount", "重大课题资助", unit="元", clause=PLAN_FUNDS),
        ParamSpec("research_key_amount", "重点课题资助", unit="元", clause=PLAN_FUNDS),
        ParamSpec("research_general_amount", "一般课题资助", unit="元", clause=PLAN_FUNDS),
        ParamSpec("research_major_quota", "重大课题每年约", unit="项", clause=TOPICS),
        ParamSpec("research_key_quota", "重点课题每年约", unit="项", clause=TOPICS),
        ParamSpec("research_general_quota", "一般课题每年约", unit="项", clause=TOPICS),
        ParamSpec("overseas_min", "海智活动资助下限", unit="元", clause=PLAN_FUNDS),
        ParamSpec("overseas_max", "海智活动资助上限", unit="元", clause=PLAN_FUNDS),
        # Expert panel display; the policy is silent (third-party expert review: identities open, trimmed mean on).
        ParamSpec(
            "blind_review", "专家盲评（对专家隐藏申报单位信息）", kind="bool", clause=PROCEDURE
        ),
        ParamSpec(
            "trimmed_mean",
            "专家评分去掉一个最高分和一个最低分后取平均",
            kind="bool",
            clause=PROCEDURE,
        ),
        ParamSpec(
            "cutoff_qualified", "年底考核合格分数线", max_value=100, unit="分", clause=ASSESSMENT
        ),
        ParamSpec(
            "ban_years",
            "违规后不受理立项申请年限",
            min_value=1,
            max_value=10,
            unit="年",
            clause=PENALTIES,
        ),
        ParamSpec(
            "min_rating_stars",
            "服务基地牵头学会最低评估等级",
            min_value=1,
            max_value=5,
            unit="A",
            clause=f"{BASE_COND}(二)",
        ),
    )
    defaults = {
        "base_min": 50000,
        "base_max": 100000,
        "station_min": 20000,
        "station_max": 30000,
        "project_years": 3,
        "research_major_amount": 50000,
        "research_key_amount": 15000,
        "research_general_amount": 5000,
        "research_major_quota": 5,
        "research_key_quota": 10,
        "research_general_quota": 10,
        "overseas_min": 10000,
        "overseas_max": 50000,
        "blind_review": False,
        "trimmed_mean": True,
        "cutoff_qualified": 60,
        "ban_years": 5,
        "min_rating_stars": 3,
    }
    expenses = ExpenseRules(
        allowed=(),
        forbidden=(),
        allowed_clause=f"{C} 附件第十条",  # 专款专用; no category list in the text
    )

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        society = facts.society
        year = facts.application_date.year if facts.application_date else None
        if program in YEARLY and society.level != "city":
            findings.append(
                block("lead_society_level", "须由市级学会（协会、研究会）牵头", PLAN_FUNDS)
            )
        if program == "service_base":
            if society.rating_stars < int(params["min_rating_stars"]):
                findings.append(
                    block(
                        "rating",
                        f"牵头学会社团评估等级须在{params['min_rating_stars']}A及以上",
                        f"{BASE_COND}(二)",
                    )
                )
            if year is None or not inspections_passed(society, year):
                findings.append(
                    block("inspection", "牵头学会申报前须连续两年社团年检合格", f"{BASE_COND}(二)")
                )
        if program == "station" and (year is None or not inspections_passed(society, year)):
            findings.append(
                block(
                    "inspection",
                    "提供服务的学会申报前须连续两年社团年检合格",
                    f"{STATION_COND}(二)",
                )
            )
        if (
            program in YEARLY
            and AGREEMENT not in facts.attachments
            and facts.agreement_signed_on is None
        ):
            clause = f"{BASE_COND}(七)" if program == "service_base" else f"{STATION_COND}(四)"
            findings.append(block("agreement_missing", "须签订明确各方责任的协议", clause))
        if facts.application_date is not None:
            ban_years = int(params["ban_years"])
            for penalty in facts.penalties:
                try:
                    ends = penalty.date.replace(year=penalty.date.year + ban_years)
                except ValueError:  # 29 February
                    ends = penalty.date.replace(year=penalty.date.year + ban_years, day=28)
                if penalty.date <= facts.application_date < ends:
                    maker = block if penalty.kind in ("ban", "revoke") else warn
                    findings.append(
                        maker(
                            "penalty_ban",
                            f"{penalty.date:%Y年%m月%d日}受到处理，{ban_years}年内不受理立项申请"
                            f"（至{ends:%Y年%m月%d日}）",
                            PENALTIES,
                        )
                    )
        if facts.overlaps_funded_activity or facts.funded_activities:
            listed = "；".join(facts.funded_activities)
            findings.append(
                warn(
                    "double_funding",
                    "与已资助活动存在包含关系的，不重复资助"
                    + (f"：本学会同期已获资助的活动——{listed}，请核实是否重叠" if listed else ""),
                    PLAN_FUNDS,
                )
            )
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
        scores = dict(evaluations)
        if prog.payment == "one_off":
            return one_off_schedule(
                self,
                start_year=start_year,
                amount=yearly,
                scores=scores,
                params=params,
                year_params=year_params,
                pay_clauses=prog.clauses,
                grade_clause=ASSESSMENT,
            )
        support = self.support_years(prog, params)
        grades = {
            y: self.grade(s, self.assessment_params(params, year_params, y))
            for y, s in scores.items()
        }
        stopped = False
        results = []
        for index, year in enumerate(year_span(start_year, support, scores)):
            grade = grades.get(year)
            clauses: list[str] = []
            paid = 0
            if index == 0:
                paid = yearly  # paid when the contract is signed (Interpretation 4)
                clauses += [AMOUNTS, CONTRACT]
            elif index < support and not stopped:
                previous = grades.get(year - 1)
                clauses.append(AMOUNTS)
                if previous == "qualified":
                    paid = yearly
            if grade is not None:
                clauses.append(ASSESSMENT)
                if grade == "unqualified" and not stopped:
                    stopped = True
                    clauses.append(PENALTIES)
            if stopped:
                status = "suspended"
            elif index >= support - 1 and (grade is not None or index >= support):
                status = "completed"
            else:
                status = "active"
            if not clauses:
                clauses.append(ASSESSMENT)
            results.append(
                YearResult(year, scores.get(year), grade, paid, 0, status, tuple(clauses))
            )
        return FundingResult(tuple(results))


POLICY = HangzhouPolicy()
