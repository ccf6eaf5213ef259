"""The access log: every read of health data is a line, repeated reads fold, and the owner
reads it (with or without their own views). Tried as a caregiver who would rather not be
seen would try it: through htmx pieces, pages, filters and downloads."""

import datetime
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AccessAction, AccessEvent
from readings import exports
from readings.models import PlateletReading
from tests.clock import NOW, pinned
from tests.conftest import CANARY
from tests.factories import make_episode, make_reading, make_user

pytestmark = [pytest.mark.django_db, pinned]

# How the log names a member: the name they chose, and their address.
VERA = "<strong><bdi>Vera Viewer</bdi></strong> (<bdi>viewer@example.com</bdi>)"
OLIVE = "<strong><bdi>Olive Owner</bdi></strong> (<bdi>owner@example.com</bdi>)"

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, cast, *args):
    return reverse(name, args=[cast.patient.pk, *args])


def actions(patient) -> list[str]:
    return [action for action, _, _ in lines(patient)]


def lines(patient, actor=None) -> list[tuple[str, str, int]]:
    """(action, detail, times) of each line, oldest first."""
    events = AccessEvent.objects.filter(patient=patient).order_by("created_at", "id")
    if actor is not None:
        events = events.filter(actor=actor)
    return list(events.values_list("action", "detail", "times"))


@pytest.fixture
def entry(cast):
    """A record with more than a page of counts and of bleeds; returns one count."""
    for number in range(30):
        make_reading(cast.patient, str(50 + number))
        make_episode(cast.patient, started_at=NOW - datetime.timedelta(hours=number + 1))
    return make_reading(cast.patient, "45", note="the one opened")


