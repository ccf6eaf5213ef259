"""A history to read in a spreadsheet: a CSV file for each kind of entry, with plain headings.

`readings.exports` writes the exact file that the import reads back: every field, by its code,
the entries of every kind in one table. This module writes, beside it, what a person opens in
a spreadsheet to read, sort or give to a clinic: counts, bleeds, treatments and doses each in
a file of their own, oldest first, with headings and choices in words ("Nosebleed", "Every
week") in the language of the person downloading, one ZIP when there are several (its files
keep their English names, counts.csv …, as the takeout's README lists them). It shares the
exact file's queries, cells and writer, so both say the same; the import does not read these
files back (it would take one for a simple sheet).

Each cell is written in the form spreadsheets read as a value (tests/readings/test_sheets.py
opens the files in LibreOffice to check):
- Dates are ISO 8601 (2026-01-31) in every language: a date in Excel, LibreOffice, Numbers
  and Google Sheets, in any language, and one the import reads back. A date in words
  ("31 Jan 2026", "31 ene 2026") would be text to a spreadsheet, which sorts it by its letters.
  A bleed's date is its local date where the patient lives.
- Times are clock times where the patient lives (08:30), the zone named in the heading; a clock
  time that happened twice that day, when the clocks went back, carries its zone (01:30 GMT),
  as on the pages. Excel reads 08:30 as a time, LibreOffice does with "Detect special numbers"
  ticked and keeps the text 08:30 otherwise: without it LibreOffice reads no time of day but
  ISO 8601's 2026-01-31T08:30:00, which Excel leaves as text, so there is no form both read.
- Numbers are plain decimals with the language's decimal mark (45.5 in English, 45,5 in
  Spanish), never a unit or a grouping mark in them. Where the mark is a comma, the values are
  separated by semicolons, as a spreadsheet in that language saves a CSV file and reads one it
  opens (a comma between values would split 45,5 in Excel).
- A count is its result in words as the pages write it ("<10 ×10⁹/L", in Spanish "45,5 ×10⁹/L"
  or "45.000 por µL"), which no spreadsheet takes for a number, then the number in the record's
  unit to sort and chart by ("Platelet count": the lab's limit for a result like "<10"). The
  text as typed stays in the exact file: "1,500" typed for 1.5 would read as 1500 in a
  spreadsheet.
- Every cell is escaped as in the exact file (`exports.escape_cell`); UTF-8 with a BOM.
"""

import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import pgettext, pgettext_lazy

from accounts import dates
from readings import units
from readings.entries import KINDS
from readings.exports import (
    CSV_TYPE,
    Download,
    Selection,
    count_in,
    csv_text,
    day,
    entries_of,
    in_language,
    optional_decimal,
    text,
)
from readings.models import (
    BleedingKind,
    Dose,
    DoseUnit,
    FirstAid,
    HowOften,
    Resolution,
    Route,
    Severity,
    Treatment,
    WarningSign,
)
from readings.units import Unit


@dataclass(frozen=True)
class Style:
    """What the cells of a file depend on besides their row: the zone its times are in, the unit
    of its counts, and each course's latest dose (for the treatments' file)."""

    tz: datetime.tzinfo
    unit: Unit
    latest_doses: dict = field(default_factory=dict)  # course id -> Dose

    @property
    def zone_name(self) -> str:
        return str(getattr(self.tz, "key", self.tz)).replace("_", " ")


Cell = Callable[[dict, Style], str]


@dataclass(frozen=True)
class Sheet:
    """One kind's file: its columns (a heading, translated when the file is written, where
    "%(zone)s" is the zone's name, and how a row becomes the cell), and the fields its rows
    need beyond the exact file's."""

    columns: tuple[tuple[str, Cell], ...]
    fields: tuple[str, ...] = ()

    def header(self, style: Style) -> list[str]:
        return [str(heading) % {"zone": style.zone_name} for heading, _ in self.columns]

    def row(self, values: dict, style: Style) -> list[str]:
        return [cell(values, style) for _, cell in self.columns]


# --- Cells ------------------------------------------------------------------------------------


def _text(name: str) -> Cell:
    return lambda row, style: row[name] or ""


def _words(name: str, choices: type[TextChoices]) -> Cell:
    """A choice in words ("Nosebleed"); a code the list no longer has, as it is."""
    labels = dict(choices.choices)
    return lambda row, style: str(labels.get(row[name], row[name])) if row[name] else ""


def _date(name: str) -> Cell:
    return lambda row, style: day(row[name])


def _clock(name: str) -> Cell:
    return lambda row, style: dates.clock(row[name], style.tz) if row[name] else ""


