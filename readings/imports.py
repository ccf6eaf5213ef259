"""Bring history in from a CSV file: read it, check every row, then write all of it or nothing.

Three kinds of file are understood:
- our own export (`exports.py`): any of the per-kind files or the combined one. Every field
  comes back exactly; the entry keeps its id unless that id belongs to another record.
- a simple sheet with a date column and a count column (from a lab portal, another app or a
  hand-kept spreadsheet): the person says which columns, which date format and which unit.
- a FHIR Bundle (or one Observation) in JSON, from a patient portal or our own FHIR download
  (`fhir.py`): its platelet counts; everything else in it is counted as skipped. A count
  carrying our entry id keeps it, as in our own CSV file.

Checking a file (`make_plan`) writes nothing. It sorts each row into new, duplicate (skipped)
or error (with a message in plain words and the row number a spreadsheet shows, the column
names being row 1). `import_file` checks the file again and writes it in one transaction,
only if no row has an error.

Duplicates, precisely: a row is skipped when the record already has (live or deleted) an
entry with the same id, or an entry with the same content: every field that round-trips
except the id (for a simple sheet: the same date and the same count). Deleted entries never
come back by import; the preview says to restore them instead. Within one file, a second
row with the same id is skipped (an error if its details differ), and in a simple sheet a
second row with the same date and count is skipped. Two rows of our own export with the
same details but different ids are two real entries, and both are kept.
"""

import csv
import datetime
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.text import Truncator, get_text_list
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from accounts import dates
from accounts.models import Patient
from readings import alerts, doses, duplicates, entries, fhir, guidance, sheet_dates, units
from readings.exports import (
    BOM,
    DERIVED_COLUMNS,
    ID_COLUMN,
    INCOMPLETE_MARK,
    KIND_COLUMN,
    KIND_COLUMNS,
    KIND_OF_NAME,
    MODEL_FIELDS,
    OPTIONAL_COLUMNS,
    TAIL_COLUMNS,
    unescape_cell,
)
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    Dose,
    DoseUnit,
    FirstAid,
    HowOften,
    Medicine,
    PlateletReading,
    Resolution,
    Route,
    Severity,
    Treatment,
    WarningSign,
    lf_line_breaks,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_TEXT = "5 MB"
MAX_ROWS = 50_000
BATCH_SIZE = 1000
ID_BATCH = 500
SEPARATORS = {
    ",": gettext_lazy("Comma ( , )"),
    ";": gettext_lazy("Semicolon ( ; )"),
    "\t": gettext_lazy("Tab"),
}
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
}
DATE_EXAMPLES = {
    "YYYY-MM-DD": "2026-01-31",
    "DD/MM/YYYY": "31/01/2026",
    "MM/DD/YYYY": "01/31/2026",
    "DD.MM.YYYY": "31.01.2026",
    "DD-MM-YYYY": "31-01-2026",
}


def date_format_label(name: str) -> str:
    """A way of writing dates (a key of DATE_FORMATS) in the page's language's letters:
    "DD/MM/YYYY", in Spanish "DD/MM/AAAA" (año)."""
    # Translators: the letters for day, month and year, in that order, of a date pattern like
    # DD/MM/YYYY: three capital letters (Spanish: DMA, as in DD/MM/AAAA).
    letters = pgettext("letters of a date pattern", "DMY")
    return name.translate(str.maketrans("DMY", letters)) if len(letters) == 3 else name


# Columns that files from earlier versions have instead of a current one.
LEGACY_COLUMNS = {"comparator": "below_detection"}
# Translators: "Save as" and "Download" are the menu items of Excel and Google Sheets: use
# their names in your language's versions of those programs.
SAVE_AS_CSV = gettext_lazy(
    "In your spreadsheet, choose Save as (or Download) and pick “CSV UTF-8”."
)


def _then_save_as(sentence: str) -> str:
    """A problem with the file, then how to save a sheet as CSV."""
    return f"{sentence} {SAVE_AS_CSV}"


def _or(choices) -> str:
    """Counts a cell could mean, each written so that it reads one way: “1.5 K/µL” or …"""
    # Translators: between the readings of a count the app asks about ("45 or 4.5").
    either = pgettext("between choices", "or")
    return f" {either} ".join(
        gettext("“%(count)s”") % {"count": units.unambiguous(choice)} for choice in choices
    )


class ImportFileError(Exception):
    """The file as a whole cannot be used. The message is for the person who uploaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RowError(Exception):
    pass


# --- Reading the file -------------------------------------------------------------------------


def read_upload(upload) -> str:
    """The uploaded file's text, or ImportFileError. Reads at most MAX_UPLOAD_BYTES."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            gettext(
                "This file is larger than %(size)s. Choose a shorter date range when you "
                "download it, or split it into smaller files."
            )
            % {"size": MAX_UPLOAD_TEXT}
        )
    return decode(upload.read(MAX_UPLOAD_BYTES + 1))


