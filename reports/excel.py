"""Excel writing: one cell helper for every export, and a streaming sheet writer.

`xl_cell` is the only way a value reaches a worksheet. It neutralises formula injection
(OWASP "CSV/formula injection", 等保 issue 8): a text starting with = + - @ or a tab/CR is
written as text with a leading apostrophe, so Excel and WPS never evaluate it. The
workbook's own formulas (sums, subtotals) are passed as `Formula` and are the only
formulas ever written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
DATE_FORMAT = "yyyy-mm-dd"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(vertical="top", wrap_text=False)


@dataclass(frozen=True)
class Formula:
    """A formula the report itself computes (e.g. "=SUM(F2:F9)"); never user data."""

    text: str


def neutralise(text: str) -> str:
    """Return `text` safe for a spreadsheet cell: a leading formula trigger gets an apostrophe."""
    if text and text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def xl_cell(ws, value: Any, *, number_format: str | None = None, style: str = "") -> WriteOnlyCell:
    """Return a typed, styled write-only cell for `value` (str neutralised, numbers as numbers)."""
    cell = WriteOnlyCell(ws)
    if isinstance(value, Formula):
        cell.value = value.text
    elif value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "是" if value else "否"
    elif isinstance(value, int | float | Decimal):
        cell.value = value
        if number_format is None:
            number_format = MONEY_FORMAT if isinstance(value, int) else DECIMAL_FORMAT
    elif isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell.value = value
        number_format = number_format or "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        number_format = number_format or DATE_FORMAT
    else:
        cell.value = neutralise(str(value))
        cell.data_type = "s"  # never a formula, whatever the text
    if number_format:
        cell.number_format = number_format
    if style == "header":
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    elif style == "total":
        cell.font, cell.fill = TOTAL_FONT, TOTAL_FILL
    return cell


@dataclass(frozen=True)
class Column:
    """One exported column: header, how to read the value from a row, type and width."""

    header: str
    get: Callable[[Any], Any]
    width: float = 14
    number_format: str | None = None
    total: bool = False  # numeric column summed in the totals row


@dataclass
class SheetWriter:
    """Write a header, rows and a totals row into a write-only sheet, keeping memory flat."""

    ws: Any
    columns: Sequence[Column]
    header_row: int = 1
    rows_written: int = field(default=0)

    @classmethod
    def create(
        cls, wb: Workbook, title: str, columns: Sequence[Column], *, preamble=()
    ) -> SheetWriter:
        ws = wb.create_sheet(title=title[:31])
        for index, col in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = col.width
        header_row = len(preamble) + 1
        # A write-only sheet writes its view settings with the first row: set them first.
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        for line in preamble:  # a title line or two above the table
            ws.append([xl_cell(ws, line, style="total")])
        ws.append([xl_cell(ws, col.header, style="header") for col in columns])
        return cls(ws=ws, columns=columns, header_row=header_row)

    @property
    def next_row(self) -> int:
        return self.header_row + self.rows_written + 1

    def append_values(self, values: Iterable[Any], *, style: str = "") -> int:
        row_number = self.next_row
        cells = [
            # Plain text needs no styled cell: openpyxl writes the (neutralised) str as a
            # string cell. That skips a cell object per value, most of a big export's cost.
            neutralise(value)
            if type(value) is str and not style and col.number_format is None
            else None
            if value is None and not style
            else xl_cell(self.ws, value, number_format=col.number_format, style=style)
            for col, value in zip(self.columns, values, strict=True)
        ]
        self.ws.append(cells)
        self.rows_written += 1
        return row_number

    def append(self, obj: Any) -> int:
        return self.append_values(col.get(obj) for col in self.columns)

    def totals_row(self, label: str = "合计", first: int | None = None, last: int | None = None):
        """Append a row of SUM formulas over the data rows for the columns marked `total`."""
        first = first or self.header_row + 1
        last = last if last is not None else self.next_row - 1
        values: list[Any] = []
        for index, col in enumerate(self.columns, start=1):
            letter = get_column_letter(index)
            if index == 1:
                values.append(label)
            elif col.total:
                values.append(
                    Formula(f"=SUM({letter}{first}:{letter}{last})") if last >= first else 0
                )
            else:
                values.append(None)
        return self.append_values(values, style="total")


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def write_table(
    stream,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    preamble: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
    totals: bool = True,
) -> int:
    """Stream `rows` into a one-sheet workbook written to `stream`; return the row count."""
    wb = new_workbook()
    sheet = SheetWriter.create(wb, title, columns, preamble=preamble)
    count = 0
    for obj in rows:
        sheet.append(obj)
        count += 1
        if progress and count % progress_every == 0:
            progress(count)
    if totals and any(col.total for col in columns):
        sheet.totals_row()
    wb.save(stream)
    if progress:
        progress(count)
    return count
