"""The list exports' streaming writer (XlsxWriter) writes what excel.SheetWriter (openpyxl)
writes: read back with openpyxl, every cell's value, type, number format, bold and fill,
and the sheet's layout (frozen header, print titles, landscape A4 on one page width,
filter over the data rows, totals row)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest

from reports.excel import MONEY_FORMAT, Column, SheetWriter, new_workbook
from reports.excel_stream import write_table

from .helpers import open_xlsx, tricky_table

COLUMNS, ROWS = tricky_table()


def _with_openpyxl(columns, rows, preamble=()) -> bytes:
    """The table as excel.SheetWriter writes it (the list exports' writer until XlsxWriter)."""
    wb = new_workbook()
    sheet = SheetWriter.create(wb, "t", columns, preamble=preamble)
    for row in rows:
        sheet.append(row)
    sheet.autofilter()
    sheet.totals_row()
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_stream(columns, rows, preamble=()) -> bytes:
    out = BytesIO()
    assert write_table(out, title="t", columns=columns, rows=iter(rows), preamble=preamble) == len(
        rows
    )
    return out.getvalue()


def _read(content: bytes):
    ws = open_xlsx(content).active
    cells = [
        [
            (
                c.value,
                "blank" if c.value is None else c.data_type,
                c.number_format,
                bool(c.font and c.font.b),
                (c.fill.fgColor.rgb or "")[-6:] if c.fill and c.fill.fill_type else "",
            )
            for c in row
        ]
        for row in ws.iter_rows(max_col=len(COLUMNS))
    ]
    setup = {
        "freeze": ws.freeze_panes,
        "titles": (ws.print_title_rows or "").replace("$", ""),
        "orientation": ws.page_setup.orientation,
        "paper": str(ws.page_setup.paperSize),
        # fitToWidth left out is its default, 1 (ECMA-376 §18.3.1.64).
        "fit": (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight),
        "fit_to_page": bool(ws.sheet_properties.pageSetUpPr.fitToPage),
        "centered": bool(ws.print_options.horizontalCentered),
        "filter": ws.auto_filter.ref,
    }
    # (XlsxWriter writes one range for neighbouring columns of one width: B stands for B–I.)
    widths = [ws.column_dimensions[letter].width for letter in "AB"]
    return cells, setup, widths


@pytest.mark.parametrize("preamble", [(), ("2025年度资助金额汇总", "制表：沈阳市科协")])
def test_the_stream_writes_what_sheet_writer_writes(preamble):
    ours, theirs = (
        _read(_with_stream(COLUMNS, ROWS, preamble)),
        _read(_with_openpyxl(COLUMNS, ROWS, preamble)),
    )
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]
    header = len(preamble) + 1
    assert (
        ours[1]["freeze"] == f"A{header + 1}"
        and ours[1]["filter"] == f"A{header}:I{header + len(ROWS)}"
    )
    # The widths are the columns' (XlsxWriter adds Excel's cell padding to what it writes).
    assert [round(w) for w in ours[2]] == [31, 15] and theirs[2] == [30, 14]
    cells = ours[0]
    assert cells[header][0][:2] == ("'" + ROWS[0][0], "s")  # formula trigger: text
    assert cells[header - 1][0][3:] == (True, "DDEBF7")  # bold, shaded header
    assert all(kind != "f" for row in cells[:-1] for _v, kind, *_ in row)
    totals = cells[-1]
    assert totals[2][:3] == (f"=SUM(C{header + 1}:C{header + len(ROWS)})", "f", MONEY_FORMAT)
    assert totals[7][:2] == (f"=SUM(H{header + 1}:H{header + len(ROWS)})", "f")
    assert totals[8][0] is None  # a sum of percentages means nothing
    assert totals[0][0] == "合计" and totals[0][4] == "F2F2F2"


def test_an_empty_table_has_a_header_a_filter_and_zero_totals():
    ours, theirs = _read(_with_stream(COLUMNS, [])), _read(_with_openpyxl(COLUMNS, []))
    assert ours[:2] == theirs[:2]
    assert ours[1]["filter"] == "A1:I1"
    assert ours[0][1][2][:3] == (0, "n", MONEY_FORMAT)


def test_a_control_character_in_user_text_does_not_fail_the_export():
    """A name pasted with a control character, which XML cannot carry: openpyxl refused the
    whole export (IllegalCharacterError); it is written as ECMA-376's escape (_x0001_, which
    Excel reads back as the character; openpyxl shows the escape as it is)."""
    columns = (Column("名称", lambda r: r[0]),)
    content = _with_stream(columns, [("换行\x01前",), ("下一行",)])
    ws = open_xlsx(content).active
    assert [ws["A2"].value, ws["A3"].value] == ["换行_x0001_前", "下一行"]


def test_a_number_that_is_not_a_number_is_an_empty_cell_not_a_failed_export():
    """A ratio of nothing (NaN, infinity), which XlsxWriter refuses: the cell is left empty
    in its column's format, and no formula is written for it."""
    columns = (Column("名称", lambda r: r[0]), Column("比值", lambda r: r[1]))
    rows = [("甲", float("nan")), ("乙", float("inf")), ("丙", Decimal("NaN")), ("丁", 1.5)]
    ws = open_xlsx(_with_stream(columns, rows)).active
    cells = [ws.cell(r, 2) for r in (2, 3, 4, 5)]
    assert [c.value for c in cells] == [None, None, None, 1.5]
    assert {c.number_format for c in cells} == {"#,##0.0"}
