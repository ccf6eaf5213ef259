"""No value that can be stored but not read back: every date is bounded at every entrance.

Entrances: the full forms, quick add, import rows (our files and simple sheets), export and
history filters, and the record's details. Bounds: from 1900 (or 1 January of the year of
birth) to today in the patient's zone; a planned treatment end up to 5 years ahead. The
database backs them with fixed bounds (accounts.dates.STORABLE_*), and rows stored before
are repaired (migration readings 0004, `manage.py check_dates`).
"""

import datetime
import io
import logging

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import User
from readings import exports, imports
from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import NOW, pinned
from tests.factories import make_episode, make_patient, make_reading, make_treatment
from tests.migrations import migrate_back_to, migrate_to_latest
from tests.readings.test_imports import one_row, sheet

pytestmark = [pytest.mark.django_db, pinned]

TODAY = NOW.date()  # in UTC, the cast's zone
TOMORROW = TODAY + datetime.timedelta(days=1)
FUTURE = "That date is in the future. Enter the date it happened."
BEFORE_1900 = "Enter a date from 1 Jan 1900 on."
BAD_DAYS = {
    "0001-01-01": BEFORE_1900,
    "1899-12-31": BEFORE_1900,
    "9999-12-31": FUTURE,
    TOMORROW.isoformat(): FUTURE,
}


def page(response) -> str:
    assert response.status_code in (200, 302), response.status_code
    return response.content.decode()


def add(client, patient, slug, **data):
    return client.post(reverse("entry_add", args=[patient.pk, slug]), data)


# --- Every entrance refuses every bad date ----------------------------------------------------


@pytest.mark.parametrize(("day", "message"), BAD_DAYS.items())
@pytest.mark.parametrize("quick", [False, True])
def test_a_count_form_refuses_dates_out_of_bounds(client, cast, day, message, quick):
    client.force_login(cast.owner)
    data = {"count_text": "45", "unit": "e9/L", "drawn_on": day}
    headers = {"HTTP_HX_REQUEST": "true"} if quick else {}
    response = client.post(
        reverse("entry_add", args=[cast.patient.pk, "counts"]),
        {**data, "quick": "1"} if quick else data,
        **headers,
    )
    assert message in page(response)
    assert not PlateletReading.objects.exists()


@pytest.mark.parametrize(("day", "message"), BAD_DAYS.items())
def test_a_bleed_form_refuses_dates_out_of_bounds(client, cast, day, message):
    client.force_login(cast.owner)
    response = add(client, cast.patient, "bleeds", kind="nosebleed", started_on=day,
                   started_time="00:00")  # fmt: skip
    assert message in page(response)
    assert not BleedingEpisode.objects.exists()


def test_the_reproduction_a_bleed_at_year_one_from_tokyo_is_refused_and_pages_open(client, cast):
    cast.owner.time_zone = "Asia/Tokyo"
    cast.owner.save()
    cast.patient.time_zone = "Asia/Tokyo"
    cast.patient.save()
    client.force_login(cast.owner)
    response = add(client, cast.patient, "bleeds", kind="nosebleed", started_on="0001-01-01",
                   started_time="00:00")  # fmt: skip
    assert BEFORE_1900 in page(response)
    for name in ("dashboard", "history", "export_history"):
        assert client.get(reverse(name, args=[cast.patient.pk])).status_code == 200


@pytest.mark.parametrize(
    ("started", "ended", "field", "message"),
    [
        ("0001-01-01", "", "started_on", BEFORE_1900),
        (TOMORROW.isoformat(), "", "started_on", FUTURE),
        ("2026-01-01", "9999-12-31", "ended_on", "Enter a date no later than 10 Nov 2031."),
        ("2026-01-01", "2025-12-31", "ended_on", "The end date is before the start date."),
    ],
)
def test_a_treatment_form_refuses_dates_out_of_bounds(client, cast, started, ended, field, message):
    client.force_login(cast.owner)
    response = add(client, cast.patient, "treatments", medicine="ivig", started_on=started,
                   ended_on=ended)  # fmt: skip
    assert message in page(response)
    assert not Treatment.objects.exists()