def decode(data: bytes) -> str:
    """Text from the bytes of a CSV file: UTF-8 (with or without BOM), or UTF-16 with a BOM."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            _then_save_as(
                gettext(
                    "This is a ZIP file or a spreadsheet workbook (like .xlsx or .xls), not a "
                    "CSV file. From ITP Tracker, bring in the file downloaded “to bring back in”."
                )
            )
        )
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _then_save_as(
                gettext(
                    "We could not read the letters in this file: it is not a text file in "
                    "UTF-8, or not a CSV file at all."
                )
            )
        ) from None
    if "\x00" in text:
        raise ImportFileError(_then_save_as(gettext("This is not a CSV file.")))
    if not text.strip():
        raise ImportFileError(gettext("This file is empty."))
    return text


def detect_separator(text: str) -> str:
    """The separator between values: whichever of , ; and tab splits the first lines evenly.

    Our own files always use commas, and say so in their first line.
    """
    first_line = text.split("\n", 1)[0]
    if {KIND_COLUMN, ID_COLUMN} <= {name.strip().lower() for name in first_line.split(",")}:
        return ","
    sample = "\n".join(text[:8192].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return max(SEPARATORS, key=first_line.count)


@dataclass
class Table:
    """The records of a CSV file: the first one, and the others numbered as rows 2, 3, …"""

    first: list[str]
    rows: list[tuple[int, list[str]]]
    separator: str

    @property
    def is_ours(self) -> bool:
        header = {name.strip().lower() for name in self.first}
        return {KIND_COLUMN, ID_COLUMN} <= header


def read_table(text: str, separator: str | None = None) -> Table:
    """Every non-empty record of `text`, or ImportFileError if it is not a usable CSV file."""
    text = text.removeprefix(BOM)
    separator = separator or detect_separator(text)
    # A long note is one cell: allow cells as large as the file may be.
    csv.field_size_limit(MAX_UPLOAD_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record):
                records.append((number, record))
            if len(records) > MAX_ROWS + 1:
                raise ImportFileError(
                    gettext(
                        "This file has more than %(rows)s rows. Split it into smaller files "
                        "(for example one per few years) and bring them in one by one."
                    )
                    % {"rows": number_format(MAX_ROWS, force_grouping=True)}
                )
    except csv.Error as error:
        raise ImportFileError(
            # Translators: %(error)s is the CSV reader's own message, in English.
            gettext("This file is not a CSV file we can read (%(error)s).") % {"error": error}
        ) from None
    if not records:
        raise ImportFileError(gettext("This file is empty."))
    (_, first), rows = records[0], records[1:]
    if any(cells and cells[0].startswith(INCOMPLETE_MARK) for _, cells in rows[-1:]):
        raise ImportFileError(
            gettext(
                "This download is incomplete: it broke off part-way, and says so on its last "
                "row. Download the history again and bring in the new file."
            )
        )
    table = Table(first, rows, separator)
    if table.is_ours:
        if not rows:
            raise ImportFileError(gettext("This file has column names but no rows of history."))
        _check_columns(table)
    elif len(first) < 2:
        raise ImportFileError(
            _then_save_as(
                gettext(
                    "We found only one column in this file. It needs at least a date column and "
                    "a count column, with the values separated by commas (a CSV file)."
                )
            )
        )
    return table


def _our_header(table: Table) -> list[str]:
    return [unescape_cell(name).strip().lower() for name in table.first]


def _check_columns(table: Table) -> None:
    """Our own format: every kind of entry in the file needs all of its columns."""
    header = _our_header(table)
    kind_at = header.index(KIND_COLUMN)
    names = {
        unescape_cell(cells[kind_at]).strip().lower()
        for _, cells in table.rows
        if kind_at < len(cells)
    }
    slugs = {KIND_OF_NAME[name] for name in names if name in KIND_OF_NAME}
    needed = [
        column
        for slug in entries.KINDS
        if slug in slugs
        for column in (*KIND_COLUMNS[slug], *TAIL_COLUMNS)
        if column not in DERIVED_COLUMNS and column not in OPTIONAL_COLUMNS
    ]
    missing = [
        column
        for column in dict.fromkeys(needed)
        if column not in header and LEGACY_COLUMNS.get(column) not in header
    ]
    if missing:
        raise ImportFileError(
            # Translators: %(columns)s are column names of our file, which stay English.
            ngettext(
                "This file is missing a column that its rows need: %(columns)s. Download the "
                "history again, or add the missing columns.",
                "This file is missing columns that its rows need: %(columns)s. Download the "
                "history again, or add the missing columns.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )


# --- What the file holds ----------------------------------------------------------------------


@dataclass
class Row:
    number: int
    slug: str = ""
    values: dict = field(default_factory=dict)  # model field values, with `id`
    error: str = ""
    duplicate: str = ""
    repeat_of: int | None = None  # the earlier row of the same file this one repeats
    typed_id: bool = True  # our own file's row carried its id (else a new one was made)
    file_id: uuid.UUID | None = None  # the id in the file, before any new one (_mark_our_…)
    course: Treatment | None = None  # a dose's course, once found (_link_doses)
    notice: str = ""  # what became of a value that could not be kept as written (FHIR)
    rounded: bool = False  # FHIR: its count was kept to fewer decimal places (the notice says)

    def entry(self, patient: Patient):
        entry = entries.KINDS[self.slug].model(patient=patient, **self.values)
        if self.course is not None:
            entry.treatment = self.course
        return entry

    def describe(self, patient: Patient) -> str:
        return self.entry(patient).describe(patient.preferred_unit)


@dataclass
class Plan:
    ours: bool
    rows: list[Row]
    # A date cell of the file that reads two ways (02/11/2026) when its rows do not say which
    # way the file writes dates: the person is asked once, and no row is read until then.
    date_question: str | None = None
    # A FHIR file's resources other than platelet counts, by type: {"Encounter": 41, …}.
    skipped: Counter | None = None

    @property
    def is_fhir(self) -> bool:
        return self.skipped is not None

    @property
    def new(self) -> list[Row]:
        return [row for row in self.rows if not row.error and not row.duplicate]

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.error]

    @property
    def duplicates(self) -> list[Row]:
        return [row for row in self.rows if row.duplicate and not row.error]

    @property
    def repeats(self) -> list[Row]:
        """The duplicates that repeat an earlier row of the file."""
        return [row for row in self.duplicates if row.repeat_of is not None]

    @property
    def in_history(self) -> list[Row]:
        """The duplicates of entries the record holds (live or deleted)."""
        return [row for row in self.duplicates if row.repeat_of is None]

    def new_by_kind(self) -> dict[str, int]:
        """How many new entries of each kind, in the usual order, kinds with none left out."""
        counts = Counter(row.slug for row in self.new)
        return {slug: counts[slug] for slug in entries.KINDS if counts[slug]}


@dataclass(frozen=True)
class SheetOptions:
    """Which columns of a simple sheet hold what, as the person said."""

    separator: str
    has_header: bool
    date_column: int
    date_format: str
    count_column: int
    unit: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def make_plan(
    text: str,
    patient: Patient,
    options: SheetOptions | None = None,
    date_order: str | None = None,
) -> Plan:
    """Check every row of the file against the record. Writes nothing.

    `date_order` (sheet_dates.DAY_FIRST or MONTH_FIRST) is how our own file, re-saved by a
    spreadsheet, writes its dates, when its rows do not tell; a simple sheet's is its format.
    """
    source = read_source(text, options.separator if options else None)
    return plan_source(source, patient, options, date_order)


def read_source(text: str, separator: str | None = None) -> "Table | fhir.Contents":
    """What the file holds: a FHIR file's contents (JSON), else the records of a CSV file.
    ImportFileError if it is neither."""
    # Before the CSV path, which would find XML to have "only one column".
    problem = fhir.markup_problem(text)
    if problem:
        raise ImportFileError(problem)
    if not fhir.is_json(text):
        return read_table(text, separator)
    try:
        return fhir.read(text)
    except fhir.FileError as problem:
        raise ImportFileError(problem.message) from None


def plan_source(
    source: "Table | fhir.Contents",
    patient: Patient,
    options: SheetOptions | None = None,
    date_order: str | None = None,
) -> Plan:
    if isinstance(source, fhir.Contents):
        return _plan_fhir(source, patient)
    if source.is_ours:
        return _plan_ours(source, patient, date_order)
    if options is None:
        raise ImportFileError(gettext("Say which columns hold the date and the count first."))
    return _plan_sheet(source, options, patient)


def import_file(
    text: str,
    patient: Patient,
    user,
    options: SheetOptions | None = None,
    *,
    date_order: str | None = None,
    skip_errors: bool = False,
    site_url: str = "",
) -> Plan:
    """Check the file again and write its new entries: all or none, unless the person chose
    to skip the rows with problems (`skip_errors`), which are then left out and listed.

    Recent entries that alert are alerted about, in the same transaction (readings.alerts),
    with links to `site_url`.

    The record's row is locked first (on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
    the write lock), so two imports into one record, such as a double-tapped confirm, run one
    after the other and the second finds every row a duplicate.
    """
    try:
        with transaction.atomic():
            Patient.objects.select_for_update().filter(pk=patient.pk).first()
            plan = make_plan(text, patient, options, date_order)
            if plan.date_question or (plan.errors and not skip_errors):
                return plan
            new = plan.new
            saved = []
            for slug, kind in entries.KINDS.items():
                objects = [
                    kind.model(patient=patient, created_by=user, **row.values)
                    for row in new
                    if row.slug == slug
                ]
                saved += kind.model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
            if new:
                Patient.objects.mark_changed(patient.pk)
                alerts.enqueue_for_import(saved, patient, user, site_url)
    except IntegrityError:
        raise ImportFileError(
            gettext(
                "Nothing was brought in: the history changed while we were saving. Please "
                "check the file again."
            )
        ) from None
    return plan


# --- Our own format ---------------------------------------------------------------------------

# The columns of our files that hold dates, and those that hold moments.
DATE_COLUMNS = ("drawn_on", "started_on", "ended_on", "given_on", "weighed_on")
MOMENT_COLUMNS = ("drawn_at", "started_at")


def _plan_ours(table: Table, patient: Patient, date_order: str | None) -> Plan:
    header = _our_header(table)
    where = {}
    for index, name in enumerate(header):
        where.setdefault(name, index)
    date_cells = [
        cells[where[column]]
        for _, cells in table.rows
        for column in (*DATE_COLUMNS, *MOMENT_COLUMNS)
        if column in where and where[column] < len(cells)
    ]
    local = [text for text in date_cells if sheet_dates.is_local(text)]
    order = date_order or sheet_dates.order_of(local)
    if local and order is None:
        return Plan(ours=True, rows=[], date_question=local[0].strip())
    reader = _Reader(patient, order)
    rows = [
        _read_our_row(number, cells, where, reader, len(header)) for number, cells in table.rows
    ]
    _mark_our_duplicates(rows, patient)
    return Plan(ours=True, rows=rows)


@dataclass(frozen=True)
class _Reader:
    """What reading a row needs beyond its cells: the record, and the file's date order."""

    patient: Patient
    order: str | None

    def day(self, text: str, column: str, required: bool = False) -> datetime.date | None:
        return _read_cell(
            text, column, required, lambda cell: sheet_dates.read_day(cell, self.order)
        )

    def moment(self, text: str, column: str, required: bool = False) -> datetime.datetime | None:
        zone = self.patient.zone
        return _read_cell(
            text, column, required, lambda cell: sheet_dates.read_moment(cell, self.order, zone)
        )


