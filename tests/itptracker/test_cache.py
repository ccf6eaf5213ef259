"""The tests' cache hygiene: against a shared Redis, a run clears only the keys it wrote."""

import pytest
from django.conf import settings
from django.core.cache import caches

from tests.cache import TEST_KEY_PREFIX, clear_own_keys

pytestmark = [
    pytest.mark.cache,
    pytest.mark.skipif(not settings.CACHE_URL, reason="needs a Redis: set REDIS_URL"),
]


@pytest.fixture
def redis_client():
    return caches["default"]._cache.get_client(write=True)


def test_clearing_leaves_keys_the_run_does_not_own(db, redis_client):
    redis_client.set("someone-elses:key", "kept", ex=60)
    for alias in ("default", "pages"):
        caches[alias].set("ours", "gone", 60)
        clear_own_keys(caches[alias])
        assert caches[alias].get("ours") is None
    assert redis_client.get("someone-elses:key") == b"kept"
    redis_client.delete("someone-elses:key")


def test_every_key_the_run_writes_carries_its_prefix(db, redis_client):
    caches["default"].set("login-counter", 1, 60)
    caches["pages"].set("piece", "html", 60)
    keys = [key.decode() for key in redis_client.scan_iter(match=f"{TEST_KEY_PREFIX}:*")]
    assert len(keys) == 2
