import csv
import datetime
import io
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from readings import exports, guidance, imports
from readings.entries import KINDS, soft_delete
from readings.models import (
    MAX_DURATION_MINUTES,
    BleedingEpisode,
    BleedingKind,
    FirstAid,
    Medicine,
    PlateletReading,
    Severity,
    Treatment,
    WarningSign,
    lf_line_breaks,
)
from readings.units import Comparator, Unit, format_count, format_number
from tests.clock import pinned
from tests.factories import make_episode, make_patient, make_reading, make_treatment, make_user

pytestmark = pinned

UTC = datetime.UTC
ALL = exports.Selection(tuple(KINDS))
# What an export then import brings back exactly, for each kind: the id, every field the
# person entered, and the note. Not: patient, created_by (the importer), created_at and
# updated_at (the time of the import), version (1), form_token (none), deleted_at (only live
# entries are exported, and they stay live).
ROUND_TRIP = {slug: ("id", *fields, "note") for slug, fields in exports.MODEL_FIELDS.items()}


def export_text(patient, selection=ALL, tz=UTC) -> str:
    return "".join(exports.csv_lines(patient, selection, tz))


def stored(patient) -> dict[str, set[tuple]]:
    return {
        slug: {
            tuple(tuple(value) if isinstance(value, list) else value for value in row)
            for row in kind.model.objects.filter(patient=patient).values_list(*ROUND_TRIP[slug])
        }
        for slug, kind in KINDS.items()
    }


def without_ids(entries: dict[str, set[tuple]]) -> dict[str, list[tuple]]:
    return {slug: sorted(map(repr, (row[1:] for row in rows))) for slug, rows in entries.items()}


def sheet(text: str, **options) -> imports.SheetOptions:
    defaults = {
        "separator": ",",
        "has_header": True,
        "date_column": 0,
        "date_format": "YYYY-MM-DD",
        "count_column": 1,
        "unit": "e9/L",
    }
    return imports.SheetOptions(**{**defaults, **options})


# --- Round trip: property-based ---------------------------------------------------------------

TRICKY = [
    "=1+1",
    "+44 20",
    "-5",
    "@SUM(A1)",
    "'=already quoted",
    "''+",
    "'",
    "\tTab first",
    "\rCR first",
    "a, b, c",
    'say "hi"',
    "line one\nline two",
    "crlf\r\nend",
    "🩸 bled 🤕",
    "血小板が少ない",
    "Тромбоциты низкие",
    "",
    " ",
    "0",
]
# Everything a person can type, except NUL (forms refuse it, PostgreSQL cannot store it) and
# lone surrogates (not text).
CHARACTERS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def free_text(max_size=None):
    """Text as a form or an import stores it: line breaks as LF (models.lf_line_breaks)."""
    plain = st.text(CHARACTERS, max_size=max_size or 200)
    tricky = st.builds(lambda a, b: (a + b)[: max_size or 10_000], st.sampled_from(TRICKY), plain)
    return st.one_of(plain, st.sampled_from(TRICKY), tricky).map(lf_line_breaks)


def days_before_today():
    return st.dates(datetime.date(1990, 1, 1), timezone.localdate() - datetime.timedelta(days=1))


def moments():
    return st.datetimes(
        datetime.datetime(1990, 1, 1),
        datetime.datetime.now() - datetime.timedelta(days=1),
        timezones=st.just(UTC),
    )


