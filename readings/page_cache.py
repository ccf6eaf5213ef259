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
"""

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Q

from accounts.models import Patient
from readings.models import BleedingEpisode, PlateletReading, Treatment

TIMEOUT = 24 * 60 * 60
# What shapes the pieces: the code, the templates, and the Plotly.js whose hashed file name
# the chart piece links to.
CODE = ("accounts", "readings", "itptracker", "templates", "package-lock.json")
# Pieces kept per record and version (for forget() to find); past this, the oldest go.
MAX_KEPT = 100


def changed_author(user) -> None:
    """The pieces name who entered each entry: mark the records this user wrote in."""
    wrote_in = Q()
    for model in (PlateletReading, BleedingEpisode, Treatment):
        wrote_in |= Q(pk__in=model.objects.filter(created_by=user).values("patient_id"))
    Patient.objects.mark_changed(*Patient.objects.filter(wrote_in).values_list("pk", flat=True))


def code_fingerprint(root: Path, code=CODE) -> str:
    """A digest of what shapes the pieces: a new release gets new keys."""
    digest = hashlib.sha256()
    for name in code:
        top = root / name
        files = [top] if top.is_file() else sorted(top.rglob("*.py")) + sorted(top.rglob("*.html"))
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


RELEASE = code_fingerprint(settings.BASE_DIR)


def get_or_build(patient: Patient, variant: Iterable, build: Callable[[], dict]) -> dict:
    """The pieces for `variant` of a page of `patient`'s, built and kept if not yet kept."""
    digest = hashlib.sha256(repr((RELEASE, *variant)).encode()).hexdigest()[:32]
    key = f"pages:{patient.pk}:{patient.records_version}:{digest}"
    pieces = caches["pages"].get(key)
    if pieces is None:
        pieces = build()
        caches["pages"].set(key, pieces, TIMEOUT)
        _remember(patient, key)
    return pieces


def forget(*patient_ids) -> None:
    """Drop every kept piece of these records (when they are deleted)."""
    for patient_id in patient_ids:
        index = caches["pages"].get(_index_key(patient_id)) or {"keys": []}
        caches["pages"].delete_many([*index["keys"], _index_key(patient_id)])


def _index_key(patient_id) -> str:
    return f"pages:{patient_id}"


def _remember(patient: Patient, key: str) -> None:
    # The index lists the keys kept for the newest version seen, so that forget() finds them;
    # on a newer version, the older pieces (unreachable now) are dropped at once.
    index = caches["pages"].get(_index_key(patient.pk)) or {"version": -1, "keys": []}
    if patient.records_version > index["version"]:
        caches["pages"].delete_many(index["keys"])
        index = {"version": patient.records_version, "keys": []}
    keys = [*index["keys"], key]
    caches["pages"].delete_many(keys[:-MAX_KEPT])
    index["keys"] = keys[-MAX_KEPT:]
    caches["pages"].set(_index_key(patient.pk), index, TIMEOUT)
