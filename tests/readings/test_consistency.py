"""What a record says stays consistent: a count with the text it was read from, a time with its
date, the year of birth with the entries. (A time-zone change: test_zone_change.)"""

import datetime

import pytest
from django.urls import reverse

from readings import imports
from readings.models import BleedingEpisode, PlateletReading
from tests.clock import pinned
from tests.factories import make_episode, make_reading
from tests.html_forms import form_values
from tests.readings.test_imports import one_row

pytestmark = [pytest.mark.django_db, pinned]

UTC = datetime.UTC


def edit_note(client, entry, kind, note="changed"):
    url = reverse("entry_edit", args=[entry.patient_id, kind, entry.pk])
    values = form_values(client.get(url).content.decode())
    return client.post(url, {**values, "note": note})


# --- A count and the text it was read from ---------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"count_e9_per_l": "54", "entered_text": "45"},
            "The count (54 ×10⁹/L) is not what entered_text says (“45”). Correct one of the two.",
        ),
        (
            {"count_e9_per_l": "8", "entered_text": "<10"},
            "The count (8 ×10⁹/L) is not what entered_text says (“<10”). Correct one of the two.",
        ),
        (
            {"count_e9_per_l": "10", "comparator": "<", "entered_text": "10"},
            "The count (<10 ×10⁹/L) is not what entered_text says (“10”). Correct one of the two.",
        ),
        (
            {"count_e9_per_l": "45", "entered_text": "lots"},
            "“lots” in entered_text: Enter a number, like 45 or 45,000.",
        ),
        (
            {"count_e9_per_l": "1200", "entered_text": ""},
            "“1200” in count_e9_per_l can be read more than one way.",
        ),
        (
            {"count_e9_per_l": "1.200", "entered_text": ""},
            "“1.200” in count_e9_per_l can be read more than one way.",
        ),
    ],
)
def test_an_imported_count_must_be_what_its_text_says(cast, cells, message):
    (row,) = imports.make_plan(one_row(**cells), cast.patient).rows
    assert row.error.startswith(message)


@pytest.mark.parametrize(
    ("cells", "count"),
    [
        ({"count_e9_per_l": "45", "entered_text": "45,000/µL", "entered_unit": "/uL"}, "45"),
        ({"count_e9_per_l": "1200", "entered_text": "1200 K/µL"}, "1200"),
        ({"count_e9_per_l": "1200", "entered_text": "1,200"}, "1200"),  # confirmed on the form
        ({"count_e9_per_l": "1.5", "entered_text": "1,500", "entered_unit": "/uL"}, "1.5"),
        ({"count_e9_per_l": "45.125", "entered_text": ""}, "45.125"),
        ({"count_e9_per_l": "10", "comparator": "<", "entered_text": "less than 10"}, "10"),
    ],
)
def test_an_imported_count_that_agrees_with_its_text_comes_in(cast, cells, count):
    (row,) = imports.make_plan(one_row(**cells), cast.patient).rows
    assert row.error == ""
    assert str(row.values["count"]) == count


def test_a_note_edit_keeps_the_confirmed_count_and_asks_nothing(client, cast):
    client.force_login(cast.owner)
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    data = {"count_text": "1,500", "unit": "e9/L", "drawn_on": "2026-11-02"}
    client.post(url, {**data, "confirm_suggestion": "1.5|/uL|"})
    reading = PlateletReading.objects.get()
    assert reading.count == 1.5
    client.force_login(cast.editor)
    assert edit_note(client, reading, "counts").status_code == 302
    reading.refresh_from_db()
    assert (reading.count, reading.entered_text, reading.note) == (1.5, "1,500", "changed")


def test_a_note_edit_never_reads_the_text_again(client, cast):
    # Stored before entries were checked against their text: the count stands.
    reading = make_reading(cast.patient, "54", drawn_on=datetime.date(2026, 11, 3))
    PlateletReading.objects.filter(pk=reading.pk).update(entered_text="45")
    client.force_login(cast.owner)
    assert edit_note(client, reading, "counts").status_code == 302
    reading.refresh_from_db()
    assert (reading.count, reading.note) == (54, "changed")


# --- A time and its date -------------------------------------------------------------------------


