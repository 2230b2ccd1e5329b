"""The subsidy report as a real .xlsx: typed cells, #,##0, frozen header, sums in the sheet.

Layout: a title line and a basis line, the header (frozen, repeated on printed pages), the
rows of each program and level followed by its subtotal row (SUM over its rows), each
program's subtotal (SUM of its level subtotals) and the grand total (SUM of the program
subtotals), then the grand total's net amount in uppercase RMB.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl.utils import get_column_letter

from .excel import MONEY_FORMAT, Column, Formula, SheetWriter, new_workbook
from .subsidy import SubsidyReport

COLUMNS = (
    Column("项目类别", lambda r: r.program_label, 22),
    Column("级别", lambda r: r.level_label, 8),
    Column("服务站", lambda r: r.station, 36),
    Column("建站学会", lambda r: r.society, 24),
    Column("建站单位", lambda r: r.host_unit, 28),
    Column("资助年度", lambda r: r.year, 10, number_format="0"),
    Column("考核等次", lambda r: r.grade, 10),
    Column("核定金额（元）", lambda r: r.approved, 14, MONEY_FORMAT, total=True),
    Column("已拨付（元）", lambda r: r.paid, 14, MONEY_FORMAT, total=True),
    Column("已追回（元）", lambda r: r.recovered, 14, MONEY_FORMAT, total=True),
    Column("净拨付（元）", lambda r: r.net, 14, MONEY_FORMAT, total=True),
    Column("凭证号", lambda r: r.voucher_text, 24),
    Column("说明", lambda r: r.recovery_note, 20),
)
MONEY_COLUMNS = [i for i, c in enumerate(COLUMNS, start=1) if c.total]
BASIS = "口径：核定=政策引擎计算的当年应拨金额；已拨付=拨付记录；已追回=追回决定（说明栏注明追回的是哪一年度拨付的资金）；净拨付=已拨付−已追回。"


def _sum_row(sheet: SheetWriter, label: str, formula_for) -> int:
    values = [label] + [None] * (len(COLUMNS) - 1)
    for index in MONEY_COLUMNS:
        values[index - 1] = Formula(formula_for(get_column_letter(index)))
    return sheet.append_values(values, style="total")


def subsidy_xlsx(report: SubsidyReport) -> bytes:
    wb = new_workbook()
    sheet = SheetWriter.create(wb, "资助资金报表", COLUMNS, preamble=(report.title, BASIS))
    program_subtotals: list[int] = []
    for group in report.groups:
        level_subtotals: list[int] = []
        for level in group.levels:
            first = sheet.next_row
            for row in level.rows:
                sheet.append(row)
            last = sheet.next_row - 1
            level_subtotals.append(
                _sum_row(
                    sheet,
                    f"小计：{group.label}·{level.label}",
                    lambda col, a=first, b=last: f"=SUM({col}{a}:{col}{b})",
                )
            )
        program_subtotals.append(
            _sum_row(
                sheet,
                f"小计：{group.label}",
                lambda col, rows=tuple(level_subtotals): (
                    "=SUM(" + ",".join(f"{col}{r}" for r in rows) + ")"
                ),
            )
        )
    _sum_row(
        sheet,
        "合计",
        lambda col: (
            "=SUM(" + ",".join(f"{col}{r}" for r in program_subtotals) + ")"
            if program_subtotals
            else "=0"
        ),
    )
    sheet.append_values(
        [f"净拨付合计（大写）：{report.totals.upper()['net']}"] + [None] * (len(COLUMNS) - 1)
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
