"""The forecast of the demo data set (`manage.py load_demo`), checked against sums by hand.

The demo is loaded with the clock at 2026-12-01 (its payments run up to "this year"), and the
forecast covers the budget years 2027–2029 with every city's default parameters.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from demo.loader import demo_load
from reports.forecast_selectors import city_forecast
from tests.factories import city

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic(), time_machine.travel(TODAY, tick=True):
        yield demo_load()
        transaction.set_rollback(True)


# (certain, conditional expected, new expected, income expected) per budget year 2027–2029.
BY_HAND = {
    # Station named 2025, not yet assessed: its year 3 (2027) at 30,000 if 良好 (assumed met);
    # the 2024 station's term ends 2026. New: 3 × 30,000 a year, each cohort's years 2–3 too.
    "shenyang": [(0, 30000, 90000, 0), (0, 0, 180000, 0), (0, 0, 270000, 0)],
    # The provincial station certified 2026: its term-end year 2027 at 100,000. A round was
    # held in 2026, the next in 2028: 5 city-level × 50,000, paid again in 2029 (year 2).
    "yiyang": [(0, 100000, 0, 0), (0, 0, 250000, 0), (0, 0, 250000, 0)],
    # One-off awards: 5 × 8,000 + 20 × 3,000 + 20 × 2,000 + 10 × 3,000 every year.
    "lianyungang": [(0, 0, 170000, 0)] * 3,
    # One-off subsidies already paid, no quota; the misuse recovery of 100,000 is outstanding.
    "guiyang": [(0, 0, 0, 100000), (0, 0, 0, 0), (0, 0, 0, 0)],
    # The 2025 base's year 3 (50,000) if its years pass; topics 5 × 50,000 + 10 × 15,000
    # + 10 × 5,000 a year; bases and stations have no quota.
    "hangzhou": [(0, 50000, 450000, 0), (0, 0, 450000, 0), (0, 0, 450000, 0)],
}


@pytest.mark.parametrize("code", sorted(BY_HAND))
def test_demo_forecast_matches_the_sums_by_hand(demo, code):
    result = city_forecast(city(code), first_year=2027, today=TODAY.date())

    got = [
        (t.certain, t.conditional["expected"], t.new["expected"], t.income["expected"])
        for t in result.year_totals()
    ]
    assert got == BY_HAND[code]
    assert [t.expected for t in result.year_totals()] == [sum(row[:3]) for row in BY_HAND[code]]