counts = st.decimals(0, 2000, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def readings(draw):
    count = draw(counts)
    unit = draw(st.sampled_from(Unit))
    # As the count form stores them: per µL, no count between 0 and 1,000 per µL is accepted.
    assume(unit is Unit.E9_PER_L or count == 0 or count >= 1)
    comparator = draw(st.sampled_from(Comparator)) if count else Comparator.EXACT
    typed = draw(
        st.sampled_from(
            [
                format_count(count, unit, comparator),
                comparator.symbol + format_number(count, unit),
            ]
        )
    )
    drawn_on = draw(days_before_today())
    # A time falls on the date of the test where the record lives (UTC, the cast's zone).
    time = draw(st.none() | st.times())
    return {
        "drawn_on": drawn_on,
        "drawn_at": time and datetime.datetime.combine(drawn_on, time, UTC),
        "count": count,
        "comparator": comparator.value,
        "entered_text": typed,
        "entered_unit": unit.value,
        "lab": draw(free_text(100)),
        "note": draw(free_text()),
    }


@st.composite
def episodes(draw):
    started_at = draw(moments())
    values = {
        "started_at": started_at,
        "warning_signs": draw(
            st.lists(st.sampled_from(WarningSign.values), unique=True).map(
                lambda signs: [code for code in WarningSign.values if code in signs]
            )
        ),
        "kind": draw(st.sampled_from(BleedingKind.values)),
        "body_site": draw(free_text(100)),
        "severity": draw(st.sampled_from(["", *Severity.values])),
        "first_aid": draw(st.sampled_from(["", *FirstAid.values])),
        "duration_minutes": draw(st.none() | st.integers(0, MAX_DURATION_MINUTES)),
        "care_sought": draw(st.sampled_from([None, True, False])),
        "note": draw(free_text()),
    }
    # An emergency may carry how it ended, recorded up to three days later (never ahead).
    endings = guidance.possible_endings(BleedingEpisode(**values))
    resolution = draw(st.sampled_from(["", *endings]))
    later = st.timedeltas(datetime.timedelta(0), datetime.timedelta(hours=72))
    resolved_at = min(started_at + draw(later), timezone.now()) if resolution else None
    return {**values, "resolution": resolution, "resolved_at": resolved_at}


@st.composite
def treatments(draw):
    medicine = draw(st.sampled_from(Medicine.values))
    other_name = draw(free_text(100))
    if medicine == Medicine.OTHER and not other_name.strip():
        other_name = "Something else"
    started_on = draw(days_before_today())
    ended = draw(st.none() | st.integers(0, 365 * 4))  # a planned end: at most 5 years ahead
    return {
        "medicine": medicine,
        "other_name": other_name,
        "started_on": started_on,
        "ended_on": started_on + datetime.timedelta(days=ended) if ended is not None else None,
        "dose": draw(free_text(100)),
        "note": draw(free_text()),
    }


histories = st.fixed_dictionaries(
    {
        "counts": st.lists(readings(), max_size=6),
        "bleeds": st.lists(episodes(), max_size=4),
        "treatments": st.lists(treatments(), max_size=3),
    }
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=histories,
    tz=st.sampled_from(["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"]),
)
def test_export_then_import_into_an_empty_record_gives_identical_entries(db, history, tz):
    owner, importer = make_user(), make_user()
    source, target = make_patient(owner), make_patient(importer)
    for slug, rows in history.items():
        KINDS[slug].model.objects.bulk_create(
            KINDS[slug].model(patient=source, created_by=owner, **row) for row in rows
        )
    assume(any(history.values()))  # an empty file is refused: "no rows of history"
    before = stored(source)
    text = export_text(source, tz=zoneinfo.ZoneInfo(tz))
    # As on another server (or after the record was deleted): the ids are free again.
    for kind in KINDS.values():
        kind.model.objects.filter(patient=source).delete()

    plan = imports.import_file(text.encode("utf-8").decode("utf-8-sig"), target, importer)

    assert plan.errors == [] and plan.duplicates == []
    assert stored(target) == before
    for kind in KINDS.values():
        imported = kind.model.objects.filter(patient=target)
        assert all(entry.created_by == importer for entry in imported)
        assert {(e.version, e.form_token, e.deleted_at) for e in imported} <= {(1, None, None)}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_into_a_second_record_of_the_same_server_only_the_ids_change(db, history):
    owner = make_user()
    source, target = make_patient(owner), make_patient(owner)
    for slug, rows in history.items():
        KINDS[slug].model.objects.bulk_create(
            KINDS[slug].model(patient=source, created_by=owner, **row) for row in rows
        )
    assume(any(history.values()))
    before = stored(source)

    imports.import_file(export_text(source), target, owner)

    assert stored(source) == before  # never touched
    after = stored(target)
    assert without_ids(after) == without_ids(before)
    source_ids = {row[0] for rows in before.values() for row in rows}
    assert source_ids.isdisjoint(row[0] for rows in after.values() for row in rows)


# --- Duplicates -------------------------------------------------------------------------------


def a_history(patient, user=None):
    return [
        make_reading(patient, count="45", note="=after IVIG", user=user),
        make_reading(patient, count="0", drawn_on=datetime.date(2025, 1, 2), user=user),
        make_episode(patient, user=user, duration_minutes=0),
        make_treatment(patient, user=user, dose="50 mg"),
    ]


def test_importing_the_same_file_twice_adds_nothing_the_second_time(cast):
    a_history(cast.patient)
    text = export_text(cast.patient)
    target = make_patient(cast.owner, name="Leo")
    first = imports.import_file(text, target, cast.owner)
    assert len(first.new) == 4
    second = imports.import_file(text, target, cast.owner)
    assert second.new == [] and len(second.duplicates) == 4
    assert all(row.duplicate == imports.ALREADY_THERE for row in second.duplicates)
    assert sum(kind.model.objects.filter(patient=target).count() for kind in KINDS.values()) == 4


def test_importing_a_records_own_export_adds_nothing(cast):
    a_history(cast.patient)
    plan = imports.import_file(export_text(cast.patient), cast.patient, cast.owner)
    assert (len(plan.new), len(plan.duplicates)) == (0, 4)


def test_deleted_entries_never_come_back_by_import(cast):
    reading, *_ = a_history(cast.patient)
    text = export_text(cast.patient)
    soft_delete(reading)
    plan = imports.import_file(text, cast.patient, cast.owner)
    (row,) = [row for row in plan.duplicates if row.values["id"] == reading.pk]
    assert row.duplicate == imports.WAS_DELETED
    assert PlateletReading.objects.filter(pk=reading.pk).get().deleted_at is not None
    assert PlateletReading.objects.live().filter(patient=cast.patient).count() == 1


def test_deleted_entries_do_not_come_back_through_a_copy_with_new_ids(cast):
    a_history(cast.patient)
    text = export_text(cast.patient)
    target = make_patient(cast.owner, name="Leo")
    imports.import_file(text, target, cast.owner)
    copy = PlateletReading.objects.filter(patient=target, count=45).get()
    soft_delete(copy)
    plan = imports.import_file(text, target, cast.owner)
    assert plan.new == []
    assert PlateletReading.objects.live().filter(patient=target).count() == 1


def test_ids_of_another_record_are_replaced_and_that_record_is_untouched(cast):
    theirs = make_reading(cast.strangers_patient, count="99", note="CANARY")
    text = export_text(cast.strangers_patient)
    plan = imports.import_file(text, cast.patient, cast.owner)
    (row,) = plan.new
    assert row.values["id"] != theirs.pk
    mine = PlateletReading.objects.get(patient=cast.patient)
    assert (mine.count, mine.note, mine.created_by) == (Decimal(99), "CANARY", cast.owner)
    theirs_now = PlateletReading.objects.get(pk=theirs.pk)
    assert (theirs_now.patient, theirs_now.version, theirs_now.note) == (
        cast.strangers_patient,
        1,
        "CANARY",
    )


def test_the_same_content_under_another_id_is_a_duplicate(cast):
    reading = make_reading(cast.patient, count="45", note="same")
    text = export_text(cast.patient).replace(str(reading.pk), str(uuid.uuid4()))
    plan = imports.make_plan(text, cast.patient)
    assert [row.duplicate for row in plan.rows] == [imports.ALREADY_THERE]


def test_twins_with_different_ids_in_one_file_are_two_entries(cast):
    make_reading(cast.patient, count="45", drawn_on=datetime.date(2025, 5, 5))
    make_reading(cast.patient, count="45", drawn_on=datetime.date(2025, 5, 5))
    target = make_patient(cast.owner, name="Leo")
    plan = imports.import_file(export_text(cast.patient), target, cast.owner)
    assert len(plan.new) == 2


def test_a_repeated_id_in_one_file(cast):
    make_reading(cast.patient, count="45")
    header, line = export_text(cast.patient).rstrip("\r\n").split("\r\n")
    same = imports.make_plan("\r\n".join([header, line, line]), make_patient(name="Leo"))
    assert [row.duplicate for row in same.rows] == ["", "The same entry as row 2."]
    changed = line.replace(",e9/L,,", ",e9/L,City Lab,")
    assert changed != line
    different = imports.make_plan("\r\n".join([header, line, changed]), make_patient(name="Ada"))
    assert different.rows[1].error == (
        "This row has the same id as row 2 but different details. Keep one of the two."
    )


# --- All or nothing ---------------------------------------------------------------------------


def test_a_file_with_any_row_error_writes_nothing(cast):
    a_history(cast.patient)
    text = export_text(cast.patient).replace("50 mg", "x" * 101)
    target = make_patient(cast.owner, name="Leo")
    plan = imports.import_file(text, target, cast.owner)
    assert [row.error for row in plan.errors] == ["The dose column is longer than 100 characters."]
    assert all(not kind.model.objects.filter(patient=target).exists() for kind in KINDS.values())


def test_a_failure_while_writing_rolls_back_every_kind(cast, monkeypatch):
    a_history(cast.patient)
    text = export_text(cast.patient)
    target = make_patient(cast.owner, name="Leo")

    def fail(*args, **kwargs):
        raise IntegrityError("boom")

    monkeypatch.setattr(Treatment.objects, "bulk_create", fail)
    with pytest.raises(imports.ImportFileError, match="Nothing was brought in"):
        imports.import_file(text, target, cast.owner)
    assert not PlateletReading.objects.filter(patient=target).exists()
    assert not BleedingEpisode.objects.filter(patient=target).exists()


def test_ten_thousand_rows_import_in_batches(cast, django_assert_max_num_queries):
    lines = ["Date,Platelets"]
    start = datetime.date(1990, 1, 1)
    lines += [f"{start + datetime.timedelta(days=i)},{i % 400 + 1}" for i in range(10_000)]
    # In batches: under 200 queries on SQLite (999 parameters a query), about 20 on
    # PostgreSQL; one query a row would be 10,000.
    with django_assert_max_num_queries(200):
        plan = imports.import_file("\n".join(lines), cast.patient, cast.owner, sheet(""))
    assert len(plan.new) == 10_000
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 10_000


# --- Our format: row errors -------------------------------------------------------------------


def one_row(**cells) -> str:
    columns = exports.columns_for(ALL.slugs)
    row = {"kind": "count", "id": "", "drawn_on": "2025-01-01", "count_e9_per_l": "45"} | cells
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([columns, [row.get(name, "") for name in columns]])
    return out.getvalue()


def row_error(patient, **cells) -> str:
    (row,) = imports.make_plan(one_row(**cells), patient).rows
    return row.error


@pytest.mark.parametrize("line_break", ["\r\n", "\r", "\n"])
def test_a_cells_line_breaks_are_stored_as_one_character(cast, line_break):
    note = line_break.join(["x" * 1249] * 4)  # 4,999 characters, 5,002 if CR LF counted two
    (row,) = imports.make_plan(one_row(note=note), cast.patient).rows
    assert row.error == ""
    assert row.values["note"] == "\n".join(["x" * 1249] * 4)


NOT_A_COUNT = "in count_e9_per_l is not a count like 45 or 45.5."
OUT_OF_RANGE = (
    "in count_e9_per_l is not a platelet count in ×10⁹/L (0 to 2000, at most 3 decimal places)."
)
BLEED = {"kind": "bleed", "started_at": "2025-01-01T10:00", "bleed_kind": "gums"}
TREATMENT = {"kind": "treatment", "medicine": "ivig", "started_on": "2025-01-05"}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"kind": "reading"},
            "The kind is “reading”: it should be count, bleed, treatment or dose.",
        ),
        ({"kind": ""}, "The kind is empty: it should be count, bleed, treatment or dose."),
        ({"id": "42"}, "“42” in the id column is not an entry id. Leave it empty for a new entry."),
        ({"drawn_on": ""}, "The drawn_on column is empty."),
        (
            {"drawn_on": "yesterday"},
            "“yesterday” in drawn_on is not a date written like 2026-01-31.",
        ),
        (
            {"drawn_on": "2999-01-01"},
            "That date is in the future. Enter the date it happened. (drawn_on)",
        ),
        ({"drawn_on": "1899-12-31"}, "Enter a date from 1 Jan 1900 on. (drawn_on)"),
        ({"drawn_on": "0001-01-01"}, "Enter a date from 1 Jan 1900 on. (drawn_on)"),
        (
            {"drawn_on": "9999-12-31"},
            "That date is in the future. Enter the date it happened. (drawn_on)",
        ),
        (
            {"drawn_at": "9999-12-31T23:59:59-12:00"},
            "“9999-12-31T23:59:59-12:00” in drawn_at is not a time we can store.",
        ),
        (
            {"drawn_at": "9:30"},
            "“9:30” in drawn_at is not a date and time written like 2026-01-31T09:30:00+00:00.",
        ),
        ({"count_e9_per_l": ""}, "The count_e9_per_l column is empty."),
        ({"count_e9_per_l": "'-5"}, f"“-5” {NOT_A_COUNT}"),
        ({"count_e9_per_l": "4.5E+1"}, f"“4.5E+1” {NOT_A_COUNT}"),
        ({"count_e9_per_l": "1,000"}, f"“1,000” {NOT_A_COUNT}"),
        ({"count_e9_per_l": "2001"}, f"2001 {OUT_OF_RANGE}"),
        ({"count_e9_per_l": "1.0005"}, f"1.0005 {OUT_OF_RANGE}"),
        (
            {"count_e9_per_l": "0", "comparator": "<"},
            "A “less than” count needs a number above 0, like <10.",
        ),
        (
            {"count_e9_per_l": "0", "comparator": ">="},
            "A “more than” count needs a number above 0, like >450.",
        ),
        ({"comparator": "about"}, "“about” in comparator should be <, <=, >=, > or empty."),
        ({"entered_unit": "mmol"}, "“mmol” in entered_unit should be e9/L (10*9/L) or /uL."),
        ({"lab": "x" * 101}, "The lab column is longer than 100 characters."),
        ({"note": "x" * 5001}, "The note column is longer than 5000 characters."),
        ({**BLEED, "note": "x" * 5001}, "The note column is longer than 5000 characters."),
        ({**BLEED, "started_at": ""}, "The started_at column is empty."),
        ({**BLEED, "bleed_kind": ""}, "The bleed_kind column is empty."),
        (
            {**BLEED, "bleed_kind": "ouch"},
            "“ouch” in bleed_kind is not one of: bruising, petechiae, purpura, gums, nosebleed, "
            "urine, stool, menstrual, vomit, cough, head_injury, other.",
        ),
        (
            {**BLEED, "warning_signs": "headache;hiccups"},
            "“hiccups” in warning_signs is not one of: " + ", ".join(WarningSign.values) + ".",
        ),
        (
            {**BLEED, "resolution": "maybe"},
            "“maybe” in resolution is not one of: stopped, care.",
        ),
        (
            {**BLEED, "resolution": "stopped"},
            "Enter when it was recorded that the bleed ended. (resolved_at)",
        ),
        (
            {**BLEED, "resolved_at": "2025-01-02T10:00"},
            "Say how the bleed ended: stopped or care. (resolution)",
        ),
        (
            {**BLEED, "resolution": "care", "resolved_at": "2025-01-02T10:00"},
            "Only an emergency has an ending to record: leave resolution empty. (resolution)",
        ),
        (
            {
                **BLEED,
                "warning_signs": "seizure",
                "resolution": "stopped",
                "resolved_at": "2025-01-02T10:00",
            },
            "Signs of bleeding in the brain end only with medical help (resolution care). "
            "(resolution)",
        ),
        (
            {**BLEED, "resolution": "care", "resolved_at": "2024-12-31T10:00"},
            "That is after it was recorded as over (31 Dec 2024, 10:00). Check the start. "
            "(started_at)",
        ),
        (
            {**BLEED, "started_at": "2999-01-01T10:00+00:00"},
            "That date is in the future. Enter the date it happened. (started_at)",
        ),
        (
            {**BLEED, "duration_minutes": "ten"},
            "“ten” in duration_minutes is not a number of minutes.",
        ),
        (
            {**BLEED, "duration_minutes": "129601"},
            "That is more than 90 days (129,600 minutes). Check the number of minutes. "
            "(duration_minutes)",
        ),
        (
            {**BLEED, "care_sought": "perhaps"},
            "“perhaps” in care_sought should be yes, no or empty.",
        ),
        ({**TREATMENT, "medicine": ""}, "The medicine column is empty."),
        (
            {**TREATMENT, "medicine": "other"},
            "Enter the name of the medicine or procedure. (other_name)",
        ),
        (
            {**TREATMENT, "ended_on": "2025-01-01"},
            "The end date is before the start date. (ended_on)",
        ),
    ],
)
def test_row_errors_in_plain_words(cast, cells, message):
    assert row_error(cast.patient, **cells) == message