def _read_cell(text: str, column: str, required: bool, read):
    """`read(text)`, or None for an empty cell that may be empty; problems as RowError."""
    text = text.strip()
    if not text:
        if required:
            raise _empty(column)
        return None
    try:
        return read(text)
    except sheet_dates.DateError as error:
        raise RowError(_in_column(text, column, error)) from None
    except dates.AmbiguousTime as question:
        first, second = question.folds
        raise RowError(
            # Translators: %(column)s is a column name of our file (stays English); %(problem)s
            # is "01:30 happened twice on Sun 25 Oct, when the clocks went back" (no full stop).
            gettext(
                "%(column)s: %(problem)s. Write which one with its offset: %(first)s (the "
                "first) or %(second)s (the second)."
            )
            % {
                "column": column,
                "problem": question.message.split(". ")[0],
                "first": first.iso,
                "second": second.iso,
            }
        ) from None
    except dates.TimeProblem as problem:
        raise RowError(f"{column}: {problem.message}") from None


def _read_our_row(
    number: int, cells: list[str], where: dict[str, int], reader: _Reader, width: int
) -> Row:
    def cell(column: str) -> str:
        index = where.get(column)
        if index is None or index >= len(cells):
            return ""
        return unescape_cell(cells[index])

    row = Row(number)
    name = cell(KIND_COLUMN).strip().lower()
    if name not in KIND_OF_NAME:
        # Translators: count, bleed, treatment and dose are what the kind column holds in our
        # file: they stay English.
        row.error = (
            gettext("The kind is “%(kind)s”: it should be count, bleed, treatment or dose.")
            % {"kind": _short(name)}
            if name
            else gettext("The kind is empty: it should be count, bleed, treatment or dose.")
        )
        return row
    row.slug = KIND_OF_NAME[name]
    try:
        _check_width(cells, width)
        row.values = {"id": _entry_id(cell(ID_COLUMN)), **_OUR_READERS[row.slug](cell, reader)}
        row.typed_id = bool(cell(ID_COLUMN).strip())
        row.file_id = row.values["id"]
        if row.slug != "doses":  # a dose's rules need its course: _link_doses
            _check_rules(row, reader.patient)
    except RowError as error:
        row.error = str(error)
    return row