def _yes_no(name: str) -> Cell:
    return lambda row, style: "" if row[name] is None else _yes_or_no(row[name])


def _yes_or_no(value: bool) -> str:
    # Translators: an answer in a spreadsheet's cell ("Saw a doctor or nurse": Yes).
    return pgettext("spreadsheet answer", "Yes") if value else pgettext("spreadsheet answer", "No")


def _number(text: str) -> str:
    """A plain decimal ("45.5", from exports) with the active language's decimal mark."""
    return text.replace(".", units.decimal_mark())


def _decimal(name: str) -> Cell:
    return lambda row, style: _number(optional_decimal(row[name]))


def _medicine(prefix: str = "") -> Cell:
    """The medicine's name as the pages write it (Treatment.name): "Romiplostim", or the name
    given for "other"."""
    return lambda row, style: (
        Treatment(medicine=row[f"{prefix}medicine"], other_name=row[f"{prefix}other_name"]).name
    )


def _signs(row: dict, style: Style) -> str:
    labels = dict(WarningSign.choices)
    return "; ".join(str(labels.get(code, code)) for code in row["warning_signs"])


def _dose_unit(row: dict, style: Style) -> str:
    """A unit as a dose's amount is written ("µg/kg"); "none" in words, as no amount goes with
    it; a code the list no longer has, as it is."""
    if row["unit"] not in DoseUnit.values:
        return row["unit"]
    unit = DoseUnit(row["unit"])
    return unit.short or str(unit.label)


def _course_dose(row: dict, style: Style) -> str:
    """The course's latest dose as the pages say it (Dose.summary); for a course without a
    dose log, its dose as written."""
    dose = style.latest_doses.get(row["id"])
    return row["dose"] if dose is None else dose.summary()


# The headings are for people, in their language. An import takes these files for simple
# sheets and guesses the date and count columns by their names (transfer_forms.SheetForm
# .first_guess): in Spanish "Fecha" and "Resultado" are the names it guesses, as "Date" and
# "Result" are in English.
_NOTE = (pgettext_lazy("spreadsheet heading", "Note"), _text("note"))
_ENTERED_BY = (
    pgettext_lazy("spreadsheet heading", "Entered by"),
    _text("created_by__display_name"),
)
# Translators: a column's heading; %(zone)s is a time zone's name, like "Europe/Madrid".
_TIME = pgettext_lazy("spreadsheet heading", "Time (%(zone)s)")

SHEETS = {
    "counts": Sheet(
        (
            (pgettext_lazy("spreadsheet heading", "Date"), _date("drawn_on")),
            (_TIME, _clock("drawn_at")),
            # Before the number: brought in as a simple sheet, this is the count column the
            # import guesses (transfer_forms.SheetForm.first_guess), and it keeps the "<".
            (
                pgettext_lazy("spreadsheet heading", "Result"),
                lambda row, style: units.format_count(row["count"], style.unit, row["comparator"]),
            ),
            (
                pgettext_lazy("spreadsheet heading", "Platelet count"),
                lambda row, style: _number(count_in(row["count"], style.unit)),
            ),
            (pgettext_lazy("spreadsheet heading", "Unit"), lambda row, style: style.unit.label),
            (pgettext_lazy("spreadsheet heading", "Lab"), _text("lab")),
            _NOTE,
            _ENTERED_BY,
        )
    ),
    "bleeds": Sheet(
        (
            (
                pgettext_lazy("spreadsheet heading", "Date"),
                lambda row, style: day(row["started_at"].astimezone(style.tz).date()),
            ),
            (_TIME, _clock("started_at")),
            # Translators: a column's heading: the kind of bleed (a nosebleed, a bruise …).
            (pgettext_lazy("spreadsheet heading", "Kind"), _words("kind", BleedingKind)),
            (pgettext_lazy("spreadsheet heading", "Severity"), _words("severity", Severity)),
            (pgettext_lazy("spreadsheet heading", "Where on the body"), _text("body_site")),
            (
                pgettext_lazy("spreadsheet heading", "Did first aid stop it?"),
                _words("first_aid", FirstAid),
            ),
            (
                pgettext_lazy("spreadsheet heading", "How long (minutes)"),
                lambda row, style: text(row["duration_minutes"]),
            ),
            (pgettext_lazy("spreadsheet heading", "Saw a doctor or nurse"), _yes_no("care_sought")),
            (pgettext_lazy("spreadsheet heading", "Signs of bleeding in the brain"), _signs),
            (
                pgettext_lazy("spreadsheet heading", "How it ended"),
                _words("resolution", Resolution),
            ),
            _NOTE,
            _ENTERED_BY,
        )
    ),
    "treatments": Sheet(
        (
            (pgettext_lazy("spreadsheet heading", "Medicine or procedure"), _medicine()),
            # Translators: column headings: the day a course of treatment started, and ended.
            (pgettext_lazy("spreadsheet heading", "Start"), _date("started_on")),
            (pgettext_lazy("spreadsheet heading", "End"), _date("ended_on")),
            (pgettext_lazy("spreadsheet heading", "Dose"), _course_dose),
            _NOTE,
            _ENTERED_BY,
        )
    ),
    "doses": Sheet(
        (
            (pgettext_lazy("spreadsheet heading", "Treatment"), _medicine("treatment__")),
            (
                pgettext_lazy("spreadsheet heading", "Treatment start"),
                _date("treatment__started_on"),
            ),
            (pgettext_lazy("spreadsheet heading", "Date"), _date("given_on")),
            (pgettext_lazy("spreadsheet heading", "Amount"), _decimal("amount")),
            (pgettext_lazy("spreadsheet heading", "Unit"), _dose_unit),
            (pgettext_lazy("spreadsheet heading", "How given"), _words("route", Route)),
            (pgettext_lazy("spreadsheet heading", "How often"), _words("how_often", HowOften)),
            (pgettext_lazy("spreadsheet heading", "Weight (kg)"), _decimal("weight_kg")),
            (pgettext_lazy("spreadsheet heading", "Weighed on"), _date("weighed_on")),
            _NOTE,
            _ENTERED_BY,
        ),
        fields=("treatment__medicine", "treatment__other_name", "treatment__started_on"),
    ),
}


