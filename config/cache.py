"""Django's Redis cache with one redis-py client per connection pool instead of one a command.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and
each `redis.Redis()` rebuilds redis-py's table of ≈ 170 response callbacks (redis-py issue
#3624). A page that reads a dozen cached parts paid that a dozen times: measured on the home
page, ≈ 30 % of its CPU under the production cache. A client is safe to share: every command
checks a connection out of the pool (which redis-py resets after a fork), and Django keeps one
cache object per thread anyway.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # Keyed by the pool Django picked (the write server, or a random read replica); its
        # pools live as long as this object, so their ids stay theirs.
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