def _check_width(cells: list[str], width: int) -> None:
    """RowError when a row fills more cells than the first row has (empty ones at its end do
    not count): an unquoted "7,5" or "45,000" in a file with commas between values is split
    into two cells, and reading the first alone would keep 7 for 7.5."""
    filled = max((index + 1 for index, text in enumerate(cells) if text.strip()), default=0)
    if filled > width:
        raise RowError(
            gettext(
                "This row has more cells than the first row (%(cells)s, not %(columns)s). A "
                "number written with a comma, like 7,5 or 45,000, splits in two where commas "
                "separate the values: put it in quotes, or save the sheet with semicolons "
                "between values."
            )
            % {"cells": filled, "columns": width}
        )


# Where a model field's rule breaks, the column to name (when its name differs).
_COLUMN_OF_FIELD = {"kind": "bleed_kind"}


def _check_rules(row: Row, patient: Patient, *, name_column: bool = True) -> None:
    """The entry's own rules (the model's `problems()`, as the forms run them), and for a
    bleed the ending its row records (only an emergency's; brain signs end only with care)."""
    entry = row.entry(patient)
    problems = entry.problems()
    if isinstance(entry, BleedingEpisode) and (ending := guidance.ending_problem(entry)):
        problems.setdefault("resolution", ValidationError(ending))
    if problems:
        field_name, error = next(iter(problems.items()))
        column = _COLUMN_OF_FIELD.get(field_name, field_name)
        raise RowError(f"{error.messages[0]} ({column})" if name_column else error.messages[0])


def _entry_id(text: str) -> uuid.UUID:
    text = text.strip()
    if not text:
        return uuid.uuid4()
    try:
        return uuid.UUID(text)
    except ValueError:
        raise RowError(
            gettext(
                "“%(text)s” in the id column is not an entry id. Leave it empty for a new entry."
            )
            % {"text": _short(text)}
        ) from None


def _read_count_row(cell, reader: _Reader) -> dict:
    count = _plain_count(cell("count_e9_per_l"), "count_e9_per_l")
    comparator = _comparator(cell)
    if comparator and not count:
        raise RowError(units.BELOW_ZERO if comparator.is_upper_limit else units.ABOVE_ZERO)
    unit = _entered_unit(cell("entered_unit"))
    entered_text = cell("entered_text")
    if entered_text.strip():
        _check_as_entered(entered_text, unit, units.Count(count, comparator, unit=unit))
    else:
        _check_unambiguous(cell("count_e9_per_l"), count)
        entered_text = comparator.symbol + units.format_number(count, unit)
    return {
        "drawn_on": reader.day(cell("drawn_on"), "drawn_on", required=True),
        "drawn_at": reader.moment(cell("drawn_at"), "drawn_at"),
        "count": count,
        "comparator": comparator.value,
        "entered_text": _text(entered_text, PlateletReading, "entered_text", "entered_text"),
        "entered_unit": unit.value,
        "lab": _text(cell("lab"), PlateletReading, "lab", "lab"),
        "note": _text(cell("note"), PlateletReading, "note", "note"),
    }


def _read_bleed_row(cell, reader: _Reader) -> dict:
    duration = cell("duration_minutes").strip()
    if duration and not (duration.isascii() and duration.isdigit()):
        raise RowError(
            gettext("“%(text)s” in duration_minutes is not a number of minutes.")
            % {"text": _short(duration)}
        )
    return {
        "started_at": reader.moment(cell("started_at"), "started_at", required=True),
        "kind": _choice(cell("bleed_kind"), BleedingKind, "bleed_kind", required=True),
        "body_site": _text(cell("body_site"), BleedingEpisode, "body_site", "body_site"),
        "severity": _choice(cell("severity"), Severity, "severity"),
        "first_aid": _choice(cell("first_aid"), FirstAid, "first_aid"),
        "duration_minutes": int(duration) if duration else None,
        "care_sought": _yes_no(cell("care_sought"), "care_sought"),
        "warning_signs": _signs(cell("warning_signs")),
        "resolution": _choice(cell("resolution"), Resolution, "resolution"),
        "resolved_at": reader.moment(cell("resolved_at"), "resolved_at"),
        "note": _text(cell("note"), BleedingEpisode, "note", "note"),
    }