def test_lenient_spellings_that_cannot_be_misread(cast):
    (row,) = imports.make_plan(
        one_row(count_e9_per_l="45,5", comparator="≤", entered_unit="per µL"), cast.patient
    ).rows
    values = row.values
    assert (values["count"], values["comparator"], values["entered_unit"]) == (
        Decimal("45.5"),
        "<=",
        "/uL",
    )
    assert values["entered_text"] == "≤45,500"  # filled in from the count when left empty
    (bleed,) = imports.make_plan(
        one_row(kind="bleed", started_at="2025-01-01T10:00", bleed_kind="Nosebleed"), cast.patient
    ).rows
    assert bleed.values["kind"] == "nosebleed"
    assert bleed.values["started_at"] == datetime.datetime(2025, 1, 1, 10, tzinfo=UTC)


def test_a_row_without_an_id_gets_a_new_one(cast):
    (row,) = imports.make_plan(one_row(), cast.patient).rows
    assert isinstance(row.values["id"], uuid.UUID) and row.error == ""


# --- Bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty."),
        (b"  \r\n\r\n", "This file is empty."),
        (b"PK\x03\x04\x14\x00", "This is a ZIP file or a spreadsheet workbook (like .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "This is a ZIP file or a spreadsheet workbook (like .xlsx"),
        ("Daté,Count\n".encode("cp1252"), "We could not read the letters in this file"),
        (b"%PDF-1.7\n\x00\x01\x02", "This is not a CSV file."),
        (bytes(range(256)) * 4, "We could not read the letters in this file"),
    ],
)
def test_bad_bytes(data, message):
    with pytest.raises(imports.ImportFileError) as problem:
        imports.decode(data)
    assert problem.value.message.startswith(message)


