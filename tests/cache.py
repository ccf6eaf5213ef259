"""The test run's own corner of the cache.

With REDIS_URL set, the tests share a Redis server with whatever else uses it (a site in
development, another test run). Every key the run writes starts with its own prefix, and
clearing between tests deletes only those keys: Django's `cache.clear()` on Redis is FLUSHDB,
which would wipe the whole database.
"""

import os
import secrets
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

TEST_KEY_PREFIX = f"itp-test-{os.getpid()}-{secrets.token_hex(4)}"


@pytest.fixture(scope="session", autouse=True)
def own_cache_keys():
    """Put the run's own prefix in front of every cache's keys, for the whole run."""
    own = {
        alias: {**config, "KEY_PREFIX": f"{TEST_KEY_PREFIX}:{config.get('KEY_PREFIX', '')}"}
        for alias, config in settings.CACHES.items()
    }
    # A test that calls cache.clear() itself gets the same care.
    with override_settings(CACHES=own), mock.patch.object(RedisCache, "clear", clear_own_keys):
        yield
        # Leave a shared Redis as it was found. (A database cache goes with the test database.)
        for cache in caches.all(initialized_only=True):
            if isinstance(cache, RedisCache):
                clear_own_keys(cache)


def clear_own_keys(cache) -> None:
    """Empty a cache of what this run wrote: a Redis database is shared, so never FLUSHDB it
    (Django's clear()); a database cache is a table of the test database, the run's own."""
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        for batch in _batches(client.scan_iter(match=f"{TEST_KEY_PREFIX}:*", count=500)):
            client.delete(*batch)
    else:
        cache.clear()


def _batches(keys, size: int = 500):
    batch = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
