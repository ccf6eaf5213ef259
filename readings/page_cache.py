"""Rendered pieces of the dashboard and the history, kept until the patient's records change.

Drawing the dashboard means loading hundreds of rows, shaping them into the chart and the
numbers and rendering them: some 20 ms, where a trivial view takes 1 ms. Most views repeat
an earlier one (the same person looking again, a caregiver looking at the same day), so the
rendered pieces are kept in the cache under the patient's `records_version`. Every change to
a record's entries or details raises that number in the same transaction as the change
(`Patient.objects.mark_changed()`, called by the write paths of readings.entries and
readings.imports, the record's details and the author's name), so a kept piece is never out of
date: a changed record has new keys. tests/readings/test_freshness.py walks every write path.

The pieces are health data. They live only in the site's own cache, `pages` (a table of its
database, or the Redis its operator runs beside it), are looked up only after the access
check has passed, vary by everything that changes what is shown (the caller's role, time
zone, day, and the release of the code that renders them), and go when the record is
deleted (`forget()`).

The cache does the bookkeeping: the record's version is the cache's own key version
(`version=`), pieces of an older version are never asked for again and expire after TIMEOUT,
and `forget()` deletes a record's pieces by their key's pattern in the cache's own store, so
no list of keys has to be kept (nor can two workers lose a key from it).
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Q
from django.utils import translation

from accounts.models import Patient
from readings.models import BleedingEpisode, Dose, PlateletReading, Treatment

TIMEOUT = 24 * 60 * 60
# What shapes the pieces: the code, the templates, the translations, the libraries that
# render them, and the Plotly.js whose hashed file name the chart piece links to.
CODE = (
    "locale",
    "accounts",
    "readings",
    "itptracker",
    "templates",
    "requirements.txt",
    "package-lock.json",
)


def changed_author(user) -> None:
    """The pieces name who entered each entry: mark the records this user wrote in."""
    wrote_in = Q()
    for model in (PlateletReading, BleedingEpisode, Treatment, Dose):
        wrote_in |= Q(pk__in=model.objects.filter(created_by=user).values("patient_id"))
    Patient.objects.mark_changed(*Patient.objects.filter(wrote_in).values_list("pk", flat=True))


def code_fingerprint(root: Path, code=CODE) -> str:
    """A digest of what shapes the pieces: a new release gets new keys."""
    digest = hashlib.sha256()
    for name in code:
        top = root / name
        files = [top] if top.is_file() else sorted(_shaping_files(top))
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _shaping_files(top: Path):
    for pattern in ("*.py", "*.html", "*.po"):
        yield from top.rglob(pattern)


RELEASE = code_fingerprint(settings.BASE_DIR)


def get_or_build(patient: Patient, variant: Iterable, build: Callable[[], dict]) -> dict:
    """The pieces for `variant` of a page of `patient`'s, in the active language, built and
    kept if not yet kept."""
    variant = (RELEASE, translation.get_language(), *variant)
    digest = hashlib.sha256(repr(variant).encode()).hexdigest()[:32]
    key, version = f"pages:{patient.pk}:{digest}", patient.records_version
    pieces = caches["pages"].get(key, version=version)
    if pieces is None:
        pieces = build()
        caches["pages"].set(key, pieces, TIMEOUT, version=version)
    return pieces


def forget(*patient_ids) -> None:
    """Delete every kept piece of these records, of every version (when they are deleted)."""
    cache = caches["pages"]
    for patient_id in patient_ids:
        _delete_matching(cache, cache.make_key(f"pages:{patient_id}:*", version="*"))


def _delete_matching(cache, pattern: str) -> None:
    """Delete the keys that match `pattern` (`*` for any run of characters) from the cache's
    store: Redis, or the database cache's table."""
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=pattern, count=500))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    elif isinstance(cache, DatabaseCache):
        like = re.sub(r"([\\%_])", r"\\\1", pattern).replace("*", "%")
        database = router.db_for_write(cache.cache_model_class)
        table = connections[database].ops.quote_name(cache._table)
        with connections[database].cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE cache_key LIKE %s ESCAPE '\\'", [like])  # noqa: S608
    else:
        raise ImproperlyConfigured("The pages cache must be Redis or the database cache.")
