import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from readings import exports
from readings.entries import soft_delete
from readings.models import PlateletReading
from tests.clock import pinned
from tests.factories import make_episode, make_reading, make_treatment

pytestmark = pinned

UTC = datetime.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ALL = exports.Selection(("counts", "bleeds", "treatments"))


def exported(patient, selection=ALL, tz=UTC) -> str:
    return "".join(exports.csv_lines(patient, selection, tz))


def exported_rows(patient, selection=ALL, tz=UTC) -> list[dict]:
    text = exported(patient, selection, tz)
    assert text.startswith(exports.BOM)
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


# --- Formula escaping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        # A note that really starts with a quote and a formula character: one more quote, so
        # that reading it back removes exactly one.
        ("'=1+1", "''=1+1"),
        ("''-", "'''-"),
        # Left alone: nothing a spreadsheet would run.
        ("'hello", "'hello"),
        ("'", "'"),
        ("''", "''"),
        ("hello = world", "hello = world"),
        (" =1+1", " =1+1"),
        ("45", "45"),
        ("2026-01-31", "2026-01-31"),
        ("", ""),
        ("🩸 nosebleed", "🩸 nosebleed"),
    ],
)
def test_formula_escaping_table(cell, written):
    assert exports.escape_cell(cell) == written
    assert exports.unescape_cell(written) == cell


@given(st.text())
def test_unescaping_undoes_escaping_for_every_string(text):
    assert exports.unescape_cell(exports.escape_cell(text)) == text


@given(st.text())
def test_an_escaped_cell_never_starts_a_formula(text):
    assert not exports.escape_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("45.000", "45"),
        ("45.500", "45.5"),
        ("0", "0"),
        ("0.000", "0"),
        ("100", "100"),
        ("2000.000", "2000"),
        ("0.001", "0.001"),
        ("1E+2", "100"),
    ],
)
def test_counts_are_plain_decimals(value, written):
    assert exports.plain_decimal(Decimal(value)) == written


# --- The file ---------------------------------------------------------------------------------


def test_the_combined_file_has_every_kind_and_every_column(cast):
    patient = cast.patient
    make_reading(patient, count="45", user=cast.owner, lab="City lab", note="after IVIG")
    make_episode(
        patient,
        started_at=datetime.datetime(2026, 1, 5, 8, 30, tzinfo=UTC),
        user=cast.editor,
        severity="mild",
        first_aid="yes",
        body_site="left shin",
        duration_minutes=12,
        care_sought=False,
    )
    make_treatment(patient, medicine="other", other_name="Vitamin C", dose="1 g", user=None)
    text = exported(patient)
    header = text[1:].split("\r\n", 1)[0].split(",")
    assert header == exports.columns_for(("counts", "bleeds", "treatments"))
    rows = exported_rows(patient)
    assert [row["kind"] for row in rows] == ["count", "bleed", "treatment"]
    count, bleed, treatment = rows
    assert count["count_e9_per_l"] == "45"
    assert (count["lab"], count["note"], count["entered_by"]) == (
        "City lab",
        "after IVIG",
        "Olive Owner",
    )
    assert count["started_at"] == count["medicine"] == ""  # other kinds' columns stay empty
    assert bleed["started_at"] == "2026-01-05T08:30:00+00:00"
    assert (bleed["bleed_kind"], bleed["severity"], bleed["first_aid"]) == (
        "nosebleed",
        "mild",
        "yes",
    )
    assert (bleed["duration_minutes"], bleed["care_sought"]) == ("12", "no")
    assert bleed["entered_by"] == "Eddie Editor"
    assert (treatment["medicine"], treatment["other_name"], treatment["dose"]) == (
        "other",
        "Vitamin C",
        "1 g",
    )
    assert treatment["ended_on"] == "" and treatment["entered_by"] == ""


def test_a_file_of_one_kind_has_only_its_columns(cast):
    make_reading(cast.patient)
    make_episode(cast.patient)
    text = exported(cast.patient, exports.Selection(("bleeds",)))
    header = text[1:].split("\r\n", 1)[0].split(",")
    assert header == [
        "kind",
        "id",
        *exports.KIND_COLUMNS["bleeds"],
        "note",
        "entered_by",
        "created_at",
        "updated_at",
    ]
    assert [row["kind"] for row in exported_rows(cast.patient, exports.Selection(("bleeds",)))] == [
        "bleed"
    ]


def test_zeros_are_zeros_never_blank(cast):
    make_reading(cast.patient, count="0")
    make_episode(cast.patient, duration_minutes=0, care_sought=False)
    count, bleed = exported_rows(cast.patient)
    assert (count["count_e9_per_l"], count["count_as_entered"]) == ("0", "0")
    assert count["comparator"] == ""
    assert (bleed["duration_minutes"], bleed["care_sought"]) == ("0", "no")


def typed_reading(patient, count, text, unit="e9/L", comparator=""):
    return PlateletReading.objects.create(
        patient=patient,
        drawn_on=datetime.date(2026, 1, 1),
        count=Decimal(count),
        comparator=comparator,
        entered_text=text,
        entered_unit=unit,
    )


