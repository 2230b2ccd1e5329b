"""The budget forecast as a chart (inline SVG), an .xlsx (typed cells, sums in the sheet) and
the rows both share; the PDF is templates/funding/pdf/forecast.html (reports.pdf)."""

from __future__ import annotations

from io import BytesIO

from openpyxl.utils import get_column_letter

from .charts import Chart
from .excel import MONEY_FORMAT, Column, Formula, SheetWriter, new_workbook
from .forecast import SCENARIO_LABELS, SCENARIOS, Forecast, ForecastCell

BASIS = (
    "口径：已确定=已核定未拨付（含后续年度补助）；待考核=取决于今后考核的年度"
    "（低：今后考核均不合格；预期：按各站最近一次考核分数；高：均达最高等次；尚无考核的按达到资助条件计）；"
    "新增=当年名额×金额（名额用满；区间金额取下限/中值/上限）；预计收回=已发追回通知未退回的金额"
    "及考核可能触发的追回。已拨付、已考核的年度不重新计算。"
)


def _cells(cell: ForecastCell, label: str) -> list:
    return [
        label,
        cell.year,
        cell.certain,
        *(cell.conditional[s] for s in SCENARIOS),
        *(cell.new[s] for s in SCENARIOS),
        *(cell.total(s) for s in SCENARIOS),
        *(cell.income[s] for s in SCENARIOS),
        cell.net("expected"),
    ]


def _columns() -> tuple[Column, ...]:
    money = [("已确定（元）", None)]
    money += [(f"待考核·{SCENARIO_LABELS[s]}（元）", s) for s in SCENARIOS]
    money += [(f"新增·{SCENARIO_LABELS[s]}（元）", s) for s in SCENARIOS]
    money += [(f"合计·{SCENARIO_LABELS[s]}（元）", s) for s in SCENARIOS]
    money += [(f"预计收回·{SCENARIO_LABELS[s]}（元）", s) for s in SCENARIOS]
    money += [("预期净支出（元）", None)]
    return (
        Column("项目类别", lambda r: r[0], 26),
        Column("预算年度", lambda r: r[1], 10, number_format="0"),
        *(
            Column(h, lambda r, i=i: r[i], 14, MONEY_FORMAT, total=True)
            for i, (h, _s) in enumerate(money, start=2)
        ),
    )


COLUMNS = _columns()


def title(result: Forecast, city) -> str:
    first, last = result.years[0], result.years[-1]
    return f"{city.name}市学会服务站资助资金预算预测（{first}—{last}年度）"


def forecast_chart(result: Forecast, city) -> Chart:
    return Chart(
        key="forecast",
        title=title(result, city),
        series=[f"{SCENARIO_LABELS[s]}（合计）" for s in SCENARIOS],
        rows=[(f"{c.year}年", [c.total(s) for s in SCENARIOS]) for c in result.year_totals()],
        unit="元",
    )


def forecast_xlsx(result: Forecast, city) -> bytes:
    wb = new_workbook()
    sheet = SheetWriter.create(
        wb,
        "预算预测",
        COLUMNS,
        preamble=(title(result, city), f"参数版本：第 {result.version} 版", BASIS),
    )
    subtotals = []
    for _code, label, cells in result.program_rows():
        first = sheet.next_row
        for cell in cells:
            sheet.append_values(_cells(cell, label))
        last = sheet.next_row - 1
        values: list = [f"小计：{label}", None]
        for index in range(3, len(COLUMNS) + 1):
            col = get_column_letter(index)
            values.append(Formula(f"=SUM({col}{first}:{col}{last})"))
        subtotals.append(sheet.append_values(values, style="total"))
    for cell in result.year_totals():
        sheet.append_values(_cells(cell, f"{cell.year}年度合计"), style="total")
    values = ["合计", None]
    for index in range(3, len(COLUMNS) + 1):
        col = get_column_letter(index)
        values.append(
            Formula("=SUM(" + ",".join(f"{col}{r}" for r in subtotals) + ")") if subtotals else 0
        )
    sheet.append_values(values, style="total")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
