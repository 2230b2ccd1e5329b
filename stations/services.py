"""Writes for the stations app.

Every function is keyword-only, atomic, runs `full_clean()` and writes one audit row with
the changed fields before and after. Views, admin and other apps call these; nothing else
saves these models or assigns `Station.status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import audit

from .choices import ActivityKind, ExpertRole, StationStatus
from .models import (
    ActivityEvidence,
    ActivityRecord,
    Expert,
    HostUnit,
    Society,
    Station,
    StationExpert,
    StationStaff,
    StationStatusChange,
)
from .uploads import CheckedUpload, validate_upload

S = StationStatus

# The generic life cycle of a station. City policies decide *when* a move happens (and who
# takes it); this table only rules out moves that make no sense in any city.
STATION_TRANSITIONS: dict[str, frozenset[str]] = {
    S.FILED: frozenset(
        {S.APPLIED, S.CERTIFIED, S.KEY_SUPPORTED, S.RECTIFICATION, S.REVOKED, S.DELISTED, S.EXPIRED}
    ),
    S.APPLIED: frozenset({S.FILED, S.CERTIFIED, S.KEY_SUPPORTED, S.REVOKED}),
    S.CERTIFIED: frozenset(
        {S.APPLIED, S.KEY_SUPPORTED, S.RECTIFICATION, S.SUSPENDED, S.REVOKED, S.DELISTED, S.EXPIRED}
    ),
    S.KEY_SUPPORTED: frozenset(
        {S.CERTIFIED, S.RECTIFICATION, S.SUSPENDED, S.REVOKED, S.DELISTED, S.EXPIRED}
    ),
    S.RECTIFICATION: frozenset({S.CERTIFIED, S.KEY_SUPPORTED, S.SUSPENDED, S.REVOKED, S.DELISTED}),
    S.SUSPENDED: frozenset({S.CERTIFIED, S.KEY_SUPPORTED, S.RECTIFICATION, S.REVOKED, S.DELISTED}),
    # A revoked (key-support) or expired station may file or apply again; delisting is final.
    S.REVOKED: frozenset({S.FILED, S.APPLIED, S.DELISTED}),
    S.EXPIRED: frozenset({S.FILED, S.APPLIED, S.DELISTED}),
    S.DELISTED: frozenset(),
}

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


class IllegalStationTransition(ValidationError):
    """A status move the life-cycle table does not allow."""


# --- helpers -------------------------------------------------------------------------------

_SKIP = {"created_at", "updated_at"}


def snapshot(obj: models.Model) -> dict[str, str]:
    """Return the object's concrete field values as strings (JSON-safe, for the audit row)."""
    return {
        f.attname: f.value_to_string(obj)
        for f in obj._meta.concrete_fields
        if f.attname not in _SKIP and not f.primary_key
    }


