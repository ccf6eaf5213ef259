"""The test cast: plain functions that build users, patients and memberships."""

import itertools
from decimal import Decimal

from django.utils import timezone

from accounts.models import CareMembership, Patient, Role, User
from accounts.patients import start_record
from readings.models import BleedingEpisode, PlateletReading, Treatment

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def make_user(email: str | None = None, name: str = "Test User", **fields) -> User:
    """A user whose address is confirmed, unless `email_verified_at=None` says otherwise."""
    email = email or f"user{next(_numbers)}@example.com"
    fields.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name, **fields)


def make_patient(owner: User | None = None, name: str = "Sam", **fields) -> Patient:
    return start_record(owner or make_user(), name=name, **fields)


def add_member(patient: Patient, user: User, role: Role) -> CareMembership:
    return CareMembership.objects.create(patient=patient, user=user, role=role)


def _written(entry):
    """As the app's own write paths do (readings.entries), the record's kept pages go."""
    Patient.objects.mark_changed(entry.patient_id)
    return entry


def make_reading(patient, count="45", drawn_on=None, user=None, **fields):
    return _written(
        PlateletReading.objects.create(
            patient=patient,
            created_by=user,
            drawn_on=drawn_on or timezone.localdate(),
            count=Decimal(count),
            entered_text=fields.pop("entered_text", str(count)),
            entered_unit="e9/L",
            **fields,
        )
    )


def make_episode(patient, kind="nosebleed", started_at=None, user=None, **fields):
    return _written(
        BleedingEpisode.objects.create(
            patient=patient,
            created_by=user,
            kind=kind,
            started_at=started_at or timezone.now(),
            **fields,
        )
    )


def make_treatment(patient, medicine="steroids", started_on=None, user=None, **fields):
    return _written(
        Treatment.objects.create(
            patient=patient,
            created_by=user,
            medicine=medicine,
            started_on=started_on or timezone.localdate(),
            **fields,
        )
    )
