from dataclasses import dataclass

import pytest

from accounts.models import Patient, Role, User
from tests.factories import add_member, make_patient, make_user

CANARY = "CANARY-7f3a9c-never-shown"


@dataclass
class Cast:
    patient: Patient
    owner: User
    editor: User
    viewer: User
    stranger: User
    strangers_patient: Patient


@pytest.fixture
def cast(db) -> Cast:
    """A patient with owner, editor and viewer; a stranger with a record of their own."""
    owner = make_user("owner@example.com", "Olive Owner")
    patient = make_patient(owner, name="Sam")
    editor = make_user("editor@example.com", "Eddie Editor")
    viewer = make_user("viewer@example.com", "Vera Viewer")
    add_member(patient, editor, Role.EDITOR)
    add_member(patient, viewer, Role.VIEWER)
    stranger = make_user("stranger@example.com", "Stan Stranger")
    strangers_patient = make_patient(stranger, name=CANARY)
    return Cast(patient, owner, editor, viewer, stranger, strangers_patient)
