"""Saving, editing, deleting and restoring entries so that nothing is lost or doubled.

- A new entry carries the token of the form it came from; the token is unique in its record, so a
  double-tapped or resubmitted form finds the entry it already made (even a deleted one)
  instead of making another.
- An edit names the version it started from; if someone saved in between, the edit is
  refused with what changed, never applied over their work.
- Deleting only hides an entry; it can be restored for UNDO_WINDOW.
- Every write here, and the import's (readings.imports), raises the record's version in the
  same transaction (`Patient.objects.mark_changed`): the kept pages (readings.page_cache) are
  fresh because these are the only ways an entry is written.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Patient
from readings import units
from readings.forms import DoseForm, EpisodeForm, ReadingForm, TreatmentForm
from readings.models import BleedingEpisode, Dose, PlateletReading, Treatment, course_dates

UNDO_WINDOW = datetime.timedelta(days=30)

# Set by the server, never from a form; `version` and `deleted_at` change only here.
_SERVER_FIELDS = {
    "id",
    "patient",
    "created_by",
    "created_at",
    "version",
    "deleted_at",
    "form_token",
    # How an emergency ended: recorded from the emergency notice (`resolve`), never by a form.
    "resolution",
    "resolved_at",
    "resolved_by",
    "danger_logged_at",
}
# Shown through the count itself when two edits collide.
_PART_OF_COUNT = {"entered_text", "entered_unit", "comparator"}


@dataclass(frozen=True)
class EntryKind:
    slug: str
    model: type[models.Model]
    form: type
    noun: str  # a key, in English: the pages' names ("count_form") are made from it
    add_label: str
    date_field: str
    quick_add: bool = False  # the dashboard has a quick-add box for it


KINDS = {
    kind.slug: kind
    for kind in (
        EntryKind(
            "counts",
            PlateletReading,
            ReadingForm,
            "count",
            gettext_lazy("Log a count"),
            "drawn_on",
            True,
        ),
        EntryKind(
            "bleeds",
            BleedingEpisode,
            EpisodeForm,
            "bleed",
            gettext_lazy("Log a bleed"),
            "started_at",
            True,
        ),
        EntryKind(
            "treatments",
            Treatment,
            TreatmentForm,
            "treatment",
            gettext_lazy("Add a treatment"),
            "started_on",
        ),
        EntryKind("doses", Dose, DoseForm, "dose", gettext_lazy("Log a dose"), "given_on"),
    )
}
KIND_OF_MODEL = {kind.model: kind for kind in KINDS.values()}


class AlreadyLogged(Exception):
    """The same result was logged by someone else while the form was being checked."""

    def __init__(self, entry):
        super().__init__("The same result is already in the record.")
        self.entry = entry


class EditConflict(Exception):
    def __init__(self, current):
        super().__init__("The entry changed since the form was opened.")
        self.current = current


@dataclass(frozen=True)
class Change:
    label: str
    theirs: str
    yours: str


def create_entry(form, patient, user):
    """Save a new entry once. Returns (entry, created); a repeated token returns the first.

    Raises AlreadyLogged when another entry with the same result was saved since the form was
    checked and the person did not say to save another (readings.duplicates).
    """
    model = form._meta.model
    token = form.cleaned_data.get("form_token")
    if token and (existing := model.objects.filter(form_token=token, patient=patient).first()):
        return existing, False
    entry = form.save(commit=False)
    entry.patient, entry.created_by, entry.form_token = patient, user, token
    try:
        with transaction.atomic():
            # One new entry per record at a time (SQLite's BEGIN IMMEDIATE does the same), so
            # that the check below sees what a simultaneous save of the same result wrote.
            Patient.objects.select_for_update().filter(pk=patient.pk).first()
            if (same := form.unconfirmed_same_result()) is not None:
                raise AlreadyLogged(same)
            entry.save()
            Patient.objects.mark_changed(patient.pk)
    except IntegrityError:
        # The same form submitted at the same moment by a double tap: the other request won.
        existing = model.objects.filter(form_token=token, patient=patient).first()
        if token is None or existing is None:
            raise
        return existing, False
    return entry, True


def update_entry(form):
    """Apply an edit only if nobody saved the entry since the form was opened."""
    entry = form.save(commit=False)
    expected = form.cleaned_data.get("version")
    values = {
        field.attname: getattr(entry, field.attname)
        for field in entry._meta.concrete_fields
        if field.name not in _SERVER_FIELDS
    }
    values["updated_at"] = timezone.now()
    danger = getattr(entry, "DANGER_FIELDS", ())
    if not set(form.changed_data).isdisjoint(danger):
        # What makes it dangerous was logged again now; how an emergency ended was about the
        # bleed as it was, so it is open again.
        entry.danger_logged_at = values["updated_at"]
        entry.resolution, entry.resolved_at, entry.resolved_by = "", None, None
        values.update(
            danger_logged_at=entry.danger_logged_at,
            resolution="",
            resolved_at=None,
            resolved_by_id=None,
        )
    with transaction.atomic():
        updated = (
            type(entry)
            .objects.live()
            .filter(pk=entry.pk, version=expected)
            .update(**values, version=models.F("version") + 1)
        )
        if updated:
            Patient.objects.mark_changed(entry.patient_id)
    if not updated:
        raise EditConflict(type(entry).objects.get(pk=entry.pk))
    entry.version = expected + 1
    return entry


@transaction.atomic
def soft_delete(entry) -> bool:
    deleted = (
        type(entry)
        .objects.live()
        .filter(pk=entry.pk)
        .update(deleted_at=timezone.now(), version=models.F("version") + 1)
    )
    if deleted:
        Patient.objects.mark_changed(entry.patient_id)
    return bool(deleted)


def restorable(model):
    return model.objects.filter(deleted_at__gte=timezone.now() - UNDO_WINDOW)


@transaction.atomic
def restore(entry) -> bool:
    restored = (
        restorable(type(entry))
        .filter(pk=entry.pk)
        .update(deleted_at=None, version=models.F("version") + 1)
    )
    if restored:
        Patient.objects.mark_changed(entry.patient_id)
    return bool(restored)


@transaction.atomic
def resolve(episode, resolution, user) -> bool:
    """Record how an emergency bleed ended, and when and by whom; "got medical help" also
    answers "saw a doctor or nurse about it". Once, and only to the bleed as `episode` has it
    (its version): False if someone recorded an ending first, changed the bleed (new signs,
    say) or deleted it meanwhile. The caller checks the ending applies (guidance.endings_for).
    """
    changes = {"resolution": resolution, "resolved_at": timezone.now(), "resolved_by": user}
    if resolution == "care":
        changes["care_sought"] = True
    recorded = (
        type(episode)
        .objects.live()
        .filter(pk=episode.pk, resolution="", version=episode.version)
        .update(**changes, version=models.F("version") + 1, updated_at=timezone.now())
    )
    if recorded:
        Patient.objects.mark_changed(episode.patient_id)
    return bool(recorded)


def changes_between(theirs, yours) -> list[Change]:
    """What the other person's saved entry says that the user's edit would replace."""
    changes = []
    for field in theirs._meta.concrete_fields:
        if field.name in _SERVER_FIELDS | _PART_OF_COUNT or field.name == "updated_at":
            continue
        before, after = display(theirs, field), display(yours, field)
        if before != after:
            changes.append(Change(capfirst(field.verbose_name), before, after))
    return changes


def display(entry, field) -> str:
    if field.is_relation:  # a dose's course: by its name, not its id
        related = getattr(entry, field.name, None)
        return "—" if related is None else f"{related.name} {course_dates(related)}"
    value = field.value_from_object(entry)
    if field.name == "count":
        return units.format_count(value, units.Unit.E9_PER_L, entry.comparator)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):  # as typed: 70, not the stored 70.000
        return formats.number_format(value.normalize())
    return str(value)
