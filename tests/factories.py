"""The test cast: plain functions that build users, patients and memberships."""

import itertools

from accounts.models import CareMembership, Patient, Role, User
from accounts.patients import start_record

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def make_user(email: str | None = None, name: str = "Test User", **fields) -> User:
    email = email or f"user{next(_numbers)}@example.com"
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name, **fields)


def make_patient(owner: User | None = None, name: str = "Sam", **fields) -> Patient:
    return start_record(owner or make_user(), name=name, **fields)


def add_member(patient: Patient, user: User, role: Role) -> CareMembership:
    return CareMembership.objects.create(patient=patient, user=user, role=role)