def test_a_planned_end_within_five_years_is_kept_and_the_all_time_chart_opens(client, cast):
    client.force_login(cast.owner)
    planned = datetime.date(2031, 11, 10)
    add(client, cast.patient, "treatments", medicine="romiplostim", started_on="2026-01-01",
        ended_on=planned.isoformat())  # fmt: skip
    assert Treatment.objects.get().ended_on == planned
    make_reading(cast.patient, "45")
    response = client.get(reverse("dashboard", args=[cast.patient.pk]), {"range": "all"})
    assert response.status_code == 200


@pytest.mark.parametrize(("day", "message"), BAD_DAYS.items())
def test_the_record_details_refuse_a_diagnosis_date_out_of_bounds(client, cast, day, message):
    client.force_login(cast.owner)
    response = client.post(
        reverse("patient_settings", args=[cast.patient.pk]),
        {"name": "Sam", "preferred_unit": "e9/L", "diagnosis_date": day},
    )
    assert message in page(response)
    cast.patient.refresh_from_db()
    assert cast.patient.diagnosis_date is None


def test_dates_before_the_year_of_birth_are_refused(client, cast):
    cast.patient.birth_year = 2015
    cast.patient.save()
    client.force_login(cast.owner)
    response = add(client, cast.patient, "counts", count_text="45", unit="e9/L",
                   drawn_on="2014-12-31")  # fmt: skip
    assert "That date is before the year of birth (2015)." in page(response)
    response = add(client, cast.patient, "counts", count_text="45", unit="e9/L",
                   drawn_on="2015-01-01")  # fmt: skip
    assert response.status_code == 302


@pytest.mark.parametrize("until", ["9999-12-31", TOMORROW.isoformat()])
def test_the_export_filter_refuses_dates_out_of_bounds(client, cast, until):
    client.force_login(cast.owner)
    response = client.get(reverse("export_history", args=[cast.patient.pk]), {"until": until})
    assert not response.streaming
    assert FUTURE in page(response)


def test_the_history_filter_ignores_dates_out_of_bounds_and_says_so(client, cast):
    make_episode(cast.patient)
    client.force_login(cast.owner)
    response = client.get(
        reverse("history", args=[cast.patient.pk]), {"show": "bleeds", "until": "9999-12-31"}
    )
    assert FUTURE in page(response)
    assert "1 bleed," in page(response)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"drawn_on": "0001-01-01"}, f"{BEFORE_1900} (drawn_on)"),
        ({"drawn_on": "9999-12-31"}, f"{FUTURE} (drawn_on)"),
        ({"drawn_at": "0001-01-01T00:00:00+09:00"}, "“0001-01-01T00:00:00+09:00” in drawn_at"),
        ({"drawn_at": "9999-12-31T23:59:59-12:00"}, "“9999-12-31T23:59:59-12:00” in drawn_at"),
        (
            {"kind": "bleed", "bleed_kind": "gums", "started_at": "0001-01-01T00:00:00+09:00"},
            "“0001-01-01T00:00:00+09:00” in started_at",
        ),
        (
            {
                "kind": "treatment",
                "medicine": "ivig",
                "started_on": "2026-01-01",
                "ended_on": "9999-12-31",
            },
            "Enter a date no later than 10 Nov 2031. (ended_on)",
        ),  # fmt: skip
    ],
)
def test_import_rows_out_of_bounds_are_errors(cast, cells, message):
    (row,) = imports.make_plan(one_row(**cells), cast.patient).rows
    assert row.error.startswith(message)


def test_a_sheet_row_out_of_bounds_is_an_error(cast):
    text = "Date,Count\n0001-01-01,45\n9999-12-31,45\n2025-01-01,45\n"
    rows = imports.make_plan(text, cast.patient, sheet("")).rows
    assert [row.error for row in rows] == [BEFORE_1900, FUTURE, ""]