def _signs(text: str) -> list[str]:
    """Codes or labels of WarningSign, separated by ; (or ,), in WarningSign's order."""
    found = {_choice(part, WarningSign, "warning_signs") for part in re.split(r"[;,]", text)}
    return [code for code in WarningSign.values if code in found]


def _read_treatment_row(cell, reader: _Reader) -> dict:
    return {
        "medicine": _choice(cell("medicine"), Medicine, "medicine", required=True),
        "other_name": _text(cell("other_name"), Treatment, "other_name", "other_name"),
        "started_on": reader.day(cell("started_on"), "started_on", required=True),
        "ended_on": reader.day(cell("ended_on"), "ended_on"),
        "dose": _text(cell("dose"), Treatment, "dose", "dose"),
        "note": _text(cell("note"), Treatment, "note", "note"),
    }


def _read_dose_row(cell, reader: _Reader) -> dict:
    unit = _choice(cell("dose_unit"), DoseUnit, "dose_unit", required=True)
    return {
        "treatment_id": _course_id(cell("treatment_id")),
        "given_on": reader.day(cell("given_on"), "given_on", required=True),
        "amount": _optional_amount(cell("amount"), "amount"),
        "unit": unit,
        "route": _choice(cell("route"), Route, "route"),
        "how_often": _choice(cell("how_often"), HowOften, "how_often"),
        "weight_kg": _optional_amount(cell("weight_kg"), "weight_kg"),
        "weighed_on": reader.day(cell("weighed_on"), "weighed_on"),
        "unusual_confirmed": bool(_yes_no(cell("amount_confirmed"), "amount_confirmed")),
        "note": _text(cell("note"), Dose, "note", "note"),
    }


def _course_id(text: str) -> uuid.UUID:
    if not text.strip():
        raise _empty("treatment_id")
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise RowError(
            gettext("“%(text)s” in treatment_id is not a treatment's id.") % {"text": _short(text)}
        ) from None


def _optional_amount(text: str, column: str) -> Decimal | None:
    """An amount or a weight as the dose form reads it (doses.read_amount); None if empty."""
    text = text.strip()
    if not text:
        return None
    field = Dose._meta.get_field(column)
    places, whole = field.decimal_places, field.max_digits - field.decimal_places
    try:
        return doses.read_amount(text, places=places, whole=whole)
    except doses.AmountError as error:
        raise RowError(_in_column(text, column, error)) from None


_OUR_READERS = {
    "counts": _read_count_row,
    "bleeds": _read_bleed_row,
    "treatments": _read_treatment_row,
    "doses": _read_dose_row,
}


def _short(text: str, limit: int = 40) -> str:
    return Truncator(" ".join(text.split())).chars(limit)


def _empty(column: str) -> RowError:
    # Translators: %(column)s is a column name of our file, which stays English.
    return RowError(gettext("The %(column)s column is empty.") % {"column": column})


def _in_column(text: str, column: str, error: Exception) -> str:
    """A cell's problem as one sentence: “31/02/2026” in drawn_on is not a date written …"""
    # Translators: %(text)s is a cell of an imported file, %(column)s its column (a name of
    # our file, which stays English) and %(problem)s the end of the sentence, such as "is not a
    # date written day first" or "is not a number like 3 or 0.4".
    return gettext("“%(text)s” in %(column)s %(problem)s.") % {
        "text": _short(text),
        "column": column,
        "problem": error,
    }


# A dot for decimals, as we write them; a comma too when it cannot be a thousands separator
# (a spreadsheet in a decimal-comma language may have saved 45.5 as 45,5).
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+|,\d{1,2})?", re.ASCII)


def _plain_count(text: str, column: str) -> Decimal:
    text = text.strip()
    if not text:
        raise _empty(column)
    if not _PLAIN_NUMBER.fullmatch(text):
        raise _not_a_count(text, column)
    value = Decimal(text.replace(",", "."))
    if value > units.MAX_COUNT or value.normalize().as_tuple().exponent < -3:
        raise RowError(
            gettext(
                "%(text)s in %(column)s is not a platelet count in ×10⁹/L (0 to %(max)s, at "
                "most 3 decimal places)."
            )
            % {"text": text, "column": column, "max": units.MAX_COUNT}
        )
    return value


def _not_a_count(text: str, column: str) -> RowError:
    # Translators: 45.5 is written with a point, as our file writes counts.
    return RowError(
        gettext("“%(text)s” in %(column)s is not a count like 45 or 45.5.")
        % {"text": _short(text), "column": column}
    )


def _check_as_entered(entered_text: str, unit: units.Unit, count: units.Count) -> None:
    """The count must be what its entered_text says (a file edited in one column and not the
    other would otherwise keep both, and a later edit of the note would bring the text back)."""
    try:
        readings = [units.parse_count(entered_text, unit)]
    except units.NeedsConfirmation as question:
        readings = list(question.choices)
    except units.CountError as error:
        raise RowError(
            gettext("“%(text)s” in entered_text: %(problem)s")
            % {"text": _short(entered_text), "problem": error.message}
        ) from None
    if not any((r.value, r.comparator) == (count.value, count.comparator) for r in readings):
        shown = units.format_count(count.value, units.Unit.E9_PER_L, count.comparator)
        raise RowError(
            gettext(
                "The count (%(count)s) is not what entered_text says (“%(text)s”). Correct one "
                "of the two."
            )
            % {"count": shown, "text": _short(entered_text)}
        )


