"""Excel writing: one cell helper for every export, and a streaming sheet writer.

List exports (one table, up to hundreds of thousands of rows) are written by
`excel_stream.write_table` with the same value policy (`_normalise`).

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
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.cells import DANGEROUS_PREFIXES, neutralise  # noqa: F401  (shared with admin)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
DATE_FORMAT = "yyyy-mm-dd"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(vertical="top", wrap_text=False)


@dataclass(frozen=True)
class Formula:
    """A formula the report itself computes (e.g. "=SUM(F2:F9)"); never user data."""

    text: str


def _normalise(value: Any, number_format: str | None) -> tuple[Any, str | None, bool]:
    """Return (cell value, number format, force text) for `value` as xl_cell writes it."""
    if isinstance(value, Formula):
        return value.text, number_format, False
    if value is None:
        return None, number_format, False
    if isinstance(value, bool):
        return ("是" if value else "否"), number_format, True
    if isinstance(value, int | float | Decimal):
        if number_format is None:
            number_format = MONEY_FORMAT if isinstance(value, int) else DECIMAL_FORMAT
        return value, number_format, False
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value, number_format or "yyyy-mm-dd hh:mm", False
    if isinstance(value, dt.date):
        return value, number_format or DATE_FORMAT, False
    return neutralise(str(value)), number_format, True


def _style(cell, number_format: str | None, style: str) -> None:
    if number_format:
        cell.number_format = number_format
    if style == "header":
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    elif style == "total":
        cell.font, cell.fill = TOTAL_FONT, TOTAL_FILL


def xl_cell(ws, value: Any, *, number_format: str | None = None, style: str = "") -> WriteOnlyCell:
    """Return a typed, styled write-only cell for `value` (str neutralised, numbers as numbers)."""
    cell = WriteOnlyCell(ws)
    value, number_format, as_text = _normalise(value, number_format)
    cell.value = value
    if as_text:
        cell.data_type = "s"  # never a formula, whatever the text
    _style(cell, number_format, style)
    return cell


@dataclass(frozen=True)
class Column:
    """One exported column: header, how to read the value from a row, type and width."""

    header: str
    get: Callable[[Any], Any]
    width: float = 14
    number_format: str | None = None
    total: bool = False  # numeric column summed in the totals row (never a percentage)

    @property
    def is_percentage(self) -> bool:
        return "%" in (self.number_format or "") or "%" in self.header or "占比" in self.header

    @property
    def summed(self) -> bool:
        return self.total and not self.is_percentage


def _rows_of_cells(ws) -> Callable:
    """openpyxl's write-only row builder without its slow path for cell objects.

    openpyxl (3.1) assigns every appended item to its cursor cell and takes a cell object
    only from the ValueError the assignment raises — formatting the cell's repr into the
    message each time: a third of the writer's own cost for a row of typed cells. This
    builder takes cell objects as they are and plain values through one cursor cell, as
    openpyxl does (a new cursor after a styled one: openpyxl gives dates a format; text,
    the commonest value, never gets a style, so it is not asked)."""

    def values_to_row(values, row_idx):
        cursor = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            text = type(value) is str
            if not text and isinstance(value, Cell):
                cell = value
            else:
                cell = cursor
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell is cursor and not text and cursor.has_style:
                cursor = WriteOnlyCell(ws)

    return values_to_row


# Types whose styled cell depends only on the column (`_normalise`: an int is a number in the
# column's format or MONEY_FORMAT, a date a date in the column's format or DATE_FORMAT).
_READY_TYPES = (int, dt.date)


@dataclass
class SheetWriter:
    """Write a header, rows and a totals row into a write-only sheet, keeping memory flat."""

    ws: Any
    columns: Sequence[Column]
    header_row: int = 1
    rows_written: int = field(default=0)
    # The number format each column's numbers were written with: its totals use the same.
    formats: dict[int, str] = field(default_factory=dict)
    _protos: dict = field(default_factory=dict, repr=False)
    # (index, getter, number format) of each column: what `append` reads, once per row.
    _plan: tuple = field(default=(), repr=False)
    # (column index, value type) -> the styled cell `_cell` returned for that column's first
    # value of that type (ints, dates: their format depends on nothing but the column).
    _ready: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._plan = tuple(
            (index, col.get, col.number_format) for index, col in enumerate(self.columns)
        )

    @classmethod
    def create(
        cls, wb: Workbook, title: str, columns: Sequence[Column], *, preamble=()
    ) -> SheetWriter:
        ws = wb.create_sheet(title=title[:31])
        if hasattr(ws, "_values_to_row"):  # openpyxl's write-only sheet (see _rows_of_cells)
            ws._values_to_row = _rows_of_cells(ws)
        for index, col in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = col.width
        header_row = len(preamble) + 1
        # A write-only sheet writes its view settings with the first row: set them first.
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        # Printed as a list is read: landscape A4, all columns on the page width.
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        for line in preamble:  # a title line or two above the table
            ws.append([xl_cell(ws, line, style="total")])
        ws.append([xl_cell(ws, col.header, style="header") for col in columns])
        return cls(ws=ws, columns=columns, header_row=header_row)

    @property
    def next_row(self) -> int:
        return self.header_row + self.rows_written + 1

    def _cell(self, index: int, value: Any, number_format: str | None, style: str):
        """Return what to append for one value: a plain value wherever the cell needs no
        style (neutralised text, a formula of the report's own, None), a styled cell only
        for numbers, dates and header/total rows — through one reusable cell per column and
        format: a write-only sheet writes each row before the next is appended, so a
        100,000-row export builds a dozen styled cells, not a million.

        Never an unstyled cell object: openpyxl's write-only append writes the plain values
        after an unstyled cell into that same object (it reuses it as its cursor), which is
        why every later value of the row once had to be wrapped in a cell of its own."""
        if not style and number_format is None:
            if type(value) is str:
                return neutralise(value)
            if value is None:
                return None
        value, number_format, as_text = _normalise(value, number_format)
        if not style and number_format is None:
            return value  # text already neutralised (a str never becomes a formula), or None
        key = (index, number_format, style, as_text)
        cell = self._protos.get(key)
        if cell is None:
            cell = self._protos[key] = WriteOnlyCell(self.ws)
            _style(cell, number_format, style)
        if not cell.has_style:  # e.g. "General": nothing to keep, write the plain value
            return value
        cell.value = value
        if as_text:
            cell.data_type = "s"  # never a formula, whatever the text
        return cell

    def append_values(self, values: Iterable[Any], *, style: str = "") -> int:
        row_number = self.next_row
        cells = []
        for index, (col, value) in enumerate(zip(self.columns, values, strict=True)):
            cells.append(self._item(index, value, col.number_format, style))
        self.ws.append(cells)
        self.rows_written += 1
        return row_number

    def _item(self, index: int, value: Any, fmt: str | None, style: str):
        """`_cell`, remembering the number format of the column's numbers (for its total)."""
        formats = self.formats
        if fmt is None and isinstance(value, Formula):
            fmt = formats.get(index)  # a total is formatted like its column
        item = self._cell(index, value, fmt, style)
        if (
            index not in formats
            and isinstance(item, Cell)
            and type(value) is not bool
            and isinstance(value, int | float | Decimal)
        ):
            formats[index] = item.number_format
        return item

    def append(self, obj: Any) -> int:
        """Append one data row read from `obj` by the columns' getters: `append_values` of
        `col.get(obj)` for every column, with the commonest cell — text of a column without
        a number format — neutralised here instead of through `_cell` (the hot loop)."""
        row_number = self.next_row
        cells = []
        add = cells.append
        ready = self._ready
        for index, get, fmt in self._plan:
            value = get(obj)
            kind = type(value)
            if kind is str and fmt is None:
                add(neutralise(value))
                continue
            # A number or a date again: the column's styled cell that `_cell` made for the
            # first one, given the new value (what `_cell` would do, without its checks).
            cell = ready.get((index, kind))
            if cell is None:
                item = self._item(index, value, fmt, "")
                if kind in _READY_TYPES and isinstance(item, Cell) and item.has_style:
                    ready[index, kind] = item
                add(item)
            else:
                cell.value = value
                add(cell)
        self.ws.append(cells)
        self.rows_written += 1
        return row_number

    def totals_row(self, label: str = "合计", first: int | None = None, last: int | None = None):
        """Append a row of SUM formulas over the data rows for the columns marked `total`."""
        first = first or self.header_row + 1
        last = last if last is not None else self.next_row - 1
        return self.append_values(totals_values(self.columns, first, last, label), style="total")

    def autofilter(self, last: int | None = None) -> None:
        """Filter buttons on the header over the data rows (not the totals row)."""
        last = last if last is not None else self.next_row - 1
        letter = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A{self.header_row}:{letter}{max(last, self.header_row)}"


def totals_values(columns: Sequence[Column], first: int, last: int, label: str = "合计") -> list:
    """The totals row under data rows `first`..`last` (Excel's row numbers, from 1): the
    label first, a SUM under each summed column (0 when there are no rows), nothing else."""
    values: list[Any] = [label]
    for index, col in enumerate(columns[1:], start=2):
        if not col.summed:
            values.append(None)
        elif last >= first:
            letter = get_column_letter(index)
            values.append(Formula(f"=SUM({letter}{first}:{letter}{last})"))
        else:
            values.append(0)
    return values


def new_workbook() -> Workbook:
    return Workbook(write_only=True)
