"""连科协〔2017〕15号 关于提升学会和企事业科协服务科技创新能力的实施意见 — four annual awards."""

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
)
from ..facts import AGREEMENT, COUNTY_CAST_CONFIRMATION, FUNCTION_PROOF, EligibilityFacts
from ..types import (
    CityPolicy,
    Finding,
    FundingResult,
    Indicator,
    ParamSpec,
    PolicyError,
    Program,
    Rubric,
    Workflow,
)

C = "连云港"
DEADLINE = f"{C} 五(一)"
REVIEW = f"{C} 五(二)"
DECISION = f"{C} 五(三)"
AWARD_CLAUSE = {
    "demo_society": f"{C} 三(一)",
    "service_station": f"{C} 三(二)",
    "chief_expert": f"{C} 三(三)",
    "function_project": f"{C} 三(四)",
}
CONDITION_CLAUSE = {
    "demo_society": f"{C} 四(一)",
    "service_station": f"{C} 四(二)",
    "chief_expert": f"{C} 四(三)",
    "function_project": f"{C} 四(四)",
}
# --- calls: required materials ---
# Materials every application of the program must carry (四(二)4, 四(三): 县区科协盖章确认;
# 四(四)2: 承担职能的证明); the agreement may instead be shown by its signing date.
REQUIRED_MATERIALS = {
    "service_station": (COUNTY_CAST_CONFIRMATION,),
    "chief_expert": (COUNTY_CAST_CONFIRMATION,),
    "function_project": (FUNCTION_PROOF,),
}
MATERIALS_ITEM = {"service_station": "4", "chief_expert": "4", "function_project": "2"}
LABELS = {
    "demo_society": ("综合示范学会奖", "society"),
    "service_station": ("科技服务站", "society"),
    "chief_expert": ("首席专家（工程师）", "expert"),
    "function_project": ("承接职能示范工程", "society"),
}
# --- funding --- who receives each award: the society, except the chief expert's (paid to the
# expert). The 优秀科技服务站 award (三(二)) rewards the society whose expert team runs the
# station, and a 承接职能示范工程 (三(四)) is the society's own undertaking: neither pays the
# served unit hosting a station the application names.
PAYEES = {
    "demo_society": "society",
    "service_station": "society",
    "chief_expert": "expert",
    "function_project": "society",
}


def _program(code: str) -> Program:
    label, applicant = LABELS[code]
    return Program(
        code=code,
        label_zh=label,
        applicant=applicant,
        levels=("city",),
        payment="one_off",
        support_years=1,
        amount_param={"city": f"{code}_amount"},
        quota_param=f"{code}_quota",
        deadline_param=f"{code}_deadline",
        deadline_clause=DEADLINE,
        rounds_zh="每年评选一次",
        clauses=(AWARD_CLAUSE[code], DEADLINE),
        payee=PAYEES[code],
        form=FORMS[code],  # --- applications engine ---
        # --- outcome wording --- every program, the station award too, is commended (表彰,
        # 五(三) 表彰奖励), not certified.
        outcome="award",
    )


def _workflow(code: str) -> Workflow:
    return Workflow(
        program=code,
        start="draft",
        stages=(
            stage(
                "draft",
                "申报（经学会理事会/领导班子研究通过）",
                "society_staff",
                submit="intake",
            ),
            stage(
                "intake",
                "市科协学会部受理",
                "city_admin",
                approve="expert_review",
                ret="draft",
                reject="rejected",
                clause=DEADLINE,
            ),
            stage(
                "expert_review",
                "评审专家组评审",
                "expert_reviewer",
                approve="leading_group",
                reject="rejected",
                needs_expert_score=True,
                clause=REVIEW,
            ),
            stage(
                "leading_group",
                "领导小组和市科协主席会研究审定（名额控制）",
                "city_admin",
                approve="public_notice",
                ret="expert_review",
                reject="rejected",
                quota_check=True,
                clause=DECISION,
            ),
            stage(
                "public_notice",
                "市科协网站公示",
                "city_admin",
                approve="awarded",
                reject="rejected",
                notice_workdays_param="notice_workdays",
                clause=DECISION,
            ),
            terminal("awarded", "表彰奖励", "city_admin", "certified", "awarded", clause=DECISION),
            terminal("rejected", "未获奖", "city_admin", "rejected", clause=DECISION),
        ),
    )


