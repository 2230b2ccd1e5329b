"""The subsidy report's PDF layout: compact pages, a legend, the closing kept with the rows,
official date titles and recovery rows that say which year's money they recover."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest

from reports.pdf import render_pdf
from reports.subsidy import (
    LevelGroup,
    ProgramGroup,
    SubsidyReport,
    SubsidyRow,
    Totals,
    program_code,
    recovered_years,
    subsidy_report,
    zh_date,
)

from .helpers import pdf_pages, save_artifact

pytestmark = pytest.mark.django_db

LONG_PROGRAM = "学会服务站择优资助（重点支持）"


def synthetic_report(city, n_rows: int) -> SubsidyReport:
    """A one-program report of n rows with realistic long names (no database needed)."""
    rows = [
        SubsidyRow(
            grant_id=i,
            station=f"第{i:04d}号学会产业科技服务工作站",
            society=f"某某市机械工程学会第{i}分会",
            host_unit=f"某某高新技术产业开发区第{i}号科技有限公司",
            level="city",
            level_label="市级",
            program="key_support",
            program_label=LONG_PROGRAM,
            program_code="A",
            year=2025,
            grade="良好",
            approved=50000,
            paid=50000,
            vouchers=[f"PZ-2025-{i:05d}"],
        )
        for i in range(n_rows)
    ]
    totals = Totals()
    for row in rows:
        totals.add(row)
    level = LevelGroup("city", "市级", rows, totals)
    group = ProgramGroup("key_support", LONG_PROGRAM, [level], totals, "A")
    return SubsidyReport(
        city=city, year=2025, date_from=None, date_to=None, groups=[group], totals=totals
    )


def page_texts(pdf: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def render(report) -> bytes:
    return render_pdf(
        "reports/pdf/subsidy.html",
        {"report": report, "issuer": "沈阳市科学技术协会", "today": dt.date(2025, 12, 1)},
        lean_ua=True,  # as the views and the job render it
    )


def test_at_least_twenty_rows_on_every_full_landscape_page(shenyang):
    report = synthetic_report(shenyang, 200)
    pdf = render(report)
    save_artifact("subsidy-compact", pdf)
    texts = page_texts(pdf)
    per_page = [len(re.findall(r"PZ-2025-\d{5}", t)) for t in texts]
    assert sum(per_page) == 200
    # Every page holds ≥ 20 rows, but the last one (which carries the last rows, the totals
    # and the signatures) and the one before it (which may end early so that the last rows
    # go over together with the signatures).
    assert all(n >= 20 for n in per_page[:-2]), per_page
    assert pdf_pages(pdf) <= 200 // 20 + 1


def test_program_is_a_short_code_explained_once_in_a_legend(shenyang):
    texts = page_texts(render(synthetic_report(shenyang, 60)))
    flat = re.sub(r"\s+", "", "".join(texts))
    assert "项目代号：A=" + LONG_PROGRAM in flat
    # The long label appears in the legend and the subtotal lines only, not on every row.
    assert flat.count(LONG_PROGRAM) <= 3


def test_no_column_is_squeezed_to_a_character_a_line(shenyang):
    text = "\n".join(page_texts(render(synthetic_report(shenyang, 30))))
    # Headers and short cells read whole on one line (a one-character-wide column would
    # put every character on its own line).
    for word in ("建站学会", "建站单位", "已拨付（元）", "凭证号", "市级", "良好", "2025"):
        assert word in text, word
    assert "PZ-2025-00029" in text
    assert "第0029号学会产业" in text


@pytest.mark.parametrize("n_rows", [24, 27, 30, 33, 36, 60, 63, 66])
def test_signature_and_seal_stay_on_the_page_with_the_last_rows(shenyang, n_rows):
    texts = page_texts(render(synthetic_report(shenyang, n_rows)))
    last = re.sub(r"\s+", "", texts[-1])
    assert "（盖章）" in last and "财务负责人（签字）" in last
    assert f"PZ-2025-{n_rows - 1:05d}" in last  # the last data row is on the same page
    assert "合计" in last


def test_date_range_title_writes_dates_without_leading_zeros(guiyang_money):
    report = subsidy_report(
        guiyang_money["admin"],
        city=guiyang_money["city"],
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 3, 5),
    )
    assert report.title.endswith("（2024年1月1日至2024年3月5日）")
    assert zh_date(dt.date(2025, 10, 9)) == "2025年10月9日"


def test_program_codes_run_a_to_z_then_aa():
    assert [program_code(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


@pytest.mark.parametrize(
    ("payments", "recoveries", "expected"),
    [
        # 沈阳: the 2025 decision recovers the last year's subsidy paid → 2024's money.
        ([(2023, 30000), (2024, 30000)], [(2025, 30000)], [(2024,)]),
        # More than one year's money: newest first, then the year before.
        ([(2023, 30000), (2024, 30000)], [(2025, 45000)], [(2023, 2024)]),
        # A second recovery never takes the same yuan again.
        ([(2023, 30000), (2024, 30000)], [(2024, 30000), (2025, 30000)], [(2024,), (2023,)]),
        # Money of a later year than the decision is not what it recovers.
        ([(2024, 50000), (2026, 50000)], [(2025, 20000)], [(2024,)]),
    ],
)
def test_recovered_years_allocates_newest_paid_money_first(payments, recoveries, expected):
    assert recovered_years(payments, recoveries) == expected


def test_recovery_rows_say_which_years_money_they_recover(guiyang_money, this_year):
    report = subsidy_report(guiyang_money["admin"], city=guiyang_money["city"], year=this_year)
    recovered = [r for r in report.rows if r.recovered]
    assert recovered and all(r.recovery_note == f"追回{this_year}年度资金" for r in recovered)
    assert all(r.recovery_note == "" for r in report.rows if not r.recovered)
    pdf = render(report)
    flat = re.sub(r"\s+", "", "".join(page_texts(pdf)))
    assert f"追回{this_year}年度资金" in flat


def test_a_thousand_row_report_fits_in_fifty_pages(shenyang):
    report = synthetic_report(shenyang, 1000)
    # Split over three levels, as a real city's report is (more subtotal rows).
    big = copy.copy(report)
    rows = report.groups[0].levels[0].rows
    levels = [
        LevelGroup(code, label, rows[i::3], Totals())
        for i, (code, label) in enumerate(
            [("national", "国家级"), ("provincial", "省级"), ("city", "市级")]
        )
    ]
    big.groups = [ProgramGroup("key_support", LONG_PROGRAM, levels, report.totals, "A")]
    assert pdf_pages(render(big)) <= 50
