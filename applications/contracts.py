"""The project contract a `records_contract` stage records (杭州 附件第九条 签订项目合同):
its signing date, number and the signed, stamped scan — not only a comment."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from policies.api import workflow_for

from . import permissions as perms
from .models import Application, Attachment, AttachmentKind, ProjectContract
from .services import check_upload


def contract_stage(application: Application):
    """Return the application's current stage if it records a contract, else None."""
    workflow = workflow_for(application.city, application.program)
    if application.stage not in workflow.codes:
        return None
    stage = workflow.stage(application.stage)
    return stage if stage.records_contract else None


@transaction.atomic
def contract_record(
    *, application: Application, actor: User, signed_on: dt.date, number: str, scan
) -> ProjectContract:
    """Record (or correct) the signed contract of an application at its contract stage."""
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("city")
        .get(pk=application.pk)
    )
    stage = contract_stage(app)
    if stage is None:
        raise ValidationError("当前环节不登记项目合同。")
    ok, reason = perms.can_take_action(actor, app, "approve")
    if not ok:
        raise PermissionDenied(reason)
    errors = {}
    if signed_on is None:
        errors["signed_on"] = "请填写合同签订日期。"
    elif signed_on > timezone.localdate():
        errors["signed_on"] = "合同签订日期不能晚于今天。"
    if not (number or "").strip():
        errors["number"] = "请填写合同编号。"
    if scan is None:
        errors["scan"] = "请上传签字盖章的合同扫描件。"
    if errors:
        raise ValidationError(errors)
    checked = check_upload(scan)
    attachment = Attachment.objects.create(
        application=app,
        kind=AttachmentKind.SIGNED_CONTRACT,
        file=scan,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    contract, _created = ProjectContract.objects.update_or_create(
        application=app,
        defaults={
            "signed_on": signed_on,
            "number": number.strip(),
            "scan": attachment,
            "recorded_by": actor,
        },
    )
    audit(
        event="application.contract_recorded",
        user=actor,
        obj=app,
        clause=stage.clause,
        detail={
            "number": contract.number,
            "signed_on": signed_on.isoformat(),
            "file": attachment.original_name,
        },
    )
    return contract
