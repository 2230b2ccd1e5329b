"""Vocabulary shared across apps (levels, statuses, roles of experts, activity kinds)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")


class SupervisingCast(models.TextChoices):
    NATIONAL = "cast", _("中国科协")
    PROVINCIAL = "provincial_cast", _("省科协")
    CITY = "city_cast", _("市科协")


class BranchKind(models.TextChoices):
    NONE = "", _("（非分支机构）")
    BRANCH = "branch", _("分会")
    COMMITTEE = "committee", _("专委会")


class Rating(models.TextChoices):
    NONE = "", _("未评级")
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("合格")
    BASICALLY_PASSED = "basic", _("基本合格")
    FAILED = "failed", _("不合格")


class CreditFlagKind(models.TextChoices):
    DISHONEST = "dishonest", _("失信被执行人")
    ORGANIZED_CRIME = "organized_crime", _("涉黑涉恶")


class CreditParty(models.TextChoices):
    ORGANISATION = "organisation", _("单位本身")
    LEGAL_REPRESENTATIVE = "legal_rep", _("法定代表人")


class HostNature(models.TextChoices):
    COUNTY_CAST = "county_cast", _("市县级科协")
    PARK_CAST = "park_cast", _("园区科协")
    CITY_SOCIETY = "city_society", _("市县级学会")
    UNIVERSITY_CAST = "university_cast", _("高校科协")
    ENTERPRISE_CAST = "enterprise_cast", _("企业科协")
    TOWNSHIP_CAST = "township_cast", _("乡镇（街道）科协")
    ENTERPRISE = "enterprise", _("企业")
    PARK = "park", _("产业园区")
    UNIVERSITY = "university", _("高等院校")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    COUNTY_UNIT = "county_unit", _("县（市）区级单位")


class StationStatus(models.TextChoices):
    FILED = "filed", _("已备案")
    APPLIED = "applied", _("申报中")
    CERTIFIED = "certified", _("已认定（命名）")
    KEY_SUPPORTED = "key_supported", _("重点支持")
    RECTIFICATION = "rectification", _("限期整改")
    SUSPENDED = "suspended", _("暂停资助")
    REVOKED = "revoked", _("已撤销")
    DELISTED = "delisted", _("已摘牌")
    EXPIRED = "expired", _("期满")


class ExpertRole(models.TextChoices):
    CHIEF = "chief", _("首席专家")
    LEADER = "leader", _("团队负责人")
    MEMBER = "member", _("团队成员")


class ActivityKind(models.TextChoices):
    EXPERT_ONSITE = "expert_onsite", _("专家到站服务（人·天）")
    SURVEY = "survey", _("产业调研")
    SURVEY_RESULT = "survey_result", _("调研成果")
    TRAINING = "training", _("技术培训")
    BREAKTHROUGH = "breakthrough", _("技术攻关突破")
    PROBLEM_SOLVED = "problem_solved", _("解决企业难题")
    ACHIEVEMENT_TRANSFER = "achievement_transfer", _("成果转化")
    DEMAND_SERVED = "demand_served", _("服务技术需求")
    SUGGESTION_SUBMITTED = "suggestion_submitted", _("提交决策建议")
    SUGGESTION_ADOPTED = "suggestion_adopted", _("建议被采纳")
    STANDARD = "standard", _("制定标准")
    AWARD = "award", _("获得奖励")
    ACADEMIC_EXCHANGE = "academic_exchange", _("学术交流")
    TALENT = "talent", _("引智引才")
    AGREEMENT_PROGRESS = "agreement_progress", _("协议任务完成进度（%）")
