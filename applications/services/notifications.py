"""Messages after a transition (city templates or defaults) and review reminders."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import CITY_WIDE_ROLES, Role
from accounts.services import notify
from policies import api
from policies.api import Stage, acting_roles, workflow_for

from ..models import (
    Application,
    ApplicationTransition,
    Certification,
    ExpertAssignment,
    MessageTemplate,
)
from .blind import expert_title

DEFAULT_MESSAGES = {
    "waiting": ("待办：{title}（{stage}）", "申报“{title}”已进入“{stage}”环节，等待您办理。"),
    "returned": ("申报被退回修改：{title}", "意见：{comment}"),
    # {outcome}: what was issued, in the program's words (已立项，立项编号… / 已表彰，表彰文号…).
    "decided": ("申报办结：{title}（{stage}）", "申报“{title}”结果：{stage}。{outcome}{comment}"),
    "assigned": ("评审任务：{title}", "请于 {due} 前完成评审。"),
    "reminder": ("评审即将到期：{title}", "请于 {due} 前完成评审。"),
}


def render_message(city, event: str, **values) -> tuple[str, str]:
    """Return (title, body) from the city's template for `event`, else the default."""
    tpl = MessageTemplate.objects.filter(city=city, event=event).first()
    title, body = (tpl.title, tpl.body) if tpl else DEFAULT_MESSAGES[event]

    class Safe(dict):
        def __missing__(self, key):
            return ""

    return title.format_map(Safe(values)), body.format_map(Safe(values))


def stage_actors(app: Application, stage: Stage) -> list[User]:
    """Return the active users who act at `stage` for this application."""
    users = User.objects.filter(is_active=True, city_id=app.city_id)
    wanted = acting_roles(stage)
    result: list[User] = []
    for role in wanted:
        if role in CITY_WIDE_ROLES:
            result += list(users.filter(role=role))
        elif role == Role.COUNTY_REVIEWER:
            result += list(users.filter(role=role, district_id=app.district_id))
        elif role == Role.SOCIETY_STAFF:
            result += list(users.filter(role=role, society_id=app.society_id))
        elif role == Role.HOST_STAFF and app.host_unit_id:
            result += list(users.filter(role=role, host_unit_id=app.host_unit_id))
    return result


def applicant_users(app: Application) -> list[User]:
    workflow = workflow_for(app.city, app.program)
    return stage_actors(app, workflow.stage(workflow.start))


def _notify_after(app: Application, record: ApplicationTransition) -> None:
    link = reverse("applications:detail", args=[app.pk])
    workflow = workflow_for(app.city, app.program)
    values = {"title": app.title, "comment": record.comment}
    if record.to_stage == "withdrawn":
        return
    stage = workflow.stage(record.to_stage)
    values["stage"] = stage.label_zh
    if record.action == "return" and stage.code == workflow.start:
        title, body = render_message(app.city, "returned", **values)
        notify(recipients=applicant_users(app), title=title, body=body, link=link)
        return
    if stage.is_terminal:
        cert = Certification.objects.filter(application=app).first()
        if cert is not None:
            wording = api.outcome_wording(app.city, app.program)
            values["outcome"] = f"{wording.done}，{wording.number}：{cert.certificate_no}。"
        title, body = render_message(app.city, "decided", **values)
        notify(recipients=applicant_users(app), title=title, body=body, link=link)
        return
    title, body = render_message(app.city, "waiting", **values)
    notify(recipients=stage_actors(app, stage), title=title, body=body, link=link)


def remind_due_assignments(*, today: dt.date | None = None, days_before: int = 2) -> int:
    """Remind experts whose review is due within `days_before` days; each once."""
    today = today or timezone.localdate()
    due = (
        ExpertAssignment.objects.filter(
            due_on__isnull=False,
            due_on__lte=today + dt.timedelta(days=days_before),
            due_on__gte=today,
            reminded_at__isnull=True,
            declared_conflict="",
            removed_at__isnull=True,
            application__withdrawn=False,
        )
        .exclude(score__submitted_at__isnull=False)
        .select_related("application__city", "expert")
    )
    count = 0
    for assignment in due:
        if assignment.application.stage != assignment.stage:
            continue
        user = User.objects.filter(expert=assignment.expert, is_active=True).first()
        with transaction.atomic():
            if user is not None:
                title, body = render_message(
                    assignment.application.city,
                    "reminder",
                    title=expert_title(assignment.application),
                    due=assignment.due_on,
                )
                notify(
                    recipients=[user],
                    title=title,
                    body=body,
                    link=reverse("applications:score", args=[assignment.application_id]),
                )
            assignment.reminded_at = timezone.now()
            assignment.save(update_fields=["reminded_at"])
            count += 1
    return count
