"""The Redis cache backend that keeps one redis-py client per pool (trustrepair/redis_cache.py)."""

import os

import pytest
from django.core.cache import cache, caches

from trustrepair.redis_cache import RedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the real Redis")


def test_the_configured_cache_is_this_backend_and_reuses_its_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    first = backend._cache.get_client("a")
    assert backend._cache.get_client("b", write=True) is first


def test_it_behaves_as_djangos_redis_cache():
    cache.set("tr-test:x", {"v": 1}, timeout=30)
    assert cache.get("tr-test:x") == {"v": 1}
    assert cache.add("tr-test:x", 2) is False
    cache.set("tr-test:n", 5)
    assert cache.incr("tr-test:n") == 6
    assert cache.get_many(["tr-test:x", "tr-test:missing"]) == {"tr-test:x": {"v": 1}}
    cache.delete_many(["tr-test:x", "tr-test:n"])
    assert cache.get("tr-test:x") is None
    with pytest.raises(ValueError):
        cache.incr("tr-test:n")


def test_any_key_is_stored_without_memcached_warnings(recwarn):
    # Redis keys are binary-safe: spaces, control characters and 300 characters are all fine.
    keys = ["tr-test:with space", "tr-test:\tcontrol", "tr-test:" + "k" * 300]
    cache.set_many(dict.fromkeys(keys, "v"), timeout=30)
    assert cache.get_many(keys) == dict.fromkeys(keys, "v")
    cache.delete_many(keys)
    assert not [w for w in recwarn if "memcached" in str(w.message)]
