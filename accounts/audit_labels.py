"""Labels of the audit trail's event codes and object types, for the audit log page.

The codes stay in the database (filters and exports use them); people read these labels.
An event missing here still reads as words: its area's label and its action's label.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENT_LABELS = {
    "login.success": gettext_lazy("登录成功"),
    "login.failed": gettext_lazy("登录失败"),
    "login.locked_out": gettext_lazy("登录被锁定"),
    "logout": gettext_lazy("退出登录"),
    "password.changed": gettext_lazy("修改密码"),
    "session.idle_timeout": gettext_lazy("会话空闲超时"),
    "session.absolute_timeout": gettext_lazy("会话到期"),
    "user.sessions_ended": gettext_lazy("强制下线"),
    "user.unlocked": gettext_lazy("解除账号锁定"),
    "user.enabled": gettext_lazy("启用账号"),
    "access.denied": gettext_lazy("拒绝访问"),
    "audit.purge": gettext_lazy("清理过期审计记录"),
    "station.created": gettext_lazy("新增服务站"),
    "station.updated": gettext_lazy("修改服务站"),
    "station.status_changed": gettext_lazy("服务站状态变更"),
    "station.imported": gettext_lazy("导入服务站"),
    "society.created": gettext_lazy("新增学会"),
    "society.updated": gettext_lazy("修改学会"),
    "society.imported": gettext_lazy("导入学会"),
    "host_unit.created": gettext_lazy("新增建站单位"),
    "host_unit.updated": gettext_lazy("修改建站单位"),
    "hostunit.imported": gettext_lazy("导入建站单位"),
    "expert.created": gettext_lazy("新增专家"),
    "expert.updated": gettext_lazy("修改专家"),
    "expert.imported": gettext_lazy("导入专家"),
    # --- panels: invitations, removal, offline sheets; what the station keeps ---
    "expert.account_created": gettext_lazy("开通专家账号"),
    "expert.invitation_issued": gettext_lazy("邀请专家开通账号"),
    "expert.invitation_refused": gettext_lazy("专家账号邀请链接无效"),
    "expert.invitation_accepted": gettext_lazy("专家通过邀请设置密码"),
    "application.expert_removed": gettext_lazy("移出评审专家"),
    "application.expert_replaced": gettext_lazy("替换评审专家"),
    "application.score_entered_offline": gettext_lazy("代录纸质评分表"),
    "application.prefilled_from_station": gettext_lazy("按服务站已有信息预填申报书"),
    "application.attachment_reused": gettext_lazy("沿用已有附件"),
    "station.team_member_added": gettext_lazy("服务站专家团队新增成员"),
    "station.staff_added": gettext_lazy("新增服务站工作人员"),
    "activity_record.created": gettext_lazy("新增活动记录"),
    "activity_record.updated": gettext_lazy("修改活动记录"),
    "activity_evidence.uploaded": gettext_lazy("上传活动佐证"),
    "call.created": gettext_lazy("发布申报通知"),
    "call.updated": gettext_lazy("修改申报通知"),
    "call.deadline_extended": gettext_lazy("延长申报截止日期"),
    "application.contract_recorded": gettext_lazy("登记项目合同"),
    "application.created": gettext_lazy("创建申报"),
    "application.draft_saved": gettext_lazy("保存申报草稿"),
    "application.submit": gettext_lazy("提交申报"),
    "application.approve": gettext_lazy("审核通过"),
    "application.return": gettext_lazy("退回修改"),
    "application.reject": gettext_lazy("不予通过"),
    "application.withdraw": gettext_lazy("撤回申报"),
    "application.transition_denied": gettext_lazy("申报操作被拒绝"),
    "application.attachment_added": gettext_lazy("上传申报材料"),
    "application.attachment_deleted": gettext_lazy("删除申报材料"),
    "application.experts_drawn": gettext_lazy("抽取评审专家"),
    "application.expert_assigned": gettext_lazy("指派评审专家"),
    "application.conflict_declared": gettext_lazy("专家声明回避"),
    "application.score_submitted": gettext_lazy("提交评审打分"),
    "application.inspection_recorded": gettext_lazy("记录实地考察"),
    "application.certified": gettext_lazy("认定完成"),
    "application.double_funding_overridden": gettext_lazy("重复资助提示说明理由后放行"),
    "notice.published": gettext_lazy("发布公示"),
    "notice.objection_recorded": gettext_lazy("登记公示异议"),
    "notice.objection_decided": gettext_lazy("处理公示异议"),
    "evaluations.round_opened": gettext_lazy("发起年度考核"),
    "evaluations.round_closed": gettext_lazy("结束年度考核"),
    "evaluations.self_report_submitted": gettext_lazy("提交年度自评"),
    "evaluations.attachment_added": gettext_lazy("上传考核附件"),
    "evaluations.demand_unit_reviewed": gettext_lazy("需求单位评价"),
    "evaluations.experts_assigned": gettext_lazy("指派考核专家"),
    "evaluations.expert_scored": gettext_lazy("专家考核评分"),
    "evaluations.confirmed": gettext_lazy("确认考核结果"),
    "evaluations.status_changed": gettext_lazy("考核状态变更"),
    "evaluations.round_status_changed": gettext_lazy("考核批次状态变更"),
    "funding.grant_created": gettext_lazy("建立资助项目"),
    "funding.disbursement_approved": gettext_lazy("审核拨付资金"),
    "funding.recovery_demanded": gettext_lazy("责令退回资金"),
    "funding.repayment_recorded": gettext_lazy("登记退回资金"),
    "funding.grant_penalized": gettext_lazy("资助处理"),
    "funding.grant_revoked": gettext_lazy("撤销资助"),
    "funding.grant_status_changed": gettext_lazy("资助状态变更"),
    "funding.recovery_status_changed": gettext_lazy("追回状态变更"),
    "funding.support_awarded": gettext_lazy("给予支持"),
    "funding.budget_line_added": gettext_lazy("新增预算"),
    "funding.budget_line_updated": gettext_lazy("修改预算"),
    "funding.budget_line_deleted": gettext_lazy("删除预算"),
    "funding.expense_recorded": gettext_lazy("登记支出"),
    "funding.expense_updated": gettext_lazy("修改支出"),
    "funding.expense_deleted": gettext_lazy("删除支出"),
    "funding.change_requested": gettext_lazy("提交变更申请"),
    "funding.change_decided": gettext_lazy("审批变更申请"),
    "funding.forecast_exported": gettext_lazy("导出预算预测"),
    "policy.params_changed": gettext_lazy("修改政策参数"),
    "policy.statutory_day_saved": gettext_lazy("保存法定节假日"),
    "policy.statutory_day_deleted": gettext_lazy("删除法定节假日"),
    "network.enterprise_registered": gettext_lazy("企业注册"),
    "network.register_throttled": gettext_lazy("注册过于频繁被拒"),
    "network.demand_submitted": gettext_lazy("提交技术需求"),
    "network.demand_transition": gettext_lazy("技术需求状态变更"),
    "reports.list_exported": gettext_lazy("导出名单"),
    "reports.subsidy_exported": gettext_lazy("导出补贴表"),
    "reports.export_job_created": gettext_lazy("创建导出任务"),
    "reports.export_job_done": gettext_lazy("导出任务完成"),
    "reports.export_downloaded": gettext_lazy("下载导出文件"),
    "reports.document_rendered": gettext_lazy("生成文书"),
    "reports.document_numbered": gettext_lazy("分配文号"),
    "reports.import_job_created": gettext_lazy("创建导入任务"),
    "reports.import_job_done": gettext_lazy("导入任务完成"),
}
AREA_LABELS = {
    "login": gettext_lazy("登录"),
    "session": gettext_lazy("会话"),
    "user": gettext_lazy("账号"),
    "station": gettext_lazy("服务站"),
    "society": gettext_lazy("学会"),
    "host_unit": gettext_lazy("建站单位"),
    "expert": gettext_lazy("专家"),
    "application": gettext_lazy("申报"),
    "notice": gettext_lazy("公示"),
    "evaluations": gettext_lazy("年度考核"),
    "funding": gettext_lazy("资助资金"),
    "policy": gettext_lazy("政策参数"),
    "network": gettext_lazy("技术需求"),
    "reports": gettext_lazy("报表"),
}


def event_label(code: str) -> str:
    """Return the label of an audit event code (never the bare code)."""
    if code in EVENT_LABELS:
        return str(EVENT_LABELS[code])
    area, _sep, action = code.partition(".")
    area_label = str(AREA_LABELS.get(area, area.replace("_", " ")))
    return f"{area_label} · {action.replace('_', ' ')}" if action else area_label


def object_type_label(label: str) -> str:
    """Return the verbose name of a model label such as applications.Application."""
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return _("其他对象")
