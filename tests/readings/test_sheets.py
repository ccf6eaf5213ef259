"""The history to read in a spreadsheet (readings/sheets.py): each kind's file, its headings and
cells, the ZIP; and the files opened in LibreOffice, as a person would, to see that dates are
dates and counts are numbers."""

import csv
import datetime
import io
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from readings import exports, imports, sheets
from readings.entries import KINDS, soft_delete
from readings.models import PlateletReading
from readings.transfer_forms import SheetForm
from readings.units import Comparator, Unit
from tests.clock import NOW, pinned
from tests.conftest import CANARY
from tests.factories import make_episode, make_patient, make_reading, make_treatment, make_user
from tests.readings.test_doses import make_dose

pytestmark = pinned

UTC = datetime.UTC
ALL = exports.Selection(tuple(KINDS))
DAY = datetime.date(2026, 3, 2)
NOTE = "Bruise, “big” one\nsecond line 🩸 µ ×10⁹"


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def read(chunks) -> list[dict]:
    """A file as a spreadsheet's rows: the first row names the columns."""
    text = "".join(chunks)
    assert text.startswith(exports.BOM)
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def sheet(patient, slug, selection=ALL, tz=UTC) -> list[dict]:
    return read(sheets.sheet_lines(patient, slug, selection, tz))


def header(patient, slug, tz=UTC) -> list[str]:
    text = "".join(sheets.sheet_lines(patient, slug, ALL, tz))
    return next(csv.reader(io.StringIO(text[1:], newline="")))


# --- The files and their columns --------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "headings"),
    [
        (
            "counts",
            ["Date", "Time (UTC)", "Result", "Platelet count", "Unit", "Lab", "Note",
             "Entered by"],
        ),
        (
            "bleeds",
            ["Date", "Time (UTC)", "Kind", "Severity", "Where on the body",
             "Did first aid stop it?", "How long (minutes)", "Saw a doctor or nurse",
             "Signs of bleeding in the brain", "How it ended", "Note", "Entered by"],
        ),
        ("treatments", ["Medicine or procedure", "Start", "End", "Dose", "Note", "Entered by"]),
        (
            "doses",
            ["Treatment", "Treatment start", "Date", "Amount", "Unit", "How given", "How often",
             "Weight (kg)", "Weighed on", "Note", "Entered by"],
        ),
    ],
)  # fmt: skip
def test_each_kind_has_a_file_with_headings_in_words(cast, slug, headings):
    assert header(cast.patient, slug) == headings


@pytest.mark.parametrize(
    ("count", "comparator", "typed", "typed_unit", "shown_unit", "number", "result"),
    [
        ("45", "", "45", "e9/L", "e9/L", "45", "45 ×10⁹/L"),
        ("10", "<", "<10", "e9/L", "e9/L", "10", "<10 ×10⁹/L"),
        ("5", "<=", "≤5", "e9/L", "e9/L", "5", "≤5 ×10⁹/L"),
        ("1000", ">", ">1000", "e9/L", "e9/L", "1000", ">1,000 ×10⁹/L"),
        ("0", "", "0", "e9/L", "e9/L", "0", "0 ×10⁹/L"),
        # Typed per µL, shown as the record shows counts.
        ("45.5", "", "45,500/µL", "/uL", "e9/L", "45.5", "45.5 ×10⁹/L"),
        ("45.5", "", "45.5", "e9/L", "/uL", "45500", "45,500 per µL"),
        ("10", "<", "<10", "e9/L", "/uL", "10000", "<10,000 per µL"),
        # "1,500" meant 1.5 (a decimal comma, as the form asked): the sheet never says 1500.
        ("1.5", "", "1,500", "e9/L", "e9/L", "1.5", "1.5 ×10⁹/L"),
    ],
)
def test_a_count_is_a_number_beside_its_result_in_words(
    cast, count, comparator, typed, typed_unit, shown_unit, number, result
):
    cast.patient.preferred_unit = shown_unit
    cast.patient.save()
    PlateletReading.objects.create(
        patient=cast.patient,
        drawn_on=DAY,
        count=Decimal(count),
        comparator=comparator,
        entered_text=typed,
        entered_unit=typed_unit,
    )
    (row,) = sheet(cast.patient, "counts")
    assert (row["Platelet count"], row["Unit"], row["Result"]) == (
        number,
        Unit(shown_unit).label,
        result,
    )


