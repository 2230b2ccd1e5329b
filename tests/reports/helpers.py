"""Read generated files back: evaluate the workbook's SUM formulas, extract PDF text."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from pypdf import PdfReader

SUM_RE = re.compile(r"^=SUM\((.*)\)$")


def tricky_table():
    """(columns, rows) for the workbook writers' tests: formula triggers, every value type in
    typed and untyped columns, None, bools, aware datetimes, each type twice (so a cell
    object reused between rows would show), percentages that are never summed."""
    from decimal import Decimal

    from reports.excel import MONEY_FORMAT, Column

    columns = (
        Column("名称", lambda r: r[0], 30),
        Column("年度", lambda r: r[1], number_format="0"),
        Column("金额", lambda r: r[2], number_format=MONEY_FORMAT, total=True),
        Column("日期", lambda r: r[3]),
        Column("备注", lambda r: r[4]),
        Column("日期2", lambda r: r[5], number_format="yyyy年m月d日"),
        Column("通用", lambda r: r[6], number_format="General"),
        Column("得分", lambda r: r[7], total=True),
        Column("占比（%）", lambda r: r[8], total=True),
    )
    day, moment = dt.date(2025, 3, 1), dt.datetime(2025, 1, 2, 3, 4)
    rows = [
        ('=HYPERLINK("http://evil","x")', 2025, 50000, day, None, day, 7, 1.5, 40.0),
        ("普通", None, 1.5, None, True, None, "=1", 2, 60.0),
        ("", 2024, 0, moment, "@x", moment, None, Decimal("2.5"), None),
        ("又一行", 2023, Decimal("2.5"), day, 12, day, 8, 0, 0.5),
        ("-1", "2022", Decimal("300.00"), day, day, "文本", False, None, 1),
        ("末行", 2021, 400, moment, 3.25, day, 9, 3, 2),
        ("\t=1", True, 1, dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC), 1.5, day, 1, 4, 3),
        ("是否2", False, 2, dt.datetime(2025, 6, 2, 23, 4, tzinfo=dt.UTC), 2.5, day, 2, 5, 4),
    ]
    return columns, rows


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
