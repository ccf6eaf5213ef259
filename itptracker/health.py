"""/healthz, for load balancers and uptime checks: can this process serve pages right now?"""

import logging
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpResponseNotAllowed, JsonResponse

log = logging.getLogger(__name__)

PATH = "/healthz"


def healthz(get_response):
    """Answers /healthz before the session and login middleware, which read the database.

    GET or HEAD: 200 `{"status": "ok", "database": "ok", "cache": "ok"}`, or 503 with
    `"status": "error"` and `"unavailable"` for each part that failed. Other methods get 405.
    It sets no cookie and reads no session, so a probe (or a browser with a login cookie)
    gets this answer, never an error page, whatever is down. The probe goes to gunicorn
    directly, over plain HTTP, with any Host: settings exempt the path from the HTTPS redirect,
    and nothing here reads the host.
    """

    def middleware(request):
        if request.path_info != PATH:
            return get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        checks = {"database": database_answers(), "cache": caches_answer()}
        healthy = all(checks.values())
        body = {"status": "ok" if healthy else "error"}
        body.update((name, "ok" if good else "unavailable") for name, good in checks.items())
        return JsonResponse(body, status=200 if healthy else 503)

    return middleware


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("Health check: the database did not answer")
        return False
    return True


def caches_answer() -> bool:
    """A real write and read in every cache: logins, imports and pages all need one."""
    key = f"healthz:{secrets.token_hex(8)}"
    for alias in settings.CACHES:
        cache = caches[alias]
        try:
            cache.set(key, key, timeout=30)
            written = cache.get(key) == key
            cache.delete(key)
        # Each backend fails in its own way (redis-py's ConnectionError, the database cache's
        # DatabaseError): any of them means the site cannot use this cache.
        except Exception:
            log.exception("Health check: the cache %r did not answer", alias)
            return False
        if not written:
            log.error("Health check: the cache %r lost what was written to it", alias)
            return False
    return True
