"""Import files waiting between preview and confirm, kept in the shared storage.

A preview may be served by one web container and its confirm by another, so the staged file
lives in Django's default storage (a shared volume or the S3-compatible object store), never on
one container's disk. Files nobody confirmed are purged on schedule.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

STAGING_DIR = "imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def staged_name(*, user, token: str) -> str | None:
    """Return the storage name of `user`'s staged file, or None for a malformed token."""
    if not TOKEN_RE.match(token or ""):
        return None
    return f"{STAGING_DIR}/{user.pk}/{token}.xlsx"


def staging_save(*, user, content: bytes) -> str:
    """Stage a previewed file and return its token."""
    token = uuid.uuid4().hex
    default_storage.save(staged_name(user=user, token=token), ContentFile(content))
    return token


def staging_read(*, user, token: str) -> bytes | None:
    """Return the staged file's bytes; None if it is gone, malformed or not this user's."""
    name = staged_name(user=user, token=token)
    if name is None or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def staging_discard(*, user, token: str) -> None:
    name = staged_name(user=user, token=token)
    if name is not None:
        default_storage.delete(name)


def staging_purge(*, older_than: dt.timedelta = dt.timedelta(hours=24), now=None) -> int:
    """Delete staged files older than `older_than` (previews never confirmed); return how many."""
    cutoff = (now or timezone.now()) - older_than
    purged = 0
    try:
        owners, _files = default_storage.listdir(STAGING_DIR)
    except FileNotFoundError:
        return 0
    for owner in owners:
        _dirs, files = default_storage.listdir(f"{STAGING_DIR}/{owner}")
        for filename in files:
            name = f"{STAGING_DIR}/{owner}/{filename}"
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                purged += 1
    return purged