CODES = tuple(LABELS)
# --- applications engine ---
# The 申报书 of each award (applications.program_forms.FORMS keys).
FORMS = {
    "demo_society": "demo_society",
    "service_station": "station_award",
    "chief_expert": "chief_expert",
    "function_project": "function_project",
}


class LianyungangPolicy(CityPolicy):
    code = "lianyungang"
    name_zh = C
    document_prefix = "连科协"  # 文号 of the documents the city's 科协 issues
    province_zh = "江苏省"
    document_zh = "连科协〔2017〕15号 关于提升学会和企事业科协服务科技创新能力的实施意见"
    effective_from = dt.date(2017, 3, 16)
    grades = ("qualified", "unqualified")
    grade_clause = REVIEW
    programs = {code: _program(code) for code in CODES}
    # 四(一)1: a demonstration society needs, within the year, an approved station or
    # function project (facts.has_same_year_station_or_project is computed from these).
    same_year_programs = ("service_station", "function_project")
    # --- calls: required materials (县区科协盖章确认; 承接职能证明) ---
    programs = {
        code: replace(
            prog,
            required_attachments=REQUIRED_MATERIALS.get(code, ()),
            materials_clause=(
                f"{CONDITION_CLAUSE[code]}{MATERIALS_ITEM[code]}" if code in MATERIALS_ITEM else ""
            ),
        )
        for code, prog in programs.items()
    }

    workflows = {code: _workflow(code) for code in CODES}
    review_rubrics = {
        code: Rubric(
            f"lianyungang_{code}",
            f"{LABELS[code][0]}评审",
            (
                Indicator("conditions", "申报条件符合程度", 30, CONDITION_CLAUSE[code]),
                Indicator("results", "服务成效", 40, CONDITION_CLAUSE[code]),
                Indicator("model", "示范引领作用", 30, AWARD_CLAUSE[code]),
            ),
            REVIEW,
        )
        for code in CODES
    }
    evaluation_rubrics = {}

    param_specs = (
        ParamSpec(
            "demo_society_amount",
            "综合示范学会奖金额",
            unit="元",
            clause=AWARD_CLAUSE["demo_society"],
        ),
        ParamSpec(
            "demo_society_quota",
            "综合示范学会奖名额",
            unit="个",
            clause=AWARD_CLAUSE["demo_society"],
        ),
        ParamSpec(
            "demo_society_deadline",
            "综合示范学会奖申报截止（月-日）",
            kind="month_day",
            clause=DEADLINE,
        ),
        ParamSpec(
            "service_station_amount",
            "优秀科技服务站奖励",
            unit="元",
            clause=AWARD_CLAUSE["service_station"],
        ),
        ParamSpec(
            "service_station_quota",
            "优秀科技服务站名额",
            unit="个",
            clause=AWARD_CLAUSE["service_station"],
        ),
        ParamSpec(
            "service_station_cultivate",
            "计划培育科技服务站",
            unit="个",
            clause=AWARD_CLAUSE["service_station"],
        ),
        ParamSpec(
            "service_station_deadline",
            "科技服务站申报截止（月-日）",
            kind="month_day",
            clause=DEADLINE,
        ),
        ParamSpec(
            "chief_expert_amount", "首席专家经费", unit="元", clause=AWARD_CLAUSE["chief_expert"]
        ),
        ParamSpec(
            "chief_expert_quota", "首席专家名额", unit="名", clause=AWARD_CLAUSE["chief_expert"]
        ),
        ParamSpec(
            "chief_expert_deadline", "首席专家申报截止（月-日）", kind="month_day", clause=DEADLINE
        ),
        ParamSpec(
            "function_project_amount",
            "承接职能示范工程经费",
            unit="元",
            clause=AWARD_CLAUSE["function_project"],
        ),
        ParamSpec(
            "function_project_quota",
            "承接职能示范工程名额",
            unit="个",
            clause=AWARD_CLAUSE["function_project"],
        ),
        ParamSpec(
            "function_project_deadline",
            "承接职能示范工程申报截止（月-日）",
            kind="month_day",
            clause=DEADLINE,
        ),
        ParamSpec(
            "notice_workdays",
            "网站公示期（政策未规定）",
            min_value=1,
            max_value=30,
            unit="个工作日",
            clause=DECISION,
        ),
        # Expert panel display; the policy is silent (评审专家组 awards: identities open, trimmed mean on).
        ParamSpec("blind_review", "专家盲评（对专家隐藏申报单位信息）", kind="bool", clause=REVIEW),
        ParamSpec(
            "trimmed_mean",
            "专家评分去掉一个最高分和一个最低分后取平均",
            kind="bool",
            clause=REVIEW,
        ),
        ParamSpec(
            "cutoff_qualified",
            "评审合格分数线（政策未规定）",
            max_value=100,
            unit="分",
            clause=REVIEW,
        ),
        ParamSpec(
            "min_rating_stars",
            "综合示范学会最低评估等级",
            min_value=1,
            max_value=5,
            unit="A",
            clause=f"{C} 四(一)1",
        ),
    )
    defaults = {
        "demo_society_amount": 8000,
        "demo_society_quota": 5,
        "demo_society_deadline": "11-30",
        "service_station_amount": 3000,
        "service_station_quota": 20,
        "service_station_cultivate": 30,
        "service_station_deadline": "05-31",
        "chief_expert_amount": 2000,
        "chief_expert_quota": 20,
        "chief_expert_deadline": "05-31",
        "function_project_amount": 3000,
        "function_project_quota": 10,
        "function_project_deadline": "11-30",
        "notice_workdays": 5,
        "blind_review": False,
        "trimmed_mean": True,
        "cutoff_qualified": 60,
        "min_rating_stars": 3,
    }
    expenses = None  # the document names no expense categories

    def check_eligibility(
        self, program: str, facts: EligibilityFacts, params: Mapping[str, Any]
    ) -> list[Finding]:
        self.program(program)
        findings: list[Finding] = []
        conditions = CONDITION_CLAUSE[program]
        if facts.application_date is not None:
            # The round is the call's (a call published after this year's deadline is for
            # next year's round); without a call, the year the application is made in.
            round_year = facts.round_year or facts.application_date.year
            deadline = self.deadline(program, round_year, params)
            if facts.application_date > deadline:
                findings.append(
                    block(
                        "deadline_passed",
                        f"{LABELS[program][0]}{round_year}年度申报截止日期为"
                        f"{deadline.year}年{deadline.month}月{deadline.day}日，已过期",
                        DEADLINE,
                    )
                )
        society = facts.society
        if program == "demo_society":
            if society.rating_stars < int(params["min_rating_stars"]):
                findings.append(
                    block(
                        "rating",
                        f"须为{params['min_rating_stars']}A级以上（含）市科协所属学会",
                        f"{conditions}1",
                    )
                )
            year = facts.application_date.year if facts.application_date else None
            if year is None or not inspections_passed(society, year):
                findings.append(block("inspection", "学会须连续两年社团年检合格", f"{conditions}5"))
            if facts.has_same_year_station_or_project is False:
                findings.append(
                    block(
                        "no_same_year_project",
                        "年内须获批市科协认定的“科技服务站”或“承接职能示范工程”一项以上",
                        f"{conditions}1",
                    )
                )
            elif facts.has_same_year_station_or_project is None:
                findings.append(
                    warn(
                        "same_year_project_unknown",
                        "请核实年内是否获批“科技服务站”或“承接职能示范工程”",
                        f"{conditions}1",
                    )
                )
        if program in ("service_station", "chief_expert"):
            if COUNTY_CAST_CONFIRMATION not in facts.attachments:
                findings.append(
                    block(
                        "county_cast_confirmation",
                        "须经项目所在地县区科协盖章确认",
                        f"{conditions}4",
                    )
                )
            if AGREEMENT not in facts.attachments and facts.agreement_signed_on is None:
                findings.append(
                    block(
                        "agreement_missing",
                        "须与服务对象签有合作（服务）协议",
                        f"{conditions}{2 if program == 'service_station' else 3}",
                    )
                )
        if program == "function_project" and FUNCTION_PROOF not in facts.attachments:
            findings.append(
                block(
                    "function_proof",
                    "须提供职能转移单位委托书、会议决议或项目任务书等承担职能的证明",
                    f"{conditions}2",
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
        if level not in prog.levels:
            raise PolicyError(f"{prog.label_zh}只面向市级学会和企事业科协")
        award = resolve_amount(self, prog, level, amount, params)
        return one_off_schedule(
            self,
            start_year=start_year,
            amount=award,
            scores=dict(evaluations),
            params=params,
            year_params=year_params,
            pay_clauses=(AWARD_CLAUSE[program],),
            grade_clause=REVIEW,
        )


POLICY = LianyungangPolicy()
