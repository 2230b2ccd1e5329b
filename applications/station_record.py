"""What an application knew, the station keeps — and the next application starts from it.

Certification or filing writes the 申报书's agreement (dates, content), head, staff and
expert team onto the station through the station services (each write audited). A later
application for the same station (沈阳: key support after filing) starts prefilled from
what is known: the station's record, then the last approved 申报书 for the rest, and the
agreement scan of that application is copied onto the new draft instead of re-uploaded.
"""

from __future__ import annotations

import re

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from policies.api import get_city_policy
from stations.models import Expert, Station
from stations.services import (
    expert_create,
    station_agreement_set,
    station_staff_add,
    station_team_add,
    station_update,
)

from .facts import _date, match_experts, parse_experts
from .forms import form_class_for
from .models import Application, Attachment, AttachmentKind

# Form keys that describe the agreement's content, by program form (first one given wins):
# 杭州 基地 合作各方及协议, 贵阳 服务内容与目标, 连云港 服务目标.
AGREEMENT_CONTENT_KEYS = ("parties", "service_content", "goals")
# Attachments a later application of the same station reuses.
REUSED_KINDS = (AttachmentKind.AGREEMENT,)
# An expert typed on the form but not in the library is added with what the form says;
# what it does not say is marked as such (not guessed).
NOT_GIVEN = "申报书未填"
MOBILE = re.compile(r"^1\d{10}$")
DECIDED = ("certified", "filed")


def parse_staff(text: str) -> list[dict[str, str]]:
    """Return staff from the form's lines "姓名，职务，手机" (full- or half-width comma)."""
    rows = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not parts or not parts[0]:
            continue
        mobile = parts[2] if len(parts) > 2 and MOBILE.match(parts[2]) else ""
        rows.append(
            {
                "name": parts[0][:50],
                "position": (parts[1] if len(parts) > 1 and parts[1] else "工作人员")[:50],
                "mobile": mobile,
            }
        )
    return rows


def _team_experts(app: Application, station: Station, actor: User) -> list[Expert]:
    """Return the form's experts as library records of the city (added when missing)."""
    typed = parse_experts(app.form_data.get("experts", ""))
    matched = match_experts(typed, app.city_id)
    by_id = {
        e.pk: e
        for e in Expert.objects.filter(
            pk__in=[m.id for m in matched if m.id], city_id=station.city_id
        )
    }
    result = []
    for entry in matched:
        expert = by_id.get(entry.id) if entry.id else None
        if expert is None:
            expert = (
                Expert.objects.filter(city_id=station.city_id, name=entry.name[:50])
                .order_by("pk")
                .first()
            )
        if expert is None:
            expert = expert_create(
                actor=actor,
                data={
                    "city": station.city,
                    "name": entry.name[:50],
                    "province": (entry.province or NOT_GIVEN)[:20],
                    "title": NOT_GIVEN,
                    "field": (station.discipline or NOT_GIVEN)[:50],
                    "employer": NOT_GIVEN,
                    "is_reviewer": False,
                },
            )
        result.append(expert)
    return result


def station_keep_from_application(app: Application, station: Station, actor: User) -> None:
    """Write the approved 申报书's agreement, head, staff and team onto the station."""
    data = app.form_data
    agreement = {}
    for key in ("agreement_signed_on", "term_start", "term_end"):
        value = _date(data.get(key))
        if value is not None:
            agreement[key] = value
    content = next((data[k] for k in AGREEMENT_CONTENT_KEYS if data.get(k)), "")
    if content:
        agreement["agreement_content"] = str(content)
    if agreement:
        station_agreement_set(station=station, actor=actor, data=agreement)
    head = (data.get("head_name") or "").strip()[:50]
    if head:
        if station.head_name != head:
            station = station_update(station=station, actor=actor, data={"head_name": head})
        station_staff_add(station=station, actor=actor, name=head, position="站长")
    for row in parse_staff(data.get("staff_members", "")):
        station_staff_add(station=station, actor=actor, **row)
    today = timezone.localdate()
    for expert in _team_experts(app, station, actor):
        station_team_add(station=station, actor=actor, expert=expert, joined_on=today)


def _previous(app: Application) -> Application | None:
    return (
        Application.objects.filter(station_id=app.station_id, outcome__in=DECIDED)
        .exclude(pk=app.pk)
        .order_by("-decided_at", "-pk")
        .first()
    )


def known_form_data(station: Station) -> dict[str, str]:
    """Return the form values the station's record answers."""
    known = {
        "title": station.name,
        "discipline": station.discipline,
        "agreement_signed_on": station.agreement_signed_on,
        "term_start": station.term_start,
        "term_end": station.term_end,
        "head_name": station.head_name,
    }
    known = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in known.items() if v}
    staff = list(station.staff.order_by("pk"))
    if staff:
        known["staff_count"] = str(len(staff))
        known["staff_members"] = "\n".join(
            "，".join(x for x in (s.name, s.position, s.mobile) if x) for s in staff
        )
    team = list(station.team.filter(left_on__isnull=True).select_related("expert").order_by("pk"))
    if team:
        known["experts"] = "\n".join(f"{m.expert.name}，{m.expert.province}" for m in team)
    return known


def application_prefill_from_station(app: Application, actor: User) -> Application:
    """Start a new application of an existing station from what is known about it."""
    station = app.station
    if station is None:
        return app
    policy = get_city_policy(app.city)
    fields = set(form_class_for(policy.code, app.program).base_fields)
    previous = _previous(app)
    data: dict = {}
    if previous is not None:
        data.update(
            {k: v for k, v in previous.form_data.items() if k in fields and k not in ("level",)}
        )
    known = known_form_data(station)
    if "agreement_signed_on" not in fields:
        # Not a station's own form (e.g. an award of a society that has a station): the
        # application is not named after the station.
        known.pop("title", None)
    data.update({k: v for k, v in known.items() if k in fields})
    if not data:
        return app
    app.form_data = data
    app.title = data.get("title") or app.title
    app.save(update_fields=["form_data", "title", "updated_at"])
    reused = _reuse_attachments(app, previous, actor) if previous is not None else []
    audit(
        event="application.prefilled_from_station",
        user=actor,
        obj=app,
        detail={
            "station": station.pk,
            "from_application": previous.pk if previous else None,
            "fields": sorted(data),
            "attachments": reused,
        },
    )
    return app


def _reuse_attachments(app: Application, previous: Application, actor: User) -> list[int]:
    """Copy the previous application's agreement scans onto the new draft.

    A copy, not a shared file: deleting the draft's attachment must not delete the record
    of the approved application."""
    copied = []
    for source in previous.attachments.filter(kind__in=REUSED_KINDS, inspection__isnull=True):
        try:
            with source.file.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            continue
        copy = Attachment(
            application=app,
            kind=source.kind,
            original_name=source.original_name,
            content_type=source.content_type,
            size=source.size,
            uploaded_by=actor,
        )
        copy.file.save(source.original_name, ContentFile(content), save=False)
        copy.save()
        audit(
            event="application.attachment_reused",
            user=actor,
            obj=app,
            detail={"kind": source.kind, "file": source.original_name, "from": previous.pk},
        )
        copied.append(copy.pk)
    return copied