@pytest.mark.parametrize(
    ("language", "separator", "date", "result"),
    [("en-gb", ",", "Date", "Result"), ("es", ";", "Fecha", "Resultado")],
)
def test_a_counts_sheet_brought_back_in_keeps_its_limits(cast, language, separator, date, result):
    """It is not the exact file, so the import takes it for a simple sheet: the separator, the
    date column and the count column are guessed, in English or Spanish, and the count column
    is the result in words, which keeps "<10", never the bare number."""
    for count, comparator, days in [("10", "<", 2), ("45.5", "", 1), ("150", "", 0)]:
        typed = f"{comparator}{count}"
        make_reading(cast.patient, count, DAY - datetime.timedelta(days=days),
                     comparator=comparator, entered_text=typed)  # fmt: skip
    leo = make_patient(cast.owner, name="Leo")
    with translation.override(language):
        text = "".join(sheets.sheet_lines(cast.patient, "counts", ALL, UTC))
        table = imports.read_table(text)
        assert (table.separator, table.is_ours) == (separator, False)
        form = SheetForm(SheetForm.first_guess(table, leo), text=text, table=table)
        assert form.is_valid(), form.errors
        assert table.first[form.cleaned_data["date_column"]].startswith(date)
        assert table.first[form.cleaned_data["count_column"]] == result
        plan = imports.import_file(text, leo, cast.owner, form.options())
    assert plan.errors == []
    brought = PlateletReading.objects.filter(patient=leo).order_by("drawn_on")
    assert [(r.drawn_on, r.count, r.comparator) for r in brought] == [
        (DAY - datetime.timedelta(days=2), Decimal("10"), "<"),
        (DAY - datetime.timedelta(days=1), Decimal("45.5"), ""),
        (DAY, Decimal("150"), ""),
    ]


def test_a_count_row(cast):
    make_reading(
        cast.patient, "45", DAY, cast.editor, drawn_at=at(8, 30), lab="City lab", note=NOTE
    )
    (row,) = sheet(cast.patient, "counts")
    assert row == {
        "Date": "2026-03-02",
        "Time (UTC)": "08:30",
        "Result": "45 ×10⁹/L",
        "Platelet count": "45",
        "Unit": "×10⁹/L",
        "Lab": "City lab",
        "Note": NOTE,
        "Entered by": "Eddie Editor",
    }


def test_a_bleed_in_words(cast):
    make_episode(
        cast.patient,
        "head_injury",
        at(7, 5),
        cast.owner,
        severity="life_threatening",
        body_site="forehead",
        first_aid="still",
        duration_minutes=0,
        care_sought=True,
        warning_signs=["headache", "seizure"],
        resolution="care",
        resolved_at=at(9),
    )
    make_episode(cast.patient, "gums", at(9, 45), care_sought=False)
    serious, gums = sheet(cast.patient, "bleeds")
    assert serious == {
        "Date": "2026-03-02",
        "Time (UTC)": "07:05",
        "Kind": "Head injury (a knock or fall on the head)",
        "Severity": "Life-threatening",
        "Where on the body": "forehead",
        "Did first aid stop it?": "Still bleeding now",
        "How long (minutes)": "0",
        "Saw a doctor or nurse": "Yes",
        "Signs of bleeding in the brain": (
            "A sudden, severe or worsening headache; A seizure (fit)"
        ),
        "How it ended": "Got medical help",
        "Note": "",
        "Entered by": "Olive Owner",
    }
    # Not recorded is an empty cell, never "No".
    assert (gums["Severity"], gums["Did first aid stop it?"], gums["How long (minutes)"]) == (
        "",
        "",
        "",
    )
    assert (gums["Saw a doctor or nurse"], gums["Signs of bleeding in the brain"]) == ("No", "")


