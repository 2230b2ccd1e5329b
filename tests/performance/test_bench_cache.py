"""make bench's load test serves from a Redis cache of its own, as production does, emptied
first (reports.bench_load.shared_cache_url)."""

import os

import pytest
import redis

from reports.bench_load import shared_cache_url

BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs the CI Redis")
def test_the_bench_cache_is_database_15_of_the_brokers_redis_and_starts_empty(
    monkeypatch, settings
):
    monkeypatch.delenv("BENCH_CACHE_URL", raising=False)
    settings.CELERY_BROKER_URL = BROKER
    expected = BROKER.rsplit("/", 1)[0] + "/15"
    stale = redis.Redis.from_url(expected)
    stale.set("ssp:querycache:left-by-an-earlier-run", b"1")
    assert shared_cache_url() == expected
    assert stale.dbsize() == 0
    # The broker's own database is not touched.
    broker = redis.Redis.from_url(BROKER)
    broker.set("bench-test-broker-key", b"kept")
    shared_cache_url()
    assert broker.get("bench-test-broker-key") == b"kept"
    broker.delete("bench-test-broker-key")


def test_no_redis_means_each_workers_own_memory_cache(monkeypatch):
    # A port nothing listens on: the bench says so and falls back, it does not fail.
    monkeypatch.setenv("BENCH_CACHE_URL", "redis://127.0.0.1:9/15")
    assert shared_cache_url() == ""
