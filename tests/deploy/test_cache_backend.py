"""config.cache.RedisCache: Django's Redis cache, one redis-py client per pool."""

import os

import pytest
import redis

from config.cache import RedisCache

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs the CI Redis")


@pytest.fixture
def url():
    url = BROKER.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def test_every_cache_operation_works_through_one_client(url, monkeypatch):
    made = []
    real = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    cache = RedisCache(url, {"KEY_PREFIX": "t"})
    cache.set("a", {"rows": [1, 2]}, 60)
    assert cache.get("a") == {"rows": [1, 2]}
    assert cache.add("n", 1, None) and not cache.add("n", 5, None)
    assert cache.incr("n") == 2
    cache.set_many({"b": "乙", "c": 3})
    assert cache.get_many(["b", "c", "missing"]) == {"b": "乙", "c": 3}
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None and cache.get("c") == 3
    assert len(made) == 1  # Django's own client made one a call: eleven here


def test_reads_and_writes_share_the_client_of_a_single_server(url):
    client = RedisCache(url, {})._cache
    assert client.get_client() is client.get_client(write=True)


def test_a_second_server_reads_through_its_own_client(url):
    """With a replica listed, writes go to the first server and reads to the others, each
    through the client of its own pool (never one server's client for another's pool)."""
    replica = url.rsplit("/", 1)[0] + "/12"
    client = RedisCache(f"{url},{replica}", {})._cache
    writer, reader = client.get_client(write=True), client.get_client()
    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["db"] == 13
    assert reader.connection_pool.connection_kwargs["db"] == 12
    assert client.get_client() is reader