def test_a_course_shows_its_latest_dose_in_the_range(cast):
    nplate = make_treatment(cast.patient, "romiplostim", DAY)
    make_dose(nplate, "1", given_on=DAY, how_often="weekly")
    make_dose(nplate, "3", given_on=DAY + datetime.timedelta(days=14), how_often="weekly")
    soft_delete(make_dose(nplate, "5", given_on=DAY + datetime.timedelta(days=21)))
    make_treatment(
        cast.patient,
        "steroids",
        DAY - datetime.timedelta(days=30),
        ended_on=DAY - datetime.timedelta(days=2),
        dose="1 mg/kg a day",
    )
    make_treatment(cast.patient, "other", DAY, other_name="Vitamin C")
    ivig = make_treatment(cast.patient, "ivig", DAY + datetime.timedelta(days=1))
    make_dose(ivig, "1", "g/kg", given_on=ivig.started_on, how_often="once", route="intravenous")
    steroids, nplate_row, other, ivig_row = sheet(cast.patient, "treatments")
    assert steroids == {
        "Medicine or procedure": "Steroids (prednisone, dexamethasone)",
        "Start": "2026-01-31",
        "End": "2026-02-28",
        "Dose": "1 mg/kg a day",  # written on the course, before the dose log
        "Note": "",
        "Entered by": "",
    }
    assert (nplate_row["Medicine or procedure"], nplate_row["End"]) == ("Romiplostim", "")
    assert nplate_row["Dose"] == (
        "3 µg/kg every week (84 µg for 28 kg), injection under the skin, since 16 Mar 2026"
    )
    assert (other["Medicine or procedure"], other["Dose"]) == ("Vitamin C", "")
    assert ivig_row["Dose"] == (
        "1 g/kg once (28 g for 28 kg), infusion into a vein (drip), on 3 Mar 2026"
    )
    until = exports.Selection(("treatments",), until=DAY + datetime.timedelta(days=13))
    _, nplate_then, _, _ = sheet(cast.patient, "treatments", until)
    assert nplate_then["Dose"].startswith("1 µg/kg every week")


def test_a_dose_names_its_course(cast):
    nplate = make_treatment(cast.patient, "romiplostim", DAY)
    make_dose(
        nplate,
        "2.5",
        given_on=DAY,
        how_often="weekly",
        weight_kg=Decimal("28.50"),
        weighed_on=DAY,
        note="=left arm",
    )
    spleen = make_treatment(cast.patient, "splenectomy", DAY + datetime.timedelta(days=1))
    make_dose(spleen, None, "none", how_often="once")
    given, procedure = sheet(cast.patient, "doses")
    assert given == {
        "Treatment": "Romiplostim",
        "Treatment start": "2026-03-02",
        "Date": "2026-03-02",
        "Amount": "2.5",
        "Unit": "µg/kg",
        "How given": "Injection under the skin",
        "How often": "Every week",
        "Weight (kg)": "28.5",
        "Weighed on": "2026-03-02",
        "Note": "'=left arm",
        "Entered by": "",
    }
    assert (procedure["Treatment"], procedure["Amount"], procedure["Unit"]) == (
        "Splenectomy (spleen removed)",
        "",
        "No amount (a procedure)",
    )
    assert (procedure["How given"], procedure["How often"]) == ("", "Once")


