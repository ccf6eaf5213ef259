"""Data migrations of accounts/: rows stored before a rule come into line with it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import AccessEvent
from tests.clock import NOW, pinned
from tests.factories import make_patient, make_user

pytestmark = [pinned]


@pytest.mark.django_db(transaction=True)
def test_lines_logged_before_folding_stand_for_one_look_when_they_were_made():
    before = [("accounts", "0008_names_are_plain_text")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    patient = make_patient(make_user())
    then = executor.loader.project_state(before).apps
    made = NOW - datetime.timedelta(days=40)
    then.get_model("accounts", "AccessEvent").objects.create(
        patient_id=patient.pk, actor_name="Gran", action="viewed_dashboard", created_at=made
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    event = AccessEvent.objects.get()
    assert (event.times, event.last_at, event.window_start) == (1, made, None)
