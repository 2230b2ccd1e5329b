"""A city's yearly round: open it for the supported stations, remind, close it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit, notify
from funding.services import station_users
from policies import api as engine

from ..models import EvaluationRound, StationEvaluation
from ..selectors import evaluation_targets
from ._common import E
from .status import evaluation_set_status, round_set_status


@transaction.atomic
def round_open(
    *, city, year: int, due_date: dt.date, actor, title: str = "", request=None
) -> EvaluationRound:
    """Open the year's evaluation for the city's supported stations, with a due date."""
    if EvaluationRound.objects.filter(city=city, year=year).exists():
        raise ValidationError(f"{city}{year}年度考核已经发起。")
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "截止日期不能早于今天。"})
    rnd = EvaluationRound(
        city=city,
        year=year,
        due_date=due_date,
        opened_by=actor,
        title=title or f"{city}{year}年度服务站考核",
    )
    rnd.full_clean()
    rnd.save()
    accounts_too = "和经费决算" if engine.policy_for(city).requires_final_accounts else ""
    created = []
    for grant in evaluation_targets(city, year):
        ev = StationEvaluation(round=rnd, station=grant.station, grant=grant, year=year)
        ev.full_clean()
        ev.save()
        created.append(ev)
        notify(
            recipients=station_users(grant.station),
            title=f"请提交{year}年度考核自评材料（截止 {due_date:%Y-%m-%d}）",
            body=f"{grant.station}：请在截止日期前提交年度工作总结{accounts_too}。",
            link=f"/evaluations/{ev.pk}/",
        )
    audit(
        event="evaluations.round_opened",
        user=actor,
        request=request,
        obj=rnd,
        city_id=city.pk,
        detail={
            "year": year,
            "due_date": due_date.isoformat(),
            "stations": [e.station_id for e in created],
        },
    )
    return rnd


@transaction.atomic
def round_send_reminders(*, round_id: int, today: dt.date | None = None) -> int:
    """Remind stations that have not submitted; once per station and due-date window."""
    from funding.models import TaskReceipt

    today = today or timezone.localdate()
    rnd = EvaluationRound.objects.select_related("city").get(pk=round_id)
    days_left = (rnd.due_date - today).days
    sent = 0
    for ev in rnd.evaluations.filter(status=E.PENDING).select_related("station"):
        _receipt, created = TaskReceipt.objects.get_or_create(
            key=f"eval_reminder:{ev.pk}:{rnd.due_date}:{days_left}"
        )
        if not created:
            continue
        notify(
            recipients=station_users(ev.station),
            title=f"提醒：{ev}自评材料将于 {rnd.due_date:%Y-%m-%d} 截止（还有 {days_left} 天）",
            link=f"/evaluations/{ev.pk}/",
        )
        sent += 1
    return sent


@transaction.atomic
def round_close(*, round: EvaluationRound, actor, request=None) -> EvaluationRound:
    """Close a round: every submitted evaluation must be confirmed; the rest were absent.

    A station that never submitted its self-report is recorded as 未参加考核, citing the
    policy's `absence_clause`; where the policy makes absence a ground for revocation
    (`absence_revocation_clause`), the administrator decides it.
    """
    # Lock the round: a self-report submitted while closing must land before or be refused.
    rnd = (
        EvaluationRound.objects.select_for_update(of=("self",))
        .select_related("city")
        .get(pk=round.pk)
    )
    if rnd.status != EvaluationRound.Status.OPEN:
        raise ValidationError("该考核批次已经结束。")
    absence_clause = engine.policy_for(rnd.city).absence_clause
    evaluations = list(
        rnd.evaluations.select_for_update(of=("self",))
        .select_related("station")
        .order_by("station__name")
    )
    unfinished = [e for e in evaluations if e.status in (E.SUBMITTED, E.SCORED)]
    if unfinished:
        names = "、".join(str(e.station) for e in unfinished[:5])
        raise ValidationError(
            f"尚有 {len(unfinished)} 个服务站已提交自评但考核未确认（{names}），请先完成评分和确认。"
        )
    absent = [e for e in evaluations if e.status == E.PENDING]
    for ev in absent:
        evaluation_set_status(
            evaluation=ev,
            to_status=E.ABSENT,
            actor=actor,
            reason=_("考核批次结束时未提交自评材料"),
            clause=absence_clause,
            request=request,
        )
        ev.version += 1
        ev.save(update_fields=["version"])
        notify(
            recipients=station_users(ev.station),
            title=f"{ev}：未在截止日期前提交自评材料，记为未参加考核",
            link=f"/evaluations/{ev.pk}/",
        )
    round_set_status(
        round=rnd,
        to_status=EvaluationRound.Status.CLOSED,
        actor=actor,
        reason=_("结束年度考核"),
        clause=absence_clause,
        request=request,
    )
    audit(
        event="evaluations.round_closed",
        user=actor,
        request=request,
        obj=rnd,
        city_id=rnd.city_id,
        clause=absence_clause,
        detail={
            "confirmed": sum(1 for e in evaluations if e.status == E.CONFIRMED),
            "absent": [e.station_id for e in absent],
        },
    )
    return rnd
