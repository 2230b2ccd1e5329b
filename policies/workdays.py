"""Statutory working days (Interpretation 7): chinesecalendar + the administrators' table.

Pure: the caller passes the table rows (selectors.workday_calendar() loads them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar


class CalendarMissing(LookupError):
    """No schedule is known for a year: an administrator must enter it."""


def missing_message(year: int) -> str:
    return (
        f"系统尚无 {year} 年的法定节假日安排，无法计算工作日。"
        f"请管理员根据国务院办公厅发布的 {year} 年部分节假日安排通知，"
        f"在“法定节假日安排”中录入该年的放假和调休上班日期。"
    )


@dataclass(frozen=True)
class WorkdayCalendar:
    """Statutory calendar: table rows (date -> is_workday) override the package."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, bool]]) -> WorkdayCalendar:
        return cls(dict(rows))

    def table_years(self) -> set[int]:
        return {day.year for day in self.overrides}

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            if day.year in self.table_years():
                return day.weekday() < 5  # the entered notice lists every exception
            raise CalendarMissing(missing_message(day.year)) from exc

    def next_workday(self, day: dt.date) -> dt.date:
        """Return `day` if it is a working day, else the next one."""
        for _ in range(366):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise CalendarMissing(missing_message(day.year))  # pragma: no cover

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """Return the `count`-th working day counting `start` (or the next workday) as the 1st."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = self.next_workday(start)
        for _ in range(count - 1):
            day = self.next_workday(day + dt.timedelta(days=1))
        return day


def notice_end_date(
    start: dt.date, n_workdays: int, calendar: WorkdayCalendar | None = None
) -> dt.date:
    """Return the last day of a public notice of `n_workdays` statutory working days.

    The first counted day is the publication day if it is a working day, else the next
    working day; the notice closes at the end of the returned day (Interpretation 7).
    """
    return (calendar or WorkdayCalendar()).add_workdays(start, n_workdays)