def test_each_file_is_oldest_first(cast):
    for days, hour in [(3, None), (0, 9), (0, None), (10, 7), (0, 6)]:
        drawn_on = DAY - datetime.timedelta(days=days)
        drawn_at = None if hour is None else at(hour, day=drawn_on)
        make_reading(cast.patient, "45", drawn_on, drawn_at=drawn_at)
    for hour in (12, 3, 20):
        make_episode(cast.patient, started_at=at(hour))
    counts = [(row["Date"], row["Time (UTC)"]) for row in sheet(cast.patient, "counts")]
    # A count without a time comes first on its day, as the pages order them.
    assert counts == [
        ("2026-02-20", "07:00"),
        ("2026-02-27", ""),
        ("2026-03-02", ""),
        ("2026-03-02", "06:00"),
        ("2026-03-02", "09:00"),
    ]
    assert [row["Time (UTC)"] for row in sheet(cast.patient, "bleeds")] == [
        "03:00",
        "12:00",
        "20:00",
    ]


def test_times_are_clock_times_where_the_patient_lives(cast):
    new_york = zoneinfo.ZoneInfo("America/New_York")
    make_episode(cast.patient, started_at=at(3, 30, datetime.date(2026, 1, 5)))
    (row,) = sheet(cast.patient, "bleeds", tz=new_york)
    assert (row["Date"], row["Time (America/New York)"]) == ("2026-01-04", "22:30")


def test_a_clock_time_that_happened_twice_says_which(cast):
    london = zoneinfo.ZoneInfo("Europe/London")
    # 01:30 on 25 Oct 2026 in London: first in summer time (00:30 UTC), then in GMT (01:30 UTC).
    for hour in (0, 1):
        make_episode(cast.patient, started_at=at(hour, 30, datetime.date(2026, 10, 25)))
    make_episode(cast.patient, started_at=at(12, 0, datetime.date(2026, 10, 25)))
    times = [row["Time (Europe/London)"] for row in sheet(cast.patient, "bleeds", tz=london)]
    assert times == ["01:30 BST", "01:30 GMT", "12:00"]


@pytest.mark.parametrize(
    "text", ["=1+1", "+44 20 7946 0000", "-5", "@SUM(A1:A2)", "\tindented", "'=1+1"]
)
def test_every_cell_a_spreadsheet_would_run_is_escaped(cast, text):
    make_reading(cast.patient, lab=text, note=text)
    make_episode(cast.patient, body_site=text, note=text)
    make_treatment(cast.patient, "other", other_name=text, dose=text, note=text)
    written = exports.escape_cell(text)
    (count,) = sheet(cast.patient, "counts")
    assert count["Lab"] == count["Note"] == written
    (bleed,) = sheet(cast.patient, "bleeds")
    assert bleed["Where on the body"] == bleed["Note"] == written
    (course,) = sheet(cast.patient, "treatments")
    assert course["Medicine or procedure"] == course["Dose"] == course["Note"] == written


def test_only_live_entries_of_this_record(cast):
    make_reading(cast.patient, "45")
    soft_delete(make_reading(cast.patient, "12"))
    gone = make_treatment(cast.patient, "romiplostim")
    make_dose(gone)
    soft_delete(gone)  # its doses go with it
    make_reading(cast.strangers_patient, "99", note=CANARY)
    make_treatment(cast.strangers_patient, "other", other_name=CANARY)
    assert [row["Platelet count"] for row in sheet(cast.patient, "counts")] == ["45"]
    assert sheet(cast.patient, "treatments") == sheet(cast.patient, "doses") == []
    everything = b"".join(sheets.download(cast.patient, ALL, UTC).chunks)
    archive = zipfile.ZipFile(io.BytesIO(everything))
    assert all(CANARY not in archive.read(name).decode() for name in archive.namelist())


def test_a_date_range_is_the_exact_files(cast):
    for days in range(-2, 3):
        make_reading(cast.patient, "45", DAY + datetime.timedelta(days=days))
    selection = exports.Selection(("counts",), since=DAY, until=DAY + datetime.timedelta(days=1))
    assert [row["Date"] for row in sheet(cast.patient, "counts", selection)] == [
        "2026-03-02",
        "2026-03-03",
    ]


