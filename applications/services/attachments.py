"""Attachments of an application: checked uploads, add and delete (audited)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import audit
from stations.uploads import ALL_TYPES, CheckedUpload, validate_upload

from .. import permissions as perms
from ..models import Application, Attachment, AttachmentKind

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {"jpg", "png"}


def check_upload(upload, *, allowed=ALL_TYPES) -> CheckedUpload:
    """Return what an acceptable upload is, or raise a ValidationError in Chinese."""
    return validate_upload(upload, allowed=allowed, max_bytes=ATTACHMENT_MAX_BYTES)


@transaction.atomic
def attachment_add(
    *, application: Application, actor: User, kind: str, upload, inspection=None
) -> Attachment:
    if inspection is None:
        ok, reason = perms.can_edit_application(actor, application)
        if not ok:
            raise PermissionDenied(reason)
        allowed = ALL_TYPES
    else:
        allowed = PHOTO_TYPES
    checked = check_upload(upload, allowed=allowed)
    if kind not in AttachmentKind.values:
        raise ValidationError("未知的材料类别。")
    att = Attachment(
        application=application,
        inspection=inspection,
        kind=kind,
        file=upload,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    att.save()
    audit(
        event="application.attachment_added",
        user=actor,
        obj=application,
        detail={"kind": kind, "file": att.original_name, "size": att.size},
    )
    return att


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    ok, reason = perms.can_edit_application(actor, attachment.application)
    if not ok:
        raise PermissionDenied(reason)
    audit(
        event="application.attachment_deleted",
        user=actor,
        obj=attachment.application,
        detail={"kind": attachment.kind, "file": attachment.original_name},
    )
    attachment.file.delete(save=False)
    attachment.delete()