def test_text_in_the_usual_encodings():
    assert imports.decode("\ufeffDate,Count\n".encode()) == "Date,Count\n"
    assert imports.decode("Datum;Wert\n".encode("utf-16")) == "Datum;Wert\n"
    assert imports.decode("Daté,Count\n".encode()) == "Daté,Count\n"


def test_files_larger_than_the_cap_are_refused_before_reading():
    upload = SimpleUploadedFile("big.csv", b"a" * (imports.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(imports.ImportFileError, match="larger than 5 MB"):
        imports.read_upload(upload)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind,id,drawn_on\r\n", "This file has column names but no rows of history."),
        ("Just a letter to my doctor.\nNothing else here.\n", "We found only one column"),
        (
            "kind,id,drawn_on,count_e9_per_l\r\ncount,,2025-01-01,45\r\n",
            "This file is missing columns that its rows need: drawn_at, comparator, "
            "entered_text, entered_unit, lab, note.",
        ),
    ],
)
def test_bad_tables(text, message):
    with pytest.raises(imports.ImportFileError) as problem:
        imports.read_table(text)
    assert problem.value.message.startswith(message)


def test_a_counts_file_missing_one_column(cast):
    make_reading(cast.patient)
    text = export_text(cast.patient, exports.Selection(("counts",))).lstrip(exports.BOM)
    without_lab = "\r\n".join(
        ",".join(cells[:9] + cells[10:])
        for cells in (line.split(",") for line in text.rstrip("\r\n").split("\r\n"))
    )
    with pytest.raises(imports.ImportFileError, match="missing a column that its rows need: lab"):
        imports.read_table(without_lab)


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    with pytest.raises(imports.ImportFileError, match="more than 10 rows"):
        imports.read_table("Date,Count\n" + "2025-01-01,45\n" * 11)


