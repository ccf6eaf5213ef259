"""Data migrations: rows stored before a rule come into line with it."""

import datetime

import pytest

from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import NOW, pinned
from tests.factories import make_patient, make_user
from tests.migrations import migrate_back_to, migrate_to_latest

pytestmark = [pinned]


@pytest.mark.django_db(transaction=True)
def test_bleeds_danger_and_line_breaks_come_into_line():
    before = [("readings", "0008_notes_have_a_length_limit")]
    then = migrate_back_to(before)
    patient = make_patient(make_user())
    logged = NOW - datetime.timedelta(days=3)
    episode = then.get_model("readings", "BleedingEpisode").objects.create(
        patient_id=patient.pk, kind="nosebleed", started_at=logged, note="one\r\ntwo"
    )
    then.get_model("readings", "BleedingEpisode").objects.filter(pk=episode.pk).update(
        created_at=logged
    )
    reading = then.get_model("readings", "PlateletReading").objects.create(
        patient_id=patient.pk,
        count=45,
        drawn_on=NOW.date(),
        lab="City\rLab",
        note="a\r\nb\rc\nd",
    )
    treatment = then.get_model("readings", "Treatment").objects.create(
        patient_id=patient.pk, medicine="other", other_name="x\r\ny", started_on=NOW.date()
    )

    migrate_to_latest()

    episode = BleedingEpisode.objects.get(pk=episode.pk)
    assert episode.danger_logged_at == logged  # when it was logged, not when we migrated
    assert episode.note == "one\ntwo"
    reading = PlateletReading.objects.get(pk=reading.pk)
    assert (reading.lab, reading.note) == ("City\nLab", "a\nb\nc\nd")
    assert Treatment.objects.get(pk=treatment.pk).other_name == "x\ny"