# --- The cells, for any value -----------------------------------------------------------------

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati",
         "Australia/Lord_Howe", "America/St_Johns"]  # fmt: skip
# What every spreadsheet reads as a number in English, and LibreOffice in any language only
# then: digits, at most one decimal point, no sign, no exponent, no grouping.
PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def count_cells(count, comparator, unit) -> dict[str, str]:
    style = sheets.Style(UTC, unit)
    row = {
        "drawn_on": DAY,
        "drawn_at": None,
        "count": count,
        "comparator": comparator,
        "lab": "",
        "note": "",
        "created_by__display_name": None,
    }
    counts = sheets.SHEETS["counts"]
    return dict(zip(counts.header(style), counts.row(row, style), strict=True))


@given(
    count=st.decimals(min_value=0, max_value=2000, places=3),
    comparator=st.sampled_from(Comparator),
    unit=st.sampled_from(Unit),
)
def test_any_count_is_a_plain_number_and_its_result_is_never_one(count, comparator, unit):
    assume(comparator is Comparator.EXACT or count > 0)  # a limit is above 0 (the database's rule)
    cells = count_cells(count, comparator, unit)
    number = cells["Platelet count"]
    assert PLAIN_NUMBER.fullmatch(number)
    assert Decimal(number) == (count * 1000 if unit is Unit.PER_UL else count)
    assert cells["Result"].startswith(comparator.symbol)
    assert cells["Result"].endswith(" " + unit.label)  # text to any spreadsheet


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1900, 1, 2),
        max_value=datetime.datetime(2199, 12, 30),
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES),
)
def test_any_moment_is_its_local_date_and_clock_time(moment, zone):
    tz = zoneinfo.ZoneInfo(zone)
    style = sheets.Style(tz, Unit.E9_PER_L)
    bleeds = sheets.SHEETS["bleeds"]
    row = dict.fromkeys(
        [
            "kind",
            "body_site",
            "severity",
            "first_aid",
            "duration_minutes",
            "care_sought",
            "resolution",
            "note",
            "created_by__display_name",
        ]  # fmt: skip
    )
    row.update(started_at=moment, warning_signs=[])
    cells = dict(zip(bleeds.header(style), bleeds.row(row, style), strict=True))
    local = moment.astimezone(tz)
    assert cells["Date"] == local.date().isoformat()
    assert ISO_DATE.fullmatch(cells["Date"])
    time = cells[f"Time ({zone.replace('_', ' ')})"]
    assert re.fullmatch(rf"{local:%H:%M}( [A-Za-z0-9+-]+)?", time)
    # The zone is named only where the clock time was passed twice that day.
    twice = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    assert (" " in time) == twice


# --- The download: one file, or a ZIP of them -------------------------------------------------


def unzipped(chunks) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_several_kinds_are_a_zip_of_their_files(cast):
    make_reading(cast.patient, "45")
    download = sheets.download(cast.patient, ALL, UTC)
    assert (download.extension, download.content_type) == ("zip", "application/zip")
    files = unzipped(download.chunks)
    assert list(files) == ["counts.csv", "bleeds.csv", "treatments.csv", "doses.csv"]
    assert all(text.startswith(exports.BOM) for text in files.values())
    assert files["counts.csv"] == "".join(sheets.sheet_lines(cast.patient, "counts", ALL, UTC))
    assert files["doses.csv"].count("\r\n") == 1  # the headings, and no dose yet


def test_one_kind_is_its_csv_file(cast):
    make_reading(cast.patient, "45")
    download = sheets.download(cast.patient, exports.Selection(("counts",)), UTC)
    assert (download.extension, download.content_type) == ("csv", "text/csv; charset=utf-8")
    assert [row["Platelet count"] for row in read(download.chunks)] == ["45"]


