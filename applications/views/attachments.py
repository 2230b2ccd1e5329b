"""An application's uploaded files: download (renamed under blind review) and delete."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from stations.uploads import stored_file_response

from .. import selectors, services
from ._common import _flash_error


@login_required
def attachment_download(request, pk: int, attachment_id: int):
    app = selectors.application_get(request.user, pk)
    attachment = get_object_or_404(app.attachments, pk=attachment_id)
    filename = attachment.original_name
    if services.blind_for(request.user, app.city):
        # Under blind review a file name can name the applicant: the expert gets "材料N.ext".
        ids = list(app.attachments.values_list("pk", flat=True))  # as the detail page numbers them
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        filename = f"材料{ids.index(attachment.pk) + 1}.{ext}"
    return stored_file_response(
        attachment.file, filename=filename, content_type=attachment.content_type
    )


@login_required
@require_POST
def attachment_delete(request, pk: int, attachment_id: int):
    app = selectors.application_get(request.user, pk)
    attachment = get_object_or_404(app.attachments, pk=attachment_id)
    try:
        services.attachment_delete(attachment=attachment, actor=request.user)
    except PermissionDenied as exc:
        _flash_error(request, exc)
    return redirect("applications:edit", pk=pk)
