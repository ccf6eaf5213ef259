"""The access log: what is recorded, what it costs, and who may read it."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AccessAction, AccessEvent
from readings.models import PlateletReading
from tests.clock import pinned
from tests.conftest import CANARY
from tests.factories import make_reading, make_user

pytestmark = [pytest.mark.django_db, pinned]

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, cast, *args):
    return reverse(name, args=[cast.patient.pk, *args])


def actions(patient) -> list[str]:
    return list(
        AccessEvent.objects.filter(patient=patient)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def test_record_takes_a_request_or_a_user_and_keeps_the_name(rf, cast):
    request = rf.get("/")
    request.user = cast.viewer
    event = audit.record(request, cast.patient, audit.VIEWED_DASHBOARD)
    assert (event.actor, event.actor_name, event.action) == (
        cast.viewer,
        "Vera Viewer",
        "viewed_dashboard",
    )
    audit.record(cast.editor, cast.patient, audit.EXPORTED, "x" * 500)
    longest = AccessEvent.objects.get(action=AccessAction.EXPORTED)
    assert len(longest.detail) == 300 and longest.detail.endswith("…")


def test_the_name_stays_after_the_account_is_gone(cast):
    gone = make_user("gone@example.com", "Gone Person")
    audit.record(gone, cast.patient, audit.VIEWED_HISTORY)
    gone.delete()
    event = AccessEvent.objects.get()
    assert (event.actor, event.actor_name) == (None, "Gone Person")


def test_viewing_the_dashboard_and_history_is_recorded(client, cast):
    client.force_login(cast.viewer)
    client.get(url("dashboard", cast))
    client.get(url("history", cast) + "?show=bleeds")
    assert actions(cast.patient) == ["viewed_dashboard", "viewed_history"]
    event = AccessEvent.objects.get(action=AccessAction.VIEWED_HISTORY)
    assert (event.actor, event.detail) == (cast.viewer, "bleeds")


def test_partial_refreshes_of_a_page_already_recorded_are_not_recorded_again(client, cast):
    for number in range(30):
        make_reading(cast.patient, str(40 + number))
    client.force_login(cast.owner)
    client.get(url("dashboard", cast) + "?part=stats", **HTMX)
    client.get(url("history", cast) + "?page=2", **HTMX)
    assert actions(cast.patient) == []


def test_changes_to_entries_are_recorded_with_what_changed(client, cast):
    client.force_login(cast.editor)
    today = timezone.localdate().isoformat()
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": today}
    client.post(url("entry_add", cast, "counts"), {**data, "form_token": str(uuid.uuid4())})
    reading = PlateletReading.objects.get()
    client.post(
        url("entry_edit", cast, "counts", reading.pk), {**data, "count_text": "50", "version": "1"}
    )
    client.post(url("entry_delete", cast, "counts", reading.pk))
    client.post(url("entry_restore", cast, "counts", reading.pk))
    assert actions(cast.patient) == [
        "added_entry",
        "edited_entry",
        "deleted_entry",
        "restored_entry",
    ]
    added = AccessEvent.objects.get(action=AccessAction.ADDED_ENTRY)
    assert added.actor == cast.editor
    assert added.detail.startswith("the count of 45 ×10⁹/L from")


def test_a_double_submit_is_recorded_once(client, cast):
    client.force_login(cast.owner)
    data = {
        "count_text": "45",
        "unit": "e9/L",
        "drawn_on": timezone.localdate().isoformat(),
        "form_token": str(uuid.uuid4()),
    }
    client.post(url("entry_add", cast, "counts"), data)
    client.post(url("entry_add", cast, "counts"), data)
    assert actions(cast.patient) == ["added_entry"]


def test_changing_the_record_details_is_recorded(client, cast):
    client.force_login(cast.owner)
    client.post(url("patient_settings", cast), {"name": "Sam", "preferred_unit": "e9/L"})
    assert actions(cast.patient) == ["changed_details"]


def test_a_refused_request_records_nothing(client, cast):
    client.force_login(cast.viewer)
    client.get(url("entry_add", cast, "counts"))
    client.force_login(cast.stranger)
    client.get(url("dashboard", cast))
    assert actions(cast.patient) == []


@pytest.mark.parametrize("view_name", ["dashboard", "history"])
def test_recording_costs_one_insert_whatever_the_number_of_rows(client, cast, view_name):
    def queries(rows: int):
        for number in range(rows):
            make_reading(cast.patient, str(40 + number % 50))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(view_name, cast)).status_code == 200
        inserts = [q for q in captured if q["sql"].startswith('INSERT INTO "accounts_accessevent"')]
        assert len(inserts) == 1
        return len(captured)

    client.force_login(cast.owner)
    client.get(url(view_name, cast))  # the first request of a session does a little more
    assert queries(3) == queries(40)


# --- Reading the log ----------------------------------------------------------------------------


def test_the_owner_reads_the_log_newest_first_and_paged(client, cast):
    for number in range(55):
        audit.record(cast.viewer, cast.patient, audit.VIEWED_HISTORY, f"visit {number}")
    client.force_login(cast.owner)
    first = client.get(url("access_log", cast))
    assert first.status_code == 200
    shown = [event.detail for event in first.context["page"]]
    assert shown[:2] == ["visit 54", "visit 53"]
    assert len(shown) == 50
    page = first.content.decode()
    assert "Vera Viewer</strong>: Viewed the history" in page
    assert "Page 1 of 2" in page and 'href="?page=2">Older<' in page
    second = client.get(url("access_log", cast) + "?page=2")
    assert [event.detail for event in second.context["page"]][-1] == "visit 0"


def test_the_log_page_costs_the_same_for_many_events(client, cast):
    client.force_login(cast.owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url("access_log", cast))
        return len(captured)

    audit.record(cast.viewer, cast.patient, audit.VIEWED_HISTORY)
    queries()  # the first request of a session does a little more
    few = queries()
    for _ in range(40):
        audit.record(cast.editor, cast.patient, audit.VIEWED_DASHBOARD)
    assert queries() == few


@pytest.mark.parametrize("actor", ["editor", "viewer"])
def test_only_owners_read_the_log(client, cast, actor):
    client.force_login(getattr(cast, actor))
    assert client.get(url("access_log", cast)).status_code == 403


def test_another_records_log_never_shows(client, cast):
    audit.record(cast.stranger, cast.strangers_patient, audit.VIEWED_DASHBOARD, CANARY)
    client.force_login(cast.owner)
    page = client.get(url("access_log", cast)).content.decode()
    assert CANARY not in page
    assert "Nothing recorded yet." in page
