"""Find the dates that make records unreadable and repair them; list those outside the rules.

    python manage.py check_dates            # repair and list
    python manage.py check_dates --dry-run  # list only

A date the database should never have held (before 1900 or after 2199, from before dates were
bounded) moves to the nearest allowed date, the old value kept in the entry's note, as
migration readings 0004 did (accounts.dates.repair_unstorable). Entries that are storable but
break a rule of their record (a date after today there, or before the year of birth) are
listed for a member to correct: a date cannot be guessed.
"""

from django.core.management.base import BaseCommand
from django.db import models, transaction

from accounts.dates import repair_unstorable
from accounts.models import Patient
from readings.entries import KINDS

# Set by the server, never typed: not checked.
_SERVER_DATES = {"created_at", "updated_at", "deleted_at"}


def typed_dates(model) -> tuple[str, ...]:
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField) and field.name not in _SERVER_DATES
    )


class Command(BaseCommand):
    help = "Repair dates that make records unreadable, and list dates outside the rules."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            repaired = [
                *repair_unstorable(Patient, ("diagnosis_date",)),
                *(
                    line
                    for kind in KINDS.values()
                    for line in repair_unstorable(kind.model, typed_dates(kind.model), "note")
                ),
            ]
            if dry_run:
                transaction.set_rollback(True)
        for line in repaired:
            self.stdout.write(("Would repair " if dry_run else "Repaired ") + line)
        outside = list(self.outside_the_rules())
        for line in outside:
            self.stdout.write(line)
        self.stdout.write(
            f"{len(repaired)} unreadable date(s) {'found' if dry_run else 'repaired'}; "
            f"{len(outside)} entr{'y' if len(outside) == 1 else 'ies'} to check by hand."
        )

    def outside_the_rules(self):
        for patient in Patient.objects.order_by("created_at"):
            for kind in KINDS.values():
                for entry in kind.model.objects.live().filter(patient=patient).iterator():
                    entry.patient = patient
                    for field, error in entry.problems().items():
                        yield (
                            f"Record {patient.pk} ({patient.name}), {kind.noun} {entry.pk}: "
                            f"{field}: {error.messages[0]}"
                        )
