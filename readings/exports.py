"""A patient's history as CSV: the columns, the cells, and a stream of lines.

One format for everything. Each file starts with a `kind` column (count, bleed, treatment or
dose) and the entry's `id`; a file with one kind has only that kind's columns, the combined
file has every kind's columns, blank where they do not apply. `imports.py` reads all of them.

- Dates are ISO 8601 (2026-03-04); moments are ISO 8601 with the UTC offset of the
  exporting user's time zone (2026-03-04T09:30:00+01:00), so they mean the same instant
  anywhere.
- Counts are plain decimals in ×10⁹/L (45, 45.5, never 4.5E+1 and never blank for 0), and
  again in the unit the person typed (45000 for per µL), next to the text they typed.
- Choices are written as their codes (nosebleed, moderate), yes/no for yes-or-no fields,
  an empty cell for "not recorded".
- Every cell that a spreadsheet would run as a formula is escaped (see `escape_cell`).

The stream is a generator over `.iterator()` querysets that yields chunks of about 64 KB:
memory stays flat whatever the number of rows. The files to read in a spreadsheet
(readings.sheets) are written with the same queries, cells and writer (`csv_text`).
"""

import csv
import datetime
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import translation
from django.utils.translation import ngettext

from readings.entries import KINDS, EntryKind
from readings.units import Unit

logger = logging.getLogger(__name__)

BOM = "\ufeff"
# The import knows a broken-off file by this mark at the start of its last row, in any
# language: it stays English, and the words after it are the reader's.
INCOMPLETE_MARK = "INCOMPLETE FILE"


def incomplete(rows: int) -> str:
    """The last row of a file that broke off: "INCOMPLETE FILE: the download broke off …"."""
    return ngettext(
        # Translators: %(mark)s is "INCOMPLETE FILE", which stays English (the import looks for
        # it); say it again in your language after it, e.g. "%(mark)s (ARCHIVO INCOMPLETO): …".
        "%(mark)s: the download broke off after %(rows)s row because of an error on our side. "
        "Download it again.",
        "%(mark)s: the download broke off after %(rows)s rows because of an error on our side. "
        "Download it again.",
        rows,
    ) % {"mark": INCOMPLETE_MARK, "rows": rows}


CHUNK_SIZE = 2000  # rows fetched from the database at a time
FLUSH_AT = 64 * 1024  # characters yielded to the server at a time

# --- Columns ----------------------------------------------------------------------------------

KIND_COLUMN = "kind"
ID_COLUMN = "id"
# The value of the `kind` column for each kind of entry, and back.
KIND_NAMES = {"counts": "count", "bleeds": "bleed", "treatments": "treatment", "doses": "dose"}
KIND_OF_NAME = {name: slug for slug, name in KIND_NAMES.items()}


@dataclass(frozen=True)
class Column:
    """One column of a kind's rows: its name in the file, the model field it holds (None for
    a column written for people, which an import works out or sets itself), and how a row (a
    values() dict) becomes its cell. `optional`: added after files were first written, so a
    file without it still imports."""

    name: str
    field: str | None
    cell: Callable[[dict, datetime.tzinfo], str]
    optional: bool = False


def _plain(field: str) -> Callable[[dict, datetime.tzinfo], str]:
    return lambda row, tz: row[field]


# Each kind's columns, in file order: the one table that the download writes by and the
# import reads by (readings.imports reads each column by its name here).
COLUMNS: dict[str, tuple[Column, ...]] = {
    "counts": (
        Column("drawn_on", "drawn_on", lambda row, tz: day(row["drawn_on"])),
        Column("drawn_at", "drawn_at", lambda row, tz: moment(row["drawn_at"], tz)),
        Column("count_e9_per_l", "count", lambda row, tz: plain_decimal(row["count"])),
        Column("comparator", "comparator", _plain("comparator")),
        Column(
            "count_as_entered",
            None,
            lambda row, tz: count_in(row["count"], row["entered_unit"]),
        ),
        Column("entered_text", "entered_text", _plain("entered_text")),
        Column("entered_unit", "entered_unit", _plain("entered_unit")),
        Column("lab", "lab", _plain("lab")),
    ),
    "bleeds": (
        Column("started_at", "started_at", lambda row, tz: moment(row["started_at"], tz)),
        Column("bleed_kind", "kind", _plain("kind")),
        Column("body_site", "body_site", _plain("body_site")),
        Column("severity", "severity", _plain("severity")),
        Column("first_aid", "first_aid", _plain("first_aid")),
        Column(
            "duration_minutes", "duration_minutes", lambda row, tz: text(row["duration_minutes"])
        ),
        Column("care_sought", "care_sought", lambda row, tz: yes_no(row["care_sought"])),
        Column(
            "warning_signs",
            "warning_signs",
            lambda row, tz: ";".join(row["warning_signs"]),
            optional=True,
        ),
        Column("resolution", "resolution", _plain("resolution"), optional=True),
        Column(
            "resolved_at",
            "resolved_at",
            lambda row, tz: moment(row["resolved_at"], tz),
            optional=True,
        ),
    ),
    "treatments": (
        Column("medicine", "medicine", _plain("medicine")),
        Column("other_name", "other_name", _plain("other_name")),
        Column("started_on", "started_on", lambda row, tz: day(row["started_on"])),
        Column("ended_on", "ended_on", lambda row, tz: day(row["ended_on"])),
        Column("dose", "dose", _plain("dose")),
    ),
    # A dose names its course by the course's id (a treatment row of the same file, or of the
    # record it is brought into).
    "doses": (
        Column("treatment_id", "treatment_id", lambda row, tz: str(row["treatment_id"])),
        Column("given_on", "given_on", lambda row, tz: day(row["given_on"])),
        Column("amount", "amount", lambda row, tz: optional_decimal(row["amount"])),
        Column("dose_unit", "unit", _plain("unit")),
        Column("route", "route", _plain("route")),
        Column("how_often", "how_often", _plain("how_often")),
        Column("weight_kg", "weight_kg", lambda row, tz: optional_decimal(row["weight_kg"])),
        Column("weighed_on", "weighed_on", lambda row, tz: day(row["weighed_on"])),
        Column(
            "amount_confirmed",
            "unusual_confirmed",
            lambda row, tz: yes_no(row["unusual_confirmed"]),
        ),
    ),
}
TAIL_COLUMNS = ("note", "entered_by", "created_at", "updated_at")

