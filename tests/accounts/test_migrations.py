"""Data migrations of accounts/: rows stored before a rule come into line with it."""

import datetime

import pytest

from accounts.models import AccessEvent
from tests.clock import NOW, pinned
from tests.factories import make_patient, make_user
from tests.migrations import migrate_back_to, migrate_to_latest

pytestmark = [pinned]


@pytest.mark.django_db(transaction=True)
def test_lines_logged_before_folding_stand_for_one_look_when_they_were_made():
    before = [("accounts", "0008_names_are_plain_text")]
    patient = make_patient(make_user())  # made with today's models, before going back
    then = migrate_back_to(before)
    made = NOW - datetime.timedelta(days=40)
    then.get_model("accounts", "AccessEvent").objects.create(
        patient_id=patient.pk, actor_name="Gran", action="viewed_dashboard", created_at=made
    )

    migrate_to_latest()

    event = AccessEvent.objects.get()
    assert (event.times, event.last_at, event.window_start) == (1, made, None)


@pytest.mark.django_db(transaction=True)
def test_names_saved_before_the_check_lose_their_invisible_characters():
    from accounts.models import Patient, User

    before = [("accounts", "0009_access_log_folds_repeated_reads")]
    then = migrate_back_to(before)
    user = then.get_model("accounts", "User").objects.create(
        email="vera@example.com", display_name="Vera \u202egnp.exe"
    )
    blank = then.get_model("accounts", "User").objects.create(
        email="blank@example.com", display_name="\u3164"
    )
    patient = then.get_model("accounts", "Patient").objects.create(name="Sam\u2066")

    migrate_to_latest()

    assert User.objects.get(pk=user.pk).display_name == "Vera gnp.exe"
    assert User.objects.get(pk=blank.pk).display_name == "A member"
    assert Patient.objects.get(pk=patient.pk).name == "Sam"