def _check_unambiguous(text: str, count: Decimal) -> None:
    """A row added by hand, with no entered_text to confirm its count: the count must read one
    way only, as the count form reads it ("1200" could be 1.2 per µL, "1.200" 1,200)."""
    try:
        read = units.parse_count(text, units.Unit.E9_PER_L)
    except units.NeedsConfirmation as question:
        raise RowError(
            # Translators: %(question)s is "Did you mean 1.2 or 1,200?" and %(ways)s the counts
            # it could be, each in quotation marks.
            gettext(
                "“%(text)s” in count_e9_per_l can be read more than one way. %(question)s "
                "Write the result as on the report in entered_text, as %(ways)s."
            )
            % {"text": _short(text), "question": question.message, "ways": _or(question.choices)}
        ) from None
    except units.CountError:
        return  # _plain_count has read it; its own checks apply
    if read.value != count:
        raise _not_a_count(text, "count_e9_per_l")


_COMPARATOR_CELLS = {
    **{c.value: c for c in units.Comparator},
    **{c.symbol: c for c in units.Comparator},
    "=<": units.Comparator.AT_MOST,
    "=>": units.Comparator.AT_LEAST,
}


def _comparator(cell) -> units.Comparator:
    """The comparator column; files from before it had a yes/no below_detection instead."""
    text = cell("comparator").strip()
    if not text:
        below = _yes_no(cell("below_detection"), "below_detection")
        return units.Comparator.BELOW if below else units.Comparator.EXACT
    if text not in _COMPARATOR_CELLS:
        raise RowError(
            gettext("“%(text)s” in comparator should be <, <=, >=, > or empty.")
            % {"text": _short(text)}
        )
    return _COMPARATOR_CELLS[text]


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _yes_no(text: str, column: str) -> bool | None:
    text = text.strip().lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise RowError(
        # Translators: yes and no are what our file writes: they stay English.
        gettext("“%(text)s” in %(column)s should be yes, no or empty.")
        % {"text": _short(text), "column": column}
    )


def _choice(text: str, choices, column: str, required: bool = False) -> str:
    text = text.strip().lower()
    if not text:
        if required:
            raise _empty(column)
        return ""
    for value, label in choices.choices:
        if text in (value, label.lower()):
            return value
    allowed = ", ".join(choices.values)
    raise RowError(
        gettext("“%(text)s” in %(column)s is not one of: %(allowed)s.")
        % {"text": _short(text), "column": column, "allowed": allowed}
    )


def _entered_unit(text: str) -> units.Unit:
    text = text.strip()
    if not text:
        return units.Unit.E9_PER_L
    for unit in units.Unit:
        if text.lower() in (unit.value.lower(), unit.label.lower(), unit.ucum.lower()):
            return unit
    raise RowError(
        gettext("“%(text)s” in entered_unit should be e9/L (10*9/L) or /uL.")
        % {"text": _short(text)}
    )


def _text(text: str, model, field_name: str, column: str) -> str:
    limit = model._meta.get_field(field_name).max_length
    text = lf_line_breaks(text)
    if len(text) > limit:
        raise RowError(
            gettext("The %(column)s column is longer than %(limit)s characters.")
            % {"column": column, "limit": limit}
        )
    return text


# --- Duplicates -------------------------------------------------------------------------------

ALREADY_THERE = gettext_lazy("Already in the history.")
WAS_DELETED = gettext_lazy(
    "Matches an entry that was deleted. Import never brings deleted entries back: restore it "
    "from the history page instead."
)


def content_key(slug: str, values: dict) -> tuple:
    """Everything that round-trips except the id. Decimals and aware datetimes compare by value."""
    return tuple(values[name] for name in (*MODEL_FIELDS[slug], "note"))


# What a repeat within the file says, by whether the file numbers rows (CSV) or entries (FHIR).
_REPEAT_WORDS = {
    False: (
        gettext_lazy(
            "This row has the same id as row %(row)s but different details. Keep one of the two."
        ),
        gettext_lazy("The same entry as row %(row)s."),
        gettext_lazy("The same result as row %(row)s."),
    ),
    True: (
        gettext_lazy(
            "This entry has the same id as entry %(row)s but different details. Keep one of "
            "the two."
        ),
        gettext_lazy("The same as entry %(row)s."),
        gettext_lazy("The same result as entry %(row)s."),
    ),
}


def _mark_our_duplicates(rows: list[Row], patient: Patient, *, fhir_file: bool = False) -> None:
    same_id, same_entry, same_result = _REPEAT_WORDS[fhir_file]
    for slug, kind in entries.KINDS.items():
        if slug == "doses":  # after the courses (KINDS order), whose ids they name
            _link_doses(rows, patient)
        of_kind = [row for row in rows if row.slug == slug and not row.error]
        if not of_kind:
            continue
        owners = _owners_of(kind.model, [row.values["id"] for row in of_kind])
        existing = _existing(kind.model, patient, slug)
        seen: dict[uuid.UUID, tuple[int, tuple]] = {}
        # By result, the rows kept so far: a row typed without an id that repeats one is the
        # same result twice. Rows with ids are distinct entries, as the record had them (two
        # results a member chose to keep, "save another").
        kept = duplicates.Found(slug)
        for row in of_kind:
            entry_id, key = row.values["id"], content_key(slug, row.values)
            owner = owners.get(entry_id)
            first = seen.setdefault(entry_id, (row.number, key))
            if owner is not None and owner[0] == patient.pk:
                row.duplicate = WAS_DELETED if owner[1] else ALREADY_THERE
            elif first[0] != row.number and first[1] != key:
                row.error = str(same_id) % {"row": first[0]}
            elif first[0] != row.number:
                row.repeat_of = first[0]
                row.duplicate = str(same_entry) % {"row": first[0]}
            elif (live := existing.find(row.values)) is not None:
                row.duplicate = ALREADY_THERE if live else WAS_DELETED
            elif not row.typed_id and (twin := kept.find(row.values)) is not None:
                row.repeat_of = twin
                row.duplicate = str(same_result) % {"row": twin}
            else:
                kept.add(row.values, row.number)
                if owner is not None:
                    # The id belongs to someone else's record: never touch it, use a new one.
                    row.values["id"] = uuid.uuid4()


