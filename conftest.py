import os
import shutil

import pytest
from django.core.cache import caches
from django.test import override_settings
from hypothesis import settings

from tests.cache import clear_own_keys, own_cache_keys  # noqa: F401 (a session fixture)

# Hypothesis's deadline is a wall-clock check: on a machine busy with other work it fails
# properties that hold (306 ms for one example of the log ticks, against its 200 ms).
settings.register_profile("itp", deadline=None)
settings.load_profile("itp")

# Sync Playwright runs an event loop in the main thread; Django's async-safety check would
# otherwise refuse database access in live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    """CHROMIUM_PATH, else Debian's Chromium, else None (Playwright's own browser)."""
    if path := os.environ.get("CHROMIUM_PATH"):
        return path
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if path := chromium_executable():
        args["executable_path"] = path
    return args


@pytest.fixture(scope="session", autouse=True)
def site_time_zone():
    """The tests pin the site's default zone (TIME_ZONE) as they pin the clock: a deployment's
    setting must not change what they expect. Tests about the setting set it themselves."""
    with override_settings(TIME_ZONE="UTC"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Argon2 is deliberately slow; tests that are about hashing ask for it themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache(request, django_db_blocker):
    """Login counters and other cached state never leak from one test into the next."""
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if uses_db or request.node.get_closest_marker("django_db"):
        with django_db_blocker.unblock():
            for cache in caches.all():
                clear_own_keys(cache)