# Views of the table, by name.
KIND_COLUMNS = {slug: tuple(c.name for c in columns) for slug, columns in COLUMNS.items()}
# The model fields each kind's rows are built from (values() names); with `id` and `note`,
# the fields an export then import brings back exactly.
MODEL_FIELDS = {
    slug: tuple(c.field for c in columns if c.field) for slug, columns in COLUMNS.items()
}
# Written for people to read; an import ignores them (it works them out or sets them itself).
DERIVED_COLUMNS = frozenset(
    {c.name for columns in COLUMNS.values() for c in columns if c.field is None}
    | {"entered_by", "created_at", "updated_at"}
)
OPTIONAL_COLUMNS = frozenset(c.name for columns in COLUMNS.values() for c in columns if c.optional)
_COMMON_VALUES = ("id", "note", "created_by__display_name", "created_at", "updated_at")


def columns_for(slugs: Iterable[str]) -> list[str]:
    """The header of a file holding the given kinds of entry."""
    columns = [KIND_COLUMN, ID_COLUMN]
    for slug in slugs:
        columns.extend(KIND_COLUMNS[slug])
    return [*columns, *TAIL_COLUMNS]


# --- Cells ------------------------------------------------------------------------------------

# A cell that starts with one of these is a formula (or becomes one) in Excel, LibreOffice
# and Google Sheets. Optional leading quotes: a cell that already looks escaped is escaped
# again, so that unescaping is exact for every string.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def escape_cell(text: str) -> str:
    """Prefix a single quote to cells a spreadsheet would run as a formula.

    "=1+1" -> "'=1+1"; "'=1+1" -> "''=1+1" (it would otherwise read back as "=1+1");
    "'hello" and "45" are left alone. `unescape_cell` undoes exactly this.
    """
    return "'" + text if _FORMULA_START.match(text) else text


def unescape_cell(text: str) -> str:
    if text.startswith("'") and _FORMULA_START.match(text, 1):
        return text[1:]
    return text


def plain_decimal(value: Decimal) -> str:
    """45.000 -> "45", 45.50 -> "45.5", 0 -> "0"; never an exponent."""
    return f"{value.normalize():f}" if value else "0"


def optional_decimal(value: Decimal | None) -> str:
    return "" if value is None else plain_decimal(value)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return "yes" if value else "no"


def moment(value: datetime.datetime | None, tz: datetime.tzinfo) -> str:
    """An aware datetime in `tz`, ISO 8601 with its offset; empty when there is none."""
    return value.astimezone(tz).isoformat() if value is not None else ""


def day(value: datetime.date | None) -> str:
    return value.isoformat() if value is not None else ""


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    return str(value)


def count_in(count: Decimal, unit: str) -> str:
    """A count (×10⁹/L) as a plain decimal in `unit`: 45 -> "45", or "45000" per µL."""
    if unit == Unit.PER_UL:
        return plain_decimal(count * 1000)
    return plain_decimal(count)


def cells(slug: str, row: dict, tz: datetime.tzinfo) -> dict[str, str]:
    """One entry (a values() dict) as {column: cell text}, before formula escaping."""
    return {
        KIND_COLUMN: KIND_NAMES[slug],
        ID_COLUMN: str(row["id"]),
        **{column.name: column.cell(row, tz) for column in COLUMNS[slug]},
        "note": row["note"],
        "entered_by": row["created_by__display_name"] or "",
        "created_at": moment(row["created_at"], tz),
        "updated_at": moment(row["updated_at"], tz),
    }


def line_cells(columns: list[str], values: dict[str, str]) -> list[str]:
    """A row in column order; columns of other kinds are left empty."""
    return [values.get(column, "") for column in columns]