# --- The database holds the bounds on every path ------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (PlateletReading, {"drawn_on": datetime.date(1, 1, 1)}),
        (PlateletReading, {"drawn_on": datetime.date(9999, 12, 31)}),
        (
            PlateletReading,
            {"drawn_at": datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)},
        ),
        (BleedingEpisode, {"started_at": datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC)}),
        (Treatment, {"ended_on": datetime.date(9999, 12, 31)}),
        (Treatment, {"started_on": datetime.date(1899, 1, 1)}),
    ],
)
def test_the_database_refuses_what_could_not_be_read_back(cast, model, fields):
    makers = {
        PlateletReading: make_reading,
        BleedingEpisode: make_episode,
        Treatment: make_treatment,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        makers[model](cast.patient, **fields)


# --- Rows stored before the bounds are repaired ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_rows_that_made_a_record_unreadable(client):
    before = [("readings", "0003_reading_comparator"), ("accounts", "0006_record_time_zone")]
    then = migrate_back_to(before)
    # The tables as they were then: today's models have columns added since.
    owner_then = then.get_model("accounts", "User").objects.create(email="then@example.com")
    patient = then.get_model("accounts", "Patient").objects.create(name="Sam")
    then.get_model("accounts", "CareMembership").objects.create(
        user_id=owner_then.pk, patient_id=patient.pk, role="owner"
    )
    episode = then.get_model("readings", "BleedingEpisode").objects.create(
        patient_id=patient.pk, kind="nosebleed", started_at=NOW
    )
    treatment = then.get_model("readings", "Treatment").objects.create(
        patient_id=patient.pk, medicine="steroids", started_on=NOW.date()
    )
    # As stored before the bounds: a bleed at 0001-01-01 00:00 in Tokyo (year 0 in UTC, which
    # Python cannot read) and a treatment ending 9999-12-31.
    year_zero = (
        "0001-01-01 00:00:00+09:00"
        if connection.vendor == "postgresql"
        else ("0000-12-31 15:00:00")
    )
    broken = [
        ("readings_bleedingepisode", "started_at", year_zero, episode.pk),
        ("readings_treatment", "ended_on", "9999-12-31", treatment.pk),
    ]
    with connection.cursor() as cursor:
        for table, column, value, pk in broken:
            key = pk.hex if connection.vendor == "sqlite" else pk
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, key])  # noqa: S608
            assert cursor.rowcount == 1

    migrate_to_latest()

    episode = BleedingEpisode.objects.get(pk=episode.pk)
    treatment = Treatment.objects.get(pk=treatment.pk)
    assert episode.started_at == datetime.datetime(1900, 1, 1, 12, tzinfo=datetime.UTC)
    assert "cannot be right" in episode.note and "Please correct it." in episode.note
    assert treatment.ended_on == datetime.date.today()
    assert "9999-12-31" in treatment.note
    client.force_login(User.objects.get(pk=owner_then.pk))
    for name in ("dashboard", "history", "export_history"):
        assert client.get(reverse(name, args=[patient.pk])).status_code == 200


def test_check_dates_lists_entries_outside_the_rules(cast):
    reading = make_reading(cast.patient, "45", drawn_on=TOMORROW)  # past the forms, by hand
    out = io.StringIO()
    call_command("check_dates", stdout=out)
    text = out.getvalue()
    assert f"count {reading.pk}: drawn_on: {FUTURE}" in text
    assert "0 unreadable date(s) repaired; 1 entry to check by hand." in text


# --- A download never ends early without saying so ---------------------------------------------


def test_an_export_that_breaks_off_says_so_and_fails(client, cast, monkeypatch, caplog):
    for day in range(3):
        make_reading(cast.patient, "45", drawn_on=TODAY - datetime.timedelta(days=day))
    real = exports.cells
    calls = []

    def breaks_on_the_third(slug, row, tz):
        calls.append(row)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(slug, row, tz)

    monkeypatch.setattr(exports, "cells", breaks_on_the_third)
    client.force_login(cast.owner)
    response = client.get(reverse("export_history", args=[cast.patient.pk]), {"what": "counts"})
    received = []
    with caplog.at_level(logging.ERROR, logger="readings.exports"), pytest.raises(RuntimeError):
        for chunk in response.streaming_content:
            received.append(chunk.decode())
    text = "".join(received)
    assert text.rstrip().endswith(
        "INCOMPLETE FILE: the download broke off after 2 rows because of an error on our side. "
        "Download it again."
    )
    assert "broke off after 2 rows" in caplog.text
    # An incomplete file is refused whole, never brought in part by part.
    with pytest.raises(imports.ImportFileError, match="This download is incomplete"):
        imports.make_plan(text, make_patient(cast.owner, name="Copy"))