def test_the_zip_is_sent_while_it_is_read(cast, monkeypatch):
    PlateletReading.objects.bulk_create(
        PlateletReading(
            patient=cast.patient,
            drawn_on=datetime.date(2000, 1, 1) + datetime.timedelta(days=i),
            count=Decimal(i % 500),
            entered_text=str(i % 500),
            entered_unit="e9/L",
            note=f"note {i} " * 8,
        )
        for i in range(3000)
    )
    calls = []
    real = QuerySet.iterator
    monkeypatch.setattr(
        QuerySet,
        "iterator",
        lambda self, chunk_size=None: calls.append(chunk_size) or real(self, chunk_size=chunk_size),
    )
    chunks = sheets.download(cast.patient, ALL, UTC).chunks
    assert calls == []  # nothing read before the first chunk is asked for
    received = list(chunks)
    assert calls == [exports.CHUNK_SIZE] * len(KINDS)
    assert len([chunk for chunk in received if chunk]) > 2
    assert len(unzipped(received)["counts.csv"].splitlines()) == 3001


def test_a_download_that_breaks_off_leaves_no_whole_zip(cast, monkeypatch, caplog):
    for days in range(3):
        make_reading(cast.patient, "45", DAY - datetime.timedelta(days=days))
    real = sheets.Sheet.row
    calls = []

    def breaks_on_the_third(sheet, values, style):
        calls.append(values)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(sheet, values, style)

    monkeypatch.setattr(sheets.Sheet, "row", breaks_on_the_third)
    received = []
    with caplog.at_level(logging.ERROR, logger="readings.exports"), pytest.raises(RuntimeError):
        received.extend(sheets.download(cast.patient, ALL, UTC).chunks)
    assert "broke off after 2 rows" in caplog.text
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(b"".join(received)))
    # One kind alone is a CSV file: its last row says it is incomplete.
    calls.clear()
    lines = sheets.download(cast.patient, exports.Selection(("counts",)), UTC).chunks
    text = []
    with pytest.raises(RuntimeError):
        text.extend(lines)
    assert "".join(text).rstrip().endswith("Download it again.")


# --- In LibreOffice ---------------------------------------------------------------------------

SOFFICE_MISSING = (
    "LibreOffice is not installed, and this test opens the spreadsheet files in it: "
    "apt-get install --no-install-recommends libreoffice-calc (CI's .ci/run installs it)."
)
# LibreOffice's CSV filter options, as its import dialogue offers them for our file: comma,
# double quotes, UTF-8 (the file's BOM says so), from line 1, no column types, English (USA),
# quoted cells read like others, "Detect special numbers" off (the dialogue's default) or on,
# four options for saving only, and "Evaluate formulas" on, as Excel always does, so that a
# cell we failed to escape would show as a formula.
AS_OPENED = "44,34,76,1,,1033,false,false,false,false,false,false,true"
WITH_SPECIAL_NUMBERS = "44,34,76,1,,1033,false,true,false,false,false,false,true"
CONTROL = "control.csv"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


@dataclass(frozen=True)
class Read:
    """A cell as LibreOffice read it: its type ("date", "time", "float", "string", or None for
    an empty cell), its value (ISO 8601 for dates and times), and whether it is a formula."""

    type: str | None
    value: str
    formula: bool = False


def fods_rows(path: Path) -> list[dict[str, Read]]:
    """The first sheet of a flat ODF spreadsheet as rows keyed by the first row's texts."""
    # Our own files, converted on this machine by LibreOffice: nothing untrusted is parsed.
    tree = ET.parse(path)  # noqa: S314
    table = next(tree.getroot().iter(f"{TABLE}table"))
    rows = []
    for row in table.iter(f"{TABLE}table-row"):
        cells = []
        for cell in row.iter(f"{TABLE}table-cell"):
            kind = cell.get(f"{OFFICE}value-type")
            value = next(
                (
                    cell.get(f"{OFFICE}{name}")
                    for name in ("date-value", "time-value", "value")
                    if cell.get(f"{OFFICE}{name}") is not None
                ),
                "\n".join("".join(p.itertext()) for p in cell),
            )
            repeat = int(cell.get(f"{TABLE}number-columns-repeated", "1"))
            cells += [Read(kind, value, cell.get(f"{TABLE}formula") is not None)] * min(repeat, 64)
        rows.append(cells)
    headings = [cell.value for cell in rows[0]]
    return [
        dict(zip(headings, cells, strict=False)) for cells in rows[1:] if any(c.type for c in cells)
    ]