def test_an_imported_time_on_another_day_than_its_date_is_refused(cast):
    cells = {"drawn_on": "2026-11-08", "drawn_at": "2026-11-08T23:30:00-12:00"}
    (row,) = imports.make_plan(one_row(**cells), cast.patient).rows
    assert row.error == (
        "That time is on 9 Nov 2026 where Sam lives (UTC), not on the date of the blood test. "
        "Check the date and the time. (drawn_at)"
    )


def test_both_one_thirties_of_the_night_the_clocks_go_back_are_told_apart(client, cast):
    cast.patient.time_zone = "Europe/London"
    cast.patient.save()
    make_episode(
        cast.patient, "gums", started_at=datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    )
    make_episode(
        cast.patient, "nosebleed", started_at=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    )
    client.force_login(cast.owner)
    history = client.get(reverse("history", args=[cast.patient.pk]), {"show": "bleeds"})
    page = history.content.decode()
    assert "Started 25 Oct 2026 at 01:30 BST" in page
    assert "Started 25 Oct 2026 at 01:30 GMT" in page
    assert BleedingEpisode.objects.count() == 2


# --- The year of birth and the entries ---------------------------------------------------------


def test_the_year_of_birth_cannot_be_after_the_earliest_entry(client, cast):
    make_reading(cast.patient, "45", drawn_on=datetime.date(1990, 1, 1))
    client.force_login(cast.owner)
    response = client.post(
        reverse("patient_settings", args=[cast.patient.pk]),
        {"name": "Sam", "preferred_unit": "e9/L", "birth_year": "2026"},
    )
    assert "The record has entries from 1990 (1 Jan 1990)" in response.content.decode()
    cast.patient.refresh_from_db()
    assert cast.patient.birth_year is None


# --- Plain words for absurd numbers --------------------------------------------------------------


def test_absurd_numbers_get_plain_words(client, cast):
    client.force_login(cast.owner)
    bleed = client.post(
        reverse("entry_add", args=[cast.patient.pk, "bleeds"]),
        {"kind": "nosebleed", "started_on": "2026-11-02", "started_time": "09:00",
         "duration_minutes": "99999999999999999999"},
    ).content.decode()  # fmt: skip
    assert "That is more than 90 days (129,600 minutes)." in bleed
    assert "Ensure this value" not in bleed
    for year in ("-1", "0", "1899", "2027", "99999999"):
        details = client.post(
            reverse("patient_settings", args=[cast.patient.pk]),
            {"name": "Sam", "preferred_unit": "e9/L", "birth_year": year},
        ).content.decode()
        assert "Enter a year between 1900 and this year." in details, year
        assert "Ensure this value" not in details, year
    treatment = client.post(
        reverse("entry_add", args=[cast.patient.pk, "treatments"]),
        {"medicine": "other", "other_name": "x" * 101, "started_on": "2026-11-02"},
    ).content.decode()
    assert "Enter the name of the medicine" not in treatment  # it has one: it is too long
    history = client.get(
        reverse("history", args=[cast.patient.pk]), {"since": "2026-11-05", "until": "2026-11-01"}
    ).content.decode()
    assert "The end date is before the start date." in history


# --- One order for counts ---------------------------------------------------------------------


def test_the_card_the_advice_and_the_recent_list_agree_on_the_latest_count(client, cast):
    """On both databases: a count without a time comes first on its day."""
    cast.patient.alert_threshold = 20
    cast.patient.save()
    day = datetime.date(2026, 11, 5)
    make_reading(cast.patient, "60", drawn_on=datetime.date(2026, 11, 1))
    make_reading(
        cast.patient, "8", drawn_on=day, drawn_at=datetime.datetime(2026, 11, 5, 8, tzinfo=UTC)
    )
    make_reading(cast.patient, "45", drawn_on=day)  # no time: earlier that day
    client.force_login(cast.owner)
    page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert '<strong class="big">8 ×10⁹/L</strong>' in page
    latest = "The latest count (from 5 Nov 2026), 8 ×10⁹/L,"
    assert f"{latest} is below the threshold the clinician set." in page
    recent = page[page.index('id="recent-entries"') :]
    assert recent.index("8 ×10⁹/L") < recent.index("45 ×10⁹/L")
    assert [r.count for r in PlateletReading.objects.all()] == [8, 45, 60]