def test_junk_that_decodes_is_still_refused_or_explained(cast):
    junk = "".join(chr(0x4E00 + (i * 7919) % 2000) for i in range(5000))
    with pytest.raises(imports.ImportFileError, match="only one column"):
        imports.read_table(junk)


# --- Simple sheets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "date_format"),
    [
        ("2025-01-31", "YYYY-MM-DD"),
        ("31/01/2025", "DD/MM/YYYY"),
        ("01/31/2025", "MM/DD/YYYY"),
        ("31.01.2025", "DD.MM.YYYY"),
        ("31-01-2025", "DD-MM-YYYY"),
        ("5/1/2025", "MM/DD/YYYY"),
    ],
)
def test_sheet_date_formats(cast, written, date_format):
    expected = datetime.date(2025, 1, 31) if written != "5/1/2025" else datetime.date(2025, 5, 1)
    (row,) = imports.make_plan(
        f"Date,Count\n{written},45\n", cast.patient, sheet("", date_format=date_format)
    ).rows
    assert row.values["drawn_on"] == expected


@pytest.mark.parametrize(
    ("typed", "unit", "count", "comparator"),
    [
        ("45", "e9/L", "45", ""),
        ("45,5", "e9/L", "45.5", ""),
        ("<10", "e9/L", "10", "<"),
        ("≤5", "e9/L", "5", "<="),
        (">450", "e9/L", "450", ">"),
        ("45000", "/uL", "45", ""),
        ("45 000", "/uL", "45", ""),
        ("45 K/uL", "/uL", "45", ""),
        ("1.5 lakh", "/uL", "150", ""),
        ("1,50,000", "/uL", "150", ""),
        ("1.5E+05", "/uL", "150", ""),
        ("0", "e9/L", "0", ""),
    ],
)
def test_sheet_counts_are_read_as_typed(cast, typed, unit, count, comparator):
    text = f'Date,Count\n2025-01-31,"{typed}"\n'
    (row,) = imports.make_plan(text, cast.patient, sheet("", unit=unit)).rows
    assert row.error == ""
    assert (row.values["count"], row.values["comparator"]) == (Decimal(count), comparator)
    assert row.values["entered_text"] == typed


