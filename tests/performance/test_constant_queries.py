"""Every list page runs the same number of queries whatever the number of rows (1× → 10×).

The rows come from the benchmark's own generator (reports.benchdata), at a tiny scale: 3
stations (with their activities, grants, payments, evaluations, applications, societies,
host units, experts) in Shenyang, then 27 more. A page that queried per row, or built a
choice list per row, would count more queries the second time.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import paging
from reports import bench, benchdata

pytestmark = pytest.mark.django_db

ONE_X = 3 / benchdata.STATIONS_PER_CITY
NINE_X_MORE = 27 / benchdata.STATIONS_PER_CITY


def _measure(client, ids) -> dict[str, int]:
    users = bench.bench_users()
    counts = {}
    for label, who, name, arg_names, query in bench.PAGES:
        client.logout()
        if who != "anonymous":
            client.force_login(users[who])
        url = bench.page_url(name, arg_names, ids, query)
        client.get(url)  # warm: sessions, content types, policy parameters
        cache.clear()  # measure the public pages uncached too (the cached hit is 0 queries)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = len(ctx.captured_queries)
    return counts


def test_every_list_page_runs_a_constant_number_of_queries_as_rows_grow_tenfold(
    client, every_list_counts, monkeypatch
):
    benchdata.generate(scale=ONE_X, cities=("shenyang",))
    ids = bench.page_ids()
    small = _measure(client, ids)
    benchdata.generate(scale=NINE_X_MORE, cities=("shenyang",))
    from stations.models import Station

    assert Station.objects.filter(city__code="shenyang", name__startswith="基准").count() == 30
    large = _measure(client, ids)
    grown = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert not grown, f"queries grew with the rows (1×, 10×): {grown}"
    # As served, a list that fits on its page skips its COUNT: never more than the above.
    monkeypatch.setattr(paging, "COUNT_FROM_A_SHORT_PAGE", True)
    served = _measure(client, ids)
    more = {k: (large[k], served[k]) for k in large if served[k] > large[k]}
    assert not more, f"more queries as served than counting every list: {more}"


def test_the_generator_is_deterministic():
    """The same seed draws the same rows: a second run (numbered on) repeats the first."""
    from stations.models import Station

    fields = ("status", "industry", "discipline", "certified_on")
    benchdata.generate(scale=ONE_X * 2, cities=("yiyang",), seed=7)
    benchdata.generate(scale=ONE_X * 2, cities=("yiyang",), seed=7)
    rows = list(
        Station.objects.filter(city__code="yiyang", name__startswith="基准")
        .order_by("id")
        .values_list(*fields)
    )
    assert len(rows) == 12 and rows[:6] == rows[6:]
    assert len(set(rows)) > 1  # and the draws do vary


def test_the_export_top_up_adds_earlier_years_until_the_target_and_then_nothing():
    """`make bench` exports 100,000 payments at full scale, more than the data set's three a
    grant: earlier years are added to the grants, each grant and year once."""
    from django.db.models import Count

    from funding.models import Disbursement

    benchdata.generate(scale=ONE_X, cities=("yiyang",))
    before = Disbursement.objects.count()
    grants = Disbursement.objects.values("grant").distinct().count()
    target = before + grants + 2  # a whole earlier year, and two grants of the year before
    assert benchdata.top_up_disbursements(target) == grants + 2
    assert Disbursement.objects.count() == target
    years = dict(Disbursement.objects.values_list("year").annotate(n=Count("id")))
    assert years[benchdata.YEARS[0] - 1] == grants and years[benchdata.YEARS[0] - 2] == 2
    assert benchdata.top_up_disbursements(target) == 0