def _diff(before: dict[str, str], after: dict[str, str]) -> dict[str, dict[str, str]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {
        "before": {k: before.get(k, "") for k in changed},
        "after": {k: after[k] for k in changed},
    }


def _editable_names(model: type[models.Model]) -> set[str]:
    return {
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in _SKIP
    }


def _apply(
    obj: models.Model, data: Mapping[str, Any], *, protected: set[str] = frozenset()
) -> None:
    allowed = _editable_names(type(obj)) - set(protected)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{type(obj).__name__}: fields not writable here: {sorted(unknown)}")
    for name, value in data.items():
        setattr(obj, name, value)


def _create(
    model, *, actor, data: Mapping[str, Any], event: str, protected=frozenset(), check=None
):
    obj = model()
    _apply(obj, data, protected=protected)
    if check:
        check(obj)
    obj.full_clean()
    obj.save()
    audit(event=event, user=actor, obj=obj, detail={"before": {}, "after": snapshot(obj)})
    return obj


def _update(obj, *, actor, data: Mapping[str, Any], event: str, protected=frozenset(), check=None):
    # Re-read under a row lock: two editors saving the same record at once must not both
    # start from the same "before" and silently overwrite each other's audit trail.
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = snapshot(obj)
    _apply(obj, data, protected=protected)
    if check:
        check(obj)
    obj.full_clean()
    obj.save()
    diff = _diff(before, snapshot(obj))
    if diff["after"]:
        audit(event=event, user=actor, obj=obj, detail=diff)
    return obj


# --- societies, host units, experts --------------------------------------------------------


def _check_parent_same_city(society: Society) -> None:
    if society.parent_id and society.parent.city_id != society.city_id:
        raise ValidationError({"parent": _("上级学会必须属于同一城市。")})
    if society.parent_id and society.pk and society.parent_id == society.pk:
        raise ValidationError({"parent": _("上级学会不能是学会本身。")})


@transaction.atomic
def society_create(*, actor, data: Mapping[str, Any]) -> Society:
    return _create(
        Society, actor=actor, data=data, event="society.created", check=_check_parent_same_city
    )


@transaction.atomic
def society_update(*, society: Society, actor, data: Mapping[str, Any]) -> Society:
    return _update(
        society,
        actor=actor,
        data=data,
        event="society.updated",
        protected={"city"},
        check=_check_parent_same_city,
    )


def _check_host_district(host_unit: HostUnit) -> None:
    if host_unit.district_id and host_unit.district.city_id != host_unit.city_id:
        raise ValidationError({"district": _("所在县（市、区）必须属于建站单位所在城市。")})
    host_unit.credit_code = (host_unit.credit_code or "").strip().upper()


@transaction.atomic
def host_unit_create(*, actor, data: Mapping[str, Any]) -> HostUnit:
    return _create(
        HostUnit, actor=actor, data=data, event="host_unit.created", check=_check_host_district
    )


@transaction.atomic
def host_unit_update(*, host_unit: HostUnit, actor, data: Mapping[str, Any]) -> HostUnit:
    return _update(
        host_unit,
        actor=actor,
        data=data,
        event="host_unit.updated",
        protected={"city"},
        check=_check_host_district,
    )


def _check_expert_society(expert: Expert) -> None:
    if expert.society_id and expert.society.city_id != expert.city_id:
        raise ValidationError({"society": _("所属学会必须属于同一城市。")})


@transaction.atomic
def expert_create(*, actor, data: Mapping[str, Any]) -> Expert:
    return _create(
        Expert, actor=actor, data=data, event="expert.created", check=_check_expert_society
    )


@transaction.atomic
def expert_update(*, expert: Expert, actor, data: Mapping[str, Any]) -> Expert:
    return _update(
        expert,
        actor=actor,
        data=data,
        event="expert.updated",
        protected={"city"},
        check=_check_expert_society,
    )


# --- stations ------------------------------------------------------------------------------


def check_station(station: Station) -> None:
    errors: dict[str, str] = {}
    if station.society_id and station.society.city_id != station.city_id:
        errors["society"] = _("建站学会必须属于服务站所在城市。")
    if station.host_unit_id and station.host_unit.city_id != station.city_id:
        errors["host_unit"] = _("建站单位必须属于服务站所在城市。")
    if station.district_id and station.district.city_id != station.city_id:
        errors["district"] = _("县（市、区）必须属于服务站所在城市。")
    if station.term_start and station.term_end and station.term_end < station.term_start:
        errors["term_end"] = _("协议期限止不能早于协议期限起。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def station_create(
    *, actor, data: Mapping[str, Any], status: str = StationStatus.FILED, reason: str = ""
) -> Station:
    """Create a station and its first status-history row."""
    station = _create(
        Station,
        actor=actor,
        data={**data, "status": status},
        event="station.created",
        check=check_station,
    )
    StationStatusChange.objects.create(
        station=station,
        from_status="",
        to_status=status,
        changed_at=timezone.now(),
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason or _("新建服务站"),
    )
    return station


@transaction.atomic
def station_update(*, station: Station, actor, data: Mapping[str, Any]) -> Station:
    """Change a station's details; its status only changes through station_set_status."""
    return _update(
        station,
        actor=actor,
        data=data,
        event="station.updated",
        protected={"city", "status"},
        check=check_station,
    )


def allowed_station_statuses(station: Station) -> list[tuple[str, str]]:
    """Return the (value, label) statuses the station may move to next."""
    targets = STATION_TRANSITIONS.get(station.status, frozenset())
    return [(value, label) for value, label in StationStatus.choices if value in targets]


@transaction.atomic
def station_set_status(
    *, station: Station, to_status: str, actor, reason: str, clause: str = ""
) -> StationStatusChange:
    """Move a station to `to_status`, record the history row and the audit event.

    The caller decides whether `actor` may take this step (views check
    stations.permissions; workflow services check their policy); this function checks only
    the life-cycle table and raises IllegalStationTransition on a move it does not allow.
    """
    if to_status not in StationStatus.values:
        raise IllegalStationTransition(
            _("未知的服务站状态：%(status)s。") % {"status": to_status}, code="unknown_status"
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写状态变更原因。")})
    # Lock the row: two reviewers acting at once must not both move from the same status.
    station = Station.objects.select_for_update().get(pk=station.pk)
    from_status = station.status
    if to_status not in STATION_TRANSITIONS.get(from_status, frozenset()):
        raise IllegalStationTransition(
            _("服务站状态不能从“%(from)s”变更为“%(to)s”。")
            % {"from": StationStatus(from_status).label, "to": StationStatus(to_status).label},
            code="illegal_transition",
        )
    station.status = to_status
    station.save(update_fields=["status", "updated_at"])
    change = StationStatusChange(
        station=station,
        from_status=from_status,
        to_status=to_status,
        changed_at=timezone.now(),
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason.strip(),
        clause=clause,
    )
    change.full_clean()
    change.save()
    audit(
        event="station.status_changed",
        user=actor,
        obj=station,
        reason=reason.strip(),
        clause=clause,
        detail={"before": {"status": from_status}, "after": {"status": to_status}},
    )
    return change


# --- agreement, staff and expert team ------------------------------------------------------

AGREEMENT_FIELDS = ("agreement_signed_on", "term_start", "term_end", "agreement_content")


@transaction.atomic
def station_agreement_set(*, station: Station, actor, data: Mapping[str, Any]) -> Station:
    """Record the co-construction agreement (dates, content) on the station (audited)."""
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValueError(f"not agreement fields: {sorted(unknown)}")
    return station_update(station=station, actor=actor, data=data)


@transaction.atomic
def station_staff_add(
    *, station: Station, actor, name: str, position: str, mobile: str = ""
) -> StationStaff:
    """Add a staff member; a person already listed under the same name is kept as is."""
    existing = station.staff.filter(name=name.strip()).first()
    if existing is not None:
        return existing
    member = StationStaff(
        station=station, name=name.strip(), position=position.strip(), mobile=mobile.strip()
    )
    member.full_clean()
    member.save()
    audit(
        event="station.staff_added",
        user=actor,
        obj=station,
        detail={"name": member.name, "position": member.position},
    )
    return member


@transaction.atomic
def station_team_add(
    *,
    station: Station,
    actor,
    expert: Expert,
    joined_on,
    role: str = ExpertRole.MEMBER,
) -> StationExpert:
    """Add an expert to the station's team; one already on it (not left) is kept as is."""
    if expert.city_id != station.city_id:
        raise ValidationError({"expert": _("专家必须属于服务站所在城市。")})
    current = station.team.filter(expert=expert, left_on__isnull=True).first()
    if current is not None:
        return current
    member = StationExpert(station=station, expert=expert, role=role, joined_on=joined_on)
    member.full_clean()
    member.save()
    audit(
        event="station.team_member_added",
        user=actor,
        obj=station,
        detail={
            "expert": expert.pk,
            "name": expert.name,
            "role": role,
            "joined_on": str(joined_on),
        },
    )
    return member


# --- activity records ----------------------------------------------------------------------

TRAINEES_REQUIRED = gettext_lazy("技术培训须填写培训人数。")


def _check_activity(record: ActivityRecord) -> None:
    errors: dict[str, str] = {}
    if record.date and record.date > timezone.localdate():
        errors["date"] = _("活动日期不能晚于今天。")
    if record.kind == ActivityKind.TRAINING and not record.trainees:
        errors["trainees"] = str(TRAINEES_REQUIRED)
    if record.kind == ActivityKind.AGREEMENT_PROGRESS and record.quantity and record.quantity > 100:
        errors["quantity"] = _("协议任务完成进度为百分比，不能超过100。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_record_create(*, station: Station, actor, data: Mapping[str, Any]) -> ActivityRecord:
    record = ActivityRecord(station=station, created_by=actor if actor.is_authenticated else None)
    _apply(record, data, protected={"station", "created_by"})
    _check_activity(record)
    record.full_clean()
    record.save()
    audit(
        event="activity_record.created",
        user=actor,
        obj=record,
        city_id=station.city_id,
        detail={"before": {}, "after": snapshot(record)},
    )
    return record


@transaction.atomic
def activity_record_update(
    *, record: ActivityRecord, actor, data: Mapping[str, Any]
) -> ActivityRecord:
    locked = ActivityRecord.objects.select_for_update().select_related("station").get(pk=record.pk)
    before = snapshot(locked)
    _apply(locked, data, protected={"station", "created_by"})
    _check_activity(locked)
    locked.full_clean()
    locked.save()
    diff = _diff(before, snapshot(locked))
    if diff["after"]:
        audit(
            event="activity_record.updated",
            user=actor,
            obj=locked,
            city_id=locked.station.city_id,
            detail=diff,
        )
    return locked


def check_evidence_upload(upload) -> CheckedUpload:
    """Return what an acceptable evidence file is, or raise a Chinese ValidationError."""
    return validate_upload(upload, max_bytes=EVIDENCE_MAX_BYTES)


@transaction.atomic
def activity_evidence_add(*, record: ActivityRecord, actor, upload) -> ActivityEvidence:
    checked = check_evidence_upload(upload)
    evidence = ActivityEvidence(
        record=record,
        file=upload,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor if actor.is_authenticated else None,
    )
    evidence.save()
    audit(
        event="activity_evidence.uploaded",
        user=actor,
        obj=record,
        city_id=record.station.city_id,
        detail={"file": evidence.original_name, "size": evidence.size},
    )
    return evidence
