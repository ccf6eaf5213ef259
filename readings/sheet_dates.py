"""Dates and times as files bring them: ISO 8601 as we write them, or as a spreadsheet in some
language re-saved them (02/11/2026, 2.11.2026, 11/2/2026, "21/01/2026 09:30", "1/21/26 9:30 PM").

Whether 02/11/2026 is 2 November or 11 February cannot be told from one cell. A file is
written one way throughout, so its cells decide together (`order_of`): a first number above 12
means day first, a second number above 12 means month first. When no cell decides, or cells
disagree, the person is asked once for the whole file. A time without an offset is wall-clock
time in the record's zone (accounts.dates.as_instant).
"""

import datetime
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import dates

DAY_FIRST = "DMY"
MONTH_FIRST = "MDY"
ORDERS = {
    DAY_FIRST: gettext_lazy("Day first: 02/11/2026 is 2 November 2026"),
    MONTH_FIRST: gettext_lazy("Month first: 02/11/2026 is 11 February 2026"),
}

_NUMERIC = re.compile(
    r"(?P<first>\d{1,2})(?P<sep>[./-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:(?:\s+|,\s*|T)(?P<time>.+))?"
)
_TIME = re.compile(
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<half>[ap]\.?\s?m\.?)?",
    re.IGNORECASE,
)


class DateError(ValueError):
    """A cell is not a date (or time) this reader can read; the message is for the person.

    The messages are the end of a sentence that readings.imports begins with the cell and its
    column ("“31/02/2026” in drawn_on" + " is not a date written day first"); the Translators
    comments say so.
    """


class OrderUnknown(DateError):
    """The cell is a date, but which number is the day depends on the file's order."""


def is_local(text: str) -> bool:
    """Whether the cell is a date written the locale way (day and month in some order)."""
    return bool(_NUMERIC.fullmatch(text.strip()))


def order_of(cells: Iterable[str]) -> str | None:
    """The order the cells' dates must be in (DAY_FIRST or MONTH_FIRST), or None if they do not
    tell (every day is 12 or less) or contradict each other."""
    found = set()
    for text in cells:
        match = _NUMERIC.fullmatch(text.strip())
        if match:
            first, second = int(match["first"]), int(match["second"])
            if first > 12 >= second:
                found.add(DAY_FIRST)
            elif second > 12 >= first:
                found.add(MONTH_FIRST)
    return found.pop() if len(found) == 1 else None


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    # Two digits: this century, unless that is more than a year ahead ("95" is 1995). A date
    # next year stays next year, so the record's bounds refuse it rather than move it 100 years.
    year = 2000 + int(text)
    return year if year <= datetime.date.today().year + 1 else year - 100


def _local_date(match: re.Match, order: str | None) -> datetime.date:
    if order is None:
        raise OrderUnknown(_("Say whether the dates are written day first or month first."))
    first, second = int(match["first"]), int(match["second"])
    day, month = (first, second) if order == DAY_FIRST else (second, first)
    try:
        return datetime.date(_year(match["year"]), month, day)
    except ValueError:
        if order == DAY_FIRST:
            # Translators: the end of a sentence that begins “31/02/2026” in drawn_on … (a cell
            # of an imported file and its column); no full stop, one is added after it.
            raise DateError(_("is not a date written day first")) from None
        # Translators: as "is not a date written day first", for dates written month first.
        raise DateError(_("is not a date written month first")) from None


def _unreadable_time() -> DateError:
    # Translators: the end of a sentence that begins “21/01/2026 25:00” in started_at … (a cell
    # of an imported file and its column); no full stop, one is added after it.
    return DateError(_("has a time we cannot read (write it like 09:30)"))


def _time(text: str) -> datetime.time:
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise _unreadable_time()
    hour, minute = int(match["hour"]), int(match["minute"])
    if match["half"]:
        if not 1 <= hour <= 12:
            raise _unreadable_time()
        hour = hour % 12 + (12 if match["half"].lower().startswith("p") else 0)
    try:
        return datetime.time(hour, minute, int(match["second"] or 0))
    except ValueError:
        raise _unreadable_time() from None


def read_day(text: str, order: str | None) -> datetime.date:
    """The date in a cell: ISO (2026-01-31, also with a time after it) or the locale way."""
    text = text.strip()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    match = _NUMERIC.fullmatch(text)
    if not match:
        # Translators: the end of a sentence that begins “31.1.26x” in drawn_on … (a cell of an
        # imported file and its column); no full stop, one is added after it.
        raise DateError(_("is not a date written like 2026-01-31"))
    return _local_date(match, order)


def read_moment(text: str, order: str | None, zone: datetime.tzinfo) -> datetime.datetime:
    """The instant in a cell: ISO 8601 (with its offset, or wall-clock time in `zone`), or a
    locale date with a time. Raises DateError, or accounts.dates.TimeProblem for a wall-clock
    time the clocks skipped or repeated in `zone`."""
    text = text.strip()
    try:
        written = datetime.datetime.fromisoformat(text)
    except ValueError:
        match = _NUMERIC.fullmatch(text)
        if not match or not match["time"]:
            # Translators: the end of a sentence that begins “yesterday” in started_at … (a
            # cell of an imported file and its column); no full stop, one is added after it.
            raise DateError(
                _("is not a date and time written like 2026-01-31T09:30:00+00:00")
            ) from None
        written = datetime.datetime.combine(_local_date(match, order), _time(match["time"]))
    if written.tzinfo is None:
        return dates.local_moment(written.date(), written.time(), zone)
    try:
        written.astimezone(datetime.UTC)
    except OverflowError:  # 9999-12-31T23:59-12:00 is in the year 10000 in UTC
        # Translators: the end of a sentence that begins “9999-12-31T23:59-12:00” in
        # started_at … (a cell of an imported file and its column); no full stop after it.
        raise DateError(_("is not a time we can store")) from None
    return written


def read_day_and_time(
    text: str, order: str | None, zone: datetime.tzinfo
) -> tuple[datetime.date, datetime.datetime | None]:
    """A sheet's date cell, which may carry a time: the date as written, and the instant when
    a time is given. Midnight without an offset is how spreadsheets write a bare date: no time."""
    day = read_day(text, order)
    match = _NUMERIC.fullmatch(text.strip())
    has_time = bool(match["time"]) if match else len(text.strip()) > len("2026-01-31")
    if not has_time:
        return day, None
    moment = read_moment(text, order, zone)
    written_midnight = moment.astimezone(zone).time() == datetime.time() and not _has_offset(text)
    return day, None if written_midnight else moment


def _has_offset(text: str) -> bool:
    try:
        return datetime.datetime.fromisoformat(text.strip()).tzinfo is not None
    except ValueError:
        return False
