"""Who may take each step of an evaluation: (allowed, reason_zh), checking state too."""

from __future__ import annotations

from accounts.roles import Role
from policies import api as engine

from .models import StationEvaluation

E = StationEvaluation.Status
Decision = tuple[bool, str]
OK: Decision = (True, "")


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_city_admin(user, city_id: int) -> bool:
    return _active(user) and user.role == Role.CITY_ADMIN and user.city_id == city_id


def can_open_round(user, city_id: int) -> Decision:
    if is_city_admin(user, city_id):
        return OK
    return False, "只有本市科协学会部管理员可以发起年度考核。"


def can_close_round(user, rnd) -> Decision:
    if not is_city_admin(user, rnd.city_id):
        return False, "只有本市管理员可以结束年度考核。"
    if rnd.status != rnd.Status.OPEN:
        return False, "该考核批次已经结束。"
    return OK


def is_self_reporter(user, ev: StationEvaluation) -> bool:
    """Return whether the user reports for the station (whatever the evaluation's state)."""
    station = ev.station
    society = user.role == Role.SOCIETY_STAFF and user.society_id == station.society_id
    # Where the policy has a demand-unit evaluation (贵阳 四(三)), the host unit is the demand
    # unit: it evaluates the station instead of reporting on it.
    host = (
        user.role == Role.HOST_STAFF
        and user.host_unit_id == station.host_unit_id
        and not engine.policy_for(station.city).has_demand_unit_evaluation
    )
    return _active(user) and (society or host)


def can_submit_self_report(user, ev: StationEvaluation) -> Decision:
    """Also decides the attachments: both are open until the self-report is submitted."""
    if not is_self_reporter(user, ev):
        return False, "只有服务站的学会或建站单位工作人员可以提交自评。"
    if ev.round.status != ev.round.Status.OPEN:
        return False, "本年度考核已结束。"
    if ev.submitted_at is not None:
        return False, "自评材料已提交，不能修改或再次提交。"
    if ev.status != E.PENDING:
        return False, "当前考核状态不能提交自评材料。"
    return OK


def can_demand_unit_review(user, ev: StationEvaluation) -> Decision:
    if not engine.policy_for(ev.station.city).has_demand_unit_evaluation:
        return False, "本市服务站考核不设需求单位评价。"
    if not (
        _active(user)
        and user.role == Role.HOST_STAFF
        and user.host_unit_id == ev.station.host_unit_id
    ):
        return False, "只有需求单位可以评价工作站。"
    if ev.status == E.CONFIRMED:
        return False, "考核已确认。"
    return OK


def can_assign_experts(user, ev: StationEvaluation) -> Decision:
    if not is_city_admin(user, ev.station.city_id):
        return False, "只有本市管理员可以指派专家。"
    if ev.status not in (E.SUBMITTED, E.SCORED):
        return False, "服务站提交自评后才能指派专家评分。"
    return OK


def can_score(user, ev: StationEvaluation):
    """Return (decision, the user's ExpertScore row or None)."""
    if not (_active(user) and user.role == Role.EXPERT_REVIEWER):
        return (False, "只有指派的评审专家可以评分。"), None
    score = ev.expert_scores.filter(expert=user).first()
    if score is None:
        return (False, "您未被指派评审该服务站。"), None
    if score.submitted_at is not None:
        return (False, "您已提交评分，评分提交后不能修改。"), score
    if ev.status not in (E.SUBMITTED, E.SCORED):
        return (False, "当前状态不能评分。"), score
    return OK, score


def can_confirm(user, ev: StationEvaluation) -> Decision:
    if not is_city_admin(user, ev.station.city_id):
        return False, "只有本市管理员可以确认最终得分。"
    if ev.status != E.SCORED:
        return False, "须在指派的专家全部评分后确认。"
    return OK
