"""Read generated files back: evaluate the workbook's SUM formulas, extract PDF text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from pypdf import PdfReader

SUM_RE = re.compile(r"^=SUM\((.*)\)$")


def open_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))  # formulas kept as text


def cell_value(ws, ref: str):
    """Return a cell's value, evaluating =SUM(...) of refs and ranges (recursively)."""
    value = ws[ref].value
    if isinstance(value, str) and value.startswith("="):
        match = SUM_RE.match(value)
        assert match, f"unexpected formula {value!r} in {ref}"
        total = 0
        for part in match.group(1).split(","):
            if ":" in part:
                min_col, min_row, max_col, max_row = range_boundaries(part)
                for row in ws.iter_rows(min_row, max_row, min_col, max_col):
                    for c in row:
                        total += cell_value(ws, c.coordinate) or 0
            elif part == "0":
                continue
            else:
                total += cell_value(ws, part) or 0
        return total
    return value


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def save_artifact(name: str, pdf: bytes) -> Path:
    """Keep the PDF and its first page as PNG (pdftoppm -r 60) under artifacts/ for a person."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(path),
                str(ARTIFACTS / name),
            ],
            check=True,
            timeout=60,
        )
    return path
