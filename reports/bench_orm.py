"""make bench: what one cheap query costs through Django's ORM against the same SQL replayed
raw through psycopg2 — the fixed part of every page's time that its raw floor leaves out."""

from __future__ import annotations

import time

from .bench import BENCH_CITY, raw_connection


def orm_query_cost(repeat: int = 2000) -> dict[str, float]:
    """Microseconds a query costs through the ORM and raw, for the two cheapest shapes the
    pages run: a COUNT and a 25-row page of one city's calls (a few rows, an index).

    The ORM's own part — building the queryset, compiling it to SQL, turning rows into
    objects — is a near-constant few hundred microseconds a query, which is what a page of
    cheap queries measures against its raw floor (`PageFigure.within_target`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.models import Call
    from stations.models import City

    city_id = City.objects.get(code=BENCH_CITY).pk

    def count():
        return Call.objects.filter(city_id=city_id).count()

    def page():
        return list(Call.objects.filter(city_id=city_id).order_by("-opens_on", "id")[:25])

    raw, figures = raw_connection(), {}
    try:
        with raw.cursor() as cur:
            for name, orm in (("count", count), ("page", page)):
                with CaptureQueriesContext(connection) as ctx:
                    orm()
                sql = ctx.captured_queries[-1]["sql"]  # the very SQL, replayed raw

                def direct(sql=sql):
                    cur.execute(sql)
                    return cur.fetchall()

                for label, run in ((f"{name}_orm_us", orm), (f"{name}_raw_us", direct)):
                    run()
                    start = time.perf_counter()
                    for _ in range(repeat):
                        run()
                    figures[label] = (time.perf_counter() - start) / repeat * 1e6
    finally:
        raw.close()
    return figures


def per_query_overhead_ms(cost: dict[str, float]) -> float:
    """What the ORM adds to a query over its raw replay, in ms: the cheaper of the two shapes
    `orm_query_cost` measures (the stricter allowance)."""
    count = cost["count_orm_us"] - cost["count_raw_us"]
    page = cost["page_orm_us"] - cost["page_raw_us"]
    return min(count, page) / 1000
