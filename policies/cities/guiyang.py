"""“科创中国”贵阳学会产业科技服务工作站建设方案（试行）— society-led workstations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..common import (
    block,
    credit_parties,
    one_off_schedule,
    province_of,
    resolve_amount,
    stage,
    terminal,
)
from ..facts import ActivitySummary, EligibilityFacts
from ..types import (
    CityPolicy,
    ExpenseRules,
    Finding,
    FundingResult,
    Indicator,
    ParamSpec,
    PrintableForm,
    Program,
    QuantItem,
    Rubric,
    Workflow,
)

C = "贵阳"
CONDITIONS = f"{C} 三(三)"
PROCEDURE = f"{C} 四(二)"
ASSESSMENT = f"{C} 四(三)"
FUNDS = f"{C} 四(四)"

LEVEL_ZH = {"national": "国家级", "provincial": "省级", "city": "市级"}


def outside_guizhou(province: str) -> bool:
    """Return whether an expert's province (Expert.province) is known and not Guizhou.

    "贵阳市" or "遵义" lie in Guizhou; a place that names no province does not count as
    outside (the 申报书 must say where the expert's employer is).
    """
    found = province_of(province)
    return bool(found) and found != "贵州省"


class GuiyangPolicy(CityPolicy):
    code = "guiyang"
    name_zh = C
    document_prefix = "筑科协"  # 文号 of the documents the city's 科协 issues
    province_zh = "贵州省"
    document_zh = "“科创中国”贵阳学会产业科技服务工作站建设方案（试行）"
    grades = ("qualified", "unqualified")
    grade_clause = ASSESSMENT
    change_kinds = {"merge": "合并", "restructure": "重组", "cancel": "撤销"}
    change_clause = f"{ASSESSMENT}5"
    change_ends_support = ("cancel",)
    change_requesters = ("society_staff",)
    # --- funding --- (the society is paid: 四(四); see Program.payee)
    misuse_clause = FUNDS
    later_support_clause = f"{ASSESSMENT}6"
    revocation_clause = f"{ASSESSMENT}4"
    # 四(三)4: any one of these revokes the workstation.
    revocation_reasons = {
        "absent": "无正当理由不参加考核",
        "false_materials": "申报过程中隐瞒真实情况、提供虚假材料",
        "ip_infringement": "恶意侵犯他人知识产权，造成不良社会影响，被行政或司法部门确认侵权",
        "major_accident": "建站单位因技术原因发生重大安全、质量、环境污染事故，受到行政、刑事处理",
    }

    # --- evaluations ---
    # 四(三): assessed every year of the agreement (paid once); the demand unit evaluates the
    # workstation; every workstation takes part (四(三)3), absence may revoke it (四(三)4).
    assessed_over_agreement = True
    demand_unit_clause = ASSESSMENT
    absence_clause = f"{ASSESSMENT}3"
    absence_revocation_clause = f"{ASSESSMENT}4"
    # --- end evaluations ---

    # --- reports: dashboard targets, printable official forms ---
    # The 申报书 of the 建设方案 (填表说明 and 共同条款 as printed on it).
    printable_forms = {
        "station": PrintableForm(
            template="reports/pdf/application_form_guiyang.html",
            title="“科创中国”贵阳学会产业科技服务工作站申报书",
            applicant="society",
            instructions=(
                "本申报书是建站申报依据，填写内容须实事求是，表述应明确、严谨，相应栏目请填写完整。"
                "缺项或格式不符的申报书不予受理。",
                "本申报书为A4纸张打印，报送一式3份。",
                "每一栏应按照提示要求填写。",
                "各栏目如填写不下，可另加附页。",
                "项目申报书填好后加盖项申报单位公章，申报单位所盖公章必须为具有独立法人资格、"
                "拥有独立账号单位的公章。",
            ),
            common_terms=(
                "监管单位为甲方，申报单位为乙方。申报书须经甲方、乙方代表人或授权委托人签字并加盖双方公章后生效。",
                "工作站建立过程中，乙方如需调整任务，应向甲方提出变更内容及理由的申请报告，经甲方审定同意后方可实施。",
                "乙方因故致使无法达到建站预期，提出中止任务的，应视情况，部分或全部退还甲方所拨项目经费。",
                "工作站开展工作过程中，甲方无故提出中止任务的，所拨经费不得追回。",
                "未尽事宜双方协商解决。",
                "本项目任务书正式文本一式叁份，乙方及甲方监督部门、财务部门各执壹份。",
            ),
        ),
    }

    programs = {
        "station": Program(
            code="station",
            label_zh="学会产业科技服务工作站",
            applicant="society",
            levels=("national", "provincial", "city"),
            payment="one_off",
            support_years=1,
            amount_param={
                "national": "amount_national",
                "provincial": "amount_provincial",
                "city": "amount_city",
            },
            rounds_zh="常年申报，经认定后一次性补助",
            clauses=(f"{FUNDS}1", f"{FUNDS}2"),
            payee="society",  # --- funding --- 四(四): the money goes to the society
            # --- applications engine ---
            form="budgeted_station",  # 申报书 with the budget table and the payee account
            host_unit_clause=CONDITIONS,
        ),
    }

    # --- calls: required materials (四(二) 申报材料) ---
    programs = {
        **programs,
        "station": replace(
            programs["station"],
            required_attachments=(
                "application_form",
                "agreement",
                "work_plan",
                "expert_list",
                "work_rules",
                "staff_list",
            ),
            materials_clause=PROCEDURE,
        ),
    }

    workflows = {
        "station": Workflow(
            program="station",
            start="draft",
            stages=(
                stage("draft", "建站学会申报", "society_staff", submit="material_review"),
                stage(
                    "material_review",
                    "市科协材料审查",
                    "city_admin",
                    approve="site_inspection",
                    ret="draft",
                    reject="rejected",
                    clause=f"{PROCEDURE}2",
                ),
                stage(
                    "site_inspection",
                    "实地考察",
                    "city_admin",
                    approve="chair_meeting",
                    ret="draft",
                    reject="rejected",
                    needs_inspection=True,
                    clause=f"{PROCEDURE}2",
                ),
                stage(
                    "chair_meeting",
                    "市科协主席办公会议研究",
                    "city_admin",
                    approve="certified",
                    reject="rejected",
                    clause=f"{PROCEDURE}3",
                ),
                terminal(
                    "certified",
                    "发文认定、拨付补助、统一挂牌",
                    "city_admin",
                    "certified",
                    clause=f"{PROCEDURE}3",
                ),
                terminal("rejected", "不予认定", "city_admin", "rejected", clause=PROCEDURE),
            ),
        ),
    }

    review_rubrics = {
        "station": Rubric(
            "guiyang_review",
            "建站申报评审",
            (
                Indicator("conditions", "建站条件", 40, f"{PROCEDURE}2"),
                Indicator("content", "服务内容", 30, f"{PROCEDURE}2"),
                Indicator("outcomes", "预期成效", 30, f"{PROCEDURE}2"),
            ),
            f"{PROCEDURE}2",
        ),
    }
    evaluation_rubrics = {
        "station": Rubric(
            "guiyang_evaluation",
            "工作站年度考核",
            (
                Indicator("advice", "决策咨询获批示或采纳", 15, f"{ASSESSMENT}2"),
                Indicator("projects", "获得重大科技专项", 15, f"{ASSESSMENT}2"),
                Indicator("transfer", "成果转化数量及效益", 20, f"{ASSESSMENT}2"),
                Indicator("talent", "培养、引进高层次人才", 15, f"{ASSESSMENT}2"),
                Indicator("standards", "制定省级及以上技术标准", 10, f"{ASSESSMENT}2"),
                Indicator("awards", "获市级及以上科技奖项", 10, f"{ASSESSMENT}2"),
                Indicator("benefit", "技术攻关成果经济效益", 15, f"{ASSESSMENT}2"),
            ),
            ASSESSMENT,
        ),
    }

    param_specs = (
        ParamSpec(
            "amount_national", "国家级学会工作站补助（一次性）", unit="元", clause=f"{FUNDS}1"
        ),
        ParamSpec(
            "amount_provincial", "省级学会工作站补助（一次性）", unit="元", clause=f"{FUNDS}2"
        ),
        ParamSpec("amount_city", "市级学会工作站补助（一次性）", unit="元", clause=f"{FUNDS}2"),
        # Expert panel display; the policy is silent (no expert scoring stage in 四(二); both off).
        ParamSpec(
            "blind_review",
            "专家盲评（对专家隐藏申报单位信息）",
            kind="bool",
            clause=f"{PROCEDURE}2",
        ),
        ParamSpec(
            "trimmed_mean",
            "专家评分去掉一个最高分和一个最低分后取平均",
            kind="bool",
            clause=f"{PROCEDURE}2",
        ),
        ParamSpec(
            "cutoff_qualified", "年度考核合格分数线", max_value=100, unit="分", clause=ASSESSMENT
        ),
        ParamSpec(
            "agreement_min_years",
            "合作协议最短期限",
            min_value=1,
            unit="年",
            clause=f"{CONDITIONS}3",
        ),
        ParamSpec(
            "min_experts_national", "国家级：进站专家不少于", unit="人", clause=f"{CONDITIONS}7"
        ),
        ParamSpec(
            "min_outside_experts_national",
            "国家级：其中省外专家不少于",
            unit="人",
            clause=f"{CONDITIONS}7",
        ),
        ParamSpec(
            "min_experts_provincial", "省级：进站专家不少于", unit="人", clause=f"{CONDITIONS}7"
        ),
        ParamSpec("min_experts_city", "市级：进站专家不少于", unit="人", clause=f"{CONDITIONS}7"),
        ParamSpec(
            "min_demands_national",
            "国家级：每年服务技术需求不少于",
            unit="项",
            clause=f"{CONDITIONS}7",
        ),
        ParamSpec(
            "min_demands_provincial",
            "省级：每年服务技术需求不少于",
            unit="项",
            clause=f"{CONDITIONS}7",
        ),
        ParamSpec(
            "min_demands_city", "市级：每年服务技术需求不少于", unit="项", clause=f"{CONDITIONS}7"
        ),
    )
    defaults = {
        "amount_national": 100000,
        "amount_provincial": 50000,
        "amount_city": 50000,
        "blind_review": False,
        "trimmed_mean": False,
        "cutoff_qualified": 60,
        "agreement_min_years": 2,
        "min_experts_national": 10,
        "min_outside_experts_national": 5,
        "min_experts_provincial": 5,
        "min_experts_city": 3,
        "min_demands_national": 10,
        "min_demands_provincial": 5,
        "min_demands_city": 3,
    }
    expenses = ExpenseRules(
        allowed=(
            "expert_travel",
            "transport",
            "consulting",
            "meeting",
            "training",
            "labour",
            "exchange",
            "books",
            "equipment",
            "other",
        ),
        forbidden=("production", "fines", "donations", "sponsorship", "investment", "welfare"),
        allowed_clause=f"{FUNDS}4",
        forbidden_clause=f"{FUNDS}4",
    )

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        level = facts.level
        if facts.society.level != level:
            findings.append(
                block(
                    "station_level",
                    f"工作站级别应与建站学会级别一致（学会为{LEVEL_ZH.get(facts.society.level, facts.society.level)}）",
                    f"{CONDITIONS}7",
                )
            )
        years = facts.agreement_years
        minimum = int(params["agreement_min_years"])
        if years is None or years < minimum - 0.02:
            findings.append(
                block(
                    "agreement_term",
                    f"项目合作协议的合作期限不少于{minimum}年",
                    f"{CONDITIONS}3",
                )
            )
        if not facts.head_name:
            findings.append(block("no_head", "工作站须设立站长1名", f"{CONDITIONS}2"))
        if facts.staff_count < 1:
            findings.append(
                block("no_staff", "工作站须有专门工作人员负责站点管理", f"{CONDITIONS}2")
            )
        needed = int(params.get(f"min_experts_{level}", 0))
        if len(facts.experts) < needed:
            findings.append(
                block(
                    "expert_count",
                    f"{LEVEL_ZH.get(level, level)}工作站进站专家不少于{needed}人（现有{len(facts.experts)}人）",
                    f"{CONDITIONS}7",
                )
            )
        if level == "national":
            outside = sum(1 for e in facts.experts if outside_guizhou(e.province))
            needed_outside = int(params["min_outside_experts_national"])
            if outside < needed_outside:
                findings.append(
                    block(
                        "outside_experts",
                        f"国家级工作站省外专家不少于{needed_outside}人（现有{outside}人）",
                        f"{CONDITIONS}7",
                    )
                )
        parties = credit_parties(facts)
        if parties:
            findings.append(
                block(
                    "credit_flag",
                    "、".join(parties) + "存在涉黑涉恶或失信记录，不予受理",
                    f"{CONDITIONS}8",
                )
            )
        return findings

    def quantitative_items(
        self, summary: ActivitySummary, params: Mapping[str, Any]
    ) -> list[QuantItem]:
        """Return the 三(三)7 yearly minimums for the station's level, with pass/fail."""
        level = summary.level if summary.level in LEVEL_ZH else "city"
        label = LEVEL_ZH[level]
        demands = int(params[f"min_demands_{level}"])
        experts = int(params[f"min_experts_{level}"])
        outside = int(params["min_outside_experts_national"]) if level == "national" else 0
        expert_rule = f"{label}工作站进站专家不少于{experts}人" + (
            f"，其中省外专家不少于{outside}人" if outside else ""
        )
        return [
            QuantItem(
                "demands",
                "每年服务技术需求",
                f"{label}工作站每年服务技术需求不少于{demands}项",
                summary.demands_served >= demands,
                {"demands_served": summary.demands_served, "required": demands},
                f"{CONDITIONS}7",
            ),
            QuantItem(
                "experts",
                "进站专家",
                expert_rule,
                summary.experts >= experts and summary.outside_experts >= outside,
                {
                    "experts": summary.experts,
                    "outside_experts": summary.outside_experts,
                    "required": experts,
                    "required_outside": outside,
                },
                f"{CONDITIONS}7",
            ),
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
        grant = resolve_amount(self, prog, level, amount, params)
        pay_clause = f"{FUNDS}1" if level == "national" else f"{FUNDS}2"
        # Later years' support is discretionary (四(三)6) and entered by an administrator,
        # so the what-if shows none; an unqualified year stops it: station kept, no support.
        return one_off_schedule(
            self,
            start_year=start_year,
            amount=grant,
            scores=dict(evaluations),
            params=params,
            year_params=year_params,
            pay_clauses=(pay_clause,),
            grade_clause=ASSESSMENT,
            unqualified_status="suspended",
        )


POLICY = GuiyangPolicy()
