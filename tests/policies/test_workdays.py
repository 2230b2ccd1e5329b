"""Public-notice end dates in statutory working days (Interpretation 7)."""

import datetime as dt

import pytest

from policies.workdays import CalendarMissing, WorkdayCalendar, notice_end_date

D = dt.date


@pytest.mark.parametrize(
    "clause,start,days,end",
    [
        # Ordinary week: Mon 2024-06-03 + 5 working days closes Fri.
        ("益阳 第八条(三)", D(2024, 6, 3), 5, D(2024, 6, 7)),
        # Published on a Saturday: counting starts Monday.
        ("益阳 第八条(三)", D(2024, 6, 15), 5, D(2024, 6, 21)),
        # National Day 2024 (10-01..10-07 off; Sun 09-29 worked).
        ("益阳 第八条(三)", D(2024, 9, 27), 5, D(2024, 10, 9)),
        # Published during the holiday; Sat 10-12 is a make-up working day (调休上班).
        ("益阳 第八条(三)", D(2024, 10, 3), 5, D(2024, 10, 12)),
        ("益阳 第八条(三)", D(2024, 10, 12), 1, D(2024, 10, 12)),
        # Spring Festival 2025 (01-28..02-04 off; Sun 01-26 and Sat 02-08 worked).
        ("益阳 第八条(三)", D(2025, 1, 24), 5, D(2025, 2, 6)),
        ("益阳 第八条(三)", D(2025, 2, 3), 3, D(2025, 2, 7)),
        ("益阳 第八条(三)", D(2025, 2, 3), 4, D(2025, 2, 8)),
        # National Day 2025 (10-01..10-08 off; Sun 09-28 worked).
        ("益阳 第八条(三)", D(2025, 9, 26), 5, D(2025, 10, 9)),
    ],
)
def test_notice_end_date(clause, start, days, end):
    assert notice_end_date(start, days) == end


def test_a_year_nobody_covers_raises_a_clear_error_not_a_guess():
    with pytest.raises(CalendarMissing, match="2027 年的法定节假日安排"):
        notice_end_date(D(2027, 3, 1), 5)


def test_administrators_table_overrides_the_package_and_covers_new_years():
    calendar = WorkdayCalendar(
        {
            D(2027, 1, 1): False,  # 元旦
            D(2027, 1, 4): False,
            D(2027, 1, 9): True,  # Saturday make-up
            D(2024, 6, 7): False,  # a correction to a package year
        }
    )
    assert calendar.add_workdays(D(2026, 12, 31), 3) == D(2027, 1, 6)
    assert calendar.add_workdays(D(2027, 1, 8), 2) == D(2027, 1, 9)
    assert calendar.add_workdays(D(2024, 6, 3), 5) == D(2024, 6, 11)
