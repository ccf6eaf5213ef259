"""Our own export, re-saved by a spreadsheet in another language, imports; a sheet with a few
unreadable rows imports without them when the person says so."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from readings import imports, sheet_dates
from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import pinned
from tests.factories import make_episode, make_patient, make_reading, make_treatment
from tests.readings.test_imports import ALL, export_text, sheet

pytestmark = [pytest.mark.django_db, pinned]

LONDON = ZoneInfo("Europe/London")
DATE_COLUMNS = {"drawn_on", "started_on", "ended_on"}
MOMENT_COLUMNS = {"drawn_at", "started_at"}
# How spreadsheets in some languages write a date and a date with a time.
LOCALES = {
    "en-GB": ("%d/%m/%Y", "%d/%m/%Y %H:%M", ","),
    "en-US": ("%-m/%-d/%Y", "%-m/%-d/%Y %-I:%M %p", ","),
    "de-DE": ("%d.%m.%Y", "%d.%m.%Y %H:%M", ";"),
    "nl-NL": ("%d-%m-%Y", "%d-%m-%Y %H:%M", ";"),
}


def resaved(text: str, locale: str) -> str:
    """`text` (our export) as a spreadsheet in `locale` saves it again: its own date formats,
    no time-zone offsets, its separator, and decimal commas where it uses semicolons."""
    day_format, moment_format, separator = LOCALES[locale]
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(header)
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=True))
        for column, value in cells.items():
            if not value:
                continue
            if column in DATE_COLUMNS:
                cells[column] = datetime.date.fromisoformat(value).strftime(day_format)
            elif column in MOMENT_COLUMNS:
                local = datetime.datetime.fromisoformat(value).astimezone(LONDON)
                cells[column] = local.strftime(moment_format)
            elif column == "count_e9_per_l" and separator == ";":
                cells[column] = value.replace(".", ",")
        writer.writerow(cells.values())
    return out.getvalue()


@pytest.fixture
def history(cast):
    cast.patient.time_zone = "Europe/London"
    cast.patient.save()
    make_reading(cast.patient, "45.5", drawn_on=datetime.date(2026, 11, 2),
                 drawn_at=datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC))  # fmt: skip
    make_reading(cast.patient, "30", drawn_on=datetime.date(2026, 1, 21))
    make_episode(cast.patient, started_at=datetime.datetime(2026, 7, 4, 17, 5, tzinfo=datetime.UTC))
    make_treatment(cast.patient, started_on=datetime.date(2026, 2, 11))
    return cast.patient


def stored(patient) -> list:
    return [
        *PlateletReading.objects.filter(patient=patient).values_list(
            "drawn_on", "drawn_at", "count"
        ),
        *BleedingEpisode.objects.filter(patient=patient).values_list("started_at", "kind"),
        *Treatment.objects.filter(patient=patient).values_list("started_on", "medicine"),
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_our_export_resaved_by_a_spreadsheet_imports_the_same(cast, history, locale):
    text = resaved(export_text(history, ALL, LONDON), locale)
    target = make_patient(cast.owner, name="Copy", time_zone="Europe/London")
    plan = imports.import_file(text, target, cast.owner)
    assert plan.errors == [] and plan.date_question is None
    assert sorted(map(repr, stored(target))) == sorted(map(repr, stored(history)))


def test_when_no_date_tells_the_order_the_person_is_asked_once(cast):
    cast.patient.time_zone = "Europe/London"
    text = (
        "kind,id,drawn_on,drawn_at,count_e9_per_l,comparator,count_as_entered,entered_text,"
        "entered_unit,lab,note\r\n"
        "count,,02/11/2026,,45,,45,45,e9/L,,\r\n"
        "count,,03/04/2026,03/04/2026 09:30,46,,46,46,e9/L,,\r\n"
    )
    plan = imports.make_plan(text, cast.patient)
    assert plan.date_question == "02/11/2026" and plan.rows == []
    assert imports.import_file(text, cast.patient, cast.owner).new == []
    day_first = imports.make_plan(text, cast.patient, date_order=sheet_dates.DAY_FIRST)
    assert [row.values["drawn_on"] for row in day_first.rows] == [
        datetime.date(2026, 11, 2),
        datetime.date(2026, 4, 3),
    ]
    month_first = imports.make_plan(text, cast.patient, date_order=sheet_dates.MONTH_FIRST)
    assert [row.values["drawn_on"] for row in month_first.rows] == [
        datetime.date(2026, 2, 11),
        datetime.date(2026, 3, 4),
    ]
    assert month_first.rows[1].values["drawn_at"] == datetime.datetime(
        2026, 3, 4, 9, 30, tzinfo=datetime.UTC
    )


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(datetime.date(1950, 1, 1), datetime.date(2026, 11, 9)),
    sep=st.sampled_from("/.-"),
    padded=st.booleans(),
)
def test_a_date_that_tells_its_order_is_read_the_same_either_way_it_is_written(day, sep, padded):
    def written(first, second):
        pattern = "{:02d}{}{:02d}{}{}" if padded else "{}{}{}{}{}"
        return pattern.format(first, sep, second, sep, day.year)

    day_first, month_first = written(day.day, day.month), written(day.month, day.day)
    if day.day > 12:
        assert sheet_dates.order_of([day_first]) == sheet_dates.DAY_FIRST
        assert sheet_dates.order_of([month_first]) == sheet_dates.MONTH_FIRST
    elif day.day != day.month:
        assert sheet_dates.order_of([day_first]) is None  # 02/11: it could be either
    assert sheet_dates.read_day(day_first, sheet_dates.DAY_FIRST) == day
    assert sheet_dates.read_day(month_first, sheet_dates.MONTH_FIRST) == day


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        ("21/01/2026 09:30", "DMY", datetime.datetime(2026, 1, 21, 9, 30)),
        ("1/21/2026 9:30 AM", "MDY", datetime.datetime(2026, 1, 21, 9, 30)),
        ("1/21/2026 9:30 PM", "MDY", datetime.datetime(2026, 1, 21, 21, 30)),
        ("1/21/2026 12:05 AM", "MDY", datetime.datetime(2026, 1, 21, 0, 5)),
        ("21.01.2026 09:30:15", "DMY", datetime.datetime(2026, 1, 21, 9, 30, 15)),
        ("21/01/26 09:30", "DMY", datetime.datetime(2026, 1, 21, 9, 30)),
        ("2026-01-21 09:30", None, datetime.datetime(2026, 1, 21, 9, 30)),
        ("2026-07-21T09:30:00+01:00", None, datetime.datetime(2026, 7, 21, 8, 30)),
    ],
)
def test_spreadsheet_date_and_time_cells(cell, order, expected):
    moment = sheet_dates.read_moment(cell, order, ZoneInfo("UTC"))
    assert moment.astimezone(datetime.UTC).replace(tzinfo=None) == expected


def test_a_sheet_with_times_in_its_date_column_keeps_them(cast):
    text = "Date;Count\n21/01/2026 09:30;45\n22/01/2026;46\n"
    options = sheet("", separator=";", date_format="DD/MM/YYYY")
    first, second = imports.make_plan(text, cast.patient, options).rows
    assert first.values["drawn_at"] == datetime.datetime(2026, 1, 21, 9, 30, tzinfo=datetime.UTC)
    assert (second.values["drawn_on"], second.values["drawn_at"]) == (
        datetime.date(2026, 1, 22),
        None,
    )


def test_the_date_format_is_guessed_from_any_row_that_tells(cast):
    table = imports.read_table("Date,Count\n02/11/2026,45\n21/11/2026,46\n")
    assert imports.guess_date_format(table, 0) == "DD/MM/YYYY"
    table = imports.read_table("Date,Count\n11/2/2026,45\n11/21/2026,46\n")
    assert imports.guess_date_format(table, 0) == "MM/DD/YYYY"
    table = imports.read_table("Date,Count\n02/11/2026,45\n03/11/2026,46\n")
    assert imports.guess_date_format(table, 0) is None  # the person chooses
    # A cell that is no date at all neither decides nor blocks: the preview lists its row.
    table = imports.read_table("Date,Count\nsee comment,45\n13/02/2026,46\n,47\n")
    assert imports.guess_date_format(table, 0) == "DD/MM/YYYY"
    table = imports.read_table("Date,Count\n2026-02-13,45\nCLUMPED,46\n")
    assert imports.guess_date_format(table, 0) == "YYYY-MM-DD"


# --- Through the pages: asked once, and rows skipped only by choice -------------------------


def upload(client, patient, text: str, name="history.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    response = client.post(reverse("import_history", args=[patient.pk]), {"file": file})
    return response["Location"]


def test_the_preview_asks_for_the_date_order_then_brings_the_file_in(client, cast):
    client.force_login(cast.owner)
    text = (
        "kind,id,drawn_on,drawn_at,count_e9_per_l,comparator,count_as_entered,entered_text,"
        "entered_unit,lab,note\r\n"
        "count,,02/11/2026,,45,,45,45,e9/L,,\r\n"
    )
    preview = upload(client, cast.patient, text)
    page = client.get(preview).content.decode()
    assert "This file has dates like “02/11/2026”, which can be read two ways" in page
    assert "Bring in 1 entry" not in page
    client.post(preview, {"date_order": "MDY"})
    page = client.get(preview).content.decode()
    assert "The count of 45 ×10⁹/L from 11 Feb 2026" in page
    token = preview.rstrip("/").split("/")[-1]
    client.post(reverse("import_confirm", args=[cast.patient.pk, token]))
    assert PlateletReading.objects.get().drawn_on == datetime.date(2026, 2, 11)


SHEET_WITH_NOTES = (
    "Date,Platelets\n"
    "2026-10-01,45\n"
    "2026-10-08,CLUMPED\n"
    "2026-10-15,52\n"
    "2026-10-22,see comment\n"
    "2026-10-29,61\n"
)


def sheet_preview(client, patient) -> str:
    preview = upload(client, patient, SHEET_WITH_NOTES, "lab.csv")
    client.post(
        preview,
        {"separator": "comma", "has_header": "on", "date_column": "0",
         "date_format": "YYYY-MM-DD", "count_column": "1", "unit": "e9/L"},
    )  # fmt: skip
    return preview


def test_unreadable_rows_stop_the_import_unless_the_person_chooses_to_skip_them(client, cast):
    client.force_login(cast.owner)
    preview = sheet_preview(client, cast.patient)
    page = client.get(preview).content.decode()
    assert "Bring in 3 entries and leave out 2 rows with problems" in page
    token = preview.rstrip("/").split("/")[-1]
    confirm = reverse("import_confirm", args=[cast.patient.pk, token])
    client.post(confirm)  # all or nothing, as before
    assert not PlateletReading.objects.exists()
    done = client.post(confirm, {"skip_errors": "yes"}, follow=True).content.decode()
    assert sorted(PlateletReading.objects.values_list("count", flat=True)) == [45, 52, 61]
    assert "Brought in 3 counts. Left out 2 rows with problems, as you chose: 3, 5." in done
    assert re.search(r"Left out 2 rows", done)


@pytest.mark.parametrize(
    ("written", "result"),
    [
        ("5/1/95", datetime.date(1995, 5, 1)),
        ("5/1/26", datetime.date(2026, 5, 1)),
        ("5/1/27", "That date is in the future. Enter the date it happened."),  # not 1927
    ],
)
def test_two_digit_years_are_never_moved_a_century_to_fit(cast, written, result):
    (row,) = imports.make_plan(
        f"Date,Count\n{written},47\n", cast.patient, sheet("", date_format="MM/DD/YYYY")
    ).rows
    assert (row.values.get("drawn_on") or row.error) == result
