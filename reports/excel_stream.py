"""List exports: one table streamed into a workbook by XlsxWriter's constant-memory mode.

A 100,000-row export spends nearly all of its time in the xlsx writer itself: openpyxl's
write-only sheet builds a cell object and an lxml element for every value, XlsxWriter
writes each row straight to its temporary sheet file (measured by `make bench` on the same
rows: ≈ 25 % less CPU than openpyxl's write-only floor). The formatted reports (subsidy
workbook, import templates, forecasts) keep openpyxl and `excel.SheetWriter`; both follow
one value policy, `excel._normalise`: text is neutralised and written as text — here with
`write_string`, which never makes a formula whatever the text —, numbers and dates typed
in their column's format, and the workbook's own sums the only formulas.
`tests/reports/test_excel_stream.py` reads both back and compares them cell by cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from accounts.cells import neutralise

from .excel import HEADER_FILL, TOTAL_FILL, Column, Formula, _normalise, totals_values
from .heavy import fewer_collections

# The workbook options: every value is written by the typed method `_Sheet.put` chooses,
# so none of XlsxWriter's guesses from a string's look (formula, number, link) applies.
_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
_FILLS = {"header": HEADER_FILL.fgColor.rgb[-6:], "total": TOTAL_FILL.fgColor.rgb[-6:]}


class _Sheet:
    """One worksheet and the cell formats it has made, one per (number format, style)."""

    def __init__(self, wb, ws):
        self.wb, self.ws = wb, ws
        self._formats: dict[tuple[str | None, str], Any] = {}
        # The number format of each column's first number: its total is written in it.
        self.number_formats: dict[int, str] = {}

    def format(self, number_format: str | None, style: str = ""):
        key = (number_format, style)
        if key not in self._formats:
            properties: dict[str, Any] = {}
            if number_format and number_format != "General":  # General: the default
                properties["num_format"] = number_format
            if style:
                properties.update(bold=True, pattern=1, bg_color=f"#{_FILLS[style]}")
            self._formats[key] = self.wb.add_format(properties) if properties else None
        return self._formats[key]

    def put(self, row: int, col: int, value: Any, number_format: str | None, style: str = ""):
        """Write one value as `excel.xl_cell` would type and format it."""
        if isinstance(value, Formula) and number_format is None:
            number_format = self.number_formats.get(col)  # a total, formatted like its column
        value, number_format, as_text = _normalise(value, number_format)
        fmt = self.format(number_format, style)
        ws = self.ws
        if value is None:
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
        elif as_text:
            ws.write_string(row, col, value, fmt)  # already neutralised by _normalise
        elif isinstance(value, str):  # the text of one of the report's own Formulas
            ws.write_formula(row, col, value, fmt)
        elif isinstance(value, int | float | Decimal):
            self.number_formats.setdefault(col, number_format)
            if not math.isfinite(value):  # a ratio of nothing: an empty cell, not a failed
                ws.write_blank(row, col, None, fmt)  # export (XlsxWriter refuses NaN)
            else:
                ws.write_number(row, col, value, fmt)
        else:  # a date or a naive local datetime (_normalise)
            ws.write_datetime(row, col, value, fmt)


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
    """Stream `rows` into a one-sheet workbook written to `stream`; return the row count.

    The sheet is laid out as `excel.SheetWriter.create` lays out its own: the preamble lines
    above a bold, shaded header that stays frozen and prints on every page (landscape A4,
    all columns on the page width), filter buttons over the data, and a totals row of SUM
    formulas under the columns marked `total`."""
    with fewer_collections():  # reports.heavy: a row tuple and a dozen values a row
        wb = xlsxwriter.Workbook(stream, _OPTIONS)
        ws = wb.add_worksheet(title[:31])
        sheet = _Sheet(wb, ws)
        header_row = len(preamble)  # 0-based, as XlsxWriter counts
        for index, col in enumerate(columns):
            ws.set_column(index, index, col.width)
        ws.freeze_panes(header_row + 1, 0)
        ws.repeat_rows(header_row)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        for row, line in enumerate(preamble):
            sheet.put(row, 0, line, None, "total")
        for index, col in enumerate(columns):
            sheet.put(header_row, index, col.header, None, "header")
        count = _write_rows(sheet, header_row + 1, columns, rows, progress, progress_every)
        last = header_row + count  # the last data row (the header when there is none)
        ws.autofilter(header_row, 0, last, len(columns) - 1)
        if totals and any(col.summed for col in columns):
            _totals_row(sheet, columns, first=header_row + 1, last=last)
        wb.close()
    if progress:
        progress(count)
    return count


def _write_rows(sheet: _Sheet, first_row: int, columns, rows, progress, every) -> int:
    """The hot loop: the commonest cell, text of a column without a number format, is
    neutralised and written here; everything else goes through `_Sheet.put`."""
    plan = tuple((index, col.get, col.number_format) for index, col in enumerate(columns))
    write_string, put = sheet.ws.write_string, sheet.put
    count = 0
    row = first_row
    for obj in rows:
        for index, get, fmt in plan:
            value = get(obj)
            if type(value) is str and fmt is None:
                if value:  # an empty text is a blank cell, as openpyxl writes it
                    write_string(row, index, neutralise(value))
            elif value is not None or fmt is not None:
                put(row, index, value, fmt)
        row += 1
        count += 1
        if progress and count % every == 0:
            progress(count)
    return count


def _totals_row(sheet: _Sheet, columns, *, first: int, last: int) -> None:
    """`excel.totals_values` under the data rows `first`..`last` (XlsxWriter's rows, from 0)."""
    values = totals_values(columns, first + 1, last + 1)
    for index, (col, value) in enumerate(zip(columns, values, strict=True)):
        sheet.put(last + 1, index, value, col.number_format, "total")
