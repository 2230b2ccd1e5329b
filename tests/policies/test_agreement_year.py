"""益阳 第十二条(一): agreement progress ≥50% in the agreement's first year, 100% by its second.

The agreement year counts from the station's term start, not by calendar year.
"""

import datetime as dt

import pytest

from policies import selectors
from stations.choices import ActivityKind
from tests.factories import ActivityRecordFactory, StationFactory, city

D = dt.date

AGREEMENT_YEARS = [
    # term start, assessed calendar year, agreement year
    (D(2023, 12, 1), 2023, 1),  # the December it starts: first year
    (D(2023, 12, 1), 2024, 1),  # the reported bug: was graded as year 2
    (D(2023, 12, 1), 2025, 2),
    (D(2024, 1, 1), 2024, 1),
    (D(2024, 1, 1), 2025, 2),
    (D(2023, 9, 21), 2024, 1),  # the policy's own date: Jan–Sep 2024 is still year 1
    (D(2023, 9, 21), 2025, 2),
    (D(2023, 7, 1), 2024, 2),  # starts on the mid-year day: year 2 is in force on 1 July
    (D(2023, 7, 2), 2024, 1),
    (D(2024, 2, 29), 2024, 1),  # a leap-day start: its anniversary is 1 March elsewhere
    (D(2024, 2, 29), 2025, 2),
    (D(2026, 3, 1), 2025, 1),  # assessed before the term starts: the first year
    (None, 2024, 1),  # no term recorded
]


@pytest.mark.parametrize(("start", "year", "expected"), AGREEMENT_YEARS)
def test_agreement_year_counts_from_the_term_start(start, year, expected):
    assert selectors.agreement_year(start, year) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "progress", "year", "passed"),
    [
        (D(2023, 12, 1), 55, 2024, True),  # year 1 needs ≥50%
        (D(2023, 12, 1), 55, 2025, False),  # year 2 needs 100%
        (D(2023, 1, 10), 55, 2024, False),  # a January start is in year 2 by 2024
        (D(2023, 1, 10), 100, 2024, True),
    ],
)
def test_yiyang_agreement_item_uses_the_agreement_year(start, progress, year, passed):
    station = StationFactory(city=city("yiyang"), program="station", term_start=start)
    ActivityRecordFactory(
        station=station,
        kind=ActivityKind.AGREEMENT_PROGRESS,
        date=D(year, 11, 1),
        quantity=progress,
    )
    summary, items = selectors.quantitative_assessment(station, year)
    agreement = next(i for i in items if i.code == "agreement")
    assert agreement.clause.startswith("益阳 第十二条")
    assert agreement.passed is passed, (summary.term_year, agreement.requirement_zh)