@pytest.mark.parametrize(
    ("date", "count", "message"),
    [
        (
            "2025-01-31",
            "45,000",
            "“45,000” does not look like a count in ×10⁹/L. Did you mean 45 ×10⁹/L "
            "(45,000 per µL)? Choose the unit that your file uses, or correct this row.",
        ),
        ("2025-01-31", "abc", "“abc”: Enter a number, like 45 or 45,000."),
        ("2025-01-31", "", "The count is empty."),
        ("", "45", "The date is empty."),
        ("31/01/2025", "45", "“31/01/2025” is not a date written as YYYY-MM-DD (like 2026-01-31)."),
        ("2025-02-30", "45", "“2025-02-30” is not a date written as YYYY-MM-DD (like 2026-01-31)."),
        ("2999-01-01", "45", "That date is in the future. Enter the date it happened."),
        ("1899-01-01", "45", "Enter a date from 1 Jan 1900 on."),
    ],
)
def test_sheet_row_errors(cast, date, count, message):
    (row,) = imports.make_plan(f'Date,Count\n{date},"{count}"\n', cast.patient, sheet("")).rows
    assert row.error == message


def test_a_european_sheet_with_semicolons(cast):
    text = "Datum;Thrombozyten (G/l)\n31.01.2025;45,5\n01.02.2025;50\n"
    table = imports.read_table(text)
    assert table.separator == ";" and not table.is_ours
    assert imports.guess_date_format(table, 0) == "DD.MM.YYYY"
    plan = imports.make_plan(text, cast.patient, sheet("", separator=";", date_format="DD.MM.YYYY"))
    assert [row.values["count"] for row in plan.new] == [Decimal("45.5"), Decimal(50)]


