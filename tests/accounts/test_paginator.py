"""accounts.paging.Paginator answers every page number as Django's Paginator does, runs no
COUNT(*) when the first page tells the total (a short list), and never more queries."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.paging import Paginator
from stations.models import Society
from tests.factories import SocietyFactory

pytestmark = pytest.mark.django_db

NUMBERS = [None, "", "abc", "1", 1, "2", 2, 3, "4", 9, 0, -1, "2.0", 2.0, 2.5]


@pytest.mark.parametrize("rows", [0, 3, 10, 11, 21, 30])
def test_every_page_number_gets_djangos_page(shenyang, rows):
    SocietyFactory.create_batch(rows, city=shenyang)
    queryset = Society.objects.filter(city=shenyang).order_by("pk")
    for number in NUMBERS:
        ours = Paginator(queryset, 10).get_page(number)
        theirs = DjangoPaginator(queryset, 10).get_page(number)
        assert (ours.number, ours.paginator.count, ours.paginator.num_pages) == (
            theirs.number,
            theirs.paginator.count,
            theirs.paginator.num_pages,
        ), (rows, number)
        assert list(ours) == list(theirs), (rows, number)
        assert (ours.has_next(), ours.has_previous()) == (theirs.has_next(), theirs.has_previous())


def _queries(queryset, number) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        page = Paginator(queryset, 10).get_page(number)
        list(page)
        page.paginator.num_pages  # noqa: B018 (what the page navigation prints)
    return [q["sql"] for q in ctx.captured_queries]


def test_a_short_list_runs_one_query_and_no_page_runs_more_than_djangos(shenyang):
    SocietyFactory.create_batch(13, city=shenyang)
    queryset = Society.objects.filter(city=shenyang).order_by("pk")
    assert len(_queries(queryset[:7], 1)) == 1  # a list shorter than a page: no COUNT
    assert len(_queries(queryset.none(), None)) == 0  # none(): Django asks the database nothing
    full = _queries(queryset, 1)  # 10 of 13: a COUNT for "page 1 of 2"
    assert len(full) == 2 and "COUNT(" in full[1]
    # Later pages and numbers past the end count first, as Django does: two queries.
    for number in (2, 5, 0):
        sql = _queries(queryset, number)
        assert len(sql) == 2 and "COUNT(" in sql[0], number


def test_lists_are_paged_by_it():
    """The station directories, the inbox, the audit log and the public directory page
    through accounts.paging (one COUNT fewer on a short list)."""
    import accounts.inbox
    import accounts.security_views
    import network.selectors
    import network.views
    import stations.views._common
    import stations.views.activity

    for module in (
        accounts.inbox,
        accounts.security_views,
        network.selectors,
        network.views,
        stations.views._common,
        stations.views.activity,
    ):
        assert module.Paginator is Paginator, module.__name__
