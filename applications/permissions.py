"""Who may do what to an application: `can_<verb>_<object>(user, obj) -> (bool, reason)`.

Each function checks the role, the object's scope (accounts.scoping) and the object's
state. Views use them to decide which buttons to show; services call them again, so a
forged POST gets the same answer as a missing button.
"""

from __future__ import annotations

from django.utils.translation import gettext

from accounts.roles import Role
from accounts.scoping import scope_queryset
from policies.api import PolicyError, acting_roles, workflow_for

from .models import Application

Result = tuple[bool, str]


def in_scope(user, application: Application) -> bool:
    if getattr(application, "_scope_ok_for", None) == user.pk:
        return True
    ok = scope_queryset(user, Application.objects.filter(pk=application.pk)).exists()
    if ok:
        application._scope_ok_for = user.pk
    return ok


def current_stage(application: Application):
    return workflow_for(application.city, application.program).stage(application.stage)


def applicant_role(application: Application) -> str:
    wf = workflow_for(application.city, application.program)
    return wf.stage(wf.start).role


def is_applicant(user, application: Application) -> bool:
    """Return whether the user speaks for the applicant (the start stage's role, own object)."""
    role = applicant_role(application)
    if user.role != role:
        return False
    if role == Role.SOCIETY_STAFF:
        return user.society_id == application.society_id
    if role == Role.HOST_STAFF:
        return (
            application.host_unit_id is not None and user.host_unit_id == application.host_unit_id
        )
    return False


def can_take_action(user, application: Application, action: str) -> Result:
    """Return whether `user` may take `action` at the application's current stage."""
    if not user.is_authenticated:
        return False, "未登录"
    if application.withdrawn or application.outcome:
        return False, "该申报已办结或已撤回"
    try:
        stage = current_stage(application)
    except PolicyError as exc:
        return False, str(exc)
    if action == "withdraw":
        if not is_applicant(user, application) or not in_scope(user, application):
            return False, "只有申报单位可以撤回申报"
        return True, ""
    if stage.target_of(action) is None:
        return False, f"当前环节“{stage.label_zh}”不能进行该操作"
    if stage.code == workflow_for(application.city, application.program).start:
        if not is_applicant(user, application):
            return False, "只有申报单位可以提交"
    elif user.role not in acting_roles(stage) and not user.is_platform_admin:
        return False, f"当前环节由“{Role(stage.role).label}”办理"
    if not in_scope(user, application):
        return False, "无权处理该申报"
    return True, ""


def available_actions(user, application: Application) -> list[str]:
    """Return the actions the user may take now (for buttons), in the declared order."""
    if application.withdrawn or application.outcome:
        return []
    stage = current_stage(application)
    actions = [a for a in stage.actions if can_take_action(user, application, a)[0]]
    if can_take_action(user, application, "withdraw")[0]:
        actions.append("withdraw")
    return actions


def can_edit_application(user, application: Application) -> Result:
    if not application.is_draft:
        return False, "只有草稿（或退回修改的申报）可以编辑"
    if not is_applicant(user, application) or not in_scope(user, application):
        return False, gettext("只有申报单位可以编辑")
    return True, ""


def can_manage_panel(user, application: Application) -> Result:
    """City administrators organise expert panels while the application is at a scoring stage."""
    if user.role != Role.CITY_ADMIN and not user.is_platform_admin:
        return False, "只有市科协管理员可以组织专家评审"
    if not in_scope(user, application):
        return False, "无权处理该申报"
    if application.withdrawn or application.outcome:
        return False, "该申报已办结或已撤回"
    if not current_stage(application).needs_expert_score:
        return False, "当前环节不需要专家评审"
    return True, ""


def can_score(user, assignment) -> Result:
    application = assignment.application
    if user.role != Role.EXPERT_REVIEWER or user.expert_id != assignment.expert_id:
        return False, "只有被指派的评审专家可以评分"
    if application.stage != assignment.stage or application.withdrawn:
        return False, "该申报已不在评审环节"
    if assignment.declared_conflict:
        return False, "您已申报利益冲突，不参与本项评审"
    if assignment.removed_at:
        return False, "您已被移出本项评审的专家组"
    return True, ""


def can_record_inspection(user, application: Application) -> Result:
    if user.role != Role.CITY_ADMIN and not user.is_platform_admin:
        return False, "只有市科协管理员可以记录实地考察"
    if not in_scope(user, application):
        return False, "无权处理该申报"
    if application.is_draft or application.outcome or application.withdrawn:
        return False, "申报不在审核中"
    return True, ""


def can_view_attachments(user, application: Application) -> bool:
    return in_scope(user, application)