def test_ambiguous_dates_are_not_guessed():
    table = imports.read_table("Date,Count\n01/02/2025,45\n03/04/2025,50\n")
    assert imports.guess_date_format(table, 0) is None
    table = imports.read_table("Date,Count\n01/02/2025,45\n25/04/2025,50\n")
    assert imports.guess_date_format(table, 0) == "DD/MM/YYYY"


def test_a_sheet_without_column_names(cast):
    plan = imports.make_plan(
        "2025-01-31,45\n2025-02-01,50\n", cast.patient, sheet("", has_header=False)
    )
    assert [row.number for row in plan.new] == [1, 2]


def test_sheet_rows_count_as_the_spreadsheet_does(cast):
    text = 'Date,Count,Note\n2025-01-01,45,"two\nlines"\n\n2025-01-03,oops,x\n'
    plan = imports.make_plan(text, cast.patient, sheet(""))
    assert [(row.number, bool(row.error)) for row in plan.rows] == [(2, False), (4, True)]


def test_sheet_duplicates_are_the_same_date_and_count(cast):
    make_reading(cast.patient, count="45", drawn_on=datetime.date(2025, 1, 31))
    text = (
        "Date,Count\n2025-01-31,45\n2025-01-31,45.0\n2025-01-31,46\n2025-02-01,46\n2025-02-01,46\n"
    )
    plan = imports.make_plan(text, cast.patient, sheet(""))
    assert [row.duplicate for row in plan.rows] == [
        imports.ALREADY_THERE,
        imports.ALREADY_THERE,
        "",
        "",
        "The same date and count as row 5.",
    ]


def test_importing_the_same_sheet_twice_adds_nothing(cast):
    text = "Date,Count\n31/01/2025,45\n01/02/2025,<10\n"
    options = sheet("", date_format="DD/MM/YYYY")
    assert len(imports.import_file(text, cast.patient, cast.owner, options).new) == 2
    assert imports.import_file(text, cast.patient, cast.owner, options).new == []
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 2