def test_counts_in_both_units_as_typed(cast):
    typed_reading(cast.patient, "45.5", "45,500/µL", unit="/uL")
    typed_reading(cast.patient, "10", "<10", comparator="<")
    typed_reading(cast.patient, "1000", ">1000 K/uL", comparator=">")
    per_ul, below, above = exported_rows(cast.patient)
    assert per_ul["count_e9_per_l"] == "45.5"
    assert per_ul["count_as_entered"] == "45500"
    assert (per_ul["entered_text"], per_ul["entered_unit"]) == ("45,500/µL", "/uL")
    assert (below["count_e9_per_l"], below["comparator"], below["entered_text"]) == (
        "10",
        "<",
        "<10",
    )
    assert (above["count_e9_per_l"], above["comparator"]) == ("1000", ">")


def test_moments_carry_the_offset_of_the_users_time_zone(cast):
    summer = datetime.datetime(2025, 7, 1, 6, 0, tzinfo=UTC)
    make_reading(cast.patient, drawn_on=datetime.date(2025, 7, 1), drawn_at=summer)
    make_episode(cast.patient, started_at=datetime.datetime(2025, 12, 1, 6, 0, tzinfo=UTC))
    count, bleed = exported_rows(cast.patient, tz=PARIS)
    assert count["drawn_on"] == "2025-07-01"
    assert count["drawn_at"] == "2025-07-01T08:00:00+02:00"
    assert bleed["started_at"] == "2025-12-01T07:00:00+01:00"
    assert datetime.datetime.fromisoformat(count["created_at"]).utcoffset() is not None


def test_formula_cells_are_escaped_in_the_file(cast):
    make_reading(cast.patient, note='=HYPERLINK("http://evil","click")', lab="@lab")
    (row,) = exported_rows(cast.patient)
    assert row["note"] == '\'=HYPERLINK("http://evil","click")'
    assert row["lab"] == "'@lab"


def test_notes_with_commas_quotes_and_line_breaks_stay_one_cell(cast):
    note = 'Bruise, "big" one\nsecond line\r\nthird 🩸 血小板'
    make_reading(cast.patient, note=note)
    (row,) = exported_rows(cast.patient)
    assert row["note"] == note


def test_only_live_entries_of_this_record(cast):
    kept = make_reading(cast.patient, count="45")
    gone = make_reading(cast.patient, count="12")
    soft_delete(gone)
    make_reading(cast.strangers_patient, count="99", note="CANARY")
    rows = exported_rows(cast.patient)
    assert [row["id"] for row in rows] == [str(kept.pk)]
    assert "CANARY" not in exported(cast.patient)


def test_oldest_first_within_each_kind(cast):
    today = timezone.localdate()
    for days in (3, 10, 1):
        make_reading(cast.patient, drawn_on=today - datetime.timedelta(days=days))
    rows = exported_rows(cast.patient)
    assert [row["drawn_on"] for row in rows] == sorted(row["drawn_on"] for row in rows)


def test_a_date_range_is_inclusive_and_bleeds_use_the_local_day(cast):
    day = datetime.date(2026, 1, 10)
    for offset in (-1, 0, 1, 2):
        make_reading(cast.patient, drawn_on=day + datetime.timedelta(days=offset))
        make_treatment(cast.patient, started_on=day + datetime.timedelta(days=offset))
    # 23:30 UTC on the 9th is already the 10th in Paris; 23:30 UTC on the 11th is the 12th.
    make_episode(cast.patient, started_at=datetime.datetime(2026, 1, 9, 23, 30, tzinfo=UTC))
    make_episode(cast.patient, started_at=datetime.datetime(2026, 1, 11, 23, 30, tzinfo=UTC))
    make_episode(cast.patient, started_at=datetime.datetime(2026, 1, 9, 22, 30, tzinfo=UTC))
    selection = exports.Selection(ALL.slugs, since=day, until=day + datetime.timedelta(days=1))
    rows = exported_rows(cast.patient, selection, tz=PARIS)
    assert [row["drawn_on"] for row in rows if row["kind"] == "count"] == [
        "2026-01-10",
        "2026-01-11",
    ]
    assert [row["started_on"] for row in rows if row["kind"] == "treatment"] == [
        "2026-01-10",
        "2026-01-11",
    ]
    assert [row["started_at"] for row in rows if row["kind"] == "bleed"] == [
        "2026-01-10T00:30:00+01:00"
    ]


def test_an_empty_record_gives_the_header_only(cast):
    text = exported(cast.patient)
    assert text == exports.BOM + ",".join(exports.columns_for(ALL.slugs)) + "\r\n"


def test_rows_are_read_with_an_iterator_and_sent_in_chunks(cast, monkeypatch):
    PlateletReading.objects.bulk_create(
        PlateletReading(
            patient=cast.patient,
            drawn_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
            count=Decimal(i % 500),
            entered_text=str(i % 500),
            entered_unit="e9/L",
            note="x" * 40,
        )
        for i in range(3000)
    )
    chunk_sizes = []
    real_iterator = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return real_iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    chunks = list(exports.csv_lines(cast.patient, ALL, UTC))
    assert chunk_sizes == [exports.CHUNK_SIZE] * 3
    assert len(chunks) > 2  # sent as it is read, not as one string at the end
    assert all(len(chunk) < exports.FLUSH_AT + 1000 for chunk in chunks)
    assert "".join(chunks).count("\r\n") == 3001


def test_the_access_log_words(cast):
    assert ALL.describe() == "counts, bleeds, treatments, everything"
    since = datetime.date(2026, 1, 1)
    assert exports.Selection(("counts",), since=since).describe() == "counts from 2026-01-01"
