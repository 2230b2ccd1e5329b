"""make bench's page timer: what it counts as the page's own work, and the two ways a page is
judged against its raw floor (reports.bench.PageFigure)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.bench import PageFigure, page_timer


def figure(**kw) -> PageFigure:
    base = dict(label="p", queries=6, median_ms=12, raw_ms=1.0, kb=5, template_ms=3.0)
    return PageFigure(**(base | kw))


@pytest.mark.parametrize(
    ("view_ms", "view_queries", "per_query_ms", "strict", "with_orm"),
    [
        (5.0, 4, 0.25, True, True),  # 5 ≤ 2 × 1 + 3
        (5.5, 4, 0.25, False, True),  # over by 0.5; 4 queries × 0.25 ms allowed on top
        (6.5, 4, 0.25, False, False),  # 6.5 > 5 + 1
        (6.0, 4, 0.25, False, True),  # exactly on the line
    ],
)
def test_a_page_is_judged_with_and_without_the_orms_per_query_cost(
    view_ms, view_queries, per_query_ms, strict, with_orm
):
    f = figure(view_ms=view_ms, view_queries=view_queries)
    assert f.within_target is strict
    assert f.within_orm_allowance(per_query_ms) is with_orm


@pytest.mark.django_db
def test_the_view_queries_leave_out_the_middlewares(client, shenyang):
    """A signed-in page: the session and user rows are read by the middleware, before the
    view; the page's own queries (its rows, the unread count its template asks) are counted."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="city_admin", city=shenyang))
    client.get("/applications/calls/")  # warm: what a first request does once
    with CaptureQueriesContext(connection) as ctx, page_timer() as spent:
        response = client.get("/applications/calls/")
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    middleware = [s for s in sqls if '"django_session"' in s or 'FROM "accounts_user"' in s]
    assert len(middleware) >= 2
    assert spent["view_queries"] == len(sqls) - len(middleware) > 0
    assert 0 < spent["templates"] < spent["view"]