def read(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, path
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def test_record_takes_a_request_or_a_user_and_keeps_the_name(rf, cast):
    request = rf.get("/")
    request.user = cast.viewer
    audit.record(request, cast.patient, audit.VIEWED_DASHBOARD)
    event = AccessEvent.objects.get()
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


# --- Every read is a line ----------------------------------------------------------------------

# (URL name, query, htmx?, who, action, detail): every way into the record's health data.
READS = [
    ("dashboard", "", False, "viewer", "viewed_dashboard", "chart of the last 6 months"),
    (
        "dashboard",
        "?range=all&table=1",
        False,
        "viewer",
        "viewed_dashboard",
        "chart and table of all time",
    ),
    (
        "dashboard",
        "?part=chart&range=3m",
        False,
        "viewer",
        "viewed_dashboard",
        "chart of the last 3 months",
    ),
    ("dashboard", "?part=stats", True, "viewer", "viewed_numbers", ""),
    ("dashboard", "?part=chart&range=all", True, "viewer", "viewed_chart", "all time"),
    ("dashboard", "?part=table&range=1y", True, "viewer", "viewed_table", "the last 12 months"),
    (
        "dashboard",
        "?part=nonsense",
        True,
        "viewer",
        "viewed_dashboard",
        "chart of the last 6 months",
    ),
    ("history", "", False, "viewer", "viewed_history", "counts"),
    ("history", "?page=2", True, "viewer", "viewed_history", "counts, page 2"),
    ("history", "?page=99", True, "viewer", "viewed_history", "counts, page 2"),
    ("history", "?show=bleeds&page=2", False, "viewer", "viewed_history", "bleeds, page 2"),
    (
        "history",
        "?show=bleeds&bleed_kind=nosebleed&since=2026-11-01&until=2026-11-10",
        True,
        "viewer",
        "viewed_history",
        "bleeds, only nosebleed, from 1 Nov 2026 to 10 Nov 2026",
    ),
    (
        "history",
        "?show=treatments&since=2026-01-01",
        False,
        "viewer",
        "viewed_history",
        "treatments, from 1 Jan 2026",
    ),
    ("export_history", "?what=counts", False, "viewer", "exported", "counts, everything"),
    ("entry_edit", "", False, "editor", "viewed_entry", "the count of 45 ×10⁹/L from 10 Nov 2026"),
    ("entry_delete", "", True, "editor", "viewed_entry", "the count of 45 ×10⁹/L from 10 Nov 2026"),
    ("patient_settings", "", False, "owner", "viewed_details", ""),
    ("access_log", "", False, "owner", "viewed_access_log", ""),
]


def read_path(name, query, cast, entry) -> str:
    args = ("counts", entry.pk) if name in ("entry_edit", "entry_delete") else ()
    return url(name, cast, *args) + query


@pytest.mark.parametrize(
    ("name", "query", "htmx", "who", "action", "detail"),
    READS,
    ids=[f"{name}{query}{'-htmx' if htmx else ''}" for name, query, htmx, *_ in READS],
)
def test_every_read_is_a_line_naming_the_member_and_what(
    client, cast, entry, name, query, htmx, who, action, detail
):
    member = getattr(cast, who)
    client.force_login(member)
    read(client, read_path(name, query, cast, entry), **(HTMX if htmx else {}))
    assert lines(cast.patient, member) == [(action, detail, 1)]
    assert AccessEvent.objects.count() == 1  # nothing in anyone else's log


def test_a_viewer_reading_piece_by_piece_shows_up_line_by_line(client, cast, entry):
    """What a caregiver reading the record through its pieces leaves in the owner's log."""
    viewer_reads = [r for r in READS if r[3] == "viewer"]
    client.force_login(cast.viewer)
    for name, query, htmx, *_ in viewer_reads:
        read(client, read_path(name, query, cast, entry), **(HTMX if htmx else {}))

    client.force_login(cast.owner)
    page = read(client, url("access_log", cast)).content.decode()
    distinct = {(action, detail) for *_, action, detail in viewer_reads}
    assert page.count(VERA) == len(distinct) == 12
    assert page.count(f"{VERA}: Viewed the history, 2 times") == 1  # page 99 is 2
    for action, detail in distinct:
        assert f"{VERA}: {AccessAction(action).label}" in page
        assert detail[:1].upper() + detail[1:] in page


def test_people_without_access_read_nothing_into_any_log(client, cast, entry):
    client.force_login(cast.stranger)
    for name, query, htmx, *_ in READS:
        path = read_path(name, query, cast, entry)
        assert client.get(path, **(HTMX if htmx else {})).status_code == 404
    client.force_login(cast.viewer)
    assert client.get(read_path("entry_edit", "", cast, entry)).status_code == 403
    assert client.get(url("access_log", cast)).status_code == 403
    assert AccessEvent.objects.count() == 0


def test_comparing_an_upload_with_the_history_is_a_read(client, cast):
    """The preview says which rows the history already holds; the log names the file as it
    was called (not "Ours.csv")."""
    make_reading(cast.patient, "45")
    ours = "".join(exports.csv_lines(cast.patient, exports.Selection(("counts",)), datetime.UTC))
    client.force_login(cast.editor)
    upload = SimpleUploadedFile("ours.csv", ours.encode(), "text/csv")
    response = client.post(url("import_history", cast), {"file": upload})
    assert AccessEvent.objects.count() == 0
    page = read(client, response["Location"]).content.decode()
    assert "already in the history" in page
    assert lines(cast.patient, cast.editor) == [("compared_file", "“ours.csv”", 1)]
    client.force_login(cast.owner)
    assert ">“ours.csv”</p>" in read(client, url("access_log", cast)).content.decode()


def test_an_invitation_in_the_log_keeps_the_address_as_typed(client, cast):
    client.force_login(cast.owner)
    client.post(url("sharing_invite", cast), {"email": "jo.parent@example.com", "role": "viewer"})
    assert lines(cast.patient)[-1][1] == "Can view: jo.parent@example.com"
    assert (
        ">Can view: jo.parent@example.com</p>"
        in read(client, url("access_log", cast)).content.decode()
    )


# --- Folding ----------------------------------------------------------------------------------


def test_twenty_partial_reads_within_the_window_are_one_line_of_twenty(client, cast, time_machine):
    client.force_login(cast.viewer)
    chart = url("dashboard", cast) + "?part=chart&range=all"
    for number in range(20):
        time_machine.move_to(NOW + number * datetime.timedelta(seconds=25), tick=False)
        read(client, chart, **HTMX)
    assert lines(cast.patient) == [("viewed_chart", "all time", 20)]
    event = AccessEvent.objects.get()
    assert event.created_at == NOW and event.last_at == NOW + datetime.timedelta(seconds=475)

    client.force_login(cast.owner)
    page = read(client, url("access_log", cast)).content.decode()
    assert f"{VERA}: Viewed the dashboard chart, 20 times" in page
    assert "10 Nov 2026, 22:30</time>–<time" in page and ">22:37</time>" in page


def test_a_read_after_the_window_is_a_new_line(client, cast, time_machine):
    client.force_login(cast.viewer)
    numbers = url("dashboard", cast) + "?part=stats"
    read(client, numbers, **HTMX)
    time_machine.move_to(NOW + audit.FOLD_WINDOW - datetime.timedelta(seconds=1))
    read(client, numbers, **HTMX)
    time_machine.move_to(NOW + audit.FOLD_WINDOW)
    read(client, numbers, **HTMX)
    read(client, numbers, **HTMX)
    assert lines(cast.patient) == [("viewed_numbers", "", 2), ("viewed_numbers", "", 2)]


def test_only_the_same_read_by_the_same_member_of_the_same_record_folds(client, cast):
    pieces = ["?part=chart&range=all", "?part=chart&range=3m", "?part=table&range=all"]
    for member in (cast.viewer, cast.editor):
        client.force_login(member)
        for query in [*pieces, pieces[0]]:
            read(client, url("dashboard", cast) + query, **HTMX)
    client.force_login(cast.stranger)
    theirs = reverse("dashboard", args=[cast.strangers_patient.pk])
    read(client, theirs + pieces[0], **HTMX)
    for member in (cast.viewer, cast.editor):
        assert lines(cast.patient, member) == [
            ("viewed_chart", "all time", 2),
            ("viewed_chart", "the last 3 months", 1),
            ("viewed_table", "all time", 1),
        ]
    assert lines(cast.strangers_patient) == [("viewed_chart", "all time", 1)]


def test_changes_are_never_folded(client, cast):
    client.force_login(cast.editor)
    reading = make_reading(cast.patient, "45")
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": timezone.localdate().isoformat()}
    for version in ("1", "2"):
        client.post(url("entry_edit", cast, "counts", reading.pk), {**data, "version": version})
    edits = [line for line in lines(cast.patient) if line[0] == "edited_entry"]
    assert edits == [("edited_entry", "the count of 45 ×10⁹/L from 10 Nov 2026", 1)] * 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reads_make_one_line_and_every_read_counts(cast):
    """Eight workers reading the same piece at the same moment, five times each."""
    path = url("dashboard", cast) + "?part=chart&range=all"
    barrier, errors = threading.Barrier(8), []

    def worker():
        client = Client()
        client.force_login(cast.viewer)
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                assert client.get(path, **HTMX).status_code == 200
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert lines(cast.patient) == [("viewed_chart", "all time", 40)]


# --- What it costs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "query", "htmx"),
    [
        ("dashboard", "", False),
        ("dashboard", "?part=stats", True),
        ("dashboard", "?part=chart", True),
        ("dashboard", "?part=table", True),
        ("history", "", False),
        ("history", "?page=2", True),
    ],
)
def test_recording_costs_one_statement_whatever_the_number_of_rows(client, cast, name, query, htmx):
    path, headers = url(name, cast) + query, HTMX if htmx else {}

    def queries(rows: int):
        for number in range(rows):
            make_reading(cast.patient, str(40 + number % 50))
        with CaptureQueriesContext(connection) as captured:
            read(client, path, **headers)
        logged = [q for q in captured if "accounts_accessevent" in q["sql"]]
        assert len(logged) == 1 and logged[0]["sql"].startswith("INSERT INTO")
        return len(captured)

    client.force_login(cast.owner)
    read(client, path, **headers)  # the first request of a session does a little more
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
    assert f"{VERA}: Viewed the history" in page
    assert "Page 1 of 2" in page and 'href="?page=2">Older<' in page
    second = client.get(url("access_log", cast) + "?page=2")
    assert [event.detail for event in second.context["page"]][-1] == "visit 0"


