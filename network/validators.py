"""Attachment checks: type by extension *and* content, and size; messages in Chinese."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5


def max_attachment_bytes() -> int:
    return getattr(settings, "NETWORK_MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES)


def _content_matches(ext: str, upload) -> bool:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    # DOCX and XLSX are ZIP packages holding word/ or xl/ parts.
    try:
        with zipfile.ZipFile(upload) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)
    prefix = "word/" if ext == ".docx" else "xl/"
    return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)


def validate_attachment(upload) -> str:
    """Return the content type to store for an allowed upload, or raise ValidationError."""
    name = upload.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("不支持的文件类型“%(name)s”：仅可上传 PDF、DOCX、XLSX、JPG、PNG 文件。"),
            code="attachment_type",
            params={"name": name},
        )
    limit = max_attachment_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”超过大小上限 %(limit)s。"),
            code="attachment_size",
            params={"name": name, "limit": filesizeformat(limit)},
        )
    if not _content_matches(ext, upload):
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名不符，请上传真实的 PDF、DOCX、XLSX、JPG 或 PNG 文件。"),
            code="attachment_content",
            params={"name": name},
        )
    return ALLOWED_TYPES[ext]
