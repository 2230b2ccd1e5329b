"""Hostile and benign files for upload tests, built in memory."""

import io
import zipfile
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.files import JPG, PNG
from tests.files import PDF as REAL_PDF

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def padded_pdf(size: int) -> bytes:
    """A PDF of exactly `size` bytes: the padding sits in a comment line, inside the file."""
    head, rest = b"%PDF-1.4\n%", PDF[len(b"%PDF-1.4\n") :]
    return head + b"0" * (size - len(head) - 1 - len(rest)) + b"\n" + rest


def ooxml(kind: str = "docx", payload: bytes = b"<w:document/>") -> bytes:
    buffer = io.BytesIO()
    part = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, payload)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def zip_bomb() -> bytes:
    """About 150 KB on the wire, 150 MB once unpacked."""
    return ooxml("docx", b"0" * (150 * 1024 * 1024))


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class RawNamedFile(io.BytesIO):
    """A file whose name was not passed through Django's multipart sanitising (e.g. an import)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def hostile_files(limit: int) -> dict[str, SimpleUploadedFile]:
    """Each entry must be refused with a clear message: name → file."""
    return {
        "renamed executable": upload("报告.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        "html with script": upload(
            "通知.pdf", b"<html><script>alert(1)</script></html>", "text/html"
        ),
        "svg with script": upload(
            "logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        ),
        "svg by extension": upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        "oversized": upload("大文件.pdf", padded_pdf(limit + 1)),
        # Polyglots: right first bytes, a web page inside or after (issue 13).
        "pdf with html after %%EOF": upload("通知.pdf", REAL_PDF + HTML),
        "pdf with html in a comment": upload("通知.pdf", b"%PDF-1.4\n%" + HTML + b"\n" + PDF[9:]),
        "jpg with html after the image": upload("照片.jpg", JPG + HTML),
        "png with script after IEND": upload("照片.png", PNG + b"<script>alert(1)</script>"),
        "png with bytes after IEND": upload("照片.png", PNG + b"\x01\x02trailing"),
        "png that does not decode": upload("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        "jpg that is a png": upload("照片.jpg", b"\xff\xd8\xff" + PNG),
        "pdf with a broken xref": upload("协议.pdf", b"%PDF-1.4\nstartxref\n999999\n%%EOF\n"),
        "zip bomb as docx": upload("申报书.docx", zip_bomb()),
        "path traversal": RawNamedFile("../../etc/passwd.pdf", PDF),
        "pdf named docx": upload("协议.docx", PDF),
    }