def test_the_owner_can_hide_their_own_views_but_not_their_changes(client, cast):
    reading = make_reading(cast.patient, "45")
    client.force_login(cast.owner)
    read(client, url("dashboard", cast))
    read(client, url("entry_edit", cast, "counts", reading.pk))
    data = {"count_text": "46", "unit": "e9/L", "drawn_on": timezone.localdate().isoformat()}
    client.post(url("entry_edit", cast, "counts", reading.pk), {**data, "version": "1"})
    read(client, url("export_history", cast) + "?what=all")
    client.force_login(cast.viewer)
    read(client, url("history", cast))

    client.force_login(cast.owner)
    everything = read(client, url("access_log", cast)).content.decode()
    assert everything.count(OLIVE) == 4
    page = read(client, url("access_log", cast) + "?mine=hide").content.decode()
    assert '<input type="checkbox" name="mine" value="hide" id="hide-mine" checked>' in page
    assert '<label for="hide-mine">Hide my own views and downloads</label>' in page
    assert page.count(OLIVE) == 1
    assert f"{OLIVE}: Changed an entry" in page
    assert f"{VERA}: Viewed the history" in page


def test_hiding_their_own_views_keeps_to_the_pages_and_says_when_nothing_is_left(client, cast):
    client.force_login(cast.owner)
    read(client, url("dashboard", cast))
    page = read(client, url("access_log", cast) + "?mine=hide").content.decode()
    assert "Nothing to show but your own views and downloads." in page
    for number in range(55):
        audit.record(cast.viewer, cast.patient, audit.VIEWED_HISTORY, f"visit {number}")
    page = read(client, url("access_log", cast) + "?mine=hide").content.decode()
    assert 'href="?mine=hide&amp;page=2">Older<' in page
    unticked = read(client, url("access_log", cast)).content.decode()
    assert 'id="hide-mine">' in unticked and 'href="?page=2">Older<' in unticked


def test_the_log_page_costs_the_same_for_many_events(client, cast):
    client.force_login(cast.owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url("access_log", cast) + "?mine=hide")
        return len(captured)

    audit.record(cast.viewer, cast.patient, audit.VIEWED_HISTORY)
    queries()  # the first request of a session does a little more
    few = queries()
    for number in range(40):
        audit.record(cast.editor, cast.patient, audit.VIEWED_DASHBOARD, str(number))
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


# --- Changes ------------------------------------------------------------------------------------


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