# --- Files ------------------------------------------------------------------------------------


def latest_doses(patient, selection: Selection) -> dict:
    """Each course's latest live dose up to the end of the selection: {course id: Dose}."""
    doses = Dose.objects.live().filter(patient=patient)
    if selection.until:
        doses = doses.filter(given_on__lte=selection.until)
    return {dose.treatment_id: dose for dose in doses.order_by("given_on", "created_at", "id")}


def sheet_lines(patient, slug: str, selection: Selection, tz: datetime.tzinfo) -> Iterator[str]:
    """One kind's file as CSV text in chunks, its entries in the range oldest first, in the
    language active now (the file streams after the request has put its language back);
    nothing is read from the database before the first chunk is asked for."""
    return in_language(_sheet_chunks(patient, slug, selection, tz), translation.get_language())


def _sheet_chunks(patient, slug: str, selection: Selection, tz: datetime.tzinfo) -> Iterator[str]:
    sheet = SHEETS[slug]
    doses = latest_doses(patient, selection) if slug == "treatments" else {}
    style = Style(tz, Unit(patient.preferred_unit), doses)
    rows = (
        sheet.row(values, style)
        for values in entries_of(KINDS[slug], patient, selection, tz, sheet.fields)
    )
    yield from csv_text(sheet.header(style), rows, patient, delimiter=delimiter())


def delimiter() -> str:
    """What separates the values: a comma, or a semicolon where the active language's decimal
    mark is a comma (as Excel and LibreOffice in that language write and read CSV files)."""
    return ";" if units.decimal_mark() == "," else ","


def files(patient, selection: Selection, tz: datetime.tzinfo) -> dict[str, Iterator[str]]:
    """{file name: its text in chunks} for each kind of the selection: "counts.csv", …"""
    return {f"{slug}.csv": sheet_lines(patient, slug, selection, tz) for slug in selection.slugs}


def download(patient, selection: Selection, tz: datetime.tzinfo) -> Download:
    """One kind as its CSV file (a phone opens it at once), several as a ZIP of their files."""
    sheets = files(patient, selection, tz)
    if len(sheets) == 1:
        (lines,) = sheets.values()
        return Download("csv", CSV_TYPE, lines)
    made = timezone.now().astimezone(tz)
    return Download("zip", "application/zip", zip_chunks(sheets, made))


def zip_chunks(texts: dict[str, Iterable[str]], made: datetime.datetime) -> Iterator[bytes]:
    """The files as one ZIP, compressed and sent while it is written, so memory stays flat.

    An error part-way goes on up before the ZIP's closing directory is sent, so the download
    breaks off and no archive that looks whole is left (`exports.csv_text`).
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w") as archive:
        for name, lines in texts.items():
            info = zipfile.ZipInfo(name, date_time=made.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry:
                for text in lines:
                    entry.write(text.encode("utf-8"))
                    yield sink.take()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A file for zipfile that keeps what it is given until it is taken. It cannot seek, so
    zipfile writes each file's sizes after its data rather than going back for them."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        chunk = b"".join(self._chunks)
        self._chunks = []
        return chunk
