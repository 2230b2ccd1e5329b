"""Demand attachments: the platform's one upload check (stations.uploads) with this app's limits."""

from django.conf import settings

from stations.uploads import CheckedUpload, validate_upload

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5


def max_attachment_bytes() -> int:
    return getattr(settings, "NETWORK_MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES)


def validate_attachment(upload) -> CheckedUpload:
    """Return what an acceptable attachment is, or raise a ValidationError in Chinese."""
    return validate_upload(upload, max_bytes=max_attachment_bytes())
