"""Two requests at the same moment, each on its own database connection.

Run on SQLite and (in CI) PostgreSQL: a unique form token and a version column must hold
up when the requests really overlap, not only one after the other.
"""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from readings.models import PlateletReading
from tests.clock import pinned
from tests.factories import make_reading

pytestmark = [pytest.mark.django_db(transaction=True), pinned]


def at_the_same_time(*posts):
    """Run each (user, url, data) POST in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)
    errors = []

    def run(index, user, url, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            statuses[index] = client.post(url, data).status_code
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return statuses


def count_data(**data):
    return {
        "count_text": "45",
        "unit": "e9/L",
        "drawn_on": timezone.localdate().isoformat(),
        **data,
    }


@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_double_submits_create_one_row(cast, attempt):
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    data = count_data(form_token=str(uuid.uuid4()))
    statuses = at_the_same_time((cast.owner, url, data), (cast.owner, url, data))
    assert statuses == [302, 302]
    assert PlateletReading.objects.count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_caregivers_saving_the_same_result_at_once_save_it_once_and_ask_the_other(
    cast, attempt
):
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    statuses = at_the_same_time(
        (cast.owner, url, count_data(count_text="66", form_token=str(uuid.uuid4()))),
        (cast.editor, url, count_data(count_text="66", form_token=str(uuid.uuid4()))),
    )
    assert sorted(statuses) == [200, 302]  # one saved, one asked "Save another?"
    assert PlateletReading.objects.count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_edits_leave_one_accepted_and_one_refused(cast, attempt):
    reading = make_reading(cast.patient, "45")
    url = reverse("entry_edit", args=[cast.patient.pk, "counts", reading.pk])
    statuses = at_the_same_time(
        (cast.owner, url, count_data(count_text="50", version="1")),
        (cast.editor, url, count_data(count_text="60", version="1")),
    )
    assert sorted(statuses) == [302, 409]
    reading.refresh_from_db()
    winner = Decimal(50) if statuses[0] == 302 else Decimal(60)
    assert (reading.count, reading.version) == (winner, 2)