def test_sheet_imports_are_entered_by_the_importer(cast):
    imports.import_file("Date,Count\n2025-01-31,45\n", cast.patient, cast.editor, sheet(""))
    reading = PlateletReading.objects.get()
    assert (reading.created_by, reading.entered_text, reading.entered_unit) == (
        cast.editor,
        "45",
        "e9/L",
    )


def test_our_file_is_recognised_even_when_saved_with_semicolons(cast):
    make_reading(cast.patient, count="45.5")
    text = export_text(cast.patient).lstrip(exports.BOM).replace(",", ";").replace("45.5", "45,5")
    table = imports.read_table(text)
    assert table.is_ours and table.separator == ";"
    target = make_patient(cast.owner, name="Leo")
    (row,) = imports.make_plan(text, target).new
    assert row.values["count"] == Decimal("45.5")


def test_column_letters():
    assert [imports.column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_describe_kinds():
    assert imports.describe_kinds({"counts": 1}) == "1 count"
    assert imports.describe_kinds({"counts": 1200, "bleeds": 2, "treatments": 1}) == (
        "1,200 counts, 2 bleeds and 1 treatment"
    )


def test_a_file_from_before_the_comparator_column_still_imports(cast):
    legacy = (
        "kind,id,drawn_on,drawn_at,count_e9_per_l,below_detection,count_as_entered,entered_text,"
        "entered_unit,lab,note\r\n"
        "count,,2025-01-01,,10,yes,10,<10,e9/L,,\r\n"
        "count,,2025-01-02,,45,no,45,45,e9/L,,\r\n"
    )
    plan = imports.make_plan(legacy, cast.patient)
    assert [(row.error, row.values["comparator"]) for row in plan.rows] == [("", "<"), ("", "")]


@pytest.mark.parametrize("typed", ["1500", "1,500", "1 500", "1.500", "2000", "1,000"])
@pytest.mark.parametrize("unit", ["e9/L", "/uL"])
def test_a_sheet_count_that_reads_two_ways_is_a_row_question(cast, typed, unit):
    text = f'Date,Count\n2025-01-31,"{typed}"\n2025-02-01,45\n'
    (question, fine) = imports.make_plan(text, cast.patient, sheet("", unit=unit)).rows
    assert question.error.startswith(f"“{typed}” can be read two ways. Did you mean ")
    assert "K/µL”" in question.error
    assert fine.error == "" or unit == "/uL"


@pytest.mark.parametrize(("cell", "unit"), [("10*9/L", "e9/L"), ("/uL", "/uL"), ("E9/l", "e9/L")])
def test_entered_unit_takes_the_ucum_code_too(cast, cell, unit):
    (row,) = imports.make_plan(one_row(entered_unit=cell), cast.patient).rows
    assert row.error == "" and row.values["entered_unit"] == unit


@pytest.mark.parametrize(
    ("line", "separator", "count"),
    [
        ("2026-09-03,7,5", ",", None),  # a decimal comma, unquoted: 7.5 read as 7
        ("2026-09-03,150,500", ",", None),  # a thousands comma: 150,500 per µL read as 150
        ('2026-09-03,"7,5"', ",", "7.5"),
        ("2026-09-03,7,,,", ",", "7"),  # empty cells at the end, as spreadsheets save them
        ("2026-09-13;7,5;x", ";", None),
        ("2026-09-13;7,5", ";", "7.5"),
    ],
)
def test_a_sheet_row_with_more_cells_than_the_first_is_its_problem(cast, line, separator, count):
    text = f"Date{separator}Count\n{line}\n"
    (row,) = imports.make_plan(text, cast.patient, sheet("", separator=separator)).rows
    if count is None:
        assert row.error.startswith("This row has more cells than the first row (3, not 2).")
    else:
        assert (row.error, row.values["count"]) == ("", Decimal(count))


@pytest.mark.parametrize("cells", [",7,5,", ",7,5,,,,,,,,,,,,,,,,,,,,,,,,,"])
def test_our_file_with_a_count_split_by_a_comma_is_never_read(cast, cells):
    header, line = one_row(count_e9_per_l="7").splitlines()
    (row,) = imports.make_plan(f"{header}\n{line.replace(',7,', cells, 1)}\n", cast.patient).rows
    assert row.error and not row.values
