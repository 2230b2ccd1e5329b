"""make bench's figure for what one cheap query costs through the ORM against the same SQL
replayed raw (reports.bench_orm.orm_query_cost): both measured, the ORM's dearer."""

from __future__ import annotations

import pytest

from reports import bench, bench_orm, benchdata

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_orm_cost_of_a_cheap_query_is_measured_against_its_raw_replay():
    benchdata.generate(scale=3 / benchdata.STATIONS_PER_CITY, cities=(bench.BENCH_CITY,))
    cost = bench_orm.orm_query_cost(repeat=20)
    assert set(cost) == {"count_orm_us", "count_raw_us", "page_orm_us", "page_raw_us"}
    assert all(value > 0 for value in cost.values())
    # Building, compiling and reading back through the ORM is never free.
    assert cost["count_orm_us"] > cost["count_raw_us"]
    assert cost["page_orm_us"] > cost["page_raw_us"]
