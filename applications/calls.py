"""Writes and rules for calls (申报通知): their window, required materials and later edits.

A call's required materials start from what the program's policy declares
(`Program.required_attachments`); the administrator may add kinds, never drop the policy's.
A call may be edited freely until its first submission; afterwards only its closing date
can move, later, with a recorded reason (an applicant who already submitted relied on it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit
from policies.api import call_warnings, current_params, get_city_policy

from .models import AttachmentKind, Call

# Fields an administrator may change on a call without submissions.
EDITABLE_FIELDS = ("program", "title", "description", "opens_on", "closes_on", "quota")


def ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_call_admin(actor: User, city) -> None:
    """Raise PermissionDenied unless `actor` administers calls of `city`."""
    if actor.role != Role.CITY_ADMIN and not actor.is_platform_admin:
        raise PermissionDenied("只有市科协管理员可以发布或修改申报通知")
    if not actor.is_platform_admin and actor.city_id != city.pk:
        raise PermissionDenied("只能发布或修改本市的申报通知")


# --- required materials -----------------------------------------------------------------------


def policy_materials(city, program: str) -> tuple[str, ...]:
    """Return the attachment kinds the program's policy requires of every application."""
    return tuple(get_city_policy(city).program(program).required_attachments)


def merge_materials(city, program: str, extra: Iterable[str] = ()) -> list[str]:
    """Return the policy's materials followed by the administrator's additions (no repeats)."""
    known = set(AttachmentKind.values) - {AttachmentKind.INSPECTION_PHOTO}
    unknown = [k for k in extra if k not in known]
    if unknown:
        raise ValidationError("未知的材料类别：" + "、".join(unknown))
    return list(dict.fromkeys([*policy_materials(city, program), *extra]))


def call_materials(call: Call) -> list[str]:
    """Return what applications to `call` must carry: the policy's, then the call's own.

    Read at use, not only at publishing: a call published before the policy declared its
    materials (or whose ticks left one out) still asks for — and offers an upload for — them.
    """
    return merge_materials(call.city, call.program, call.required_materials)


# --- the call's window --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallWindow:
    """A call's dates checked against its program's yearly deadline (if the policy sets one)."""

    round_year: int
    deadline: dt.date | None
    closes_on: dt.date | None
    requested: dt.date | None
    clause: str = ""

    @property
    def clamped(self) -> bool:
        return self.requested is not None and self.closes_on != self.requested

    @property
    def message(self) -> str:
        if not self.clamped:
            return ""
        return (
            f"{self.round_year}年度申报截止日期为{ymd(self.deadline)}"
            f"（{self.clause}），截止日期已由{ymd(self.requested)}调整为政策规定的截止日期。"
        )


def call_window(
    *, city, program: str, opens_on: dt.date | None, closes_on: dt.date | None
) -> CallWindow:
    """Clamp a call's closing date to the policy's deadline of the round it opens in.

    A call cannot stay open past the deadline its policy sets (连云港 五(一)): the platform
    would refuse every submission made after it, so the closing date is moved to that
    deadline rather than published in contradiction with the policy.
    """
    day = opens_on or timezone.localdate()
    policy = get_city_policy(city)
    params, _version = current_params(city, day)
    round_year, deadline = policy.submission_round(program, day, params)
    closes = closes_on
    if deadline is not None and closes_on is not None and closes_on > deadline:
        closes = deadline
    return CallWindow(
        round_year=round_year,
        deadline=deadline,
        closes_on=closes,
        requested=closes_on,
        clause=policy.program(program).deadline_clause,
    )


# --- editing ------------------------------------------------------------------------------------


def call_has_submissions(call: Call) -> bool:
    """Return whether any application to the call has ever been submitted (drafts do not count)."""
    return call.applications.filter(submitted_at__isnull=False).exists()


@transaction.atomic
def call_update(*, call: Call, actor: User, data: Mapping[str, Any]) -> Call:
    """Change a call that has no submission yet (same checks and warnings as publishing)."""
    check_call_admin(actor, call.city)
    # Lock the call: a submission arriving while it is edited waits (application_transition
    # reads the call), so no applicant submits against terms that change under them.
    call = Call.objects.select_for_update().select_related("city").get(pk=call.pk)
    if call_has_submissions(call):
        raise ValidationError(
            "该申报通知已有申报提交，不能再修改；如需延长截止日期，请使用“延长截止日期”。"
        )
    data = dict(data)
    program = data.get("program", call.program)
    get_city_policy(call.city).program(program)  # raises on an unknown program
    if program != call.program and call.applications.exists():
        raise ValidationError("该申报通知已有申报草稿，不能更改项目类别。")
    before = {name: getattr(call, name) for name in (*EDITABLE_FIELDS, "required_materials")}
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(call, name, data[name])
    call.required_materials = merge_materials(
        call.city, call.program, data.get("required_materials", call.required_materials)
    )
    window = call_window(
        city=call.city, program=call.program, opens_on=call.opens_on, closes_on=call.closes_on
    )
    if window.clamped:
        call.closes_on = window.closes_on
    call.full_clean(exclude=["created_by"])  # a call seeded or imported has none
    call.save()
    call.warnings = call_warnings(call)
    if window.clamped:
        call.warnings.insert(0, window.message)
    changed = {
        name: {"from": _plain(old), "to": _plain(getattr(call, name))}
        for name, old in before.items()
        if old != getattr(call, name)
    }
    audit(
        event="call.updated",
        user=actor,
        obj=call,
        reason="；".join(call.warnings),
        clause=window.clause if window.clamped else "",
        detail={"changed": changed},
    )
    call.window = window
    return call


@transaction.atomic
def call_extend(*, call: Call, actor: User, closes_on: dt.date, reason: str) -> Call:
    """Move a call's closing date later, with a reason; never past the policy's deadline."""
    check_call_admin(actor, call.city)
    call = Call.objects.select_for_update().select_related("city").get(pk=call.pk)
    if not (reason or "").strip():
        raise ValidationError("请填写延长截止日期的理由。")
    if closes_on is None or closes_on <= call.closes_on:
        raise ValidationError(f"新的截止日期须晚于原截止日期（{ymd(call.closes_on)}）。")
    window = call_window(
        city=call.city, program=call.program, opens_on=call.opens_on, closes_on=closes_on
    )
    if window.closes_on <= call.closes_on:
        raise ValidationError(
            f"不能延长：{window.round_year}年度申报截止日期为{ymd(window.deadline)}"
            f"（{window.clause}），原截止日期已是政策规定的截止日期。"
        )
    previous = call.closes_on
    call.closes_on = window.closes_on
    call.full_clean(exclude=["created_by"])  # a call seeded or imported has none
    call.save(update_fields=["closes_on"])
    call.warnings = [window.message] if window.clamped else []
    audit(
        event="call.deadline_extended",
        user=actor,
        obj=call,
        reason=reason.strip(),
        clause=window.clause if window.clamped else "",
        detail={
            "from": previous.isoformat(),
            "to": call.closes_on.isoformat(),
            "requested": closes_on.isoformat(),
        },
    )
    return call


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value