def _link_doses(rows: list[Row], patient: Patient) -> None:
    """Find each dose's course, in the file (under its new id, if it got one) or in the record,
    then check the dose's own rules against it; a dose without a course is an error."""
    in_file: dict[uuid.UUID, Row] = {}
    for row in rows:
        if row.slug == "treatments" and row.file_id is not None:
            in_file.setdefault(row.file_id, row)
    doses = [row for row in rows if row.slug == "doses" and not row.error]
    wanted = {row.values["treatment_id"] for row in doses}
    in_record = {course.pk: course for course in Treatment.objects.filter(pk__in=wanted)}
    for row in doses:
        try:
            row.course = _course_of(row.values["treatment_id"], in_file, in_record, patient)
            row.values["treatment_id"] = row.course.pk
            _check_rules(row, patient)
            _check_usual_dose(row)
        except RowError as error:
            row.error = str(error)


def _check_usual_dose(row: Row) -> None:
    """As the form asks, unless the row says the person confirmed it (amount_confirmed)."""
    values = row.values
    medicine = row.course.medicine
    question = doses.question(medicine, values["unit"], values["amount"], values["route"])
    if question and not values["unusual_confirmed"]:
        raise RowError(
            # Translators: yes and amount_confirmed are what our file holds: they stay English.
            gettext("%(question)s If it is right, write yes in amount_confirmed.")
            % {"question": question}
        )
    values["unusual_confirmed"] = bool(question)  # "yes" on a usual dose confirms nothing


def _course_of(course_id, in_file: dict, in_record: dict, patient: Patient) -> Treatment:
    row = in_file.get(course_id)
    if row is not None and row.error:
        raise RowError(
            gettext("Its treatment, row %(row)s, has a problem: fix that row first.")
            % {"row": row.number}
        )
    if row is not None and not row.duplicate:
        return row.entry(patient)  # new, under the id it is saved with
    mine = in_record.get(course_id)
    if row is not None and (mine is None or mine.patient_id != patient.pk):
        # The same course as one already in the record, under another id.
        values = {name: row.values[name] for name in duplicates.FIELDS["treatments"]}
        course = duplicates.first_same_result(Treatment, patient, "treatments", values)
        if course is not None:
            return course
    course = mine
    if course is None or course.patient_id != patient.pk:
        raise RowError(
            gettext(
                "Its treatment (treatment_id) is not in this file or in this record: bring in "
                "the file that holds the treatment too."
            )
        )
    if course.deleted_at is not None:
        raise RowError(
            gettext("Its treatment was deleted: restore it from the history page first.")
        )
    return course


def _owners_of(model, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    """{id: (patient id, deleted?)} for the ids that already exist in any record."""
    owners = {}
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start : start + ID_BATCH]
        for pk, patient_id, deleted_at in model.objects.filter(pk__in=batch).values_list(
            "pk", "patient_id", "deleted_at"
        ):
            owners[pk] = (patient_id, deleted_at is not None)
    return owners


def _existing(model, patient: Patient, slug: str) -> duplicates.Found:
    """Every entry of the record, deleted ones included, by result: found as live or not."""
    found = duplicates.Found(slug)
    fields = duplicates.FIELDS[slug]
    rows = model.objects.filter(patient=patient).values(*fields, "deleted_at")
    for values in rows.iterator():
        found.add(values, values["deleted_at"] is None)
    return found


# --- FHIR files -------------------------------------------------------------------------------


def _plan_fhir(contents: fhir.Contents, patient: Patient) -> Plan:
    """A FHIR file's counts checked as our own file's rows are: the record's rules, then the
    duplicate rule (our entry ids, then the same result)."""
    rows = [_fhir_row(found, patient) for found in contents.counts]
    _mark_our_duplicates(rows, patient, fhir_file=True)
    return Plan(ours=False, rows=rows, skipped=contents.skipped)


def _fhir_row(found: fhir.FoundCount, patient: Patient) -> Row:
    notice = " ".join(words for words in (found.notice, found.time_left_out) if words)
    row = Row(found.number, slug="counts", notice=notice, rounded=bool(found.notice))
    row.typed_id = bool(found.entry_id)
    if found.error:
        row.error = found.error
        return row
    try:
        # A moment falls on its date where the patient lives (the model's rule).
        drawn_on = found.day or found.moment.astimezone(patient.zone).date()
    except OverflowError:  # a moment at the very edge of the years Python holds
        row.error = gettext("That date cannot be a date of this record.")
        return row
    try:
        row.values = {
            "id": found.entry_id or uuid.uuid4(),
            "drawn_on": drawn_on,
            "drawn_at": found.moment,
            "count": found.count.value,
            "comparator": found.count.comparator.value,
            "entered_text": found.entered_text,
            "entered_unit": found.count.unit.value,
            "lab": _text(found.lab, PlateletReading, "lab", "lab"),
            "note": _text(found.note, PlateletReading, "note", "note"),
        }
        row.file_id = row.values["id"]
        _check_rules(row, patient, name_column=False)
    except RowError as error:
        row.error = str(error)
        row.values = {}
    return row


# --- Simple sheets ----------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# The order of day and month each format names (None: ISO, year first).
_ORDER_OF_FORMAT = {
    "YYYY-MM-DD": None,
    "DD/MM/YYYY": sheet_dates.DAY_FIRST,
    "MM/DD/YYYY": sheet_dates.MONTH_FIRST,
    "DD.MM.YYYY": sheet_dates.DAY_FIRST,
    "DD-MM-YYYY": sheet_dates.DAY_FIRST,
}


