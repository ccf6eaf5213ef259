"""When things happened in a record: its time zone, the dates it accepts, and wall-clock times.

The model, as people expect it:
- A record lives in the patient's time zone (`Patient.time_zone`, set on the record's details;
  a new record takes its first owner's). Its pages show every date and time in that zone,
  whoever looks, so a caregiver in New York and a parent in London see the same day.
- The date of a blood test (`drawn_on`) and of a treatment is the patient's local date: it is
  stored as a date and never shifts with anyone's zone. A time, when given, is an instant,
  made from that date and the wall-clock time in the patient's zone, and shown back in it
  (with the viewer's own time beside it when their zones differ).
- "In the future" means after now in the patient's zone.
- Every date lies between the earliest the record allows (1 January of the year of birth, or
  1900 without one) and today in the patient's zone; a planned treatment end may be up to
  PLANNED_END_YEARS ahead. The database holds wider fixed bounds (STORABLE_FROM, STORABLE_UNTIL)
  as constraints, so that no path can store a date that Python or PostgreSQL cannot read back.
- A wall-clock time that does not exist in the zone (the hour skipped when clocks go forward)
  is refused; one that happens twice (when clocks go back) must be chosen.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Concat
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
PLANNED_END_YEARS = 5
# What the database accepts: a margin around the rules above, far inside what Python's
# datetime (years 1-9999) and PostgreSQL can read back in any time zone.
STORABLE_FROM = datetime.date(1899, 12, 30)
STORABLE_UNTIL = datetime.date(2200, 1, 1)
STORABLE_FROM_MOMENT = datetime.datetime.combine(STORABLE_FROM, datetime.time(), datetime.UTC)
STORABLE_UNTIL_MOMENT = datetime.datetime.combine(STORABLE_UNTIL, datetime.time(), datetime.UTC)

FUTURE = _("That date is in the future. Enter the date it happened.")
FUTURE_TIME = _("That time is still to come. Enter when it happened.")


def default_time_zone() -> str:
    """The site's default zone (settings.TIME_ZONE), read when a row is made, so that setting
    TIME_ZONE changes new accounts without changing the models."""
    return settings.TIME_ZONE


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone with this IANA name; the site's default for a name this machine lacks."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today_in(zone: datetime.tzinfo) -> datetime.date:
    return timezone.localdate(timezone=zone)


def short_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def date_problem(
    day: datetime.date,
    *,
    earliest: datetime.date,
    today: datetime.date,
    latest: datetime.date | None = None,
) -> str | None:
    """Why `day` cannot be a date in this record, or None. `latest` defaults to `today`."""
    if day < earliest:
        if earliest == EARLIEST_DATE:
            return gettext("Enter a date from %(date)s on.") % {"date": short_date(EARLIEST_DATE)}
        return gettext("That date is before the year of birth (%(year)d).") % {
            "year": earliest.year
        }
    if latest is None and day > today:
        return str(FUTURE)
    if latest is not None and day > latest:
        return gettext("Enter a date no later than %(date)s.") % {"date": short_date(latest)}
    return None


# --- Wall-clock times -----------------------------------------------------------------------


class TimeProblem(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fold:
    """One of the two moments a repeated wall-clock time can be."""

    fold: int  # 0 the first, 1 the second (PEP 495)
    offset: str  # "UTC+01:00"
    label: str
    iso: str  # the moment in ISO 8601 with its offset: "2026-10-25T01:30:00+01:00"


class AmbiguousTime(TimeProblem):
    def __init__(self, naive: datetime.datetime, zone: datetime.tzinfo):
        self.folds = tuple(_fold(naive, zone, fold) for fold in (0, 1))
        super().__init__(
            gettext(
                "%(time)s happened twice on %(date)s, when the clocks went back. Choose which one."
            )
            % {"time": f"{naive:%H:%M}", "date": short_date(naive.date())}
        )


def _offset(moment: datetime.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _fold(naive: datetime.datetime, zone: datetime.tzinfo, fold: int) -> Fold:
    moment = naive.replace(tzinfo=zone, fold=fold)
    words = (
        gettext("The first %(time)s, before the clocks went back (%(zone)s)")
        if fold == 0
        else gettext("The second %(time)s, after the clocks went back (%(zone)s)")
    )
    zone_name = f"{moment.tzname()}, {_offset(moment)}"
    label = words % {"time": f"{naive:%H:%M}", "zone": zone_name}
    return Fold(fold, _offset(moment), label, moment.isoformat())


def local_moment(
    day: datetime.date, time: datetime.time, zone: datetime.tzinfo, fold: int | None = None
) -> datetime.datetime:
    """The instant at wall-clock `time` on `day` in `zone` (aware, in that zone).

    Raises TimeProblem for a time the clocks skipped, AmbiguousTime (with the two choices) for
    a time they passed twice unless `fold` says which.
    """
    naive = datetime.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone)
    if first.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None, fold=0) != naive:
        raise TimeProblem(
            gettext(
                "%(time)s did not happen on %(date)s: the clocks went forward then. "
                "Check the time, or enter the hour after."
            )
            % {"time": f"{time:%H:%M}", "date": short_date(day)}
        )
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    if fold is None:
        raise AmbiguousTime(naive, zone)
    return second if fold else first


def clock(moment: datetime.datetime, zone: datetime.tzinfo) -> str:
    """`moment`'s clock time in `zone`: "09:30", or "01:30 GMT" where that clock time happened
    twice that day (the clocks went back), so that the two can be told apart."""
    local = moment.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return f"{local:%H:%M} {local.tzname()}"
    return f"{local:%H:%M}"


def as_instant(moment: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """An aware moment as is; a naive one read as wall-clock time in `zone` (local_moment)."""
    if timezone.is_aware(moment):
        return moment
    return local_moment(moment.date(), moment.time(), zone)


# --- Rows stored before these bounds ---------------------------------------------------------


def repair_unstorable(model, fields: tuple[str, ...], note_field: str | None = None) -> list[str]:
    """Move every value of `fields` that the database may no longer hold (before STORABLE_FROM
    or from STORABLE_UNTIL on) to the nearest date the rules allow: 1 January 1900, or today
    (UTC). The old value is kept in `note_field`; without one (a record's diagnosis date) the
    value is emptied. Rows are found and read back as SQL text, never as Python values, which
    a year 0 or 10000 would break. Works with the historical models of a migration.

    Returns one line per repair, for whoever runs it.
    """
    done = []
    for name in fields:
        field = model._meta.get_field(name)
        is_moment = isinstance(field, models.DateTimeField)
        low, high = (
            (STORABLE_FROM_MOMENT, STORABLE_UNTIL_MOMENT)
            if is_moment
            else (STORABLE_FROM, STORABLE_UNTIL)
        )
        too_early = models.Q(**{f"{name}__lt": low})
        rows = model._default_manager.filter(too_early | models.Q(**{f"{name}__gte": high}))
        found = rows.values_list(
            "pk",
            Cast(name, models.TextField()),
            models.Case(models.When(too_early, then=True), default=False),
        )
        for pk, was, early in list(found):
            now = timezone.now()
            if note_field is None:
                value = None
            elif is_moment:
                value = datetime.datetime(1900, 1, 1, 12, tzinfo=datetime.UTC) if early else now
            else:
                value = EARLIEST_DATE if early else now.date()
            changes = {name: value}
            line = f"{model._meta.label} {pk}: {name} was {was}, now {value or 'empty'}"
            if note_field:
                fixed = (
                    f"\n[ITP Tracker, {now:%Y-%m-%d}: the {field.verbose_name} was {was}, which "
                    f"cannot be right; it is now {value:%Y-%m-%d}. Please correct it.]"
                )
                changes[note_field] = Concat(note_field, models.Value(fixed))
            model._default_manager.filter(pk=pk).update(**changes)
            done.append(line)
    return done
