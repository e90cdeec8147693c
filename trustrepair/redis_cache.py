"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
cache operation. redis-py 8 fills a table of about 170 response callbacks in
each constructor, which costs more than the round trip to a local Redis, and
every request pays it at least twice (the session, the page). A ``redis.Redis``
is safe to share between threads (its pool hands out connections) and its pool
notices a fork, so one client per pool is enough.

Keys are not checked against memcached's rules either: Redis keys are binary-safe
and of any length, and the check (a length test and a regular expression per key,
with a warning nobody here could act on) ran on every key of every call; a cached
dashboard reads six keys at once.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        """Redis takes any key: nothing to warn about (see the module's docstring)."""