def libreoffice_reads(folder: Path, names: list[str], options: str) -> dict:
    """{file name: its rows as LibreOffice reads them}, all files in one run of LibreOffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail(SOFFICE_MISSING)
    out = folder / ("special" if options == WITH_SPECIAL_NUMBERS else "plain")
    # A profile of its own: another LibreOffice running on the machine cannot take the work.
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    command = [soffice, profile, "--headless", f"--infilter=Text - txt - csv (StarCalc):{options}"]
    command += ["--convert-to", "fods", "--outdir", str(out), *(str(folder / n) for n in names)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    converted = {name: out / name.replace(".csv", ".fods") for name in names}
    missing = [name for name, path in converted.items() if not path.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"
    return {name: fods_rows(path) for name, path in converted.items()}


# For `opened`: pytest-django makes a session's test database only when some test asks for it.
with_test_database = pytest.mark.django_db


@pytest.fixture(scope="session")
def opened(django_db_setup, django_db_blocker, tmp_path_factory):
    """A record with every kind of entry, downloaded for a spreadsheet, as LibreOffice reads
    it: as its import dialogue opens a CSV file ("plain"), and with "Detect special numbers"
    ticked ("special"). Once for the session: LibreOffice takes seconds to start."""
    folder = tmp_path_factory.mktemp("sheets")
    names = downloaded_into(folder, django_db_blocker, "en-gb", control_heading="Note")
    return {
        "plain": libreoffice_reads(folder, names, AS_OPENED),
        "special": libreoffice_reads(folder, names, WITH_SPECIAL_NUMBERS),
    }


def downloaded_into(folder, django_db_blocker, language: str, control_heading: str) -> list:
    """The files of spreadsheet_record's download in `language`, written into `folder`; their
    names."""
    with (
        time_machine.travel(NOW, tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patient = spreadsheet_record()
        with translation.override(language):
            download = sheets.download(patient, ALL, UTC)
        # Read after the language is put back, as a response streams: it keeps its own.
        files = unzipped(download.chunks)
        transaction.set_rollback(True)  # nothing stays for the other tests
    # Beside them, a cell left unescaped: LibreOffice must read it as a formula, or the check
    # that none of ours is one would prove nothing.
    files[CONTROL] = exports.BOM + f"{control_heading}\r\n=1+1\r\n"
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return list(files)


def spreadsheet_record():
    jo = make_user("jo@example.com", "Jo")
    mia = make_patient(jo, name="Mia", time_zone="UTC")
    make_reading(mia, "45", DAY, jo, drawn_at=at(8, 30), lab="City lab", note=NOTE)
    make_reading(mia, "10", DAY, jo, comparator="<", entered_text="<10", note="=1+1")
    make_reading(mia, "45.5", DAY + datetime.timedelta(days=7), entered_text="45,500/µL")
    later = DAY + datetime.timedelta(days=8)
    make_reading(mia, "0", later, drawn_at=at(23, 59, later))
    make_episode(mia, "nosebleed", at(7, 5), jo, duration_minutes=12, care_sought=False)
    make_episode(mia, "petechiae", at(21, 40), severity="mild", body_site="-shins")
    nplate = make_treatment(mia, "romiplostim", DAY, jo)
    make_dose(nplate, "2.5", given_on=DAY, how_often="weekly", weight_kg=Decimal("28.5"))
    make_dose(nplate, "3", given_on=DAY + datetime.timedelta(days=7), how_often="weekly")
    make_treatment(mia, "steroids", DAY - datetime.timedelta(days=20), ended_on=DAY, dose="20 mg")
    spleen = make_treatment(mia, "splenectomy", DAY + datetime.timedelta(days=9))
    make_dose(spleen, None, "none", how_often="once")
    return mia


def types(rows: list[dict[str, Read]], heading: str) -> set:
    return {row[heading].type for row in rows}


def values(rows: list[dict[str, Read]], heading: str) -> list[str]:
    return [row[heading].value for row in rows]


@with_test_database
def test_libreoffice_reads_dates_as_dates_and_counts_as_numbers(opened):
    counts = opened["plain"]["counts.csv"]
    assert types(counts, "Date") == {"date"}
    assert values(counts, "Date") == ["2026-03-02", "2026-03-02", "2026-03-09", "2026-03-10"]
    assert types(counts, "Platelet count") == {"float"}
    assert values(counts, "Platelet count") == ["10", "45", "45.5", "0"]
    assert types(counts, "Result") == types(counts, "Unit") == {"string"}
    assert values(counts, "Result")[0] == "<10 ×10⁹/L"
    assert values(counts, "Note")[:2] == ["'=1+1", NOTE]  # a text, never run


@with_test_database
def test_libreoffice_reads_bleeds_treatments_and_doses(opened):
    bleeds = opened["plain"]["bleeds.csv"]
    assert types(bleeds, "Date") == {"date"}
    assert values(bleeds, "How long (minutes)") == ["12", ""]
    assert bleeds[0]["How long (minutes)"].type == "float"
    assert values(bleeds, "Where on the body") == ["", "'-shins"]
    treatments = opened["plain"]["treatments.csv"]
    assert types(treatments, "Start") == {"date"}
    assert [row["End"].type for row in treatments] == ["date", None, None]
    doses = opened["plain"]["doses.csv"]
    for heading in ("Treatment start", "Date"):
        assert types(doses, heading) == {"date"}
    assert [row["Amount"].type for row in doses] == ["float", "float", None]
    assert values(doses, "Amount")[:2] == ["2.5", "3"]
    assert [row["Weight (kg)"].type for row in doses] == ["float", "float", None]
    assert values(doses, "Weight (kg)")[:2] == ["28.5", "28"]
    assert types(doses, "Weighed on") == {"date", None}


@with_test_database
def test_libreoffice_reads_times_with_special_numbers_and_shows_them_without(opened):
    for name in ("counts.csv", "bleeds.csv"):
        plain = opened["plain"][name]
        special = opened["special"][name]
        timed = [index for index, row in enumerate(plain) if row["Time (UTC)"].type]
        assert timed
        # As a double-click opens the file, the time is the text 08:30 (LibreOffice reads
        # no time of day without a date unless told to); ticked, it is a time.
        assert {plain[index]["Time (UTC)"].type for index in timed} == {"string"}
        assert {special[index]["Time (UTC)"].type for index in timed} == {"time"}
        for index in timed:
            hours, minutes = plain[index]["Time (UTC)"].value.split(":")
            assert special[index]["Time (UTC)"].value == f"PT{hours}H{minutes}M00S"
        assert types(special, "Date") == {"date"}  # and nothing else changes


@with_test_database
def test_no_cell_is_a_formula_and_every_text_is_intact(opened):
    for reading in opened.values():
        (control,) = reading[CONTROL]
        assert control["Note"].formula  # the check can see one
        for name, rows in reading.items():
            if name != CONTROL:
                assert not any(cell.formula for row in rows for cell in row.values()), name
    assert opened["special"]["counts.csv"][1]["Note"].value == NOTE
    assert values(opened["special"]["counts.csv"], "Platelet count") == ["10", "45", "45.5", "0"]


def test_libreoffice_missing_fails_with_words(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install"):
        libreoffice_reads(tmp_path, ["counts.csv"], AS_OPENED)