def guess_date_format(table: Table, column: int) -> str | None:
    """The date format the column's cells decide (see sheet_dates.order_of), or None. Cells
    with no digit ("see comment") neither decide nor block: the preview lists them."""
    sample = [cells[column].strip() for _, cells in table.rows[:200] if column < len(cells)]
    sample = [text for text in sample if any(char.isdigit() for char in text)]
    if not sample:
        return None
    local = [text for text in sample if sheet_dates.is_local(text)]
    if not local:
        return "YYYY-MM-DD" if all(_reads(text, None) for text in sample) else None
    order = sheet_dates.order_of(local)
    separator = next(mark for mark in "/.-" if mark in local[0])
    fitting = [
        name
        for name, name_order in _ORDER_OF_FORMAT.items()
        if name_order == order and separator in name
    ]
    if order is None or not fitting or not all(_reads(text, order) for text in sample):
        return None
    return fitting[0]


def _reads(text: str, order: str | None) -> bool:
    try:
        sheet_dates.read_day(text, order)
    except sheet_dates.DateError:
        return False
    return True


def _plan_sheet(table: Table, options: SheetOptions, patient: Patient) -> Plan:
    data = table.rows
    if not options.has_header:
        data = [(1, table.first), *data]
    unit = units.Unit(options.unit)
    width = len(table.first)
    rows = [_read_sheet_row(number, cells, options, unit, patient, width) for number, cells in data]
    if not rows:
        raise ImportFileError(gettext("This file has column names but no rows of history."))
    existing = _existing(PlateletReading, patient, "counts")
    seen = duplicates.Found("counts")
    for row in rows:
        if row.error:
            continue
        if (live := existing.find(row.values)) is not None:
            row.duplicate = ALREADY_THERE if live else WAS_DELETED
        elif (first := seen.find(row.values)) is not None:
            row.repeat_of = first
            row.duplicate = gettext("The same date and count as row %(row)s.") % {"row": first}
        else:
            seen.add(row.values, row.number)
    return Plan(ours=False, rows=rows)


def _read_sheet_row(
    number: int, cells: list[str], options: SheetOptions, unit, patient: Patient, width: int
) -> Row:
    def cell(index: int) -> str:
        return cells[index].strip() if index < len(cells) else ""

    row = Row(number, slug="counts")
    day_text, count_text = cell(options.date_column), cell(options.count_column)
    try:
        _check_width(cells, width)
        drawn_on, drawn_at = _sheet_date(day_text, options.date_format, patient)
        count = _sheet_count(count_text, unit)
        row.values = {
            "id": uuid.uuid4(),
            "drawn_on": drawn_on,
            "drawn_at": drawn_at,
            "count": count.value,
            "comparator": count.comparator.value,
            "entered_text": count_text,
            "entered_unit": count.unit.value,
            "lab": "",
            "note": "",
        }
        _check_rules(row, patient, name_column=False)
    except RowError as error:
        row.error = str(error)
        row.values = {}
    return row


def _sheet_date(text: str, date_format: str, patient: Patient):
    """The date of a sheet's row, and the moment when the cell has a time too."""
    if not text:
        raise RowError(gettext("The date is empty."))
    try:
        return sheet_dates.read_day_and_time(text, _ORDER_OF_FORMAT[date_format], patient.zone)
    except sheet_dates.DateError:
        raise RowError(
            # Translators: %(format)s is like DD/MM/YYYY, %(example)s like 31/01/2026.
            gettext("“%(text)s” is not a date written as %(format)s (like %(example)s).")
            % {
                "text": _short(text),
                "format": date_format_label(date_format),
                "example": DATE_EXAMPLES[date_format],
            }
        ) from None
    except dates.TimeProblem as problem:
        raise RowError(f"“{_short(text)}”: {problem.message}") from None


def _sheet_count(text: str, unit: units.Unit) -> units.Count:
    if not text:
        raise RowError(gettext("The count is empty."))
    try:
        return units.parse_count(text, unit)
    except units.NeedsConfirmation as question:
        if len(question.choices) > 1:
            raise RowError(
                # Translators: %(question)s is "Did you mean 1.2 or 1,200? …" and %(ways)s the
                # counts it could be, each in quotation marks.
                gettext(
                    "“%(text)s” can be read two ways. %(question)s Write the one you mean in the "
                    "cell, as %(ways)s, or correct this row."
                )
                % {
                    "text": _short(text),
                    "question": question.message,
                    "ways": _or(question.choices),
                }
            ) from None
        raise RowError(
            gettext(
                "“%(text)s” does not look like a count in %(unit)s. %(question)s Choose the unit "
                "that your file uses, or correct this row."
            )
            % {"text": _short(text), "unit": unit.label, "question": question.message}
        ) from None
    except units.CountError as error:
        raise RowError(f"“{_short(text)}”: {error.message}") from None


def _how_many(slug: str, number: int) -> str:
    """ "1 count", "1,200 counts", in the active language."""
    shown = {"count": number_format(number, force_grouping=True)}
    if slug == "counts":
        return ngettext("%(count)s count", "%(count)s counts", number) % shown
    if slug == "bleeds":
        return ngettext("%(count)s bleed", "%(count)s bleeds", number) % shown
    if slug == "treatments":
        return ngettext("%(count)s treatment", "%(count)s treatments", number) % shown
    return ngettext("%(count)s dose", "%(count)s doses", number) % shown


def describe_kinds(counts: dict[str, int]) -> str:
    """{"counts": 3, "bleeds": 1} -> "3 counts and 1 bleed"."""
    parts = [_how_many(slug, number) for slug, number in counts.items()]
    return (
        get_text_list(parts, pgettext("the last two of a list", "and"))
        if parts
        else gettext("nothing")
    )