# --- Choosing and streaming the rows ----------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What to export: some kinds of entry, optionally between two dates (inclusive)."""

    slugs: tuple[str, ...]
    since: datetime.date | None = None
    until: datetime.date | None = None

    def describe(self) -> str:
        """Words for the access log: "counts, bleeds, treatments from 2026-01-01"."""
        what = ", ".join(self.slugs)
        if self.since and self.until:
            return f"{what} from {self.since} to {self.until}"
        if self.since:
            return f"{what} from {self.since}"
        if self.until:
            return f"{what} up to {self.until}"
        return f"{what}, everything"


def _day_start(value: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(value, datetime.time(), tzinfo=tz)


def entries_of(
    kind: EntryKind,
    patient,
    selection: Selection,
    tz: datetime.tzinfo,
    extra_fields: tuple[str, ...] = (),
):
    """The live entries of one kind in the range, oldest first, as values() dicts (with
    `extra_fields` too, such as a dose's `treatment__medicine`).

    Bleeds are filtered on the local day they started in `tz`, by explicit bounds rather
    than a `__date` lookup: the queryset runs while the response streams, when the request's
    time zone may no longer be active.
    """
    rows = kind.model.objects.live().filter(patient=patient)
    field = kind.date_field
    if kind.slug == "bleeds":
        if selection.since:
            rows = rows.filter(started_at__gte=_day_start(selection.since, tz))
        if selection.until:
            next_day = selection.until + datetime.timedelta(days=1)
            rows = rows.filter(started_at__lt=_day_start(next_day, tz))
    else:
        if selection.since:
            rows = rows.filter(**{f"{field}__gte": selection.since})
        if selection.until:
            rows = rows.filter(**{f"{field}__lte": selection.until})
    order = [field]
    if kind.slug == "counts":
        order.append(F("drawn_at").asc(nulls_first=True))
    rows = rows.order_by(*order, "created_at", "id")
    fields = (*MODEL_FIELDS[kind.slug], *_COMMON_VALUES, *extra_fields)
    return rows.values(*fields).iterator(chunk_size=CHUNK_SIZE)


@dataclass(frozen=True)
class Download:
    """A file to send: its name's extension, its content type, and its content in chunks."""

    extension: str
    content_type: str
    chunks: Iterator[str] | Iterator[bytes]


CSV_TYPE = "text/csv; charset=utf-8"


def download(patient, selection: Selection, tz: datetime.tzinfo) -> Download:
    return Download("csv", CSV_TYPE, csv_lines(patient, selection, tz))


def csv_lines(patient, selection: Selection, tz: datetime.tzinfo) -> Iterator[str]:
    """The file, as CSV text in chunks: a BOM and the header, then the rows kind by kind."""
    columns = columns_for(selection.slugs)
    rows = (
        line_cells(columns, cells(slug, row, tz))
        for slug in selection.slugs
        for row in entries_of(KINDS[slug], patient, selection, tz)
    )
    return csv_text(columns, rows, patient)


def in_language(chunks: Iterator, language: str | None) -> Iterator:
    """`chunks`, each made with `language` active.

    A download is written while it streams, after the request's middleware has put its
    language back, so the words of a file (and how its numbers are written) would otherwise
    be in the server's default language. The language is active only while a chunk is made,
    never between chunks, so the thread serving the download is left as it was.
    """
    chunks = iter(chunks)
    try:
        while True:
            with translation.override(language):
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def csv_text(
    header: list[str], rows: Iterable[list[str]], patient, delimiter: str = ","
) -> Iterator[str]:
    """A CSV file of `patient`'s in chunks of about FLUSH_AT characters: a BOM, the header,
    then the rows, every cell escaped (`escape_cell`), with Windows line ends; the rows are
    made in the language active now (`in_language`), whenever the chunks are read.

    An error part-way (the database gone, a row that cannot be written) never leaves a file
    that looks whole: it is logged, a last row says the file is incomplete (and, as its kind
    is no kind, stops the file from being imported), and the error goes on up, so that the
    server breaks off the download and the browser reports it failed.
    """
    chunks = _csv_chunks(header, rows, patient, delimiter)
    return in_language(chunks, translation.get_language())


def _csv_chunks(
    header: list[str], rows: Iterable[list[str]], patient, delimiter: str
) -> Iterator[str]:
    buffer = _LineBuffer()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    buffer.lines.insert(0, BOM)
    written = 0
    try:
        for row in rows:
            writer.writerow([escape_cell(cell) for cell in row])
            written += 1
            if buffer.size >= FLUSH_AT:
                yield buffer.flush()
    except Exception:
        logger.exception("The export of record %s broke off after %d rows.", patient.pk, written)
        writer.writerow([incomplete(written)])
        yield buffer.flush()
        raise
    yield buffer.flush()


class _LineBuffer:
    """A file-like object for csv.writer that keeps lines until they are flushed."""

    def __init__(self):
        self.lines: list[str] = []
        self.size = 0

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.size += len(line)

    def flush(self) -> str:
        chunk = "".join(self.lines)
        self.lines, self.size = [], 0
        return chunk
