"""Small genuine files for upload tests (they must parse: stations.uploads checks content)."""

import io

from PIL import Image
from pypdf import PdfWriter


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PNG = _image("PNG")
JPG = _image("JPEG")
PDF = _pdf()
