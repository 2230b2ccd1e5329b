"""益阳市重点产业领域学会服务站建设管理办法（试行）(2023-09-21) — two-year certification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..common import block, resolve_amount, stage, terminal, warn, year_span
from ..facts import ActivitySummary, EligibilityFacts
from ..types import (
    CityPolicy,
    ExpenseRules,
    Finding,
    FundingResult,
    GrantFacts,
    Indicator,
    ParamSpec,
    PrintableForm,
    Program,
    QuantItem,
    Rubric,
    Workflow,
    YearResult,
)

C = "益阳"
HOSTS = f"{C} 第五条"
ELIG = f"{C} 第七条"
PROCEDURE = f"{C} 第八条"
MANAGEMENT = f"{C} 第十二条"
FUNDING = f"{C} 第十六条"
USES = f"{C} 第十七条"

# 第五条: where each level of station is (in principle) hosted.
HOSTS_BY_LEVEL = {
    "national": frozenset({"county_cast", "city_society"}),
    "provincial": frozenset(
        {"city_society", "county_cast", "park_cast", "university_cast", "enterprise_cast"}
    ),
    "city": frozenset({"county_cast", "township_cast", "enterprise_cast"}),
}
# 第八条(一): units with their own CAST and city-level societies apply to the city CAST directly.
DIRECT_NATURES = frozenset({"enterprise_cast", "university_cast", "park_cast", "city_society"})


def may_apply_directly(facts: EligibilityFacts) -> bool:
    host = facts.host_unit
    return bool(host and (host.has_own_cast or host.nature in DIRECT_NATURES))


def applies_directly(facts: EligibilityFacts) -> bool:
    """第八条(一) 也可: a unit that may apply directly does so unless it chose its county."""
    return may_apply_directly(facts) and facts.apply_via != "county"


# --- funding ---
def workstation_national_only(has_expert_workstation: bool, level: str) -> list[Finding]:
    """第七条(七): a host with a city-level (or higher) expert workstation funded by the city
    may only be a national-level station — checked at application and when the grant is made."""
    if not has_expert_workstation or level == "national":
        return []
    return [
        block(
            "workstation_national_only",
            "已建有市级专家工作站等以上平台并获市财政资助的单位，只能申报国家级学会服务站",
            f"{ELIG}(七)",
        )
    ]


class YiyangPolicy(CityPolicy):
    code = "yiyang"
    name_zh = C
    document_prefix = "益科协"  # 文号 of the documents the city's 科协 issues
    province_zh = "湖南省"
    document_zh = "益阳市重点产业领域学会服务站建设管理办法（试行）"
    effective_from = dt.date(2023, 9, 21)
    grades = ("excellent", "qualified", "unqualified")
    grade_clause = MANAGEMENT
    change_kinds = {"merge": "合并", "restructure": "重组", "cancel": "撤销"}
    change_clause = f"{C} 第十四条"
    change_ends_support = ("cancel",)
    change_requesters = ("host_staff", "society_staff")

    # --- reports: dashboard targets, printable official forms ---
    # The 申报书 of 附件 (the seed form), printed box for box from an application.
    printable_forms = {
        "station": PrintableForm(
            template="reports/pdf/application_form_yiyang.html",
            title="益阳市重点产业领域学会服务站申报书",
            applicant="unit_name",
            choice_boxes={"natures": "unit_nature", "industries": "key_industry"},
            level_boxes=(
                ("national", "国家级学会服务站"),
                ("provincial", "省级学会服务站"),
                ("city", "市级学会服务站"),
            ),
        ),
    }
    predicates = {"applies_directly": applies_directly}
    # --- funding ---
    misuse_clause = f"{C} 第十九条"

    def grant_conflicts(self, facts: GrantFacts, params: Mapping[str, Any]) -> list[Finding]:
        return workstation_national_only(facts.host_has_expert_workstation, facts.level)

    programs = {
        "station": Program(
            code="station",
            label_zh="重点产业领域学会服务站认定",
            applicant="host_unit",
            levels=("national", "provincial", "city"),
            payment="yearly",
            support_years="term_years",
            amount_param={
                "national": None,  # 一事一议
                "provincial": "amount_provincial",
                "city": "amount_city",
            },
            quota_param="city_quota_per_round",
            quota_levels=("city",),  # 第十一条: city-level ≤ quota per round, provincial+ as needed
            round_every="round_years",  # 每两年认定一次 (第八条): calls and forecast alike
            rounds_zh="每两年认定一次（市级每次不超过规定名额）",
            clauses=(MANAGEMENT, FUNDING),
            # --- applications engine ---
            form="industry_station",  # 申报书（附件）: unit, society, agreement, path
        ),
    }

    # --- calls: required materials (第九条 申报材料) ---
    programs = {
        **programs,
        "station": replace(
            programs["station"],
            required_attachments=(
                "application_form",
                "agreement",
                "performance_goals",
                "work_rules",
                "staff_list",
            ),
            materials_clause=f"{C} 第九条",
        ),
    }

    workflows = {
        "station": Workflow(
            program="station",
            start="draft",
            stages=(
                stage("draft", "建站单位申请", "host_staff", submit="county_review"),
                stage(
                    "county_review",
                    "县市区科协初审推荐",
                    "county_reviewer",
                    approve="city_review",
                    ret="draft",
                    reject="rejected",
                    skip_if="applies_directly",
                    clause=f"{PROCEDURE}(一)",
                ),
                stage(
                    "city_review",
                    "市科协审核",
                    "city_admin",
                    approve="site_inspection",
                    ret="draft",
                    reject="rejected",
                    clause=f"{PROCEDURE}(二)",
                ),
                stage(
                    "site_inspection",
                    "市科协实地考察",
                    "city_admin",
                    approve="city_decision",
                    ret="draft",
                    reject="rejected",
                    needs_inspection=True,
                    clause=f"{PROCEDURE}(二)",
                ),
                stage(
                    "city_decision",
                    "市科协研究审定、提出支持意见",
                    "city_admin",
                    approve="talent_approval",
                    reject="rejected",
                    clause=f"{PROCEDURE}(二)",
                ),
                stage(
                    "talent_approval",
                    "市委人才办审定批准（名额控制）",
                    "talent_office",
                    approve="public_notice",
                    ret="city_decision",
                    reject="rejected",
                    quota_check=True,
                    sets_amount=True,  # national stations: amount entered (一事一议, 第十六条)
                    clause=f"{PROCEDURE}(二)",
                ),
                stage(
                    "public_notice",
                    "社会公示",
                    "city_admin",
                    approve="certified",
                    reject="rejected",
                    notice_workdays_param="notice_workdays",
                    clause=f"{PROCEDURE}(三)",
                ),
                terminal(
                    "certified", "发文授牌", "talent_office", "certified", clause=f"{PROCEDURE}(四)"
                ),
                terminal("rejected", "不予认定", "city_admin", "rejected", clause=PROCEDURE),
            ),
        ),
    }

    review_rubrics = {
        "station": Rubric(
            "yiyang_review",
            "服务站认定评审",
            (
                Indicator("host", "建站单位条件（机构、研发团队、经费、制度）", 30, ELIG),
                Indicator("agreement", "合作协议内容与目标", 25, ELIG),
                Indicator("team", "专家团队与工作人员", 25, ELIG),
                Indicator("industry", "重点产业契合度与辐射作用", 20, ELIG),
            ),
            PROCEDURE,
        ),
    }
    evaluation_rubrics = {
        "station": Rubric(
            "yiyang_evaluation",
            "服务站定期考核（百分制）",
            (
                Indicator("agreement", "合作协议完成情况", 20, f"{MANAGEMENT}(一)"),
                Indicator("onsite", "专家团队在站工作天数", 20, f"{MANAGEMENT}(二)"),
                Indicator("survey", "产业调研及调研成果", 20, f"{MANAGEMENT}(三)"),
                Indicator("training", "科技骨干培训", 20, f"{MANAGEMENT}(四)"),
                Indicator("results", "技术攻关、破解难题、成果转化", 20, f"{MANAGEMENT}(五)"),
            ),
            MANAGEMENT,
        ),
    }

    param_specs = (
        ParamSpec("amount_provincial", "省级服务站每年资助", unit="元", clause=FUNDING),
        ParamSpec("amount_city", "市级服务站每年资助", unit="元", clause=FUNDING),
        ParamSpec("term_years", "认定周期", min_value=1, max_value=5, unit="年", clause=MANAGEMENT),
        ParamSpec(
            "city_quota_per_round",
            "市级服务站每次认定上限",
            min_value=1,
            unit="家",
            clause=MANAGEMENT,
        ),
        ParamSpec(
            "notice_workdays",
            "公示期",
            min_value=1,
            max_value=30,
            unit="个工作日",
            clause=f"{PROCEDURE}(三)",
        ),
        # Expert panel display; the policy is silent (no expert scoring stage in 第八条; both off).
        ParamSpec(
            "blind_review",
            "专家盲评（对专家隐藏申报单位信息）",
            kind="bool",
            clause=f"{PROCEDURE}(二)",
        ),
        ParamSpec(
            "trimmed_mean",
            "专家评分去掉一个最高分和一个最低分后取平均",
            kind="bool",
            clause=f"{PROCEDURE}(二)",
        ),
        # The policy names no period for 限期整改 after a first-year 不合格 (第十二条).
        ParamSpec(
            "rectification_days",
            "限期整改期限",
            min_value=1,
            max_value=365,
            unit="天",
            clause=MANAGEMENT,
        ),
        ParamSpec(
            "round_years",
            "认定周期（每几年接受一次建站申请）",
            min_value=1,
            max_value=5,
            unit="年",
            clause=PROCEDURE,
        ),
        ParamSpec("cutoff_excellent", "优秀分数线", max_value=100, unit="分", clause=MANAGEMENT),
        ParamSpec("cutoff_qualified", "合格分数线", max_value=100, unit="分", clause=MANAGEMENT),
        ParamSpec(
            "agreement_years",
            "合作协议期限",
            min_value=1,
            max_value=10,
            unit="年",
            clause=f"{ELIG}(三)",
        ),
        ParamSpec("min_staff", "最少工作人员", unit="名", clause=f"{ELIG}(六)"),
        ParamSpec("min_experts", "专家团队最少人数", unit="人", clause=f"{ELIG}(六)"),
        ParamSpec(
            "one_per_society_blocks",
            "同一学会第二家服务站直接拦截（否则仅提示）",
            kind="bool",
            clause=f"{ELIG}(七)",
        ),
        ParamSpec(
            "q_agreement_year1",
            "协议完成度：第一年不少于",
            max_value=100,
            unit="%",
            clause=f"{MANAGEMENT}(一)",
        ),
        ParamSpec(
            "q_agreement_year2",
            "协议完成度：第二年达到",
            max_value=100,
            unit="%",
            clause=f"{MANAGEMENT}(一)",
        ),
        ParamSpec(
            "q_days_quarter", "专家在站天数：每季度不少于", unit="天", clause=f"{MANAGEMENT}(二)"
        ),
        ParamSpec("q_days_year", "专家在站天数：全年不少于", unit="天", clause=f"{MANAGEMENT}(二)"),
        ParamSpec("q_surveys", "产业调研：每年不少于", unit="次", clause=f"{MANAGEMENT}(三)"),
        ParamSpec("q_survey_results", "调研成果：不少于", unit="份", clause=f"{MANAGEMENT}(三)"),
        ParamSpec("q_trainings", "培训：每年不少于", unit="场", clause=f"{MANAGEMENT}(四)"),
        ParamSpec("q_trainees", "每场培训不少于", unit="人次", clause=f"{MANAGEMENT}(四)"),
        ParamSpec("q_breakthroughs", "技术攻关：不少于", unit="次", clause=f"{MANAGEMENT}(五)"),
        ParamSpec("q_problems", "破解企业技术难题：不少于", unit="个", clause=f"{MANAGEMENT}(五)"),
        ParamSpec("q_transfers", "推广转化科技成果：不少于", unit="项", clause=f"{MANAGEMENT}(五)"),
    )
    defaults = {
        "amount_provincial": 100000,
        "amount_city": 50000,
        "term_years": 2,
        "city_quota_per_round": 5,
        "notice_workdays": 5,
        "blind_review": False,
        "trimmed_mean": False,
        "rectification_days": 90,
        "round_years": 2,
        "cutoff_excellent": 85,
        "cutoff_qualified": 60,
        "agreement_years": 2,
        "min_staff": 1,
        "min_experts": 5,
        "one_per_society_blocks": True,
        "q_agreement_year1": 50,
        "q_agreement_year2": 100,
        "q_days_quarter": 10,
        "q_days_year": 40,
        "q_surveys": 2,
        "q_survey_results": 1,
        "q_trainings": 2,
        "q_trainees": 50,
        "q_breakthroughs": 1,
        "q_problems": 2,
        "q_transfers": 2,
    }
    expenses = ExpenseRules(
        allowed=(
            "expert_travel",
            "transport",
            "consulting",
            "meeting",
            "training",
            "technical_service",
            "exchange",
            "books",
        ),
        forbidden=(),
        allowed_clause=USES,
    )

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        host = facts.host_unit
        if host is not None:
            if "益阳" not in host.registered_city:
                findings.append(
                    block("host_not_registered", "建站单位必须在益阳市范围内注册", f"{ELIG}(二)")
                )
            if not host.is_legal_person:
                findings.append(
                    block("host_not_legal_person", "建站单位须具备独立法人资格", f"{ELIG}(二)")
                )
            findings += workstation_national_only(host.has_expert_workstation, facts.level)
            if host.nature not in HOSTS_BY_LEVEL.get(facts.level, ()):
                findings.append(
                    warn(
                        "host_nature_level",
                        "建站单位类型与申报级别不符合第五条的一般要求，请核实",
                        HOSTS,
                    )
                )
        years = facts.agreement_years
        wanted = int(params["agreement_years"])
        if years is None:
            findings.append(
                block("agreement_term_missing", "须填写共建协议的合作期限", f"{ELIG}(三)")
            )
        elif abs(years - wanted) > 0.05:
            findings.append(
                block(
                    "agreement_term",
                    f"共建协议合作期限应为{wanted}年（现为约{years:.1f}年）",
                    f"{ELIG}(三)",
                )
            )
        if facts.staff_count < int(params["min_staff"]):
            findings.append(
                block(
                    "staff_count",
                    f"须有专职或兼职工作人员至少{params['min_staff']}名",
                    f"{ELIG}(六)",
                )
            )
        if facts.apply_via == "city" and not may_apply_directly(facts):
            findings.append(
                block(
                    "direct_not_allowed",
                    "只有设有科协组织的企事业单位和市级科技社团可直接向市科协申报，"
                    "请选择经所在地县市区科协初审推荐",
                    f"{PROCEDURE}(一)",
                )
            )
        if not applies_directly(facts) and not facts.county_talent_opinion.strip():
            findings.append(
                warn(
                    "county_talent_opinion",
                    "申报书须有县市区委人才办意见，请填写（或上传盖章页）",
                    f"{PROCEDURE}(一)",
                )
            )
        if len(facts.experts) < int(params["min_experts"]):
            findings.append(
                block(
                    "expert_count",
                    f"专家团队不少于{params['min_experts']}人（现有{len(facts.experts)}人）",
                    f"{ELIG}(六)",
                )
            )
        if facts.same_society_stations > 0:
            maker = block if params["one_per_society_blocks"] else warn
            findings.append(
                maker(
                    "one_per_society",
                    "同一学会在本市范围内原则上只认定一家学会服务站",
                    f"{ELIG}(七)",
                )
            )
        return findings

    def call_findings(
        self, program: str, year: int, previous_years: list[int], params: Mapping[str, Any]
    ) -> list[Finding]:
        """第八条/第十二条 每两年: a call sooner than the cadence after the last one warns."""
        every = self.round_every_years(self.program(program), params)
        recent = [y for y in previous_years if 0 <= year - y < every]
        if not recent:
            return []
        return [
            warn(
                "round_cadence",
                f"市科协每{every}年接受一次建站申请，{max(recent)}年已发布过申报通知",
                PROCEDURE,
            )
        ]

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
        term = self.support_years(prog, params)
        scores = dict(evaluations)
        results: list[YearResult] = []
        status = "active"
        paid_so_far = 0
        for index, year in enumerate(year_span(start_year, term, scores)):
            score = scores.get(year)
            rules = self.assessment_params(params, year_params, year)
            grade = self.grade(score, rules) if score is not None else None
            paid = recovered = 0
            clauses = [MANAGEMENT] if grade is not None else []
            if index >= term:
                clauses.append(MANAGEMENT)  # beyond the term: re-certification needed
            elif grade is None:
                clauses.append(FUNDING)  # awaiting this year's assessment
            elif index < term - 1:
                if grade == "unqualified":
                    status = "rectification"
                else:
                    paid = yearly
                    status = "active"
                clauses.append(FUNDING)
            else:  # term-end assessment
                if grade == "unqualified":
                    status = "delisted"
                    recovered = paid_so_far
                else:
                    paid = yearly
                    status = "completed"
                clauses.append(FUNDING)
            paid_so_far += paid
            results.append(
                YearResult(
                    year, score, grade, paid, recovered, status, tuple(dict.fromkeys(clauses))
                )
            )
        return FundingResult(tuple(results))

    def quantitative_items(
        self, summary: ActivitySummary, params: Mapping[str, Any]
    ) -> list[QuantItem]:
        """Return the five 第十二条 items with pass/fail and the figures behind each."""
        p = params
        need = p["q_agreement_year1"] if summary.term_year <= 1 else p["q_agreement_year2"]
        quarters = summary.expert_days_by_quarter
        big_trainings = sum(1 for n in summary.training_trainees if n >= p["q_trainees"])
        return [
            QuantItem(
                "agreement",
                "合作协议实施情况",
                f"第{summary.term_year}年完成不少于协议内容的{need}%",
                summary.agreement_progress_percent >= need,
                {"progress_percent": summary.agreement_progress_percent, "required": need},
                f"{MANAGEMENT}(一)",
            ),
            QuantItem(
                "onsite",
                "专家服务团队在站工作天数",
                f"每季度不少于{p['q_days_quarter']}天，全年不少于{p['q_days_year']}天",
                all(d >= p["q_days_quarter"] for d in quarters)
                and summary.expert_days >= p["q_days_year"],
                {"by_quarter": list(quarters), "total": summary.expert_days},
                f"{MANAGEMENT}(二)",
            ),
            QuantItem(
                "survey",
                "重点产业调查研究",
                f"每年不少于{p['q_surveys']}次，至少形成{p['q_survey_results']}份调研成果",
                summary.surveys >= p["q_surveys"]
                and summary.survey_results >= p["q_survey_results"],
                {"surveys": summary.surveys, "survey_results": summary.survey_results},
                f"{MANAGEMENT}(三)",
            ),
            QuantItem(
                "training",
                "科技骨干培训",
                f"每年不少于{p['q_trainings']}场，每场不少于{p['q_trainees']}人次",
                big_trainings >= p["q_trainings"],
                {
                    "trainings": len(summary.training_trainees),
                    "qualifying_trainings": big_trainings,
                    "trainees": list(summary.training_trainees),
                },
                f"{MANAGEMENT}(四)",
            ),
            QuantItem(
                "results",
                "技术攻关、破解难题、成果转化",
                f"技术攻关{p['q_breakthroughs']}次以上，破解难题{p['q_problems']}个以上，"
                f"转化成果{p['q_transfers']}项以上",
                summary.breakthroughs >= p["q_breakthroughs"]
                and summary.problems_solved >= p["q_problems"]
                and summary.achievements_transferred >= p["q_transfers"],
                {
                    "breakthroughs": summary.breakthroughs,
                    "problems_solved": summary.problems_solved,
                    "achievements_transferred": summary.achievements_transferred,
                },
                f"{MANAGEMENT}(五)",
            ),
        ]


POLICY = YiyangPolicy()
